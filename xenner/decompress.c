// SPDX-License-Identifier: MIT
/*
 * Decompresses a kernel payload by its magic with the well-kept libraries
 * (zlib, liblzma, liblz4, libzstd).  out_size is the expected size, taken
 * from the 4-byte trailer that the kernel build appends to every payload.
 */
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kernel.h"

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
	z_stream zs = { .next_in = (uint8_t *)in, .avail_in = n,
			.next_out = out, .avail_out = m };
	int rc;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	rc = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	return rc == Z_STREAM_END && zs.total_out == m ? 0 : -EINVAL;
}

static int unxz(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret rc;

	if (lzma_stream_decoder(&ls, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	ls.next_in = in;
	ls.avail_in = n;
	ls.next_out = out;
	ls.avail_out = m;
	rc = lzma_code(&ls, LZMA_FINISH);
	lzma_end(&ls);
	return rc == LZMA_STREAM_END && ls.total_out == m ? 0 : -EINVAL;
}

/* Linux uses LZ4's legacy frame: magic, then [le32 size][block] chunks. */
static int unlz4(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
	size_t pos = 4, done = 0;

	while (done < m) {
		uint32_t csize;
		int got;

		if (n - pos < 4)
			return -EINVAL;
		csize = le32(in + pos);
		pos += 4;
		if (csize == LZ4_LEGACY_MAGIC)
			continue;
		if (csize > n - pos || csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
			return -EINVAL;
		got = LZ4_decompress_safe((const char *)in + pos,
					  (char *)out + done, csize,
					  m - done < LZ4_LEGACY_BLOCK ?
						  m - done : LZ4_LEGACY_BLOCK);
		if (got <= 0)
			return -EINVAL;
		pos += csize;
		done += got;
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
	size_t rc = ZSTD_decompress(out, m, in, n);

	return !ZSTD_isError(rc) && rc == m ? 0 : -EINVAL;
}

static const struct {
	const char *name;
	uint8_t magic[6];
	size_t magic_len;
	int (*fn)(const uint8_t *in, size_t n, uint8_t *out, size_t m);
} formats[] = {
	{ "gzip", { 0x1f, 0x8b }, 2, gunzip },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, unxz },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, unlz4 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, unzstd },
};

static const struct {
	const char *name;
	uint8_t magic[3];
	size_t magic_len;
} unsupported[] = {
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "lzma", { 0x5d, 0, 0 }, 3 },
	{ "lzo", { 0x89, 'L', 'Z' }, 3 },
};

int decompress_any(const uint8_t *in, size_t in_size, size_t out_size,
		   uint8_t **out, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (in_size < formats[i].magic_len ||
		    memcmp(in, formats[i].magic, formats[i].magic_len))
			continue;
		*out = malloc(out_size);
		if (!*out) {
			snprintf(err, errlen, "out of memory for %zu bytes",
				 out_size);
			return -ENOMEM;
		}
		rc = formats[i].fn(in, in_size, *out, out_size);
		if (rc) {
			free(*out);
			*out = NULL;
			snprintf(err, errlen, "corrupt %s payload",
				 formats[i].name);
		}
		return rc;
	}
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (in_size >= unsupported[i].magic_len &&
		    !memcmp(in, unsupported[i].magic, unsupported[i].magic_len)) {
			snprintf(err, errlen,
				 "%s-compressed kernels are not supported "
				 "(gzip, xz, lz4 and zstd are)",
				 unsupported[i].name);
			return -ENOTSUP;
		}
	snprintf(err, errlen, "unknown compression of the kernel payload");
	return -EINVAL;
}
