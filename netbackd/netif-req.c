// SPDX-License-Identifier: MIT
/*
 * Ring consumers and packet checks (see netif-req.h).  The order keeps a
 * hostile guest out: read the producer index once, check it, copy each
 * request, and only then look at the copy; consume a packet only once all
 * its slots have been seen.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "netif-req.h"

static enum netif_tx_result fatal(struct netif_tx_pkt *p, const char *why)
{
	p->why = why;
	return NETIF_TX_FATAL;
}

static void drop(struct netif_tx_pkt *p, bool *dropping, const char *why)
{
	if (!*dropping)
		p->why = why;
	*dropping = true;
}

static void copy_req(const struct netif_tx_back *r, RING_IDX i, void *out)
{
	/* An extra-info slot overlays a request: both are 12 bytes. */
	memcpy(out, &r->sring->ring[i & (NETIF_TX_RING_SIZE - 1)].req,
	       sizeof(netif_tx_request_t));
}

/* Reads the extra-info slots after the first request; false: fatal. */
static bool get_extras(const struct netif_tx_back *r, RING_IDX *i,
		       RING_IDX prod, struct netif_tx_pkt *p)
{
	unsigned int n = 0;
	uint8_t flags;

	do {
		union {
			netif_tx_request_t req;
			struct netif_extra_info e;
		} u;

		if (*i == prod) {
			p->why = "extra info missing";
			return false;
		}
		if (n++ == NETIF_MAX_EXTRAS) {
			p->why = "too many extra info slots";
			return false;
		}
		copy_req(r, (*i)++, &u.req);
		p->slot[p->nr_slots++] = (struct netif_slot){.extra = true};
		switch (u.e.type) {
		case XEN_NETIF_EXTRA_TYPE_GSO:
			if (!u.e.u.gso.size) {
				p->why = "GSO size 0";
				return false;
			}
			p->gso_size = u.e.u.gso.size;
			p->gso_type = u.e.u.gso.type;
			break;
		case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
		case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
			p->mcast = true;
			break;
		case XEN_NETIF_EXTRA_TYPE_HASH:
			break; /* a hint we do not use */
		default:
			p->why = "invalid extra info type";
			return false;
		}
		flags = u.e.flags;
	} while (flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return true;
}

enum netif_tx_result netif_tx_fetch(struct netif_tx_back *r,
				    struct netif_tx_pkt *p)
{
	RING_IDX prod, i = r->req_cons;
	netif_tx_request_t first, req;
	unsigned int first_len, nseg = 1;
	bool dropping = false;
	uint16_t flags;

	prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);
	ring_rmb(); /* the index before the requests it covers */
	p->nr_slots = p->nr_segs = 0;
	p->gso_size = p->gso_type = 0;
	p->mcast = false;
	p->why = NULL;
	if (prod - r->req_cons > NETIF_TX_RING_SIZE ||
	    prod - r->rsp_prod_pvt > NETIF_TX_RING_SIZE)
		return fatal(p, "ring indices out of range");
	if (prod == r->req_cons)
		return NETIF_TX_EMPTY;
	copy_req(r, i++, &first);
	p->slot[p->nr_slots++] = (struct netif_slot){.id = first.id};
	p->len = first.size;
	p->flags = first.flags & (NETTXF_csum_blank | NETTXF_data_validated);
	if ((first.flags & NETTXF_extra_info) && !get_extras(r, &i, prod, p))
		return NETIF_TX_FATAL;
	/* The first slot holds what the continuation slots do not. */
	first_len = first.size;
	flags = first.flags;
	while (flags & NETTXF_more_data) {
		if (nseg >= NETIF_FATAL_SLOTS - 1)
			return fatal(p, "too many slots");
		if (i == prod)
			return fatal(p, "packet continues past req_prod");
		copy_req(r, i++, &req);
		p->slot[p->nr_slots++] = (struct netif_slot){.id = req.id};
		if (req.size > first_len)
			drop(p, &dropping, "slot larger than the frame");
		else
			first_len -= req.size;
		if ((unsigned int)req.offset + req.size > NETIF_PAGE_SIZE)
			return fatal(p, "slot crosses its page");
		if (nseg < NETIF_MAX_SLOTS)
			p->seg[nseg] = (struct netif_seg){
				.gref = req.gref,
				.offset = req.offset,
				.len = req.size,
			};
		else
			drop(p, &dropping, "more slots than a frame may use");
		nseg++;
		flags = req.flags;
	}
	if (!dropping) {
		if ((unsigned int)first.offset + first_len > NETIF_PAGE_SIZE)
			return fatal(p, "first slot crosses its page");
		p->seg[0] = (struct netif_seg){
			.gref = first.gref,
			.offset = first.offset,
			.len = first_len,
		};
		p->nr_segs = nseg;
		if (p->len < NETIF_MIN_FRAME && !p->mcast)
			drop(p, &dropping, "frame shorter than a header");
		else if (p->gso_size &&
			 p->gso_type != XEN_NETIF_GSO_TYPE_TCPV4 &&
			 p->gso_type != XEN_NETIF_GSO_TYPE_TCPV6)
			drop(p, &dropping, "unknown GSO type");
	}
	/* Every request is copied before the guest may reuse its slot. */
	ring_mb();
	r->req_cons = i;
	return dropping ? NETIF_TX_DROP : NETIF_TX_OK;
}

