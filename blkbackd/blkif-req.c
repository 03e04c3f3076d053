// SPDX-License-Identifier: MIT
/*
 * Ring consumer and request checks (see blkif-req.h).  The order is the
 * one that keeps a hostile guest out: read the producer index once,
 * check it, copy the request, advance, and only then look at the copy.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "blkif-req.h"

unsigned int blkif_ring_entries(unsigned int pages)
{
	size_t bytes = (size_t)pages * BLKIF_PAGE_SIZE;
	size_t n = (bytes - offsetof(blkif_sring_t, ring)) /
		   sizeof(((blkif_sring_t *)0)->ring[0]);
	unsigned int p = 1;

	/* Ring sizes are powers of two so that indices can wrap freely. */
	while (p * 2 <= n)
		p *= 2;
	return p;
}

int blkif_ring_init(struct blkif_back *r, blkif_sring_t *sring,
		    unsigned int nr_ents, RING_IDX start)
{
	*r = (struct blkif_back){
		.sring = sring,
		.nr_ents = nr_ents,
		.req_cons = start,
		.rsp_prod_pvt = start,
		.rsp_notified = start,
		.held = calloc(nr_ents, sizeof(*r->held)),
	};
	return r->held ? 0 : -ENOMEM;
}

void blkif_ring_fini(struct blkif_back *r)
{
	free(r->held);
	r->held = NULL;
}

int blkif_ring_fetch(struct blkif_back *r, blkif_request_t *out, RING_IDX *seq)
{
	RING_IDX prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);

	ring_rmb(); /* the index before the requests it covers */
	if (prod - r->req_cons > r->nr_ents ||
	    prod - r->rsp_prod_pvt > r->nr_ents)
		return -EIO;
	if (prod == r->req_cons)
		return 0;
	memcpy(out, &r->sring->ring[r->req_cons & (r->nr_ents - 1)].req,
	       sizeof(*out));
	/* The copy is done before the slot can be reused by the guest. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*seq = r->req_cons++;
	return 1;
}

bool blkif_ring_final_check(struct blkif_back *r)
{
	RING_IDX prod;

	__atomic_store_n(&r->sring->req_event, r->req_cons + 1,
			 __ATOMIC_RELAXED);
	ring_mb();
	prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);
	return prod != r->req_cons;
}

void blkif_ring_respond(struct blkif_back *r, RING_IDX seq, uint64_t id,
			uint8_t op, int16_t status)
{
	unsigned int mask = r->nr_ents - 1;
	struct blkif_held *h = &r->held[seq & mask];

	h->rsp =
		(blkif_response_t){.id = id, .operation = op, .status = status};
	h->ready = true;
	while ((h = &r->held[r->rsp_prod_pvt & mask])->ready) {
		memcpy(&r->sring->ring[r->rsp_prod_pvt & mask].rsp, &h->rsp,
		       sizeof(h->rsp));
		h->ready = false;
		/*
		 * Published at once, not per batch: a process killed between
		 * the two stores leaves a slot that is neither its request
		 * nor a visible answer, so that window stays a few
		 * instructions wide.
		 */
		ring_wmb();
		__atomic_store_n(&r->sring->rsp_prod, ++r->rsp_prod_pvt,
				 __ATOMIC_RELAXED);
	}
}

bool blkif_ring_want_notify(struct blkif_back *r)
{
	RING_IDX old = r->rsp_notified;
	RING_IDX new = r->rsp_prod_pvt, event;

	if (old == new)
		return false;
	r->rsp_notified = new;
	ring_mb(); /* rsp_prod stored before rsp_event is read */
	event = __atomic_load_n(&r->sring->rsp_event, __ATOMIC_RELAXED);
	return (RING_IDX)(new - event) < (RING_IDX)(new - old);
}

static int parse_rw(const blkif_request_t *req, const struct blkif_limits *lim,
		    struct blkif_parsed *p)
{
	unsigned int n = req->nr_segments;

