// SPDX-License-Identifier: MIT
/*
 * Hostile requests, made by hand on the rings.  Those netbackd answers
 * with an error print "STATUS -1"; those that break the ring print
 * "CLOSING" once the backend has asked us to go away (the test reconnects
 * with wait-reconnect); a bad rx buffer prints "RXERR".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "netfront.h"

#define BAD_GREF 100000 /* beyond our grant table */

static netif_tx_request_t *slot(struct nf_queue *q)
{
	return RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++);
}

/* A data slot of a hand-made packet, on a page of ours. */
static void data(struct nf_queue *q, uint16_t off, uint16_t size,
		 uint16_t flags)
{
	netif_tx_request_t *r = slot(q);
	unsigned int id = q->tx_next++ % NF_RING_SIZE;

	q->tx_busy[id] = true;
	r->gref = q->tx_gref[id];
	r->offset = off;
	r->size = size;
	r->flags = flags;
	r->id = id;
	/* Something that looks like a frame. */
	memset(td_page(q->tx_pfn[id]), 0x5a, VMCORE_PAGE_SIZE);
}

static void extra(struct nf_queue *q, uint8_t type, uint8_t gso_type)
{
	struct netif_extra_info *e = (void *)slot(q);

	memset(e, 0, sizeof(netif_tx_request_t));
	e->type = type;
	e->u.gso.size = 1000;
	e->u.gso.type = gso_type;
}

static void chain(struct nf_queue *q, unsigned int n)
{
	data(q, 0, 60 * n, NETTXF_more_data);
	for (unsigned int i = 1; i < n; i++)
		data(q, 0, 60, i + 1 < n ? NETTXF_more_data : 0);
}

int ring_wait_closing(struct nf_vif *v)
{
	if (td_wait_state(v->d.be, 1u << XenbusStateClosing, td.timeout_ms) <
	    0) {
		printf("ERROR backend did not close the vif\n");
		return -1;
	}
	v->d.connected = false;
	printf("CLOSING\n");
	return 0;
}

static int kick_and_status(struct nf_vif *v, struct nf_queue *q)
{
	int ret;

	RING_PUSH_REQUESTS(&q->tx);
	evtchn_client_send(&td.ec, q->tx_port);
	ret = ring_tx_wait(v);
	if (ret == NETIF_RSP_ERROR || ret == NETIF_RSP_DROPPED)
		printf("STATUS %d\n", ret);
	else if (!ret)
		printf("OK\n");
	else
		printf("ERROR %s\n", strerror(-ret));
	return 0;
}

int ring_bad(struct nf_vif *v, const char *kind)
{
	struct nf_queue *q = &v->q[0];
	netif_tx_request_t *r;

	if (RING_FREE_REQUESTS(&q->tx) < 32 && ring_tx_wait(v) < 0) {
		printf("ERROR tx ring busy\n");
		return -1;
	}
	if (!strcmp(kind, "gref")) {
		data(q, 0, 60, 0);
		r = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt - 1);
		r->gref = BAD_GREF;
		return kick_and_status(v, q);
	}
	if (!strcmp(kind, "short")) {
		data(q, 0, 10, 0);
		return kick_and_status(v, q);
	}
	if (!strcmp(kind, "big")) {
		/* 65535 bytes announced, 16 full pages after the first. */
		data(q, 0, 65535, NETTXF_more_data);
		for (int i = 1; i <= 16; i++)
			data(q, 0, 4096, i < 16 ? NETTXF_more_data : 0);
		return kick_and_status(v, q);
	}
	if (!strcmp(kind, "slots19")) {
		chain(q, XEN_NETIF_NR_SLOTS_MIN + 1);
		return kick_and_status(v, q);
	}
	if (!strcmp(kind, "gsotype")) {
		data(q, 0, 1000, NETTXF_extra_info | NETTXF_csum_blank);
		extra(q, XEN_NETIF_EXTRA_TYPE_GSO, 7);
		return kick_and_status(v, q);
	}
	if (!strcmp(kind, "offset")) {
		data(q, 4000, 200, 0);
	} else if (!strcmp(kind, "slots")) {
		chain(q, 25);
	} else if (!strcmp(kind, "extra")) {
		data(q, 0, 100, NETTXF_extra_info);
		extra(q, 9, 0);
	} else if (!strcmp(kind, "ring")) {
		q->tx.req_prod_pvt += 1000;
	} else {
		printf("ERROR unknown kind %s\n", kind);
		return -1;
	}
	RING_PUSH_REQUESTS(&q->tx);
	evtchn_client_send(&td.ec, q->tx_port);
	return ring_wait_closing(v);
}

void ring_bad_rx(struct nf_vif *v, bool indices)
{
	struct nf_queue *q = &v->q[0];

	if (indices)
		q->rx.sring->req_prod += 1000;
	else
		RING_GET_REQUEST(&q->rx, q->rx.rsp_cons)->gref = BAD_GREF;
}
