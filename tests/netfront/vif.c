// SPDX-License-Identifier: MIT
/*
 * The xenstore side of the test frontend: the toolstack's vif nodes, the
 * frontend's nodes (as Linux's netfront writes them) and the xenbus
 * handshake.  States are polled every few ms: simple, and plenty for tests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "xenner/log.h"

#include "netfront.h"

struct nf_vif *vif_find(uint32_t devid)
{
	for (unsigned int i = 0; i < NF_MAX_VIFS; i++)
		if (nf.vif[i].used && nf.vif[i].devid == devid)
			return &nf.vif[i];
	return NULL;
}

static int xsp(xs_transaction_t t, const char *dir, const char *key,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int xsp(xs_transaction_t t, const char *dir, const char *key,
	       const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(nf.xs, t, path, val, strlen(val))) {
		log_err("xenstore write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static long read_num(const char *dir, const char *key, long def)
{
	char path[256], *s;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(nf.xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}

int vif_wait_be(struct nf_vif *v, unsigned int mask, int timeout_ms)
{
	int64_t end = nf_now_ms() + timeout_ms;
	long st;

	for (;;) {
		st = read_num(v->be, "state", 0);
		if (st >= 0 && st < 32 && (mask & (1u << st)))
			return st;
		if (nf_now_ms() >= end) {
			log_err("%s: backend state %ld, waited for mask %#x",
				v->be, st, mask);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
}

static void fe_state(struct nf_vif *v, int state)
{
	xsp(XBT_NULL, v->fe, "state", "%d", state);
}

int vif_add(uint32_t devid, const char *mac, const char *bridge)
{
	struct nf_vif *v = NULL;
	unsigned int b[6];
	xs_transaction_t t;
	char macs[32];
	int ret;

	for (unsigned int i = 0; i < NF_MAX_VIFS && !v; i++)
		if (!nf.vif[i].used)
			v = &nf.vif[i];
	if (!v || vif_find(devid)) {
		printf("ERROR no free vif slot\n");
		return -1;
	}
	memset(v, 0, sizeof(*v));
	if (!mac) {
		snprintf(macs, sizeof(macs), "00:16:3e:%02x:%02x:%02x",
			 (nf.domid >> 8) & 0xff, nf.domid & 0xff, devid & 0xff);
		mac = macs;
	}
	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6) {
		printf("ERROR bad mac\n");
		return -1;
	}
	for (int i = 0; i < 6; i++)
		v->mac[i] = b[i];
	memset(v->dmac, 0xff, 6);
	v->dmac[0] = 0xfe;
	v->used = true;
	v->devid = devid;
	snprintf(v->fe, sizeof(v->fe), "/local/domain/%u/device/vif/%u",
		 nf.domid, devid);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vif/%u/%u",
		 nf.domid, devid);
again:
	t = xs_transaction_start(nf.xs);
	ret = xsp(t, v->fe, "backend", "%s", v->be);
	ret |= xsp(t, v->fe, "backend-id", "0");
	ret |= xsp(t, v->fe, "handle", "%u", devid);
	ret |= xsp(t, v->fe, "mac", "%s", mac);
	ret |= xsp(t, v->fe, "state", "%d", XenbusStateInitialising);
	ret |= xsp(t, v->be, "frontend", "%s", v->fe);
	ret |= xsp(t, v->be, "frontend-id", "%u", nf.domid);
	ret |= xsp(t, v->be, "handle", "%u", devid);
	ret |= xsp(t, v->be, "mac", "%s", mac);
	if (bridge)
		ret |= xsp(t, v->be, "bridge", "%s", bridge);
	ret |= xsp(t, v->be, "type", "vif");
	ret |= xsp(t, v->be, "online", "1");
	ret |= xsp(t, v->be, "state", "%d", XenbusStateInitialising);
	if (!xs_transaction_end(nf.xs, t, ret != 0)) {
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

/* Gives back rings, pages and grants; force: clear pins a dead peer left */
static void queues_free(struct nf_vif *v, bool force)
{
	for (unsigned int i = 0; i < v->nq; i++) {
		struct nf_queue *q = &v->q[i];

		if (q->tx_port)
			evtchn_client_close_port(&nf.ec, q->tx_port);
		if (q->rx_port && q->rx_port != q->tx_port)
			evtchn_client_close_port(&nf.ec, q->rx_port);
		ring_free(q, force);
		memset(q, 0, sizeof(*q));
	}
	v->nq = 0;
	v->connected = false;
}

static int write_queue(struct nf_vif *v, struct nf_queue *q, const char *dir)
{
	int ret = 0;

	ret |= xsp(XBT_NULL, dir, "tx-ring-ref", "%u", q->tx_ring_gref);
	ret |= xsp(XBT_NULL, dir, "rx-ring-ref", "%u", q->rx_ring_gref);
	if (v->split) {
		ret |= xsp(XBT_NULL, dir, "event-channel-tx", "%u", q->tx_port);
		ret |= xsp(XBT_NULL, dir, "event-channel-rx", "%u", q->rx_port);
	} else {
		ret |= xsp(XBT_NULL, dir, "event-channel", "%u", q->tx_port);
	}
	return ret;
}