void netif_tx_respond(struct netif_tx_back *r, const struct netif_tx_pkt *p,
		      int16_t status)
{
	for (unsigned int i = 0; i < p->nr_slots; i++) {
		netif_tx_response_t rsp = {
			.id = p->slot[i].id,
			.status = p->slot[i].extra ? NETIF_RSP_NULL : status,
		};

		memcpy(&r->sring->ring[r->rsp_prod_pvt &
				       (NETIF_TX_RING_SIZE - 1)]
				.rsp,
		       &rsp, sizeof(rsp));
		r->rsp_prod_pvt++;
	}
}

bool netif_tx_final_check(struct netif_tx_back *r)
{
	RING_IDX prod;

	__atomic_store_n(&r->sring->req_event, r->req_cons + 1,
			 __ATOMIC_RELAXED);
	ring_mb();
	prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);
	return prod != r->req_cons;
}

/* Both rings share the sring header layout; publish and decide on events. */
static bool push(RING_IDX *rsp_prod, RING_IDX *rsp_event, RING_IDX new)
{
	RING_IDX old = __atomic_load_n(rsp_prod, __ATOMIC_RELAXED), event;

	if (old == new)
		return false;
	ring_wmb(); /* responses before the index that publishes them */
	__atomic_store_n(rsp_prod, new, __ATOMIC_RELAXED);
	ring_mb();
	event = __atomic_load_n(rsp_event, __ATOMIC_RELAXED);
	return (RING_IDX)(new - event) < (RING_IDX)(new - old);
}

bool netif_tx_push(struct netif_tx_back *r)
{
	return push(&r->sring->rsp_prod, &r->sring->rsp_event, r->rsp_prod_pvt);
}

int netif_rx_avail(struct netif_rx_back *r, unsigned int want)
{
	RING_IDX prod;

	for (;;) {
		prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED);
		ring_rmb();
		if (prod - r->req_cons > NETIF_RX_RING_SIZE ||
		    prod - r->rsp_prod_pvt > NETIF_RX_RING_SIZE)
			return -EIO;
		if (prod - r->req_cons >= want)
			return prod - r->req_cons;
		/* Too few: the frontend tells us when it posts more. */
		__atomic_store_n(&r->sring->req_event, prod + 1,
				 __ATOMIC_RELAXED);
		ring_mb();
		if (__atomic_load_n(&r->sring->req_prod, __ATOMIC_RELAXED) ==
		    prod)
			return prod - r->req_cons;
	}
}

void netif_rx_take(struct netif_rx_back *r, netif_rx_request_t *req)
{
	memcpy(req, &r->sring->ring[r->req_cons & (NETIF_RX_RING_SIZE - 1)].req,
	       sizeof(*req));
	ring_mb();
	r->req_cons++;
}

void netif_rx_respond(struct netif_rx_back *r, RING_IDX idx, uint16_t id,
		      uint16_t offset, uint16_t flags, int16_t status)
{
	netif_rx_response_t rsp = {
		.id = id, .offset = offset, .flags = flags, .status = status};

	memcpy(&r->sring->ring[idx & (NETIF_RX_RING_SIZE - 1)].rsp, &rsp,
	       sizeof(rsp));
}

void netif_rx_respond_extra(struct netif_rx_back *r, RING_IDX idx,
			    const struct netif_extra_info *extra)
{
	_Static_assert(sizeof(*extra) == sizeof(netif_rx_response_t),
		       "an extra overlays a response");
	memcpy(&r->sring->ring[idx & (NETIF_RX_RING_SIZE - 1)].rsp, extra,
	       sizeof(*extra));
}

bool netif_rx_push(struct netif_rx_back *r)
{
	r->rsp_prod_pvt = r->req_cons;
	return push(&r->sring->rsp_prod, &r->sring->rsp_event, r->rsp_prod_pvt);
}

unsigned int netif_rx_slots(unsigned int len, bool gso)
{
	unsigned int n = (len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE;

	return (n ? n : 1) + (gso ? 1 : 0);
}
