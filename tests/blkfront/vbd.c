// SPDX-License-Identifier: MIT
/*
 * The xenstore side of the test blkfront: the toolstack's disk nodes, the
 * frontend's ring nodes and the xenbus handshake with the backend (on
 * tests/testdom/frontend.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

#include "blkfront.h"
#include "vbd.h"

struct bf_vbd *vbd_find(uint32_t devid)
{
	for (unsigned int i = 0; i < BF_MAX_VBDS; i++)
		if (bf.vbd[i].d.used && bf.vbd[i].d.devid == devid)
			return &bf.vbd[i];
	return NULL;
}

static const struct td_dev_ops vbd_dev_ops;

struct vbd_nodes {
	uint32_t devid;
	const char *path, *mode, *devtype;
	struct bf_vbd *v;
};

/* What xl writes for a file-backed disk, besides every device's nodes. */
static int vbd_nodes(xs_transaction_t t, void *arg)
{
	const struct vbd_nodes *n = arg;
	const char *fe = n->v->d.fe, *be = n->v->d.be;
	int ret;

	ret = xsu_printf(td.xs, t, fe, "virtual-device", "%u", n->devid);
	ret |= xsu_printf(td.xs, t, fe, "device-type", "%s", n->devtype);
	ret |= xsu_printf(td.xs, t, be, "params", "%s", n->path);
	ret |= xsu_printf(td.xs, t, be, "mode", "%s", n->mode);
	ret |= xsu_printf(td.xs, t, be, "type", "file");
	ret |= xsu_printf(td.xs, t, be, "device-type", "%s", n->devtype);
	ret |= xsu_printf(td.xs, t, be, "dev", "xvd%c",
			  'a' + (n->devid >> 4) % 26);
	return ret;
}

int vbd_add(uint32_t devid, const char *path, const char *mode,
	    const char *devtype)
{
	struct vbd_nodes n = {devid, path, mode, devtype, NULL};

	for (unsigned int i = 0; i < BF_MAX_VBDS && !n.v; i++)
		if (!bf.vbd[i].d.used)
			n.v = &bf.vbd[i];
	if (!n.v || vbd_find(devid)) {
		printf("ERROR no free device slot\n");
		return -1;
	}
	memset(n.v, 0, sizeof(*n.v));
	td_dev_init(&n.v->d, &vbd_dev_ops, "vbd", devid);
	if (td_dev_add(&n.v->d, vbd_nodes, &n)) {
		printf("ERROR xenstore\n");
		return -1;
	}
	printf("OK\n");
	return 0;
}

static int queue_setup(struct bf_vbd *v, struct bf_queue *q)
{
	uint32_t first;
	int ret;

	/* The ring's pages must be contiguous on our side too. */
	if (td.next_pfn + q->npages > td.vc.nr_pages)
		return -ENOMEM;
	first = td.next_pfn;
	td.next_pfn += q->npages;
	for (unsigned int i = 0; i < q->npages; i++) {
		q->ring_pfn[i] = first + i;
		memset(td_page(first + i), 0, VMCORE_PAGE_SIZE);
		ret = td_grant(first + i, false, &q->ring_gref[i]);
		if (ret)
			return ret;
	}
	blkif_sring_t *s = (void *)td_page(first);

	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->fr, s, q->npages * VMCORE_PAGE_SIZE);
	q->nslots = RING_SIZE(&q->fr);
	q->slots = calloc(q->nslots, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	ret = evtchn_client_alloc_unbound(&td.ec, 0);
	if (ret < 0)
		return ret;
	q->port = ret;
	(void)v;
	return 0;
}

/* Gives back ring pages and grants; force: clear pins a dead peer left. */
static void queues_free(struct bf_vbd *v, bool force)
{
	for (unsigned int qi = 0; qi < v->nq; qi++) {
		struct bf_queue *q = &v->q[qi];

		vbd_slots_release(q);
		for (unsigned int i = 0; i < q->npages; i++) {
			if (force)
				td.gnttab[q->ring_gref[i]].flags &=
					~(GTF_reading | GTF_writing);
			if (td_ungrant(q->ring_gref[i]))
				printf("LEAK ring grant %u still mapped\n",
				       q->ring_gref[i]);
		}
		if (q->port)
			evtchn_client_close_port(&td.ec, q->port);
		free(q->slots);
		memset(q, 0, sizeof(*q));
	}
	vbd_pool_release(v, force);
	v->nq = 0;
	v->d.connected = false;
}

