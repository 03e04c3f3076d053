// SPDX-License-Identifier: MIT
/*
 * The PV kernel loader: Xen notes from a synthetic ELF, each supported
 * compression inside a synthetic bzImage (whole compressed kernels are
 * test-kernel-compress.c's), clear errors for what is not a
 * PV kernel, and Debian's cloud kernel when it is in the cache.
 */
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bzlib.h>
#include <cmocka.h>
#include <lz4.h>
#include <lzma.h>
#include <xen/elfnote.h>
#include <zlib.h>
#include <zstd.h>

#include "kernel.h"

#define VIRT_BASE 0xffffffff80000000ULL
#define ELF_SIZE  0x1200

static size_t add_note(uint8_t *p, uint32_t type, const void *desc,
		       uint32_t len)
{
	Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = len, .n_type = type };

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), "Xen", 4);
	memcpy(p + sizeof(nh) + 4, desc, len);
	return sizeof(nh) + 4 + ((len + 3) & ~3u);
}

/* A minimal PV kernel: one segment at paddr 16 MiB, Xen notes. */
static uint8_t *make_elf(bool with_notes)
{
	uint8_t *img = calloc(1, ELF_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	uint64_t vbase = VIRT_BASE, entry = VIRT_BASE + 0x1000010,
		 hcall = VIRT_BASE + 0x1001000;
	size_t n = 0, noff = 0x200;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000,
			      .p_paddr = 0x1000000, .p_vaddr = entry - 0x10,
			      .p_filesz = 0x100, .p_memsz = 0x2000 };
	memset(img + 0x1000, 0xab, 0x100);
	if (with_notes) {
		n += add_note(img + noff + n, XEN_ELFNOTE_GUEST_OS, "linux", 6);
		n += add_note(img + noff + n, XEN_ELFNOTE_LOADER, "generic", 8);
		n += add_note(img + noff + n, XEN_ELFNOTE_XEN_VERSION,
			      "xen-3.0", 8);
		n += add_note(img + noff + n, XEN_ELFNOTE_VIRT_BASE, &vbase, 8);
		n += add_note(img + noff + n, XEN_ELFNOTE_ENTRY, &entry, 8);
		n += add_note(img + noff + n, XEN_ELFNOTE_HYPERCALL_PAGE,
			      &hcall, 8);
	}
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = noff,
			      .p_filesz = n };
	return img;
}

static void check_synthetic(struct pv_kernel *k)
{
	assert_true(k->is_64bit);
	assert_string_equal(k->guest_os, "linux");
	assert_int_equal(k->virt_base, VIRT_BASE);
	assert_int_equal(k->entry, VIRT_BASE + 0x1000010);
	assert_int_equal(k->hypercall_page, VIRT_BASE + 0x1001000);
	assert_int_equal(k->virt_kstart, VIRT_BASE + 0x1000000);
	assert_int_equal(k->virt_kend, VIRT_BASE + 0x1002000);
}

static void test_elf_notes(void **state)
{
	struct pv_kernel k = { .elf = make_elf(true), .elf_size = ELF_SIZE };
	char err[256];
	uint8_t mem[0x2000];

	(void)state;
	k.entry = k.virt_base = k.paddr_offset = k.hypercall_page =
		KERNEL_UNSET;
	assert_int_equal(pv_kernel_parse_elf(&k, err, sizeof(err)), 0);
	check_synthetic(&k);
	memset(mem, 0x55, sizeof(mem));
	assert_int_equal(pv_kernel_copy(&k, mem, sizeof(mem)), 0);
	assert_int_equal(mem[0], 0xab);
	assert_int_equal(mem[0xff], 0xab);
	assert_int_equal(mem[0x100], 0);     /* bss zeroed */
	assert_int_equal(mem[0x1fff], 0);
	assert_int_equal(pv_kernel_copy(&k, mem, 0x1000), -ENOSPC);
	pv_kernel_free(&k);
}

