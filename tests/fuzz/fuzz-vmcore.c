// SPDX-License-Identifier: MIT
/*
 * The vmcore reader (common/vmcore.c): every dom0 process opens a domain's
 * vmcore and trusts what vmcore_open() accepted, and the domain's builder
 * (or a hostile file in the run directory) wrote it.  The input is the
 * header: its first 512 bytes (ELF header and program headers) at offset
 * 0, the rest at the notes area (VMCORE_NOTES_OFFSET), after one byte that
 * sizes the file's RAM.  The file is a memfd; an accepted vmcore is
 * described, its RAM mapped, read and written at fuzzed places.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "xenner/vmcore.h"

#define HEAD 512

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-vmcore");
	fd = memfd_create("fuzz-vmcore", MFD_CLOEXEC);
	devnull = fopen("/dev/null", "w");
	if (fd < 0 || !devnull) {
		perror("fuzz-vmcore");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void use(struct fz *f, struct vmcore *vc)
{
	uint8_t buf[64];
	uint64_t pfn;
	size_t count;
	void *m;

	vmcore_describe(vc, devnull);
	fz_assert(vc->nr_pages == vc->dom->nr_pages);
	for (int i = 0; i < 4; i++) {
		uint64_t paddr = fz_u64(f);
		size_t len = fz_u8(f) % sizeof(buf);

		if (!vmcore_read(vc, paddr, buf, len))
			fz_assert(paddr + len <=
				  vc->nr_pages * VMCORE_PAGE_SIZE);
		vmcore_write(vc, paddr, buf, len);
	}
	if (vmcore_map_ram(vc) == 0)
		fz_assert(vc->ram);
	pfn = fz_u64(f);
	count = fz_u8(f);
	m = vmcore_map_frames(vc, pfn, count, PROT_READ, NULL);
	if (m != MAP_FAILED) {
		fz_assert(pfn + count <= vc->nr_pages);
		munmap(m, count * VMCORE_PAGE_SIZE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	unsigned int pages = fz_u8(&f);
	uint8_t head[HEAD], notes[2048];
	struct vmcore vc;

	fz_bytes(&f, head, sizeof(head));
	fz_bytes(&f, notes, sizeof(notes));
	if (ftruncate(fd, 0) ||
	    ftruncate(fd, VMCORE_RAM_OFFSET + pages * VMCORE_PAGE_SIZE) ||
	    pwrite(fd, head, sizeof(head), 0) != sizeof(head) ||
	    pwrite(fd, notes, sizeof(notes), VMCORE_NOTES_OFFSET) !=
		    sizeof(notes))
		abort();
	/* Read-write, as the shim opens a guest's vmcore. */
	if (vmcore_open(&vc, path, true))
		return 0;
	use(&f, &vc);
	vmcore_close(&vc);
	return 0;
}
