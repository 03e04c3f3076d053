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

/* An answer that is ready before the ones to requests taken earlier. */
struct blkif_held {
	blkif_response_t rsp;
	bool ready;
};

/*
 * Backend view of one shared ring.  Everything but sring is ours; only
 * sring is shared with the guest.
 */
struct blkif_back {
	blkif_sring_t *sring;
	unsigned int nr_ents;
	RING_IDX req_cons;
	RING_IDX rsp_prod_pvt;
	RING_IDX rsp_notified;	 /* rsp_prod when we last decided to notify */
	struct blkif_held *held; /* nr_ents, indexed like the ring */
};

/*
 * Starts serving sring at index `start`: 0 for a ring the frontend just
 * set up, sring->rsp_prod for one an earlier blkbackd served (see
 * blkif_ring_respond).  -ENOMEM, or 0.
 */
int blkif_ring_init(struct blkif_back *r, blkif_sring_t *sring,
		    unsigned int nr_ents, RING_IDX start);
void blkif_ring_fini(struct blkif_back *r);

/*
 * Copies the next request into *out and consumes it; *seq is its index,
 * for blkif_ring_respond.  1: got one, 0: ring empty, -EIO: the guest's indices
 * are impossible (more requests than slots, or more outstanding than the ring
 * holds): the ring is broken.
 */
int blkif_ring_fetch(struct blkif_back *r, blkif_request_t *out, RING_IDX *seq);
/* Re-arms req_event; returns true if requests arrived meanwhile. */
bool blkif_ring_final_check(struct blkif_back *r);
/*
 * Answers request seq.  Answers are published in request order, each in
 * its own request's slot, so the slots from rsp_prod to req_prod always
 * hold requests nobody answered: a blkbackd killed with I/O in flight
 * leaves a ring the next one can serve on from rsp_prod.  An answer ready
 * early is held until those before it are.
 */
void blkif_ring_respond(struct blkif_back *r, RING_IDX seq, uint64_t id,
			uint8_t op, int16_t status);
/* True if the frontend wants a notification for what was published. */
bool blkif_ring_want_notify(struct blkif_back *r);

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
