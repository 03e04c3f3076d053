/* SPDX-License-Identifier: MIT */
/*
 * A saved domain (docs/save-restore.md): an ELF core laid out like the
 * vmcore (include/xenner/vmcore.h), so readelf, gdb -c and xenner-vmcore
 * read it, with two more segments:
 *   phdr[0] PT_NOTE  the vmcore's domain note, then the save note
 *   phdr[1] PT_LOAD  guest RAM and Xen's frames, paddr 0, at 2 MiB
 *   phdr[2] PT_LOAD  emu's memory, paddr EMU_GPA
 *   phdr[3] PT_NOTE  the state notes: per vCPU its KVM state and an
 *                    NT_PRSTATUS, the config and the xenstore notes
 * Every size and checksum is checked before a restore builds anything.
 */
#ifndef XENNER_SAVE_IMAGE_H
#define XENNER_SAVE_IMAGE_H

#include <stdint.h>

#define SAVE_MAGIC	 "XNRSAVE"  /* with its NUL: 8 bytes */
#define SAVE_VERSION	 2	    /* 2: the memory checksums are XXH3 */
#define SAVE_NT_SAVE	 0x584e0101 /* struct xenner_save */
#define SAVE_NT_VCPU	 0x584e0102 /* struct save_vcpu */
#define SAVE_NT_CONFIG	 0x584e0103 /* xenner options, NUL-separated */
#define SAVE_NT_XENSTORE 0x584e0104 /* "relpath\0value\0" pairs */
#define SAVE_NR_PHDRS	 4
#define SAVE_MAX_STATE	 (64ULL << 20) /* a corrupt size is refused */

/* The save note: the first thing a restore reads and checks. */
struct xenner_save {
	char magic[8];
	uint32_t version;
	uint32_t nr_vcpus;
	uint64_t total_pages;  /* RAM segment: pages, Xen's frames included */
	uint64_t emu_size;     /* emu segment: bytes */
	uint64_t state_offset; /* phdr[3] */
	uint64_t state_size;
	uint64_t file_size;
	uint32_t suspend_vcpu; /* the vCPU in SCHEDOP_shutdown(suspend) */
	uint32_t pad;
	uint64_t start_info_pfn; /* from its rdx */
	uint64_t kvm_clock;	 /* KVM_GET_CLOCK at the save */
	uint64_t ram_hash;	 /* XXH3-64 of the pages' XXH3-64s, in order */
	uint64_t emu_hash;
	uint32_t emu_build_crc; /* CRC-32 of emu's ELF image: the build */
	uint32_t state_crc;
	uint32_t self_crc; /* of this struct with self_crc = 0 */
	uint32_t pad2;
};

#endif
