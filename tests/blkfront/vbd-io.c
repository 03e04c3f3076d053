// SPDX-License-Identifier: MIT
/*
 * Requests of the test frontend: data pages (granted per request, or from
 * a pool of persistent grants), direct and indirect segments, responses
 * matched by id, data checked against the pattern, and hand-made hostile
 * requests.  After a response every per-request grant must be free again
 * (the backend unmapped it): otherwise the command reports LEAK.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenner/log.h"

#include "blkfront.h"
#include "vbd.h"

struct io_result {
	int status;	  /* first non-OK status */
	int64_t mismatch; /* first bad sector, or -1 */
	unsigned int leaks;
	uint64_t done, bytes;
};

static int get_page(struct bf_vbd *v, bool readonly, uint32_t *pfn,
		    grant_ref_t *gref, int *pool)
{
	int ret;

	*pool = -1;
	if (v->persistent) {
		for (unsigned int i = 0; i < v->npool; i++) {
			if (!v->pool[i].busy) {
				v->pool[i].busy = true;
				*pfn = v->pool[i].pfn;
				*gref = v->pool[i].gref;
				*pool = i;
				return 0;
			}
		}
		if (v->npool < BF_POOL_PAGES) {
			struct bf_pool_page *p = &v->pool[v->npool];

			/* Persistent grants are always read-write. */
			ret = td_alloc_page(&p->pfn);
			if (!ret)
				ret = td_grant(p->pfn, false, &p->gref);
			if (ret)
				return ret;
			p->busy = true;
			*pfn = p->pfn;
			*gref = p->gref;
			*pool = v->npool++;
			return 0;
		}
	}
	ret = td_alloc_page(pfn);
	if (!ret)
		ret = td_grant(*pfn, readonly, gref);
	return ret;
}

static void put_page(struct bf_vbd *v, uint32_t pfn, grant_ref_t gref, int pool,
		     unsigned int *leaks)
{
	if (pool >= 0) {
		v->pool[pool].busy = false;
		return;
	}
	if (td_ungrant(gref)) {
		(*leaks)++;
		return; /* the backend still maps it: never reuse the page */
	}
	td_free_page(pfn);
}

static void slot_release(struct bf_vbd *v, struct bf_slot *s,
			 unsigned int *leaks)
{
	for (unsigned int i = 0; i < s->npages; i++)
		put_page(v, s->pfn[i], s->gref[i], s->pool[i], leaks);
	for (unsigned int i = 0; i < s->nind; i++)
		put_page(v, s->ind_pfn[i], s->ind_gref[i], -1, leaks);
	s->npages = s->nind = 0;
	s->busy = false;
}

void vbd_slots_release(struct bf_queue *q)
{
	unsigned int leaks = 0;

	for (unsigned int i = 0; q->slots && i < q->nslots; i++) {
		struct bf_slot *s = &q->slots[i];

		if (!s->busy)
			continue;
		/* The backend is gone: its pins are stale. */
		for (unsigned int j = 0; j < s->npages; j++) {
			if (s->pool[j] >= 0)
				continue; /* vbd_pool_release's job */
			td.gnttab[s->gref[j]].flags &=
				~(GTF_reading | GTF_writing);
			put_page(NULL, s->pfn[j], s->gref[j], -1, &leaks);
		}
		for (unsigned int j = 0; j < s->nind; j++) {
			td.gnttab[s->ind_gref[j]].flags &=
				~(GTF_reading | GTF_writing);
			put_page(NULL, s->ind_pfn[j], s->ind_gref[j], -1,
				 &leaks);
		}
		s->npages = s->nind = 0;
		s->busy = false;
	}
}

void vbd_pool_release(struct bf_vbd *v, bool force)
{
	for (unsigned int i = 0; i < v->npool; i++) {
		if (force)
			td.gnttab[v->pool[i].gref].flags &=
				~(GTF_reading | GTF_writing);
		if (td_ungrant(v->pool[i].gref))
			printf("LEAK persistent grant %u still mapped\n",
			       v->pool[i].gref);
		else
			td_free_page(v->pool[i].pfn);
	}
	v->npool = 0;
}