static void test_not_pv(void **state)
{
	struct pv_kernel k = { .elf = make_elf(false), .elf_size = ELF_SIZE };
	char err[256];

	(void)state;
	k.entry = k.virt_base = k.paddr_offset = k.hypercall_page =
		KERNEL_UNSET;
	assert_int_equal(pv_kernel_parse_elf(&k, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "not a Xen PV kernel"));
	pv_kernel_free(&k);
}

static void test_corrupt_phdrs(void **state)
{
	struct pv_kernel k = { .elf = make_elf(true), .elf_size = ELF_SIZE };
	char err[256];

	(void)state;
	((Elf64_Ehdr *)k.elf)->e_phnum = 60000;
	assert_int_equal(pv_kernel_parse_elf(&k, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "program headers"));
	((Elf64_Ehdr *)k.elf)->e_phnum = 2;
	((Elf64_Phdr *)(k.elf + 64))[0].p_filesz = 1 << 30;
	assert_int_equal(pv_kernel_parse_elf(&k, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "segment"));
	pv_kernel_free(&k);
}

typedef size_t (*compress_fn)(const uint8_t *in, size_t n, uint8_t *out,
			      size_t cap);

static size_t do_gzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (uint8_t *)in;
	zs.avail_in = n;
	zs.next_out = out;
	zs.avail_out = cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static size_t do_xz(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t pos = 0;

	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in,
						 n, out, &pos, cap), LZMA_OK);
	return pos;
}

static size_t do_bzip2(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	unsigned len = cap;

	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out, &len, (char *)in,
						  n, 9, 0, 0),
			 BZ_OK);
	return len;
}

/* Linux's lzma payloads are in the "alone" format. */
static size_t do_lzma(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;

	assert_false(lzma_lzma_preset(&opt, 6));
	assert_int_equal(lzma_alone_encoder(&ls, &opt), LZMA_OK);
	ls.next_in = in;
	ls.avail_in = n;
	ls.next_out = out;
	ls.avail_out = cap;
	assert_int_equal(lzma_code(&ls, LZMA_FINISH), LZMA_STREAM_END);
	lzma_end(&ls);
	return ls.total_out;
}

static size_t do_lz4(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	uint32_t magic = 0x184c2102, len;

	memcpy(out, &magic, 4);
	len = LZ4_compress_default((const char *)in, (char *)out + 8, n,
				   cap - 8);
	assert_true(len > 0);
	memcpy(out + 4, &len, 4);
	return len + 8;
}

static size_t do_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t len = ZSTD_compress(out, cap, in, n, 3);

	assert_false(ZSTD_isError(len));
	return len;
}

/* Wraps a compressed ELF into the smallest bzImage the loader accepts. */
static void bzimage_roundtrip(compress_fn fn)
{
	uint8_t *elf = make_elf(true), *img = calloc(1, 0x10000), *out = NULL;
	size_t len, out_size;
	uint32_t off = 0, raw = ELF_SIZE;
	char err[256];
	struct pv_kernel k;

	img[0x1f1] = 1; /* setup_sects: payload area at (1 + 1) * 512 */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	len = fn(elf, ELF_SIZE, img + 1024, 0x10000 - 1024 - 4);
	memcpy(img + 1024 + len, &raw, 4);
	len += 4;
	memcpy(img + 0x248, &off, 4);
	memcpy(img + 0x24c, &len, 4);
	assert_int_equal(bzimage_extract(img, 1024 + len, &out, &out_size, err,
					 sizeof(err)), 0);
	assert_int_equal(out_size, ELF_SIZE);
	assert_memory_equal(out, elf, ELF_SIZE);
	memset(&k, 0, sizeof(k));
	k.elf = out;
	k.elf_size = out_size;
	k.entry = k.virt_base = k.paddr_offset = k.hypercall_page =
		KERNEL_UNSET;
	assert_int_equal(pv_kernel_parse_elf(&k, err, sizeof(err)), 0);
	check_synthetic(&k);
	pv_kernel_free(&k);

	/* A corrupted payload is an error, not a crash. */
	img[1024 + len / 2] ^= 0xff;
	img[1024 + len / 2 + 1] ^= 0x5a;
	out = NULL;
	if (bzimage_extract(img, 1024 + len, &out, &out_size, err,
			    sizeof(err)) == 0)
		assert_memory_not_equal(out, elf, ELF_SIZE);
	free(out);
	/* A payload length past the end of the file. */
	assert_int_equal(bzimage_extract(img, 1024 + len / 2, &out, &out_size,
					 err, sizeof(err)), -ENOEXEC);
	free(img);
	free(elf);
}