	if (req->operation != BLKIF_OP_READ && lim->readonly)
		return BLKIF_RSP_ERROR;
	/* A barrier or a flush may come without data; a read or write not. */
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	if (!n && (req->operation == BLKIF_OP_READ ||
		   req->operation == BLKIF_OP_WRITE))
		return BLKIF_RSP_ERROR;
	p->sector = req->sector_number;
	p->nr_segs = n;
	if (!n)
		return BLKIF_RSP_OKAY; /* a plain flush or an empty barrier */
	for (unsigned int i = 0; i < n; i++) {
		p->seg[i].gref = req->seg[i].gref;
		p->seg[i].first = req->seg[i].first_sect;
		p->seg[i].last = req->seg[i].last_sect;
	}
	return blkif_segs_check(p->seg, n, lim, p);
}

static int parse_discard(const blkif_request_t *req,
			 const struct blkif_limits *lim, struct blkif_parsed *p)
{
	blkif_request_discard_t d;

	memcpy(&d, req, sizeof(d));
	if (!lim->discard)
		return BLKIF_RSP_EOPNOTSUPP;
	if (lim->readonly)
		return BLKIF_RSP_ERROR;
	if (d.sector_number > lim->nr_sectors ||
	    d.nr_sectors > lim->nr_sectors - d.sector_number)
		return BLKIF_RSP_ERROR;
	p->sector = d.sector_number;
	p->nr_sectors = d.nr_sectors;
	p->secure = d.flag & BLKIF_DISCARD_SECURE;
	return BLKIF_RSP_OKAY;
}

static int parse_indirect(const blkif_request_t *req,
			  const struct blkif_limits *lim,
			  struct blkif_parsed *p)
{
	blkif_request_indirect_t ind;

	memcpy(&ind, req, sizeof(ind));
	if (!lim->max_indirect_segs)
		return BLKIF_RSP_EOPNOTSUPP;
	/* Linux answers with the inner operation; so do we. */
	p->rsp_op = ind.indirect_op;
	if (ind.indirect_op != BLKIF_OP_READ &&
	    ind.indirect_op != BLKIF_OP_WRITE)
		return BLKIF_RSP_ERROR;
	p->op = ind.indirect_op;
	if (p->op == BLKIF_OP_WRITE && lim->readonly)
		return BLKIF_RSP_ERROR;
	if (!ind.nr_segments || ind.nr_segments > lim->max_indirect_segs)
		return BLKIF_RSP_ERROR;
	p->indirect = true;
	p->sector = ind.sector_number;
	p->nr_segs = ind.nr_segments;
	p->nr_indirect = (p->nr_segs + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
			 BLKIF_SEGS_PER_INDIRECT_PAGE;
	if (p->nr_indirect > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	memcpy(p->indirect_grefs, ind.indirect_grefs,
	       p->nr_indirect * sizeof(grant_ref_t));
	return BLKIF_RSP_OKAY;
}

int blkif_req_parse(const blkif_request_t *req, const struct blkif_limits *lim,
		    struct blkif_parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->id = req->id;
	p->op = p->rsp_op = req->operation;
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		return parse_rw(req, lim, p);
	case BLKIF_OP_DISCARD:
		return parse_discard(req, lim, p);
	case BLKIF_OP_INDIRECT:
		return parse_indirect(req, lim, p);
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

int blkif_segs_check(const struct blkif_seg *seg, unsigned int n,
		     const struct blkif_limits *lim, struct blkif_parsed *p)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (seg[i].last >= BLKIF_SECTORS_PER_PAGE ||
		    seg[i].first > seg[i].last)
			return BLKIF_RSP_ERROR;
		total += seg[i].last - seg[i].first + 1;
	}
	if (p->sector > lim->nr_sectors || total > lim->nr_sectors - p->sector)
		return BLKIF_RSP_ERROR;
	p->nr_sectors = total;
	return BLKIF_RSP_OKAY;
}