static int slot_get(struct bf_queue *q)
{
	if (RING_FULL(&q->fr))
		return -1;
	for (unsigned int i = 0; i < q->nslots; i++)
		if (!q->slots[i].busy)
			return i;
	return -1;
}

static void push(struct bf_queue *q)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->fr, notify);
	if (notify)
		evtchn_client_send(&td.ec, q->port);
}

/* Builds a r/w/barrier request for nsect sectors (fits in one request). */
static int build_rw(struct bf_vbd *v, struct bf_queue *q, int id, uint8_t op,
		    uint64_t sector, unsigned int nsect, uint32_t seed,
		    bool indirect, bool fill)
{
	struct bf_slot *s = &q->slots[id];
	blkif_request_t *req = RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt);
	struct blkif_request_segment segs[BF_MAX_SEGS];
	bool guest_reads = op == BLKIF_OP_READ;
	unsigned int n = (nsect + 7) / 8;
	int ret;

	*s = (struct bf_slot){.busy = true,
			      .op = op,
			      .sector = sector,
			      .seed = seed,
			      .nsect = nsect,
			      .verify = fill && guest_reads};
	for (unsigned int i = 0; i < n; i++) {
		unsigned int cnt = nsect - i * 8 < 8 ? nsect - i * 8 : 8;

		ret = get_page(v, !guest_reads, &s->pfn[i], &s->gref[i],
			       &s->pool[i]);
		if (ret)
			return ret;
		s->npages++;
		if (fill && !guest_reads) {
			uint8_t *p = td_page(s->pfn[i]);
			uint64_t off = (sector + i * 8) * 512;

			for (unsigned int b = 0; b < cnt * 512; b++)
				p[b] = bf_pattern(off + b, seed);
		}
		segs[i] = (struct blkif_request_segment){.gref = s->gref[i],
							 .first_sect = 0,
							 .last_sect = cnt - 1};
	}
	if (!indirect) {
		req->operation = op;
		req->nr_segments = n;
		req->handle = v->d.devid;
		req->id = id;
		req->sector_number = sector;
		memcpy(req->seg, segs, n * sizeof(segs[0]));
	} else {
		blkif_request_indirect_t *ind = (void *)req;
		unsigned int per = VMCORE_PAGE_SIZE / sizeof(segs[0]);

		memset(ind, 0, sizeof(*ind));
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = op;
		ind->nr_segments = n;
		ind->id = id;
		ind->sector_number = sector;
		ind->handle = v->d.devid;
		for (unsigned int i = 0; i * per < n; i++) {
			ret = td_alloc_page(&s->ind_pfn[i]);
			if (!ret)
				ret = td_grant(s->ind_pfn[i], true,
					       &s->ind_gref[i]);
			if (ret)
				return ret;
			s->nind++;
			memcpy(td_page(s->ind_pfn[i]), segs + i * per,
			       (n - i * per < per ? n - i * per : per) *
				       sizeof(segs[0]));
			ind->indirect_grefs[i] = s->ind_gref[i];
		}
	}
	q->fr.req_prod_pvt++;
	return 0;
}

/* build_rw failed half-way: give back what it took. */
static void slot_abort(struct bf_vbd *v, struct bf_slot *s)
{
	unsigned int leaks = 0;

	slot_release(v, s, &leaks);
}

static void check_read(struct bf_slot *s, struct io_result *r)
{
	for (unsigned int i = 0; i < s->npages; i++) {
		const uint8_t *p = td_page(s->pfn[i]);
		uint64_t off = (s->sector + i * 8) * 512;

		unsigned int cnt = s->nsect - i * 8 < 8 ? s->nsect - i * 8 : 8;

		/* The last page may be partial: compare what was asked. */
		for (unsigned int b = 0; b < cnt * 512; b++) {
			if (p[b] != bf_pattern(off + b, s->seed)) {
				if (r->mismatch < 0)
					r->mismatch = (off + b) / 512;
				return;
			}
		}
	}
}

