// SPDX-License-Identifier: MIT
/*
 * The rings of the test frontend.  tx: one read-only granted page per
 * request id; a frame is spread over the requested number of slots (at
 * odd offsets, so slots end mid-page), extra-info slots follow the first
 * request.  rx: every slot always holds a posted buffer, id = ring index
 * modulo the ring size, as Linux's netfront does; responses are taken in
 * ring order (extras in the slot after the first data slot).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenner/log.h"

#include "netfront.h"

static int page_grant(uint32_t *pfn, grant_ref_t *gref, bool ro)
{
	int ret = td_alloc_page(pfn);

	if (!ret) {
		memset(td_page(*pfn), 0, VMCORE_PAGE_SIZE);
		ret = td_grant(*pfn, ro, gref);
	}
	return ret;
}

static void page_ungrant(uint32_t pfn, grant_ref_t gref, bool force)
{
	if (force)
		td.gnttab[gref].flags &= ~(GTF_reading | GTF_writing);
	if (td_ungrant(gref)) {
		printf("LEAK grant %u still in use\n", gref);
		return; /* never reuse a page the backend may still touch */
	}
	td_free_page(pfn);
}

static void rx_post(struct nf_queue *q)
{
	RING_IDX i = q->rx.req_prod_pvt;
	netif_rx_request_t *req = RING_GET_REQUEST(&q->rx, i);

	req->id = i & (NF_RING_SIZE - 1);
	req->gref = q->rx_gref[req->id];
	q->rx.req_prod_pvt = i + 1;
}

int ring_setup(struct nf_queue *q)
{
	int ret;

	ret = page_grant(&q->tx_ring_pfn, &q->tx_ring_gref, false);
	if (!ret)
		ret = page_grant(&q->rx_ring_pfn, &q->rx_ring_gref, false);
	if (ret)
		return ret;
	netif_tx_sring_t *txs = (void *)td_page(q->tx_ring_pfn);
	netif_rx_sring_t *rxs = (void *)td_page(q->rx_ring_pfn);

	SHARED_RING_INIT(txs);
	FRONT_RING_INIT(&q->tx, txs, VMCORE_PAGE_SIZE);
	SHARED_RING_INIT(rxs);
	FRONT_RING_INIT(&q->rx, rxs, VMCORE_PAGE_SIZE);
	if (RING_SIZE(&q->tx) != NF_RING_SIZE ||
	    RING_SIZE(&q->rx) != NF_RING_SIZE)
		return -EINVAL;
	for (unsigned int i = 0; i < NF_RING_SIZE; i++) {
		ret = page_grant(&q->tx_pfn[i], &q->tx_gref[i], true);
		if (!ret)
			ret = page_grant(&q->rx_pfn[i], &q->rx_gref[i], false);
		if (ret)
			return ret;
	}
	/* Every rx slot holds a buffer from the start. */
	for (unsigned int i = 0; i < NF_RING_SIZE; i++)
		rx_post(q);
	RING_PUSH_REQUESTS(&q->rx);
	return 0;
}

void ring_free(struct nf_queue *q, bool force)
{
	for (unsigned int i = 0; i < NF_RING_SIZE; i++) {
		if (q->tx_gref[i])
			page_ungrant(q->tx_pfn[i], q->tx_gref[i], force);
		if (q->rx_gref[i])
			page_ungrant(q->rx_pfn[i], q->rx_gref[i], force);
	}
	if (q->tx_ring_gref)
		page_ungrant(q->tx_ring_pfn, q->tx_ring_gref, force);
	if (q->rx_ring_gref)
		page_ungrant(q->rx_ring_pfn, q->rx_ring_gref, force);
}