static void test_bz_gzip(void **s) { (void)s; bzimage_roundtrip(do_gzip); }
static void test_bz_xz(void **s) { (void)s; bzimage_roundtrip(do_xz); }
static void test_bz_bzip2(void **s) { (void)s; bzimage_roundtrip(do_bzip2); }
static void test_bz_lzma(void **s) { (void)s; bzimage_roundtrip(do_lzma); }
static void test_bz_lz4(void **s) { (void)s; bzimage_roundtrip(do_lz4); }
static void test_bz_zstd(void **s) { (void)s; bzimage_roundtrip(do_zstd); }

static void test_unsupported_compression(void **state)
{
	uint8_t *out = NULL;
	char err[256];

	(void)state;
	assert_int_equal(decompress_payload((const uint8_t *)"\x89LZO\0\r\n", 7,
					    100, &out, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "lzo-compressed kernels are not"));
	assert_int_equal(decompress_payload((const uint8_t *)"\x00\x01", 2, 100,
					    &out, err, sizeof(err)),
			 -EINVAL);
	assert_null(out);
}

static void test_not_a_kernel(void **state)
{
	char path[] = "/tmp/xenner-notkernel.XXXXXX", err[256];
	struct pv_kernel k;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho hi\n", 18), 18);
	close(fd);
	assert_int_equal(pv_kernel_open(&k, path, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "neither an ELF file nor a bzImage"));
	unlink(path);
	assert_true(pv_kernel_open(&k, "/nonexistent/vmlinuz", err,
				   sizeof(err)) == -ENOENT);
	assert_non_null(strstr(err, "cannot read"));
}

/* Debian's cloud kernel (fetched by scripts/fetch-guest-kernel.sh). */
static void test_debian_kernel(void **state)
{
	const char *path = getenv("XENNER_TEST_KERNEL");
	struct pv_kernel k;
	char err[256];
	glob_t g = { 0 };

	(void)state;
	if (!path) {
		if (glob("/var/cache/xenner/kernel/boot/vmlinuz-*", 0, NULL,
			 &g) || g.gl_pathc == 0)
			{ globfree(&g); skip(); }
		path = g.gl_pathv[0];
	}
	assert_int_equal(pv_kernel_open(&k, path, err, sizeof(err)), 0);
	assert_string_equal(k.guest_os, "linux");
	assert_string_equal(k.loader, "generic");
	assert_int_equal(k.virt_base, VIRT_BASE);
	assert_int_equal(k.hv_start_low, 0xffff800000000000ULL);
	assert_int_equal(k.init_p2m, 0x8000000000ULL);
	assert_int_equal(k.mod_start_pfn, 1);
	assert_non_null(strstr(k.features, "writable_page_tables"));
	assert_true(k.entry >= k.virt_kstart && k.entry < k.virt_kend);
	assert_int_equal(k.hypercall_page, KERNEL_UNSET);
	pv_kernel_free(&k);
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_notes),
		cmocka_unit_test(test_not_pv),
		cmocka_unit_test(test_corrupt_phdrs),
		cmocka_unit_test(test_bz_gzip),
		cmocka_unit_test(test_bz_xz),
		cmocka_unit_test(test_bz_bzip2),
		cmocka_unit_test(test_bz_lzma),
		cmocka_unit_test(test_bz_lz4),
		cmocka_unit_test(test_bz_zstd),
		cmocka_unit_test(test_unsupported_compression),
		cmocka_unit_test(test_not_a_kernel),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