int vbd_connect(struct bf_vbd *v, unsigned int order, unsigned int queues,
		bool persistent, bool unchecked)
{
	int ret;

	if (v->d.connected) {
		printf("ERROR already connected\n");
		return 0;
	}
	if (td_dev_init_wait(&v->d))
		return -1;
	v->sectors = td_read_num(v->d.be, "sectors", 0);
	v->max_indirect =
		td_read_num(v->d.be, "feature-max-indirect-segments", 0);
	if (v->max_indirect > BF_MAX_SEGS)
		v->max_indirect = BF_MAX_SEGS;
	if (!queues || queues > BF_MAX_QUEUES || order > BF_MAX_ORDER ||
	    (!unchecked &&
	     (order > td_read_num(v->d.be, "max-ring-page-order", 0) ||
	      queues > td_read_num(v->d.be, "multi-queue-max-queues", 1)))) {
		printf("ERROR backend does not offer order %u, %u queues\n",
		       order, queues);
		return 0;
	}
	v->persistent = persistent &&
			td_read_num(v->d.be, "feature-persistent", 0) == 1;
	v->order = order;
	v->nq = queues;
	ret = 0;
	for (unsigned int qi = 0; qi < queues && !ret; qi++) {
		struct bf_queue *q = &v->q[qi];
		char dir[192];

		q->npages = 1u << order;
		ret = queue_setup(v, q);
		if (ret)
			break;
		if (queues > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", v->d.fe, qi);
		else
			snprintf(dir, sizeof(dir), "%s", v->d.fe);
		for (unsigned int i = 0; i < q->npages; i++) {
			char key[32];

			if (order)
				snprintf(key, sizeof(key), "ring-ref%u", i);
			else
				snprintf(key, sizeof(key), "ring-ref");
			ret |= xsu_printf(td.xs, XBT_NULL, dir, key, "%u",
					  q->ring_gref[i]);
		}
		ret |= xsu_printf(td.xs, XBT_NULL, dir, "event-channel", "%u",
				  q->port);
	}
	if (order)
		ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "ring-page-order",
				  "%u", order);
	else /* what an earlier connection with more pages left */
		td_rm(v->d.fe, "ring-page-order");
	if (queues > 1)
		ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe,
				  "multi-queue-num-queues", "%u", queues);
	else
		td_rm(v->d.fe, "multi-queue-num-queues");
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "protocol", "%s",
			  XEN_IO_PROTO_ABI_X86_64);
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-persistent", "%d",
			  v->persistent);
	if (ret) {
		printf("ERROR ring set-up: %s\n", strerror(-ret));
		return -1;
	}
	td_set_state(v->d.fe, XenbusStateInitialised);
	if (unchecked)
		return td_dev_expect_refusal(&v->d);
	if (td_dev_wait_connected(&v->d))
		return -1;
	td_set_state(v->d.fe, XenbusStateConnected);
	v->d.connected = true;
	printf("OK\n");
	return 0;
}

int vbd_break_ring(struct bf_vbd *v)
{
	struct bf_queue *q = &v->q[0];

	q->fr.sring->req_prod = q->fr.req_prod_pvt + 1000;
	evtchn_client_send(&td.ec, q->port);
	if (td_wait_state(v->d.be, 1u << XenbusStateClosing, td.timeout_ms) <
	    0) {
		printf("ERROR backend did not close the broken ring\n");
		return -1;
	}
	/* Undo our garbage so the slots can be released below. */
	q->fr.sring->req_prod = q->fr.req_prod_pvt;
	printf("CLOSING\n");
	return 0;
}

static void vbd_release(struct td_dev *d, bool force)
{
	queues_free((struct bf_vbd *)d, force);
}

static int vbd_again(struct td_dev *d, bool force)
{
	struct bf_vbd *v = (struct bf_vbd *)d;
	unsigned int order = v->order, nq = v->nq;
	bool pers = v->persistent;

	queues_free(v, force);
	return vbd_connect(v, order, nq, pers, false);
}

static const struct td_dev_ops vbd_dev_ops = {
	.release = vbd_release,
	.again = vbd_again,
	.closed_mask = 1u << XenbusStateClosed,
};
