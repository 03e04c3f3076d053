/* SPDX-License-Identifier: MIT */
/*
 * The guest-facing half of the blkif protocol as pure functions: taking a
 * request off a shared ring and checking it.  Nothing here touches
 * xenstore, grants or the disk, so the unit tests can feed it hostile
 * rings and requests directly.
 */
#ifndef BLKBACKD_BLKIF_REQ_H
#define BLKBACKD_BLKIF_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include <xen/io/ring.h>
#include <xen/io/blkif.h>

/* Our own barriers: xen/xen.h maps xen_mb() to a kernel mb(). */
#define ring_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ring_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ring_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#define BLKIF_PAGE_SIZE	       4096u
#define BLKIF_SECTOR_SHIFT     9 /* sector_number and first/last_sect units */
#define BLKIF_SECTORS_PER_PAGE (BLKIF_PAGE_SIZE >> BLKIF_SECTOR_SHIFT)
/* Segments one indirect page describes. */
#define BLKIF_SEGS_PER_INDIRECT_PAGE                                           \
	(BLKIF_PAGE_SIZE / sizeof(struct blkif_request_segment))
/* What we advertise in feature-max-indirect-segments (Linux's default). */
#define BLKIF_MAX_INDIRECT_SEGS 256
#define BLKIF_MAX_RING_ORDER	4

/* What a device allows; filled from the disk and the negotiated features. */
struct blkif_limits {
	uint64_t nr_sectors;		/* disk size in 512-byte sectors */
	unsigned int max_indirect_segs; /* 0: BLKIF_OP_INDIRECT not offered */
	bool readonly;
	bool discard;
};

struct blkif_seg {
	grant_ref_t gref;
	uint8_t first, last; /* sectors within the page, inclusive */
};

/* A checked request, in a form that no longer depends on the guest. */
struct blkif_parsed {
	uint64_t id;
	uint8_t rsp_op; /* operation to echo in the response */
	uint8_t op;	/* READ, WRITE, WRITE_BARRIER, FLUSH, DISCARD */
	bool indirect;	/* segments still to be fetched from nr_indirect */
	bool secure;	/* discard flag */
	uint64_t sector;
	uint64_t nr_sectors; /* discard; r/w once the segments are checked */
	unsigned int nr_segs;
	unsigned int nr_indirect;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	struct blkif_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/* Number of request slots in a ring of `pages` pages. */
unsigned int blkif_ring_entries(unsigned int pages);

/*
 * Backend view of one shared ring.  req_cons and rsp_prod_pvt are ours
 * (private); only sring is shared with the guest.
 */
struct blkif_back {
	blkif_sring_t *sring;
	unsigned int nr_ents;
	RING_IDX req_cons;
	RING_IDX rsp_prod_pvt;
};

/*
 * Copies the next request into *out and consumes it.  1: got one, 0: ring
 * empty, -EIO: the guest's indices are impossible (more requests than
 * slots, or more outstanding than the ring holds): the ring is broken.
 */
int blkif_ring_fetch(struct blkif_back *r, blkif_request_t *out);
/* Re-arms req_event; returns true if requests arrived meanwhile. */
bool blkif_ring_final_check(struct blkif_back *r);
/* Writes one response; pushed (and notify decided) by blkif_ring_push. */
void blkif_ring_respond(struct blkif_back *r, uint64_t id, uint8_t op,
			int16_t status);
/* Publishes the responses; true if the frontend wants a notification. */
bool blkif_ring_push(struct blkif_back *r);

/*
 * Checks a copied request against lim.  Returns BLKIF_RSP_OKAY with *p
 * filled, or BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP (p->id and p->rsp_op
 * are always set so the error can be answered).
 */
int blkif_req_parse(const blkif_request_t *req, const struct blkif_limits *lim,
		    struct blkif_parsed *p);
/*
 * Checks segments (from the request or copied out of indirect pages) and
 * computes p->nr_sectors; the whole range must lie within the disk.
 */
int blkif_segs_check(const struct blkif_seg *seg, unsigned int n,
		     const struct blkif_limits *lim, struct blkif_parsed *p);

#endif
