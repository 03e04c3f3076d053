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
		if (bf.vbd[i].used && bf.vbd[i].devid == devid)
			return &bf.vbd[i];
	return NULL;
}

struct vbd_nodes {
	uint32_t devid;
	const char *path, *mode, *devtype;
	struct bf_vbd *v;
};

/* What xl writes for a file-backed disk, besides every device's nodes. */
static int vbd_nodes(xs_transaction_t t, void *arg)
{
	const struct vbd_nodes *n = arg;
	const char *fe = n->v->fe, *be = n->v->be;
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
		if (!bf.vbd[i].used)
			n.v = &bf.vbd[i];
	if (!n.v || vbd_find(devid)) {
		printf("ERROR no free device slot\n");
		return -1;
	}
	memset(n.v, 0, sizeof(*n.v));
	n.v->used = true;
	n.v->devid = devid;
	td_device_paths("vbd", devid, n.v->fe, n.v->be, sizeof(n.v->fe));
	if (td_device_add(n.v->fe, n.v->be, vbd_nodes, &n)) {
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
	v->connected = false;
}

int vbd_connect(struct bf_vbd *v, unsigned int order, unsigned int queues,
		bool persistent)
{
	long st = td_read_num(v->be, "state", 0);
	int ret;

	if (v->connected) {
		printf("ERROR already connected\n");
		return 0;
	}
	if (st == XenbusStateClosed || st == XenbusStateClosing)
		td_set_state(v->fe, XenbusStateInitialising);
	if (td_wait_state(v->be, 1u << XenbusStateInitWait, td.timeout_ms) <
	    0) {
		printf("ERROR backend not in InitWait\n");
		return -1;
	}
	v->sectors = td_read_num(v->be, "sectors", 0);
	v->max_indirect =
		td_read_num(v->be, "feature-max-indirect-segments", 0);
	if (v->max_indirect > BF_MAX_SEGS)
		v->max_indirect = BF_MAX_SEGS;
	if (order > td_read_num(v->be, "max-ring-page-order", 0) ||
	    queues > td_read_num(v->be, "multi-queue-max-queues", 1) ||
	    !queues || queues > BF_MAX_QUEUES) {
		printf("ERROR backend does not offer order %u, %u queues\n",
		       order, queues);
		return 0;
	}
	v->persistent =
		persistent && td_read_num(v->be, "feature-persistent", 0) == 1;
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
			snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe, qi);
		else
			snprintf(dir, sizeof(dir), "%s", v->fe);
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
		ret |= xsu_printf(td.xs, XBT_NULL, v->fe, "ring-page-order",
				  "%u", order);
	if (queues > 1)
		ret |= xsu_printf(td.xs, XBT_NULL, v->fe,
				  "multi-queue-num-queues", "%u", queues);
	ret |= xsu_printf(td.xs, XBT_NULL, v->fe, "protocol", "%s",
			  XEN_IO_PROTO_ABI_X86_64);
	ret |= xsu_printf(td.xs, XBT_NULL, v->fe, "feature-persistent", "%d",
			  v->persistent);
	if (ret) {
		printf("ERROR ring set-up: %s\n", strerror(-ret));
		return -1;
	}
	td_set_state(v->fe, XenbusStateInitialised);
	st = td_wait_state(
		v->be, 1u << XenbusStateConnected | 1u << XenbusStateClosing,
		td.timeout_ms);
	if (st != XenbusStateConnected) {
		printf("ERROR backend state %ld\n", st);
		return -1;
	}
	td_set_state(v->fe, XenbusStateConnected);
	v->connected = true;
	printf("OK\n");
	return 0;
}

int vbd_disconnect(struct bf_vbd *v)
{
	if (td_close(v->fe, v->be)) {
		printf("ERROR close handshake\n");
		return -1;
	}
	queues_free(v, false);
	printf("OK\n");
	return 0;
}

/* A rebooted guest starts over at Initialising without closing first. */
int vbd_reboot(struct bf_vbd *v)
{
	unsigned int order = v->order, nq = v->nq;
	bool pers = v->persistent;

	td_set_state(v->fe, XenbusStateInitialising);
	if (td_wait_state(v->be, 1u << XenbusStateInitWait, td.timeout_ms) <
	    0) {
		printf("ERROR backend did not go to InitWait\n");
		return -1;
	}
	queues_free(v, false);
	return vbd_connect(v, order, nq, pers);
}

/*
 * After the backend went away (killed, restarted): it asks us to close
 * (Closing) or is Closed; we close and connect again with new rings.
 */
int vbd_wait_reconnect(struct bf_vbd *v)
{
	unsigned int order = v->order, nq = v->nq;
	bool pers = v->persistent;

	if (td_wait_state(v->be,
			  1u << XenbusStateClosing | 1u << XenbusStateClosed,
			  3 * td.timeout_ms) < 0) {
		printf("ERROR backend never asked to reconnect\n");
		return -1;
	}
	td_set_state(v->fe, XenbusStateClosed);
	if (td_wait_state(v->be, 1u << XenbusStateClosed, td.timeout_ms) < 0) {
		printf("ERROR backend not Closed\n");
		return -1;
	}
	/* A killed backend never unpinned its grants (see the report). */
	queues_free(v, true);
	return vbd_connect(v, order, nq, pers);
}

int vbd_break_ring(struct bf_vbd *v)
{
	struct bf_queue *q = &v->q[0];

	q->fr.sring->req_prod = q->fr.req_prod_pvt + 1000;
	evtchn_client_send(&td.ec, q->port);
	if (td_wait_state(v->be, 1u << XenbusStateClosing, td.timeout_ms) < 0) {
		printf("ERROR backend did not close the broken ring\n");
		return -1;
	}
	/* Undo our garbage so the slots can be released below. */
	q->fr.sring->req_prod = q->fr.req_prod_pvt;
	printf("CLOSING\n");
	return 0;
}

void vbd_remove(struct bf_vbd *v)
{
	bool force = false;

	if (v->connected && td_close(v->fe, v->be)) {
		log_warn("%s: close handshake failed", v->fe);
		force = true;
	}
	queues_free(v, force);
	xs_rm(td.xs, XBT_NULL, v->be);
	xs_rm(td.xs, XBT_NULL, v->fe);
	v->used = false;
}