static unsigned int collect(struct bf_vbd *v, struct io_result *r)
{
	unsigned int n = 0;

	for (unsigned int qi = 0; qi < v->nq; qi++) {
		struct bf_queue *q = &v->q[qi];
		int more;

		do {
			RING_IDX prod = q->fr.sring->rsp_prod;

			rmb();
			for (; q->fr.rsp_cons != prod; q->fr.rsp_cons++) {
				blkif_response_t rsp;
				struct bf_slot *s;

				memcpy(&rsp,
				       RING_GET_RESPONSE(&q->fr,
							 q->fr.rsp_cons),
				       sizeof(rsp));
				if (rsp.id >= q->nslots ||
				    !q->slots[rsp.id].busy) {
					log_err("response with bad id %" PRIu64,
						rsp.id);
					r->status = r->status ?: 99;
					continue;
				}
				s = &q->slots[rsp.id];
				if (rsp.status && !r->status)
					r->status = rsp.status;
				if (!rsp.status && s->verify)
					check_read(s, r);
				slot_release(v, s, &r->leaks);
				r->done++;
				n++;
			}
			RING_FINAL_CHECK_FOR_RESPONSES(&q->fr, more);
		} while (more);
	}
	return n;
}

static unsigned int outstanding(struct bf_vbd *v)
{
	unsigned int n = 0;

	for (unsigned int qi = 0; qi < v->nq; qi++)
		for (unsigned int i = 0; i < v->q[qi].nslots; i++)
			n += v->q[qi].slots[i].busy;
	return n;
}

static int wait_some(struct bf_vbd *v, struct io_result *r)
{
	while (!collect(v, r)) {
		int ret = td_wait_event(td.timeout_ms);

		if (ret == -ETIMEDOUT) {
			printf("ERROR timeout (%u outstanding)\n",
			       outstanding(v));
			return -1;
		}
		if (ret < 0) {
			printf("ERROR evtchnd: %s\n", strerror(-ret));
			return -1;
		}
	}
	return 0;
}

static void print_result(const struct io_result *r)
{
	if (r->leaks)
		printf("LEAK %u grants still mapped after the response\n",
		       r->leaks);
	else if (r->status)
		printf("STATUS %d\n", r->status);
	else if (r->mismatch >= 0)
		printf("MISMATCH sector %" PRId64 "\n", r->mismatch);
	else
		printf("OK\n");
}

/* One request without data: flush, or a discard. */
static int simple_req(struct bf_vbd *v, uint8_t op, uint64_t sector,
		      uint64_t nsect, struct io_result *r)
{
	struct bf_queue *q = &v->q[0];
	int id = slot_get(q);
	blkif_request_t *req;

	if (id < 0 && wait_some(v, r))
		return -1;
	id = slot_get(q);
	req = RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt);
	q->slots[id] = (struct bf_slot){.busy = true, .op = op};
	if (op == BLKIF_OP_DISCARD) {
		blkif_request_discard_t *d = (void *)req;

		*d = (blkif_request_discard_t){.operation = op,
					       .id = id,
					       .handle = v->d.devid,
					       .sector_number = sector,
					       .nr_sectors = nsect};
	} else {
		memset(req, 0, sizeof(*req));
		req->operation = op;
		req->id = id;
		req->handle = v->d.devid;
	}
	q->fr.req_prod_pvt++;
	push(q);
	while (outstanding(v))
		if (wait_some(v, r))
			return -1;
	return 0;
}

int vbd_io(struct bf_vbd *v, uint8_t op, uint64_t sector, uint64_t nsect,
	   uint32_t seed, bool indirect)
{
	struct io_result r = {.mismatch = -1};
	unsigned int chunk;

	if (!v->d.connected) {
		printf("ERROR not connected\n");
		return 0;
	}
	if (op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_DISCARD) {
		if (simple_req(v, op, sector, nsect, &r))
			return -1;
		print_result(&r);
		return 0;
	}
	if (indirect && !v->max_indirect) {
		printf("ERROR backend has no indirect segments\n");
		return 0;
	}
	chunk = (indirect ? v->max_indirect : BLKIF_MAX_SEGMENTS_PER_REQUEST) *
		8;
	while (nsect || outstanding(v)) {
		bool pushed = false;

		while (nsect) {
			struct bf_queue *q = &v->q[v->next_q % v->nq];
			unsigned int n = nsect < chunk ? nsect : chunk;
			int id = slot_get(q);

			if (id < 0)
				break;
			if (build_rw(v, q, id, op, sector, n, seed, indirect,
				     true)) {
				slot_abort(v, &q->slots[id]);
				printf("ERROR out of pages or grants\n");
				return -1;
			}
			push(q);
			pushed = true;
			v->next_q++;
			sector += n;
			nsect -= n;
			if (op == BLKIF_OP_WRITE_BARRIER)
				break;
		}
		if (!pushed || !nsect || op == BLKIF_OP_WRITE_BARRIER)
			if (wait_some(v, &r))
				return -1;
	}
	print_result(&r);
	return 0;
}

