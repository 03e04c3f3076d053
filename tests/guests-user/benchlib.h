/* SPDX-License-Identifier: MIT */
/*
 * What the in-guest benchmark programs (xenner-*bench.c, built static by
 * bench/lib.sh) share: a clock, number arguments, sorting for medians,
 * dying with a message.  Each program sets bench_prog to its name first.
 */
#ifndef XENNER_BENCHLIB_H
#define XENNER_BENCHLIB_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *bench_prog = "xenner-bench";

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline _Noreturn void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_prog, what, strerror(errno));
	exit(1);
}

/* A decimal argument in [lo, hi], or exit 2 with a message. */
static inline long arg_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number '%s' (%ld..%ld)\n", bench_prog,
			s, lo, hi);
		exit(2);
	}
	return v;
}

/* For qsort of doubles (medians). */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
