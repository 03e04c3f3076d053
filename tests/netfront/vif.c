// SPDX-License-Identifier: MIT
/*
 * The xenstore side of the test netfront: the toolstack's vif nodes, the
 * frontend's nodes (as Linux's netfront writes them) and the xenbus
 * handshake (on tests/testdom/frontend.c).
 */
#include <stdio.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

#include "netfront.h"

struct nf_vif *vif_find(uint32_t devid)
{
	for (unsigned int i = 0; i < NF_MAX_VIFS; i++)
		if (nf.vif[i].d.used && nf.vif[i].d.devid == devid)
			return &nf.vif[i];
	return NULL;
}

static const struct td_dev_ops vif_dev_ops;

struct vif_nodes {
	uint32_t devid;
	const char *mac, *bridge;
	struct nf_vif *v;
};

/* What xl writes for a vif, besides every device's nodes. */
static int vif_nodes(xs_transaction_t t, void *arg)
{
	const struct vif_nodes *n = arg;
	const char *fe = n->v->d.fe, *be = n->v->d.be;
	int ret;

	ret = xsu_printf(td.xs, t, fe, "handle", "%u", n->devid);
	ret |= xsu_printf(td.xs, t, fe, "mac", "%s", n->mac);
	ret |= xsu_printf(td.xs, t, be, "handle", "%u", n->devid);
	ret |= xsu_printf(td.xs, t, be, "mac", "%s", n->mac);
	if (n->bridge)
		ret |= xsu_printf(td.xs, t, be, "bridge", "%s", n->bridge);
	ret |= xsu_printf(td.xs, t, be, "type", "vif");
	return ret;
}

