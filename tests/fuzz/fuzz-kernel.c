// SPDX-License-Identifier: MIT
/*
 * xenner's kernel loader, whole (xenner/load-elf.c, load-bzimage.c,
 * decompress.c): the input is the kernel file, handed to pv_kernel_open()
 * through a memfd, so it takes the same path a -kernel FILE does: plain
 * ELF, a bzImage with its (gzip, bzip2, xz, lzma, lz4, zstd) payload, or
 * an ELF compressed whole by any of them, then the Xen notes.  A kernel
 * that opens is copied as the domain builder copies it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "kernel.h"

/* Larger images are the domain builder's to refuse (guest memory). */
#define FUZZ_MAX_IMAGE (64u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-kernel");
	fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_kernel k;
	char err[256];
	uint64_t span;
	uint8_t *dst;

	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (pv_kernel_open(&k, path, err, sizeof(err))) {
		fz_assert(err[0]);
		return 0;
	}
	fz_assert(k.elf && k.elf_size);
	fz_assert(k.virt_kstart <= k.virt_kend);
	span = k.virt_kend - k.virt_kstart;
	if (span <= FUZZ_MAX_IMAGE) {
		dst = malloc(span ? span : 1);
		if (dst)
			pv_kernel_copy(&k, dst, span);
		free(dst);
	}
	pv_kernel_free(&k);
	return 0;
}
