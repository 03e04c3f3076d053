// SPDX-License-Identifier: MIT
/*
 * Whole compressed kernels, as Xen's domain builder takes them: a real
 * test kernel (build/tests/guests/tk-hypercall) compressed by each
 * format's own tool loads to the same ELF; concatenated streams load;
 * truncated, corrupt and bomb inputs fail with one clear line.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel.h"

struct tool {
	const char *name;  /* the format as errors name it */
	const char *cmd;   /* compresses stdin to stdout */
	bool checked;	   /* has a checksum: corruption is always found */
	bool concatenates; /* the tool's streams may be concatenated */
};

static const struct tool tools[] = {
	{"gzip", "gzip -9 -n", true, true},
	{"bzip2", "bzip2 -9", true, true},
	{"xz", "xz -6 --check=crc32", true, true},
	{"lzma", "xz --format=lzma -6", false, false},
	{"lz4", "lz4 -l -9 -q", false, false},		 /* legacy, as Linux */
	{"lz4", "lz4 -9 -q --content-size", true, true}, /* frame format */
	{"zstd", "zstd -19 -q", true, true},
};

static char dir[64], kernel[512];
static uint8_t *orig;
static size_t orig_size;

static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, st.st_size), st.st_size);
	close(fd);
	*size = st.st_size;
	return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		print_error("failed: %s (setup-deps.sh installs the tools)\n",
			    cmd);
		fail();
	}
}

static int setup(void **state)
{
	const char *build = getenv("BUILD");

	(void)state;
	snprintf(kernel, sizeof(kernel), "%s/tests/guests/tk-hypercall",
		 build ? build : "build");
	if (access(kernel, R_OK)) {
		print_error("no %s (make)\n", kernel);
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/xenner-kcomp.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	orig = slurp(kernel, &orig_size);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(orig);
	return system(cmd);
}

/* Opens path; on failure returns rc with the message in err. */
static int load(const char *path, struct pv_kernel *k, char *err, size_t n)
{
	int rc = pv_kernel_open(k, path, err, n);

	if (rc == 0) {
		assert_int_equal(k->elf_size, orig_size);
		assert_memory_equal(k->elf, orig, orig_size);
		assert_string_equal(k->guest_os, "xenner-test");
		assert_int_not_equal(k->hypercall_page, KERNEL_UNSET);
		pv_kernel_free(k);
	}
	return rc;
}

static void test_formats(void **state)
{
	char path[600], err[256];
	struct pv_kernel k;

	(void)state;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(path, sizeof(path), "%s/k%zu", dir, i);
		sh("%s <'%s' >'%s'", tools[i].cmd, kernel, path);
		if (load(path, &k, err, sizeof(err))) {
			print_error("%s: %s\n", tools[i].cmd, err);
			fail();
		}
	}
}

/* gzip, bzip2 (pbzip2), xz, lz4 and zstd streams may follow each other. */
static void test_concatenated(void **state)
{
	char path[600], err[256];
	size_t half = orig_size / 2;
	struct pv_kernel k;

	(void)state;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!tools[i].concatenates)
			continue;
		snprintf(path, sizeof(path), "%s/c%zu", dir, i);
		sh("{ head -c %zu '%s' | %s; tail -c +%zu '%s' | %s; } >'%s'",
		   half, kernel, tools[i].cmd, half + 1, kernel, tools[i].cmd,
		   path);
		if (load(path, &k, err, sizeof(err))) {
			print_error("%s twice: %s\n", tools[i].cmd, err);
			fail();
		}
	}
}

/* Cut short, or bytes flipped: one line naming the format. */
static void test_truncated_corrupt(void **state)
{
	char path[600], cut[610], err[256], want[64];
	struct pv_kernel k;

	(void)state;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		size_t n;
		uint8_t *z;
		int rc;

		snprintf(path, sizeof(path), "%s/k%zu", dir, i);
		sh("%s <'%s' >'%s'", tools[i].cmd, kernel, path);
		z = slurp(path, &n);
		snprintf(cut, sizeof(cut), "%s.cut", path);
		spit(cut, z, n / 2);
		assert_int_equal(load(cut, &k, err, sizeof(err)), -ENOEXEC);
		snprintf(want, sizeof(want), "truncated %s data",
			 tools[i].name);
		if (!strstr(err, want)) {
			print_error("%s cut short: '%s'\n", tools[i].cmd, err);
			fail();
		}
		assert_null(strchr(err, '\n'));

		for (size_t j = n / 3; j < n / 3 + 16; j++)
			z[j] ^= 0xa5;
		spit(cut, z, n);
		rc = pv_kernel_open(&k, cut, err, sizeof(err));
		if (rc == 0)
			pv_kernel_free(&k);
		free(z);
		/* lz4 -l and lzma have no checksum: garbage may decode */
		if (rc == 0 && !tools[i].checked)
			continue;
		if (rc == 0) {
			print_error("%s: corruption not found\n", tools[i].cmd);
			fail();
		}
		snprintf(want, sizeof(want), " %s data", tools[i].name);
		if (!strstr(err, want) && !strstr(err, "ELF")) {
			print_error("%s corrupt: '%s'\n", tools[i].cmd, err);
			fail();
		}
	}
}

/*
 * Bombs: zeros stop at once (not a kernel); an ELF header followed by
 * zeros stops at the bound, here 8 MiB instead of KERNEL_MAX_SIZE.
 */
static void test_bombs(void **state)
{
	char path[600], err[256], want[64];
	uint8_t *out = NULL;
	size_t n, out_size;

	(void)state;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		uint8_t *z;

		snprintf(path, sizeof(path), "%s/zeros%zu", dir, i);
		sh("head -c 64M /dev/zero | %s >'%s'", tools[i].cmd, path);
		z = slurp(path, &n);
		assert_int_equal(decompress_kernel(z, n, KERNEL_MAX_SIZE, &out,
						   &out_size, err, sizeof(err)),
				 -ENOEXEC);
		assert_non_null(strstr(err, "neither an ELF kernel nor a "
					    "bzImage"));
		free(z);

		sh("{ head -c 64 '%s'; head -c 64M /dev/zero; } | %s >'%s'",
		   kernel, tools[i].cmd, path);
		z = slurp(path, &n);
		assert_int_equal(decompress_kernel(z, n, 8 << 20, &out,
						   &out_size, err, sizeof(err)),
				 -EFBIG);
		snprintf(want, sizeof(want), "%s data expands beyond 8 MiB",
			 tools[i].name);
		if (!strstr(err, want)) {
			print_error("%s bomb: '%s'\n", tools[i].cmd, err);
			fail();
		}
		assert_null(out);
		free(z);
	}
}

/* A bzImage's payload must be exactly as long as its trailer says. */
static void test_payload_size(void **state)
{
	char path[600], err[256];
	uint8_t *z, *out = NULL;
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/p.gz", dir);
	sh("gzip -9 -n <'%s' >'%s'", kernel, path);
	z = slurp(path, &n);
	assert_int_equal(
		decompress_payload(z, n, orig_size, &out, err, sizeof(err)), 0);
	assert_memory_equal(out, orig, orig_size);
	free(out);
	out = NULL;
	assert_int_equal(
		decompress_payload(z, n, orig_size - 1, &out, err, sizeof(err)),
		-EFBIG);
	assert_int_equal(
		decompress_payload(z, n, orig_size + 1, &out, err, sizeof(err)),
		-ENOEXEC);
	assert_non_null(strstr(err, "not the"));
	assert_null(out);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_truncated_corrupt),
		cmocka_unit_test(test_bombs),
		cmocka_unit_test(test_payload_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
