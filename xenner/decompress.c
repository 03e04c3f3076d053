// SPDX-License-Identifier: MIT
/*
 * Decompresses a kernel by its magic with Debian's libraries (zlib, libbz2,
 * liblzma, liblz4, libzstd): the formats Xen's domain builder accepts for
 * a whole ELF kernel and for a bzImage's payload, except lzo.
 *
 * Output streams into a buffer that grows on demand and never far beyond
 * a bound, so a small hostile file (a compression bomb) costs at most the
 * bound in memory and fails with a clear error instead of exhausting the
 * host.  A payload whose size is known (a bzImage's trailer) must come out
 * at exactly that size.
 */
#include <bzlib.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kernel.h"

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)
/* xz -9 needs 65 MiB; a header asking for more is hostile or exotic. */
#define LZMA_MEMLIMIT (256ULL << 20)
#define SINK_FIRST    (1u << 20)
/* A bzImage's "HdrS" lies at 0x202: that much tells a kernel from junk. */
#define KERNEL_HEAD 0x206

enum {
	DEC_OK,
	DEC_TRUNCATED,
	DEC_CORRUPT,
	DEC_TOO_BIG,
	DEC_NOT_KERNEL,
	DEC_NOMEM,
};

struct sink {
	uint8_t *buf;
	size_t len, cap;
	size_t max;	 /* more output than this is an error */
	size_t first;	 /* the first allocation */
	bool check_head; /* the output must start like a kernel */
	const char *why; /* the library's word on corrupt data */
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 32-bit library counters (zlib, libbz2) take big buffers in pieces. */
static unsigned chunk(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : n;
}

/* At least need bytes of room after len, never much beyond the bound. */
static int sink_room(struct sink *s, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (s->cap - s->len >= need)
		return DEC_OK;
	if (s->len > s->max)
		return DEC_TOO_BIG;
	cap = s->cap ? s->cap * 2 : s->first;
	if (cap < s->len + need)
		cap = s->len + need;
	if (cap > s->max + need)
		cap = s->max + need;
	p = realloc(s->buf, cap);
	if (!p)
		return DEC_NOMEM;
	s->buf = p;
	s->cap = cap;
	return DEC_OK;
}

/*
 * After each step: the bound, and whether the output starts like a kernel
 * (an ELF file, or a bzImage), so a bomb of zeros stops at once.
 */
static int sink_step(struct sink *s, bool end)
{
	if (s->len > s->max)
		return DEC_TOO_BIG;
	if (!s->check_head)
		return DEC_OK;
	if (s->len >= SELFMAG && !memcmp(s->buf, ELFMAG, SELFMAG)) {
		s->check_head = false;
		return DEC_OK;
	}
	if (s->len < KERNEL_HEAD && !end)
		return DEC_OK;
	if (s->len >= KERNEL_HEAD && !memcmp(s->buf + 0x202, "HdrS", 4)) {
		s->check_head = false;
		return DEC_OK;
	}
	return DEC_NOT_KERNEL;
}

static int gunzip(const uint8_t *in, size_t n, struct sink *s)
{
	z_stream zs = {0};
	int rc, zrc;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return DEC_NOMEM;
	zs.next_in = (uint8_t *)in;
	for (;;) {
		rc = sink_room(s, 1);
		if (rc)
			break;
		zs.avail_in = chunk(n - (zs.next_in - in));
		zs.next_out = s->buf + s->len;
		zs.avail_out = chunk(s->cap - s->len);
		zrc = inflate(&zs, Z_NO_FLUSH);
		s->len = zs.next_out - s->buf;
		/* gzip's members may be concatenated */
		if (zrc == Z_STREAM_END && in + n - zs.next_in >= 2 &&
		    zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
			inflateReset(&zs);
			continue;
		}
		if (zrc == Z_STREAM_END) {
			rc = sink_step(s, true);
			break;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			s->why = zs.msg;
			rc = zrc == Z_MEM_ERROR ? DEC_NOMEM : DEC_CORRUPT;
			break;
		}
		rc = sink_step(s, false);
		if (rc)
			break;
		if (zs.next_in == in + n && zs.avail_out) {
			rc = DEC_TRUNCATED;
			break;
		}
	}
	inflateEnd(&zs);
	return rc;
}

static int bunzip2(const uint8_t *in, size_t n, struct sink *s)
{
	bz_stream bz = {0};
	size_t done = 0;
	int rc, brc;

	if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
		return DEC_NOMEM;
	for (;;) {
		unsigned avail_in = chunk(n - done), avail_out;

		rc = sink_room(s, 1);
		if (rc)
			break;
		avail_out = chunk(s->cap - s->len);
		bz.next_in = (char *)in + done;
		bz.avail_in = avail_in;
		bz.next_out = (char *)s->buf + s->len;
		bz.avail_out = avail_out;
		brc = BZ2_bzDecompress(&bz);
		done += avail_in - bz.avail_in;
		s->len += avail_out - bz.avail_out;
		/* pbzip2 writes one stream per block: they follow each other */
		if (brc == BZ_STREAM_END && n - done >= 3 &&
		    !memcmp(in + done, "BZh", 3)) {
			BZ2_bzDecompressEnd(&bz);
			if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
				return DEC_NOMEM;
			continue;
		}
		if (brc == BZ_STREAM_END) {
			rc = sink_step(s, true);
			break;
		}
		if (brc != BZ_OK) {
			rc = brc == BZ_MEM_ERROR ? DEC_NOMEM : DEC_CORRUPT;
			break;
		}
		rc = sink_step(s, false);
		if (rc)
			break;
		if (done == n && bz.avail_out) {
			rc = DEC_TRUNCATED;
			break;
		}
	}
	BZ2_bzDecompressEnd(&bz);
	return rc;
}

/*
 * xz and lzma ("alone") share liblzma's stream loop.  All input is there,
 * so LZMA_FINISH: concatenated xz streams end only where the input does.
 */
static int run_lzma(lzma_stream *ls, const uint8_t *in, size_t n,
		    struct sink *s)
{
	lzma_ret lrc;
	int rc;

