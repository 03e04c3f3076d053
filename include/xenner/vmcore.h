/* SPDX-License-Identifier: MIT */
/*
 * vmcore: a domain's RAM as an ELF core file, $XENNER_RUNDIR/vmcore.<domid>.
 *
 * File layout (all little-endian, offsets in bytes):
 *   0                      Elf64_Ehdr (ET_CORE, EM_X86_64)
 *   64                     Elf64_Phdr[VMCORE_MAX_PHDRS]: [0] PT_NOTE,
 *                          [1] PT_LOAD for RAM; e_phnum counts the used ones
 *   VMCORE_NOTES_OFFSET    notes: first the "XENNER" domain note
 *                          (struct vmcore_domain), later NT_PRSTATUS notes
 *                          per vCPU when the domain is paused or dead
 *   VMCORE_RAM_OFFSET      RAM, pfn N at VMCORE_RAM_OFFSET + N * 4096
 *
 * Pseudo-physical frame numbers equal machine frame numbers (the p2m is the
 * identity), so a frame number from a grant entry or a foreign map is an
 * index into RAM.  The header (everything below VMCORE_RAM_OFFSET) is mapped
 * MAP_SHARED: the domain's builder updates `struct vmcore_domain` in place
 * and every reader sees the change.
 */
#ifndef XENNER_VMCORE_H
#define XENNER_VMCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define VMCORE_PAGE_SIZE	 4096UL
#define VMCORE_MAX_PHDRS	 8
#define VMCORE_NOTES_OFFSET	 4096UL
#define VMCORE_NOTES_SIZE	 (60 * 4096UL)
#define VMCORE_RAM_OFFSET	 (2UL << 20)
#define VMCORE_NOTE_NAME	 "XENNER"
#define VMCORE_NT_DOMAIN	 0x584e0001
#define VMCORE_DOMAIN_VERSION	 1
#define VMCORE_NAME_LEN		 64
#define VMCORE_MAX_GNTTAB_FRAMES 32
/* Grant-table v1 entries are 8 bytes: 512 per frame. */
#define VMCORE_GNTTAB_PER_FRAME	 (VMCORE_PAGE_SIZE / 8)
/* Refuse absurd sizes from a corrupt header: 1 TiB of RAM at most. */
#define VMCORE_MAX_PAGES	 (1ULL << 28)
#define VMCORE_NO_FRAME		 (~0ULL)

enum vmcore_state {
	VMCORE_STATE_BUILDING = 0,
	VMCORE_STATE_RUNNING,
	VMCORE_STATE_PAUSED,
	VMCORE_STATE_SHUTDOWN, /* shutdown_reason says why */
	VMCORE_STATE_CRASHED,
	VMCORE_STATE_DYING,
};

/*
 * Descriptor of the XENNER note.  Fixed layout; fields are only ever added
 * at the end together with a version bump.  Frame fields hold
 * VMCORE_NO_FRAME when the domain has no such page, ports 0 when unbound.
 */
struct vmcore_domain {
	uint32_t version;
	uint32_t domid;
	char name[VMCORE_NAME_LEN]; /* NUL-terminated */
	uint8_t uuid[16];
	uint64_t nr_pages;
	uint32_t nr_vcpus;
	uint32_t state;		  /* enum vmcore_state */
	uint32_t shutdown_reason; /* SHUTDOWN_* from xen/sched.h */
	uint32_t nr_gnttab_frames;
	uint64_t shared_info_pfn;
	uint64_t start_info_pfn;
	uint64_t p2m_pfn; /* first frame of the p2m list */
	uint64_t nr_p2m_frames;
	uint64_t store_pfn;
	uint64_t console_pfn;
	uint32_t store_port;
	uint32_t console_port;
	uint64_t gnttab_pfns[VMCORE_MAX_GNTTAB_FRAMES];
};

struct vmcore {
	int fd;
	bool writable;
	uint64_t nr_pages;
	size_t hdr_size;	    /* VMCORE_RAM_OFFSET */
	void *hdr;		    /* MAP_SHARED mapping of the header */
	struct vmcore_domain *dom;  /* inside hdr */
	uint8_t *ram;		    /* whole-RAM mapping, NULL until mapped */
	char path[256];
};

/* "<rundir>/vmcore.<domid>" */
int vmcore_path(char *buf, size_t len, uint32_t domid);

/*
 * Creates (O_EXCL) and sizes a new vmcore at path, fills the ELF header, the
 * phdrs and the domain note (state BUILDING, every frame VMCORE_NO_FRAME),
 * and opens it read-write.  Returns 0 or -errno; logs the reason.
 */
int vmcore_create(struct vmcore *vc, const char *path, uint32_t domid,
		  const char *name, const uint8_t uuid[16], uint64_t nr_pages,
		  uint32_t nr_vcpus);

/*
 * vmcore_create, but the file `from` becomes the vmcore: a file with the
 * RAM at VMCORE_RAM_OFFSET already (a save image), renamed to path (never
 * over an existing file) and given the vmcore's header.  What it holds
 * past the RAM stays until the caller truncates it.  -EXDEV (not logged)
 * when from is on another file system; any other failure removes it.
 */
int vmcore_adopt(struct vmcore *vc, const char *path, const char *from,
		 uint32_t domid, const char *name, const uint8_t uuid[16],
		 uint64_t nr_pages, uint32_t nr_vcpus);

/*
 * Opens and validates an existing vmcore.  A file that is not one of ours,
 * is truncated or has an inconsistent header fails with -EINVAL (or the
 * open errno) and a log line naming the problem.
 */
int vmcore_open(struct vmcore *vc, const char *path, bool writable);
/* vmcore_open of vmcore_path(domid). */
int vmcore_open_domid(struct vmcore *vc, uint32_t domid, bool writable);
void vmcore_close(struct vmcore *vc);

/* Maps all of RAM into vc->ram (MAP_SHARED, prot per vc->writable). */
int vmcore_map_ram(struct vmcore *vc);

/* File offset of pfn, or -1 if pfn >= nr_pages. */
off_t vmcore_pfn_offset(const struct vmcore *vc, uint64_t pfn);

/*
 * mmap()s `count` frames starting at pfn.  With addr != NULL the mapping is
 * placed there (MAP_FIXED).  Returns MAP_FAILED with errno EINVAL if the
 * range is outside RAM.
 */
void *vmcore_map_frames(const struct vmcore *vc, uint64_t pfn, size_t count,
			int prot, void *addr);

/* Copies to/from RAM with bounds checks (pread/pwrite); 0 or -errno. */
int vmcore_read(const struct vmcore *vc, uint64_t paddr, void *buf,
		size_t len);
int vmcore_write(const struct vmcore *vc, uint64_t paddr, const void *buf,
		 size_t len);

/* Human-readable summary of the domain note (used by tools and tests). */
void vmcore_describe(const struct vmcore *vc, FILE *out);
const char *vmcore_state_name(uint32_t state);

#endif