/* Collects tx responses; returns the first bad status seen, or 0. */
static int tx_reap(struct nf_queue *q)
{
	RING_IDX prod = q->tx.sring->rsp_prod;
	int bad = 0;

	rmb();
	for (RING_IDX i = q->tx.rsp_cons; i != prod; i++) {
		netif_tx_response_t *rsp = RING_GET_RESPONSE(&q->tx, i);

		if (rsp->status == NETIF_RSP_NULL)
			continue;
		if (rsp->id >= NF_RING_SIZE || !q->tx_busy[rsp->id]) {
			printf("ERROR response for unknown id %u\n", rsp->id);
			return -EPROTO;
		}
		q->tx_busy[rsp->id] = false;
		q->tx_status[rsp->id] = rsp->status;
		if (rsp->status != NETIF_RSP_OKAY && !bad)
			bad = rsp->status;
	}
	q->tx.rsp_cons = prod;
	q->tx.sring->rsp_event = prod + 1;
	mb();
	return bad;
}

static int tx_id(struct nf_queue *q)
{
	for (unsigned int n = 0; n < NF_RING_SIZE; n++) {
		unsigned int id = (q->tx_next + n) % NF_RING_SIZE;

		if (!q->tx_busy[id]) {
			q->tx_next = id + 1;
			q->tx_busy[id] = true;
			return id;
		}
	}
	return -ENOSPC;
}

static void tx_kick(struct nf_queue *q)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		evtchn_client_send(&td.ec, q->tx_port);
}

static int tx_room(struct nf_vif *v, struct nf_queue *q, unsigned int need)
{
	int64_t end = td_now_ms() + td.timeout_ms;
	int bad = 0, r;

	for (;;) {
		r = tx_reap(q);
		if (r < 0 && r != NETIF_RSP_ERROR && r != NETIF_RSP_DROPPED)
			return r;
		if (r && !bad)
			bad = r;
		if (RING_FREE_REQUESTS(&q->tx) >= need)
			return bad;
		if (td_now_ms() > end) {
			log_err("%s: tx ring stays full", v->d.fe);
			return -ETIMEDOUT;
		}
		td_wait_event(10);
	}
}

int ring_tx(struct nf_vif *v, const uint8_t *f, unsigned int len,
	    const struct nf_txopt *o)
{
	struct nf_queue *q = &v->q[o->queue % v->nq];
	unsigned int slots = o->slots ? o->slots : 1, off = 0, first_len;
	bool extra = o->gso_size != 0;
	netif_tx_request_t *req;
	int ret, id;

	if (slots > 32 || len > 65535)
		return -EINVAL;
	ret = tx_room(v, q, slots + extra);
	if (ret < 0 && ret != NETIF_RSP_ERROR)
		return ret;
	/* The first slot takes what the others leave: at most a page. */
	first_len = len - (len / slots) * (slots - 1);
	for (unsigned int s = 0; s < slots; s++) {
		unsigned int chunk = s ? len / slots : first_len;
		/* Odd offsets so that slots do not line up with pages. */
		unsigned int po = (s * 37 + 5) % 64;

		if (chunk + po > VMCORE_PAGE_SIZE)
			po = VMCORE_PAGE_SIZE - chunk;
		id = tx_id(q);
		if (id < 0)
			return id;
		memcpy(td_page(q->tx_pfn[id]) + po, f + off, chunk);
		req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++);
		req->gref = q->tx_gref[id];
		req->offset = po;
		req->id = id;
		req->size = s ? chunk : len;
		req->flags = (s + 1 < slots ? NETTXF_more_data : 0);
		if (!s)
			req->flags |= (o->blank ? NETTXF_csum_blank |
							  NETTXF_data_validated
						: 0) |
				      (extra ? NETTXF_extra_info : 0);
		off += chunk;
		if (!s && extra) {
			struct netif_extra_info *e = (void *)RING_GET_REQUEST(
				&q->tx, q->tx.req_prod_pvt++);

			memset(e, 0, sizeof(netif_tx_request_t));
			e->type = XEN_NETIF_EXTRA_TYPE_GSO;
			e->u.gso.size = o->gso_size;
			e->u.gso.type = o->gso_type;
		}
	}
	tx_kick(q);
	return 0;
}