	ls->next_in = in;
	ls->avail_in = n;
	for (;;) {
		rc = sink_room(s, 1);
		if (rc)
			break;
		ls->next_out = s->buf + s->len;
		ls->avail_out = s->cap - s->len;
		lrc = lzma_code(ls, LZMA_FINISH);
		s->len = ls->next_out - s->buf;
		if (lrc == LZMA_STREAM_END) {
			rc = sink_step(s, true);
			break;
		}
		if (lrc == LZMA_MEMLIMIT_ERROR) {
			s->why = "it needs more than 256 MiB of memory";
			rc = DEC_CORRUPT;
			break;
		}
		if (lrc == LZMA_BUF_ERROR && !ls->avail_in) {
			rc = DEC_TRUNCATED;
			break;
		}
		if (lrc != LZMA_OK) {
			rc = lrc == LZMA_MEM_ERROR ? DEC_NOMEM : DEC_CORRUPT;
			break;
		}
		rc = sink_step(s, false);
		if (rc)
			break;
		if (!ls->avail_in && ls->avail_out) {
			rc = DEC_TRUNCATED;
			break;
		}
	}
	lzma_end(ls);
	return rc;
}

static int unxz(const uint8_t *in, size_t n, struct sink *s)
{
	lzma_stream ls = LZMA_STREAM_INIT;

	if (lzma_stream_decoder(&ls, LZMA_MEMLIMIT, LZMA_CONCATENATED) !=
	    LZMA_OK)
		return DEC_NOMEM;
	return run_lzma(&ls, in, n, s);
}

static int unlzma(const uint8_t *in, size_t n, struct sink *s)
{
	lzma_stream ls = LZMA_STREAM_INIT;

	if (lzma_alone_decoder(&ls, LZMA_MEMLIMIT) != LZMA_OK)
		return DEC_NOMEM;
	return run_lzma(&ls, in, n, s);
}

/*
 * LZ4's legacy frame (lz4 -l, what Linux's build makes): magic, then
 * [le32 size][block] chunks of at most 8 MiB each, to the end of the
 * input; the magic may recur where streams were concatenated.
 */
static int unlz4_legacy(const uint8_t *in, size_t n, struct sink *s)
{
	size_t pos = 4;
	int rc = DEC_OK;

	while (pos < n) {
		uint32_t csize;
		int got;

		if (n - pos < 4)
			return DEC_TRUNCATED;
		csize = le32(in + pos);
		pos += 4;
		if (csize == LZ4_LEGACY_MAGIC)
			continue;
		if (csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
			s->why = "block larger than 8 MiB";
			return DEC_CORRUPT;
		}
		if (csize > n - pos)
			return DEC_TRUNCATED;
		rc = sink_room(s, LZ4_LEGACY_BLOCK);
		if (rc)
			return rc;
		got = LZ4_decompress_safe((const char *)in + pos,
					  (char *)s->buf + s->len, csize,
					  LZ4_LEGACY_BLOCK);
		if (got < 0)
			return DEC_CORRUPT;
		pos += csize;
		s->len += got;
		rc = sink_step(s, false);
		if (rc)
			return rc;
	}
	return sink_step(s, true);
}

/* LZ4's frame format (the lz4 tool's default). */
static int unlz4_frame(const uint8_t *in, size_t n, struct sink *s)
{
	LZ4F_dctx *dc;
	size_t pos = 0;
	int rc;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION)))
		return DEC_NOMEM;
	for (;;) {
		size_t dst, src = n - pos, r;

		rc = sink_room(s, 1);
		if (rc)
			break;
		dst = s->cap - s->len;
		r = LZ4F_decompress(dc, s->buf + s->len, &dst, in + pos, &src,
				    NULL);
		if (LZ4F_isError(r)) {
			s->why = LZ4F_getErrorName(r);
			rc = DEC_CORRUPT;
			break;
		}
		pos += src;
		s->len += dst;
		/* frames may follow each other; the input's end is the end */
		rc = sink_step(s, r == 0 && pos == n);
		if (rc || (r == 0 && pos == n))
			break;
		if (pos == n && s->len < s->cap) {
			rc = DEC_TRUNCATED;
			break;
		}
	}
	LZ4F_freeDecompressionContext(dc);
	return rc;
}