int vif_add(uint32_t devid, const char *mac, const char *bridge)
{
	struct vif_nodes n = {devid, mac, bridge, NULL};
	struct nf_vif *v = NULL;
	unsigned int b[6];
	char macs[32];

	for (unsigned int i = 0; i < NF_MAX_VIFS && !v; i++)
		if (!nf.vif[i].d.used)
			v = &nf.vif[i];
	if (!v || vif_find(devid)) {
		printf("ERROR no free vif slot\n");
		return -1;
	}
	memset(v, 0, sizeof(*v));
	if (!n.mac) {
		snprintf(macs, sizeof(macs), "00:16:3e:%02x:%02x:%02x",
			 (td.domid >> 8) & 0xff, td.domid & 0xff, devid & 0xff);
		n.mac = macs;
	}
	if (sscanf(n.mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6) {
		printf("ERROR bad mac\n");
		return -1;
	}
	for (int i = 0; i < 6; i++)
		v->mac[i] = b[i];
	memset(v->dmac, 0xff, 6);
	v->dmac[0] = 0xfe;
	n.v = v;
	td_dev_init(&v->d, &vif_dev_ops, "vif", devid);
	if (td_dev_add(&v->d, vif_nodes, &n)) {
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
			evtchn_client_close_port(&td.ec, q->tx_port);
		if (q->rx_port && q->rx_port != q->tx_port)
			evtchn_client_close_port(&td.ec, q->rx_port);
		ring_free(q, force);
		memset(q, 0, sizeof(*q));
	}
	v->nq = 0;
	v->d.connected = false;
}

static int write_queue(struct nf_vif *v, struct nf_queue *q, const char *dir)
{
	int ret = 0;

	ret |= xsu_printf(td.xs, XBT_NULL, dir, "tx-ring-ref", "%u",
			  q->tx_ring_gref);
	ret |= xsu_printf(td.xs, XBT_NULL, dir, "rx-ring-ref", "%u",
			  q->rx_ring_gref);
	if (v->split) {
		ret |= xsu_printf(td.xs, XBT_NULL, dir, "event-channel-tx",
				  "%u", q->tx_port);
		ret |= xsu_printf(td.xs, XBT_NULL, dir, "event-channel-rx",
				  "%u", q->rx_port);
	} else {
		ret |= xsu_printf(td.xs, XBT_NULL, dir, "event-channel", "%u",
				  q->tx_port);
	}
	return ret;
}

int vif_connect(struct nf_vif *v, unsigned int queues, bool split, bool sg,
		bool gso, bool csum, bool unchecked)
{
	int ret = 0;

	if (v->d.connected) {
		printf("ERROR already connected\n");
		return 0;
	}
	if (td_dev_init_wait(&v->d))
		return -1;
	if (!queues || queues > NF_MAX_QUEUES ||
	    (!unchecked &&
	     queues > td_read_num(v->d.be, "multi-queue-max-queues", 1)) ||
	    (split &&
	     td_read_num(v->d.be, "feature-split-event-channels", 0) != 1) ||
	    td_read_num(v->d.be, "feature-rx-copy", 0) != 1) {
		printf("ERROR backend does not offer %u queues%s\n", queues,
		       split ? ", split channels" : "");
		return 0;
	}
	v->nq = queues;
	v->split = split;
	v->sg = sg && td_read_num(v->d.be, "feature-sg", 0) == 1;
	v->gso = gso;
	v->csum = csum;
	for (unsigned int i = 0; i < queues && !ret; i++) {
		struct nf_queue *q = &v->q[i];
		char dir[192];

		ret = ring_setup(q);
		if (!ret) {
			ret = evtchn_client_alloc_unbound(&td.ec, 0);
			if (ret > 0) {
				q->tx_port = q->rx_port = ret;
				ret = 0;
			}
		}
		if (!ret && split) {
			ret = evtchn_client_alloc_unbound(&td.ec, 0);
			if (ret > 0) {
				q->rx_port = ret;
				ret = 0;
			}
		}
		if (ret)
			break;
		if (queues > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", v->d.fe, i);
		else
			snprintf(dir, sizeof(dir), "%s", v->d.fe);
		ret = write_queue(v, q, dir);
	}
	if (queues > 1) {
		ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe,
				  "multi-queue-num-queues", "%u", queues);
	} else {
		/* What an earlier connection with more queues left. */
		char key[16];

		td_rm(v->d.fe, "multi-queue-num-queues");
		for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
			snprintf(key, sizeof(key), "queue-%u", i);
			td_rm(v->d.fe, key);
		}
	}
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "request-rx-copy", "1");
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-rx-notify", "1");
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-sg", "%d", v->sg);
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-gso-tcpv4", "%d",
			  gso);
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-gso-tcpv6", "%d",
			  gso);
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-no-csum-offload",
			  "%d", !csum);
	ret |= xsu_printf(td.xs, XBT_NULL, v->d.fe, "feature-ipv6-csum-offload",
			  "%d", csum);
	if (ret) {
		printf("ERROR ring set-up: %s\n", strerror(-ret));
		queues_free(v, false);
		return -1;
	}
	/* netfront goes to Connected at once, without Initialised. */
	td_set_state(v->d.fe, XenbusStateConnected);
	if (unchecked)
		return td_dev_expect_refusal(&v->d);
	if (td_dev_wait_connected(&v->d))
		return -1;
	v->d.connected = true;
	printf("OK\n");
	return 0;
}

static void vif_release(struct td_dev *d, bool force)
{
	queues_free((struct nf_vif *)d, force);
}

static int vif_again(struct td_dev *d, bool force)
{
	struct nf_vif *v = (struct nf_vif *)d;
	unsigned int nq = v->nq ? v->nq : 1;

	queues_free(v, force);
	return vif_connect(v, nq, v->split, v->sg, v->gso, v->csum, false);
}

static const struct td_dev_ops vif_dev_ops = {
	.release = vif_release,
	.again = vif_again,
	/* netbackd may already be back at InitWait. */
	.closed_mask = 1u << XenbusStateClosed | 1u << XenbusStateInitWait,
};
