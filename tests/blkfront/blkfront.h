/* SPDX-License-Identifier: MIT */
/*
 * xenner-blkfront: a guest's blkfront played from the host, for testing
 * blkbackd without a guest kernel.  On a test domain (tests/testdom) it
 * writes the toolstack's and the frontend's xenstore nodes, follows the
 * xenbus state machine, grants pages and pushes blkif requests.
 */
#ifndef BLKFRONT_H
#define BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

/* ring.h maps xen_mb() to mb(): give it ours. */
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>

#include "../testdom/testdom.h"

#define BF_GNTTAB_PFN	 1
#define BF_GNTTAB_FRAMES 8
#define BF_NR_GREFS	 (BF_GNTTAB_FRAMES * VMCORE_GNTTAB_PER_FRAME)
#define BF_MAX_SEGS	 256
#define BF_MAX_QUEUES	 16
/* One past blkbackd's own bound, so its refusal can be tested. */
#define BF_MAX_ORDER 5
#define BF_MAX_VBDS  8
/* Above blkbackd's 1056 persistent grants a ring, so that bound is tested. */
#define BF_POOL_PAGES 1280

struct bf_slot {
	bool busy;
	bool done;
	int16_t status;
	uint8_t op;
	bool verify;
	uint64_t sector;
	uint32_t seed;
	unsigned int nsect;
	unsigned int npages, nind;
	uint32_t pfn[BF_MAX_SEGS];
	grant_ref_t gref[BF_MAX_SEGS];
	int pool[BF_MAX_SEGS]; /* persistent pool index, or -1 */
	uint32_t ind_pfn[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	grant_ref_t ind_gref[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

struct bf_queue {
	blkif_front_ring_t fr;
	unsigned int npages;
	uint32_t ring_pfn[1u << BF_MAX_ORDER];
	grant_ref_t ring_gref[1u << BF_MAX_ORDER];
	uint32_t port;
	struct bf_slot *slots;
	unsigned int nslots;
};

struct bf_pool_page {
	uint32_t pfn;
	grant_ref_t gref;
	bool busy;
};

struct bf_vbd {
	struct td_dev d; /* first: tests/testdom's device */
	unsigned int nq, order;
	bool persistent;
	uint64_t sectors;
	unsigned int max_indirect;
	struct bf_queue q[BF_MAX_QUEUES];
	struct bf_pool_page pool[BF_POOL_PAGES];
	unsigned int npool;
	unsigned int next_q;
};

/* The domain is tests/testdom's td. */
struct bf {
	struct bf_vbd vbd[BF_MAX_VBDS];
};

extern struct bf bf;

uint8_t bf_pattern(uint64_t offset, uint32_t seed);

/* vbd.c: one command each; prints its result line. */
int vbd_add(uint32_t devid, const char *path, const char *mode,
	    const char *devtype);
int vbd_connect(struct bf_vbd *v, unsigned int order, unsigned int queues,
		bool persistent, bool unchecked);
int vbd_io(struct bf_vbd *v, uint8_t op, uint64_t sector, uint64_t nsect,
	   uint32_t seed, bool indirect);
int vbd_bad(struct bf_vbd *v, const char *kind);
int vbd_break_ring(struct bf_vbd *v);
int vbd_bench(struct bf_vbd *v, int seconds, unsigned int nsect, bool write);
int vbd_flood(struct bf_vbd **v, unsigned int nv, unsigned int nreq);
struct bf_vbd *vbd_find(uint32_t devid);

#endif
