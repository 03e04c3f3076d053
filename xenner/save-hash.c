// SPDX-License-Identifier: MIT
/*
 * The per-page hashes of a memory segment, on every CPU at once: a
 * migration's final pass hashes all of the guest's memory while the guest
 * is stopped, so its share of the downtime divides by the CPUs the host
 * has idle then.
 */
#include <pthread.h>
#include <unistd.h>

#include "save.h"

#define PAGE	    4096ULL
#define MAX_THREADS 8
#define MIN_CHUNK   (16ULL << 20) /* a thread is not worth less */

struct chunk {
	const uint8_t *src;
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
		c->out[i] =
			save_page_hash(c->src + i * PAGE, c->len - i * PAGE);
	return NULL;
}

void save_hash_pages(const uint8_t *src, uint64_t len, uint64_t *out)
{
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