int ring_tx_wait(struct nf_vif *v)
{
	int64_t end = td_now_ms() + td.timeout_ms;
	int bad = 0, r;

	for (;;) {
		bool busy = false;

		for (unsigned int i = 0; i < v->nq; i++) {
			struct nf_queue *q = &v->q[i];

			r = tx_reap(q);
			if (r && !bad)
				bad = r;
			for (unsigned int j = 0; j < NF_RING_SIZE; j++)
				busy |= q->tx_busy[j];
		}
		if (!busy)
			return bad;
		if (td_now_ms() > end)
			return -ETIMEDOUT;
		td_wait_event(10);
	}
}

static void rx_repost(struct nf_queue *q, unsigned int n)
{
	int notify;

	for (unsigned int i = 0; i < n; i++)
		rx_post(q);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify)
		evtchn_client_send(&td.ec, q->rx_port);
}

/* Takes one frame off q if a whole one is there; 1 yes, 0 no. */
static int rx_one(struct nf_queue *q, struct nf_frame *fr)
{
	RING_IDX prod = q->rx.sring->rsp_prod, i = q->rx.rsp_cons;
	netif_rx_response_t rsp;
	bool more = true, first = true, extra = false;

	rmb();
	fr->len = 0;
	fr->error = false;
	fr->gso_size = fr->gso_type = 0;
	fr->flags = 0;
	while (more || extra) {
		if (i == prod)
			return 0; /* the backend pushes whole frames */
		if (extra) {
			struct netif_extra_info e;

			memcpy(&e, RING_GET_RESPONSE(&q->rx, i++), sizeof(e));
			if (e.type == XEN_NETIF_EXTRA_TYPE_GSO) {
				fr->gso_size = e.u.gso.size;
				fr->gso_type = e.u.gso.type;
			}
			extra = e.flags & XEN_NETIF_EXTRA_FLAG_MORE;
			continue;
		}
		rsp = *RING_GET_RESPONSE(&q->rx, i);
		if (rsp.id != (i & (NF_RING_SIZE - 1))) {
			printf("ERROR rx response id %u in slot %u\n", rsp.id,
			       i & (NF_RING_SIZE - 1));
			fr->error = true;
		}
		i++;
		if (first)
			fr->flags = rsp.flags;
		if (rsp.status < 0) {
			fr->error = true;
		} else if (rsp.offset + (unsigned int)rsp.status >
				   VMCORE_PAGE_SIZE ||
			   fr->len + rsp.status > NF_FRAME_MAX) {
			fr->error = true;
		} else {
			memcpy(fr->data + fr->len,
			       td_page(q->rx_pfn[rsp.id % NF_RING_SIZE]) +
				       rsp.offset,
			       rsp.status);
			fr->len += rsp.status;
		}
		extra = first && (rsp.flags & NETRXF_extra_info);
		more = rsp.flags & NETRXF_more_data;
		first = false;
	}
	rx_repost(q, i - q->rx.rsp_cons);
	q->rx.rsp_cons = i;
	return 1;
}

int ring_rx(struct nf_vif *v, struct nf_frame *fr, int timeout_ms)
{
	int64_t end = td_now_ms() + timeout_ms;

	for (;;) {
		for (unsigned int i = 0; i < v->nq; i++) {
			struct nf_queue *q = &v->q[i];

			if (rx_one(q, fr)) {
				fr->queue = i;
				return 1;
			}
			/* Ask for an event on the next response. */
			q->rx.sring->rsp_event = q->rx.rsp_cons + 1;
			mb();
			if (rx_one(q, fr)) {
				fr->queue = i;
				return 1;
			}
		}
		if (td_now_ms() >= end)
			return 0;
		td_wait_event(end - td_now_ms() > 20 ? 20
						     : end - td_now_ms() + 1);
	}
}
