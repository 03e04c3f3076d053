/* SPDX-License-Identifier: MIT */
/*
 * A Xen PV guest kernel as the loader sees it: the ELF image (extracted from
 * a bzImage when needed) and what its Xen ELF notes (or legacy __xen_guest
 * string) ask of the domain builder.
 */
#ifndef XENNER_KERNEL_H
#define XENNER_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KERNEL_UNSET UINT64_MAX
/*
 * The most a kernel file may hold or decompress to, as in Xen's domain
 * builder (1 GiB): a compression bomb fails here instead of exhausting
 * the host's memory.
 */
#define KERNEL_MAX_SIZE (1ULL << 30)

struct pv_kernel {
	uint8_t *elf;	 /* the whole ELF file, malloc'ed */
	size_t elf_size;
	bool is_64bit;
	bool legacy_guest_string; /* parameters came from __xen_guest */

	/* From the notes; KERNEL_UNSET where the kernel gave none. */
	uint64_t entry;
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t hypercall_page;
	uint64_t hv_start_low;
	uint64_t init_p2m;
	uint64_t mod_start_pfn;
	uint64_t phys32_entry;
	uint32_t supported_features;
	char guest_os[32];
	char xen_version[32];
	char loader[32];
	char features[256];
	char pae_mode[32];

	/* Virtual range the loadable segments occupy, page aligned. */
	uint64_t virt_kstart;
	uint64_t virt_kend;
};

/*
 * Reads path; decompresses a compressed kernel (gzip, bzip2, xz, lzma,
 * lz4, zstd) and extracts the ELF from a bzImage, as Xen's domain builder
 * does; parses the Xen notes and checks that this is a PV kernel we can
 * boot.  On failure returns -errno and writes the reason to err.
 */
int pv_kernel_open(struct pv_kernel *k, const char *path, char *err,
		   size_t errlen);
void pv_kernel_free(struct pv_kernel *k);

/*
 * Copies the loadable segments into dst, which holds the guest's memory
 * from virtual address virt_kstart on, dst_size bytes; zero-fills bss.
 */
int pv_kernel_copy(const struct pv_kernel *k, uint8_t *dst, size_t dst_size);

/* Internal steps, exposed for tests. */
int bzimage_extract(const uint8_t *img, size_t size, uint8_t **out,
		    size_t *out_size, char *err, size_t errlen);
/* The compression format data starts with ("gzip", ...), or NULL. */
const char *compression_name(const uint8_t *in, size_t n);
/* A bzImage payload: it must decompress to exactly size bytes. */
int decompress_payload(const uint8_t *in, size_t in_size, size_t size,
		       uint8_t **out, char *err, size_t errlen);
/*
 * A whole compressed kernel: at most max bytes (-EFBIG beyond), which must
 * start like an ELF file or a bzImage.
 */
int decompress_kernel(const uint8_t *in, size_t in_size, size_t max,
		      uint8_t **out, size_t *out_size, char *err,
		      size_t errlen);
int pv_kernel_parse_elf(struct pv_kernel *k, char *err, size_t errlen);

#endif