static int unzstd(const uint8_t *in, size_t n, struct sink *s)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = {in, n, 0};
	int rc;

	if (!dc)
		return DEC_NOMEM;
	for (;;) {
		ZSTD_outBuffer ob;
		size_t r;

		rc = sink_room(s, 1);
		if (rc)
			break;
		ob = (ZSTD_outBuffer){s->buf + s->len, s->cap - s->len, 0};
		r = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(r)) {
			s->why = ZSTD_getErrorName(r);
			rc = DEC_CORRUPT;
			break;
		}
		s->len += ob.pos;
		/* frames may follow each other; the input's end is the end */
		rc = sink_step(s, r == 0 && ib.pos == ib.size);
		if (rc || (r == 0 && ib.pos == ib.size))
			break;
		if (ib.pos == ib.size && ob.pos < ob.size) {
			rc = DEC_TRUNCATED;
			break;
		}
	}
	ZSTD_freeDCtx(dc);
	return rc;
}

static const struct format {
	const char *name;
	uint8_t magic[6];
	size_t magic_len;
	int (*fn)(const uint8_t *in, size_t n, struct sink *s);
} formats[] = {
	{"gzip", {0x1f, 0x8b}, 2, gunzip},
	{"bzip2", {'B', 'Z', 'h'}, 3, bunzip2},
	{"xz", {0xfd, '7', 'z', 'X', 'Z', 0}, 6, unxz},
	/* lzma's default properties byte and a dictionary of >= 64 KiB */
	{"lzma", {0x5d, 0, 0}, 3, unlzma},
	{"lz4", {0x02, 0x21, 0x4c, 0x18}, 4, unlz4_legacy},
	{"lz4", {0x04, 0x22, 0x4d, 0x18}, 4, unlz4_frame},
	{"zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4, unzstd},
	/* Xen takes lzop too; Debian's xenner has no liblzo2 */
	{"lzo", {0x89, 'L', 'Z', 'O', 0}, 5, NULL},
};

static const struct format *format_of(const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (n >= formats[i].magic_len &&
		    !memcmp(in, formats[i].magic, formats[i].magic_len))
			return &formats[i];
	return NULL;
}

const char *compression_name(const uint8_t *in, size_t n)
{
	const struct format *f = format_of(in, n);

	return f ? f->name : NULL;
}

static int decompress(const uint8_t *in, size_t n, struct sink *s, char *err,
		      size_t errlen)
{
	const struct format *f = format_of(in, n);
	const char *name = f ? f->name : "";
	int rc;

	if (!f) {
		snprintf(err, errlen, "unknown compression");
		return -EINVAL;
	}
	if (!f->fn) {
		snprintf(err, errlen,
			 "%s-compressed kernels are not supported (gzip, "
			 "bzip2, xz, lzma, lz4 and zstd are)",
			 name);
		return -ENOTSUP;
	}
	rc = f->fn(in, n, s);
	switch (rc) {
	case DEC_OK:
		return 0;
	case DEC_TRUNCATED:
		snprintf(err, errlen,
			 "truncated %s data: the input ends "
			 "inside the compressed stream",
			 name);
		break;
	case DEC_CORRUPT:
		snprintf(err, errlen, "corrupt %s data%s%s%s", name,
			 s->why ? " (" : "", s->why ? s->why : "",
			 s->why ? ")" : "");
		break;
	case DEC_TOO_BIG:
		snprintf(err, errlen,
			 "%s data expands beyond %zu MiB, the "
			 "limit for a kernel",
			 name, s->max >> 20);
		break;
	case DEC_NOT_KERNEL:
		snprintf(err, errlen,
			 "the %s data holds neither an ELF "
			 "kernel nor a bzImage",
			 name);
		break;
	default:
		snprintf(err, errlen, "out of memory decompressing %s data",
			 name);
		break;
	}
	free(s->buf);
	s->buf = NULL;
	return rc == DEC_NOMEM	   ? -ENOMEM
	       : rc == DEC_TOO_BIG ? -EFBIG
				   : -ENOEXEC;
}

int decompress_payload(const uint8_t *in, size_t in_size, size_t size,
		       uint8_t **out, char *err, size_t errlen)
{
	/* room for one byte too many, which tells a lying trailer */
	struct sink s = {.max = size, .first = size + 1};
	int rc = decompress(in, in_size, &s, err, errlen);

	if (rc)
		return rc;
	if (s.len != size) {
		snprintf(err, errlen,
			 "corrupt %s payload: %zu bytes, not the "
			 "%zu its size trailer gives",
			 compression_name(in, in_size), s.len, size);
		free(s.buf);
		return -ENOEXEC;
	}
	*out = s.buf;
	return 0;
}

int decompress_kernel(const uint8_t *in, size_t in_size, size_t max,
		      uint8_t **out, size_t *out_size, char *err, size_t errlen)
{
	struct sink s = {.max = max, .check_head = true};
	int rc;

	/* compressed kernels shrink 3-5 times: one or two reallocations */
	s.first = in_size < max / 4 ? in_size * 4 : max;
	if (s.first < SINK_FIRST)
		s.first = SINK_FIRST;
	rc = decompress(in, in_size, &s, err, errlen);
	if (rc)
		return rc;
	*out = s.buf;
	*out_size = s.len;
	return 0;
}