int vbd_bad(struct bf_vbd *v, const char *kind)
{
	struct io_result r = {.mismatch = -1};
	struct bf_queue *q = &v->q[0];
	blkif_request_t *req;
	struct bf_slot *s;
	int id;

	if (!v->d.connected || (id = slot_get(q)) < 0) {
		printf("ERROR not connected or ring full\n");
		return 0;
	}
	if (build_rw(v, q, id, BLKIF_OP_READ, 0, 8, 0, false, false)) {
		slot_abort(v, &q->slots[id]);
		printf("ERROR out of pages\n");
		return -1;
	}
	/* Start from a valid one-page read, then break one thing. */
	req = RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt - 1);
	s = &q->slots[id];
	if (!strcmp(kind, "op"))
		req->operation = 99;
	else if (!strcmp(kind, "segs"))
		req->nr_segments = 200;
	else if (!strcmp(kind, "nosegs"))
		req->nr_segments = 0;
	else if (!strcmp(kind, "sector"))
		req->sector_number = v->sectors - 4;
	else if (!strcmp(kind, "sect"))
		req->seg[0].first_sect = 5, req->seg[0].last_sect = 2;
	else if (!strcmp(kind, "lastsect"))
		req->seg[0].last_sect = 8;
	else if (!strcmp(kind, "gref"))
		req->seg[0].gref = BF_NR_GREFS + 77;
	else if (!strcmp(kind, "ungranted"))
		req->seg[0].gref = BF_NR_GREFS - 1;
	else if (!strcmp(kind, "ind-segs") || !strcmp(kind, "ind-gref") ||
		 !strcmp(kind, "ind-op")) {
		blkif_request_indirect_t *ind = (void *)req;
		grant_ref_t g = req->seg[0].gref;

		memset(ind, 0, sizeof(*ind));
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = BLKIF_OP_READ;
		ind->id = id;
		ind->nr_segments = 1;
		ind->indirect_grefs[0] = g; /* a data page as segment list */
		if (!strcmp(kind, "ind-segs"))
			ind->nr_segments = 5000;
		else if (!strcmp(kind, "ind-gref"))
			ind->indirect_grefs[0] = BF_NR_GREFS - 1;
		else
			ind->indirect_op = BLKIF_OP_DISCARD;
	} else {
		printf("ERROR unknown kind %s\n", kind);
		q->fr.req_prod_pvt--;
		slot_release(v, s, &r.leaks);
		return 0;
	}
	push(q);
	while (outstanding(v))
		if (wait_some(v, &r))
			return -1;
	if (r.leaks)
		printf("LEAK %u\n", r.leaks);
	else
		printf("STATUS %d\n", r.status);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int vbd_bench(struct bf_vbd *v, int seconds, unsigned int nsect, bool write)
{
	struct io_result r = {.mismatch = -1};
	bool indirect = nsect > BLKIF_MAX_SEGMENTS_PER_REQUEST * 8;
	uint64_t sector = 0;
	double start = now_s(), end = start + seconds, el;

	if (!v->d.connected || !nsect || nsect > v->sectors ||
	    (indirect && nsect > v->max_indirect * 8)) {
		printf("ERROR bad bench parameters\n");
		return 0;
	}
	while (now_s() < end || outstanding(v)) {
		while (now_s() < end) {
			struct bf_queue *q = &v->q[v->next_q % v->nq];
			int id = slot_get(q);

			/* About a Linux blkfront's queue depth: keeps the
			 * frontend within its pages and grants. */
			if (id < 0 || outstanding(v) >= 128)
				break;
			if (sector + nsect > v->sectors)
				sector = 0;
			if (build_rw(v, q, id,
				     write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
				     sector, nsect, 1, indirect, false)) {
				slot_abort(v, &q->slots[id]);
				break;
			}
			push(q);
			v->next_q++;
			sector += nsect;
		}
		if (wait_some(v, &r))
			return -1;
	}
	el = now_s() - start;
	printf("BENCH %s %u sectors: %.1f MB/s %.0f IOPS status %d\n",
	       write ? "write" : "read", nsect,
	       r.done * nsect * 512.0 / el / 1e6, r.done / el, r.status);
	return 0;
}

