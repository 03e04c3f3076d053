/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: a cursor over the fuzzer's input, so a
 * target takes what it needs (sizes, flags, raw bytes) front to back and
 * gets zeros once the input runs out, and quiet logging (the code under
 * test logs every bad input it refuses; that is its job, not news).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenner/log.h"

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_bytes(struct fz *f, void *out, size_t len)
{
	size_t k = len < f->n ? len : f->n;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, len - k);
	f->p += k;
	f->n -= k;
}

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v;

	fz_bytes(f, &v, sizeof(v));
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t v;

	fz_bytes(f, &v, sizeof(v));
	return v;
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t v;

	fz_bytes(f, &v, sizeof(v));
	return v;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v;

	fz_bytes(f, &v, sizeof(v));
	return v;
}

/* Errors only, and only with FUZZ_VERBOSE set in the environment. */
static inline void fz_quiet(const char *prog)
{
	log_init(prog, XLOG_ERR, false);
	if (!getenv("FUZZ_VERBOSE"))
		log_set_level(-1);
}

/* A broken invariant of the code under test: a crash libFuzzer reports. */
#define fz_assert(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

#endif
