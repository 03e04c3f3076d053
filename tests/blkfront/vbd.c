// SPDX-License-Identifier: MIT
/*
 * The xenstore side of the test frontend: the toolstack's device nodes,
 * the frontend's nodes and the xenbus handshake with the backend.
 * States are polled (every few ms): simple, and plenty for tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "xenner/log.h"

#include "blkfront.h"
#include "vbd.h"

struct bf_vbd *vbd_find(uint32_t devid)
{
	for (unsigned int i = 0; i < BF_MAX_VBDS; i++)
		if (bf.vbd[i].used && bf.vbd[i].devid == devid)
			return &bf.vbd[i];
	return NULL;
}

int xs_printf(xs_transaction_t t, const char *dir, const char *key,
	      const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(bf.xs, t, path, val, strlen(val))) {
		log_err("xenstore write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

long xs_read_num(const char *dir, const char *key, long def)
{
	char path[256], *s;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(bf.xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits until the backend state is one of the bits in mask; the state. */
int vbd_wait_be(struct bf_vbd *v, unsigned int mask, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	long st;

	for (;;) {
		st = xs_read_num(v->be, "state", 0);
		if (st >= 0 && st < 32 && (mask & (1u << st)))
			return st;
		if (now_ms() >= end) {
			log_err("%s: backend state %ld, waited for mask %#x",
				v->be, st, mask);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
}

void fe_state(struct bf_vbd *v, int state)
{
	xs_printf(XBT_NULL, v->fe, "state", "%d", state);
}

int vbd_add(uint32_t devid, const char *path, const char *mode,
	    const char *devtype)
{
	struct bf_vbd *v = NULL;
	xs_transaction_t t;
	int ret;

	for (unsigned int i = 0; i < BF_MAX_VBDS && !v; i++)
		if (!bf.vbd[i].used)
			v = &bf.vbd[i];
	if (!v || vbd_find(devid)) {
		printf("ERROR no free device slot\n");
		return -1;
	}
	memset(v, 0, sizeof(*v));
	v->used = true;
	v->devid = devid;
	snprintf(v->fe, sizeof(v->fe), "/local/domain/%u/device/vbd/%u",
		 bf.domid, devid);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vbd/%u/%u",
		 bf.domid, devid);
again:
	t = xs_transaction_start(bf.xs);
	ret = xs_printf(t, v->fe, "backend", "%s", v->be);
	ret |= xs_printf(t, v->fe, "backend-id", "0");
	ret |= xs_printf(t, v->fe, "virtual-device", "%u", devid);
	ret |= xs_printf(t, v->fe, "device-type", "%s", devtype);
	ret |= xs_printf(t, v->fe, "state", "%d", XenbusStateInitialising);
	ret |= xs_printf(t, v->be, "frontend", "%s", v->fe);
	ret |= xs_printf(t, v->be, "frontend-id", "%u", bf.domid);
	ret |= xs_printf(t, v->be, "params", "%s", path);
	ret |= xs_printf(t, v->be, "mode", "%s", mode);
	ret |= xs_printf(t, v->be, "type", "file");
	ret |= xs_printf(t, v->be, "device-type", "%s", devtype);
	ret |= xs_printf(t, v->be, "dev", "xvd%c", 'a' + (devid >> 4) % 26);
	ret |= xs_printf(t, v->be, "online", "1");
	ret |= xs_printf(t, v->be, "state", "%d", XenbusStateInitialising);
	if (!xs_transaction_end(bf.xs, t, ret != 0)) {
		if (errno == EAGAIN)
			goto again;
		ret = -errno;
	}
	if (ret) {
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
	if (bf.next_pfn + q->npages > bf.vc.nr_pages)
		return -ENOMEM;
	first = bf.next_pfn;
	bf.next_pfn += q->npages;
	for (unsigned int i = 0; i < q->npages; i++) {
		q->ring_pfn[i] = first + i;
		memset(bf_page(first + i), 0, VMCORE_PAGE_SIZE);
		ret = bf_grant(first + i, false, &q->ring_gref[i]);
		if (ret)
			return ret;
	}
	blkif_sring_t *s = (void *)bf_page(first);

	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&q->fr, s, q->npages * VMCORE_PAGE_SIZE);
	q->nslots = RING_SIZE(&q->fr);
	q->slots = calloc(q->nslots, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	ret = evtchn_client_alloc_unbound(&bf.ec, 0);
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
				bf.gnttab[q->ring_gref[i]].flags &=
					~(GTF_reading | GTF_writing);
			if (bf_ungrant(q->ring_gref[i]))
				printf("LEAK ring grant %u still mapped\n",
				       q->ring_gref[i]);
		}
		if (q->port)
			evtchn_client_close_port(&bf.ec, q->port);
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
	long st = xs_read_num(v->be, "state", 0);
	int ret;

	if (v->connected) {
		printf("ERROR already connected\n");
		return 0;
	}
	if (st == XenbusStateClosed || st == XenbusStateClosing)
		fe_state(v, XenbusStateInitialising);
	if (vbd_wait_be(v, 1u << XenbusStateInitWait, bf.timeout_ms) < 0) {
		printf("ERROR backend not in InitWait\n");
		return -1;
	}
	v->sectors = xs_read_num(v->be, "sectors", 0);
	v->max_indirect =
		xs_read_num(v->be, "feature-max-indirect-segments", 0);
	if (v->max_indirect > BF_MAX_SEGS)
		v->max_indirect = BF_MAX_SEGS;
	if (order > xs_read_num(v->be, "max-ring-page-order", 0) ||
	    queues > xs_read_num(v->be, "multi-queue-max-queues", 1) ||
	    !queues || queues > BF_MAX_QUEUES) {
		printf("ERROR backend does not offer order %u, %u queues\n",
		       order, queues);
		return 0;
	}
	v->persistent =
		persistent && xs_read_num(v->be, "feature-persistent", 0) == 1;
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
			ret |= xs_printf(XBT_NULL, dir, key, "%u",
					 q->ring_gref[i]);
		}
		ret |= xs_printf(XBT_NULL, dir, "event-channel", "%u", q->port);
	}
	if (order)
		ret |= xs_printf(XBT_NULL, v->fe, "ring-page-order", "%u",
				 order);
	if (queues > 1)
		ret |= xs_printf(XBT_NULL, v->fe, "multi-queue-num-queues",
				 "%u", queues);
	ret |= xs_printf(XBT_NULL, v->fe, "protocol", "%s",
			 XEN_IO_PROTO_ABI_X86_64);
	ret |= xs_printf(XBT_NULL, v->fe, "feature-persistent", "%d",
			 v->persistent);
	if (ret) {
		printf("ERROR ring set-up: %s\n", strerror(-ret));
		return -1;
	}
	fe_state(v, XenbusStateInitialised);
	st = vbd_wait_be(v,
			 1u << XenbusStateConnected | 1u << XenbusStateClosing,
			 bf.timeout_ms);
	if (st != XenbusStateConnected) {
		printf("ERROR backend state %ld\n", st);
		return -1;
	}
	fe_state(v, XenbusStateConnected);
	v->connected = true;
	printf("OK\n");
	return 0;
}