/*
 * A hostile but valid burst: NREQ indirect writes of the most segments the
 * backend takes, pushed at once on queue 0 of each device (one or two at
 * the same time), every segment the same data page and every request the
 * same segment page.  Two grants ask the backend for NREQ * segments maps
 * per device; it must pace itself, not fail.
 */
static unsigned int flood_push(struct bf_vbd *v, unsigned int nreq,
			       grant_ref_t ind_gref)
{
	struct bf_queue *q = &v->q[0];
	unsigned int pushed = 0;

	while (pushed < nreq) {
		int id = slot_get(q);
		blkif_request_indirect_t *ind;

		if (id < 0)
			break;
		/* Its pages are the shared two: nothing to give back. */
		q->slots[id] =
			(struct bf_slot){.busy = true, .op = BLKIF_OP_WRITE};
		ind = (void *)RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt);
		memset(ind, 0, sizeof(*ind));
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = BLKIF_OP_WRITE;
		ind->nr_segments = v->max_indirect;
		ind->id = id;
		ind->sector_number = 0;
		ind->handle = v->d.devid;
		ind->indirect_grefs[0] = ind_gref;
		q->fr.req_prod_pvt++;
		pushed++;
	}
	push(q);
	return pushed;
}

int vbd_flood(struct bf_vbd **v, unsigned int nv, unsigned int nreq)
{
	struct io_result r[2] = {{.mismatch = -1}, {.mismatch = -1}};
	struct blkif_request_segment *segs;
	uint32_t data_pfn, ind_pfn;
	grant_ref_t data_gref, ind_gref;
	unsigned int pushed[2], leaks = 0;

	for (unsigned int k = 0; k < nv; k++) {
		if (!v[k]->d.connected || !v[k]->max_indirect || !nreq) {
			printf("ERROR not connected, or no indirect segments\n");
			return 0;
		}
	}
	if (td_alloc_page(&data_pfn) || td_alloc_page(&ind_pfn) ||
	    td_grant(data_pfn, true, &data_gref) ||
	    td_grant(ind_pfn, true, &ind_gref)) {
		printf("ERROR out of pages or grants\n");
		return -1;
	}
	memset(td_page(data_pfn), 0x5a, VMCORE_PAGE_SIZE);
	segs = (void *)td_page(ind_pfn);
	for (unsigned int i = 0; i < BF_MAX_SEGS; i++)
		segs[i] = (struct blkif_request_segment){
			.gref = data_gref, .first_sect = 0, .last_sect = 7};
	for (unsigned int k = 0; k < nv; k++)
		pushed[k] = flood_push(v[k], nreq, ind_gref);
	for (;;) {
		unsigned int busy = 0, got = 0;

		for (unsigned int k = 0; k < nv; k++) {
			got += collect(v[k], &r[k]);
			busy += outstanding(v[k]);
		}
		if (!busy)
			break;
		if (!got) {
			int ret = td_wait_event(td.timeout_ms);

			if (ret < 0) {
				printf("ERROR %s (%u outstanding)\n",
				       ret == -ETIMEDOUT ? "timeout"
							 : strerror(-ret),
				       busy);
				return -1;
			}
		}
	}
	if (td_ungrant(data_gref) || td_ungrant(ind_gref))
		leaks++;
	else {
		td_free_page(data_pfn);
		td_free_page(ind_pfn);
	}
	for (unsigned int k = 0; k < nv; k++) {
		printf("FLOOD %u requests of %u segments\n", pushed[k],
		       v[k]->max_indirect);
		r[k].leaks += leaks;
		print_result(&r[k]);
	}
	return 0;
}
