// SPDX-License-Identifier: MIT
/*
 * emu is linked into xenner (emu-blob.S) and copied into emu's memory slot
 * at start: its PT_LOAD segments go to EMU_OFF_IMAGE + (vaddr - EMU_VA).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "xenner.h"
#include "xenner/log.h"

extern const uint8_t emu_elf_start[], emu_elf_end[];

int emu_load(struct xenner *x)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)emu_elf_start;
	size_t size = emu_elf_end - emu_elf_start;
	const Elf64_Phdr *ph;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > size) {
		log_err("the built-in emu image is corrupt");
		return -EINVAL;
	}
	ph = (const Elf64_Phdr *)(emu_elf_start + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		uint64_t off;

		if (ph[i].p_type != PT_LOAD)
			continue;
		off = ph[i].p_vaddr - EMU_VA;
		if (ph[i].p_vaddr < EMU_VA || off + ph[i].p_memsz > EMU_OFF_BOOT ||
		    ph[i].p_offset + ph[i].p_filesz > size) {
			log_err("emu segment %u does not fit its image area", i);
			return -EINVAL;
		}
		memcpy(x->emu + EMU_OFF_IMAGE + off,
		       emu_elf_start + ph[i].p_offset, ph[i].p_filesz);
		memset(x->emu + EMU_OFF_IMAGE + off + ph[i].p_filesz, 0,
		       ph[i].p_memsz - ph[i].p_filesz);
	}
	memcpy(&x->emu_hdr, x->emu + EMU_OFF_IMAGE, sizeof(x->emu_hdr));
	if (x->emu_hdr.magic != EMU_BOOT_MAGIC) {
		log_err("emu image has no header");
		return -EINVAL;
	}
	return 0;
}