/* Clean close: Closing, Closed, as blkfront does on removal. */
static int close_handshake(struct bf_vbd *v)
{
	fe_state(v, XenbusStateClosing);
	if (vbd_wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed,
			bf.timeout_ms) < 0)
		return -1;
	fe_state(v, XenbusStateClosed);
	if (vbd_wait_be(v, 1u << XenbusStateClosed, bf.timeout_ms) < 0)
		return -1;
	return 0;
}

int vbd_disconnect(struct bf_vbd *v)
{
	if (close_handshake(v)) {
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

	fe_state(v, XenbusStateInitialising);
	if (vbd_wait_be(v, 1u << XenbusStateInitWait, bf.timeout_ms) < 0) {
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

	if (vbd_wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed,
			3 * bf.timeout_ms) < 0) {
		printf("ERROR backend never asked to reconnect\n");
		return -1;
	}
	fe_state(v, XenbusStateClosed);
	if (vbd_wait_be(v, 1u << XenbusStateClosed, bf.timeout_ms) < 0) {
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
	evtchn_client_send(&bf.ec, q->port);
	if (vbd_wait_be(v, 1u << XenbusStateClosing, bf.timeout_ms) < 0) {
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

	if (v->connected && close_handshake(v)) {
		log_warn("%s: close handshake failed", v->fe);
		force = true;
	}
	queues_free(v, force);
	xs_rm(bf.xs, XBT_NULL, v->be);
	xs_rm(bf.xs, XBT_NULL, v->fe);
	v->used = false;
}
