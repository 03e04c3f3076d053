// SPDX-License-Identifier: MIT
/*
 * The per-page hashes of a memory segment, on every CPU at once, and
 * without reading the pages its file has never had: a migration's final
 * pass hashes all of the guest's memory while the guest is stopped, so its
 * share of the downtime divides by the CPUs the host has idle then and by
 * how little of its memory an idle guest has touched.  Not reading holes
 * also keeps a migration or a save from allocating the whole of a sparse
 * guest's tmpfs file on the source.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "save.h"

#define PAGE	    4096ULL
#define MAX_THREADS 8
#define MIN_CHUNK   (16ULL << 20) /* a thread is not worth less */

struct chunk {
	const uint8_t *src;
	const uint64_t *data; /* bitmap of pages with data; NULL: all */
	uint64_t zero_hash;
	uint64_t len;	   /* bytes of the segment from src on */
	uint64_t first, n; /* pages of the chunk */
	uint64_t *out;
	pthread_t thread;
	bool started;
};

static void *hash_chunk(void *arg)
{
	struct chunk *c = arg;

	for (uint64_t i = c->first; i < c->first + c->n; i++)
		c->out[i] = c->data && !save_page_bit(c->data, i)
				    ? c->zero_hash
				    : save_page_hash(c->src + i * PAGE,
						     c->len - i * PAGE);
	return NULL;
}

int save_data_pages(int fd, uint64_t off, uint64_t len, uint64_t *data)
{
	uint64_t pages = (len + PAGE - 1) / PAGE, end = off + len;
	off_t pos = off;

	for (uint64_t i = 0; i < (pages + 63) / 64; i++)
		data[i] = 0;
	while ((uint64_t)pos < end) {
		off_t d = lseek(fd, pos, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break; /* only a hole after pos */
		if (d < 0)
			goto all;
		if ((uint64_t)d >= end)
			break;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			goto all;
		if ((uint64_t)h > end)
			h = end;
		for (uint64_t p = (d - off) / PAGE;
		     p < (h - off + PAGE - 1) / PAGE; p++)
			data[p / 64] |= 1ULL << (p % 64);
		pos = h;
	}
	return 0;
all: /* a file system without SEEK_DATA: every page may hold data */
	for (uint64_t p = 0; p < pages; p++)
		data[p / 64] |= 1ULL << (p % 64);
	return -errno;
}

void save_hash_pages(const uint8_t *src, uint64_t len, uint64_t *out,
		     const uint64_t *data)
{
	uint64_t zero_hash = save_zero_hash();
	struct chunk c[MAX_THREADS];
	uint64_t pages = (len + PAGE - 1) / PAGE, per;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cpus > 0 ? (unsigned)cpus : 1;

	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (n > len / MIN_CHUNK)
		n = len / MIN_CHUNK ? len / MIN_CHUNK : 1;
	per = (pages + n - 1) / n;
	for (unsigned t = 0; t < n; t++) {
		uint64_t first = t * per;

		c[t] = (struct chunk){.src = src,
				      .data = data,
				      .zero_hash = zero_hash,
				      .len = len,
				      .first = first,
				      .n = first >= pages	 ? 0
					   : pages - first < per ? pages - first
								 : per,
				      .out = out};
		/* the caller's thread takes the first chunk, and any whose
		 * thread cannot start */
		c[t].started = t && !pthread_create(&c[t].thread, NULL,
						    hash_chunk, &c[t]);
	}
	for (unsigned t = 0; t < n; t++)
		if (!c[t].started)
			hash_chunk(&c[t]);
	for (unsigned t = 0; t < n; t++)
		if (c[t].started)
			pthread_join(c[t].thread, NULL);
}