int vif_connect(struct nf_vif *v, unsigned int queues, bool split, bool sg,
		bool gso, bool csum)
{
	long st = read_num(v->be, "state", 0);
	int ret = 0;

	if (v->connected) {
		printf("ERROR already connected\n");
		return 0;
	}
	if (st == XenbusStateClosed || st == XenbusStateClosing)
		fe_state(v, XenbusStateInitialising);
	if (vif_wait_be(v, 1u << XenbusStateInitWait, nf.timeout_ms) < 0) {
		printf("ERROR backend not in InitWait\n");
		return -1;
	}
	if (!queues || queues > NF_MAX_QUEUES ||
	    queues > read_num(v->be, "multi-queue-max-queues", 1) ||
	    (split &&
	     read_num(v->be, "feature-split-event-channels", 0) != 1) ||
	    read_num(v->be, "feature-rx-copy", 0) != 1) {
		printf("ERROR backend does not offer %u queues%s\n", queues,
		       split ? ", split channels" : "");
		return 0;
	}
	v->nq = queues;
	v->split = split;
	v->sg = sg && read_num(v->be, "feature-sg", 0) == 1;
	v->gso = gso;
	v->csum = csum;
	for (unsigned int i = 0; i < queues && !ret; i++) {
		struct nf_queue *q = &v->q[i];
		char dir[192];

		ret = ring_setup(q);
		if (!ret) {
			ret = evtchn_client_alloc_unbound(&nf.ec, 0);
			if (ret > 0) {
				q->tx_port = q->rx_port = ret;
				ret = 0;
			}
		}
		if (!ret && split) {
			ret = evtchn_client_alloc_unbound(&nf.ec, 0);
			if (ret > 0) {
				q->rx_port = ret;
				ret = 0;
			}
		}
		if (ret)
			break;
		if (queues > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe, i);
		else
			snprintf(dir, sizeof(dir), "%s", v->fe);
		ret = write_queue(v, q, dir);
	}
	if (queues > 1) {
		ret |= xsp(XBT_NULL, v->fe, "multi-queue-num-queues", "%u",
			   queues);
	} else {
		/* What an earlier connection with more queues left. */
		char path[192];

		snprintf(path, sizeof(path), "%s/multi-queue-num-queues",
			 v->fe);
		xs_rm(nf.xs, XBT_NULL, path);
		for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
			snprintf(path, sizeof(path), "%s/queue-%u", v->fe, i);
			xs_rm(nf.xs, XBT_NULL, path);
		}
	}
	ret |= xsp(XBT_NULL, v->fe, "request-rx-copy", "1");
	ret |= xsp(XBT_NULL, v->fe, "feature-rx-notify", "1");
	ret |= xsp(XBT_NULL, v->fe, "feature-sg", "%d", v->sg);
	ret |= xsp(XBT_NULL, v->fe, "feature-gso-tcpv4", "%d", gso);
	ret |= xsp(XBT_NULL, v->fe, "feature-gso-tcpv6", "%d", gso);
	ret |= xsp(XBT_NULL, v->fe, "feature-no-csum-offload", "%d", !csum);
	ret |= xsp(XBT_NULL, v->fe, "feature-ipv6-csum-offload", "%d", csum);
	if (ret) {
		printf("ERROR ring set-up: %s\n", strerror(-ret));
		queues_free(v, false);
		return -1;
	}
	/* netfront goes to Connected at once, without Initialised. */
	fe_state(v, XenbusStateConnected);
	st = vif_wait_be(v,
			 1u << XenbusStateConnected | 1u << XenbusStateClosing,
			 nf.timeout_ms);
	if (st != XenbusStateConnected) {
		printf("ERROR backend state %ld\n", st);
		return -1;
	}
	v->connected = true;
	printf("OK\n");
	return 0;
}

static int close_handshake(struct nf_vif *v)
{
	fe_state(v, XenbusStateClosing);
	if (vif_wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed,
			nf.timeout_ms) < 0)
		return -1;
	fe_state(v, XenbusStateClosed);
	if (vif_wait_be(v, 1u << XenbusStateClosed, nf.timeout_ms) < 0)
		return -1;
	return 0;
}

int vif_disconnect(struct nf_vif *v)
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
int vif_reboot(struct nf_vif *v)
{
	unsigned int nq = v->nq ? v->nq : 1;

	fe_state(v, XenbusStateInitialising);
	if (vif_wait_be(v, 1u << XenbusStateInitWait, nf.timeout_ms) < 0) {
		printf("ERROR backend did not go to InitWait\n");
		return -1;
	}
	queues_free(v, false);
	return vif_connect(v, nq, v->split, v->sg, v->gso, v->csum);
}

/*
 * After the backend went away (killed, restarted) or broke the vif: it asks
 * us to close (Closing) or is Closed; we close and connect with new rings.
 */
int vif_wait_reconnect(struct nf_vif *v)
{
	unsigned int nq = v->nq ? v->nq : 1;

	if (vif_wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed,
			3 * nf.timeout_ms) < 0) {
		printf("ERROR backend never asked to reconnect\n");
		return -1;
	}
	fe_state(v, XenbusStateClosed);
	if (vif_wait_be(v, 1u << XenbusStateClosed | 1u << XenbusStateInitWait,
			nf.timeout_ms) < 0) {
		printf("ERROR backend not Closed\n");
		return -1;
	}
	/* A killed backend never unpinned what it held. */
	queues_free(v, true);
	return vif_connect(v, nq, v->split, v->sg, v->gso, v->csum);
}

void vif_remove(struct nf_vif *v)
{
	bool force = false;

	if (v->connected && close_handshake(v)) {
		log_warn("%s: close handshake failed", v->fe);
		force = true;
	}
	queues_free(v, force);
	xs_rm(nf.xs, XBT_NULL, v->be);
	xs_rm(nf.xs, XBT_NULL, v->fe);
	v->used = false;
}
