// SPDX-License-Identifier: MIT
/*
 * Connecting a vif: the frontend's features and queues from xenstore, the
 * tx and rx rings of each queue mapped, their event channels bound (one
 * per queue, or a tx and an rx channel with feature-split-event-channels),
 * one tap queue each.  Events are dispatched here to tx.c and rx.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <event2/event.h>

#include "netbackd.h"

/* virtio-net header, then the largest frame either way (and then some). */
#define FRAME_BUF_SIZE (sizeof(struct virtio_net_hdr) + 65536 + 256)

static struct ratelimit broken_rl = RATELIMIT_INIT(5, 5);

static void queue_free(struct netq *q)
{
	if (q->tap_ev)
		event_free(q->tap_ev);
	if (q->tx_ev)
		event_free(q->tx_ev);
	if (q->rx_port != q->tx_port)
		xenbus_evtchn_unbind(&q->dev->xd, q->rx_port);
	xenbus_evtchn_unbind(&q->dev->xd, q->tx_port);
	if (q->tx_addr && xengnttab_unmap(nb.xb.xgt, q->tx_addr, 1))
		log_err("%s: unmap tx ring: %s", q->dev->xd.name,
			strerror(errno));
	if (q->rx_addr && xengnttab_unmap(nb.xb.xgt, q->rx_addr, 1))
		log_err("%s: unmap rx ring: %s", q->dev->xd.name,
			strerror(errno));
	free(q->tx_buf);
	free(q->rx_buf);
	memset(q, 0, sizeof(*q));
	q->tap_fd = -1;
}

static int bind_port(struct netq *q, unsigned long remote, evtchn_port_t *port)
{
	int p = xenbus_evtchn_bind(&q->dev->xd, remote, q);

	if (p < 0)
		return p;
	*port = p;
	return 0;
}

static void *map_ring(struct netq *q, const char *dir, const char *key)
{
	unsigned long ref;
	void *addr;

	if (xenbus_read_uint(&q->dev->xd, dir, key, &ref) || ref > UINT32_MAX) {
		log_warn("%s: %s/%s missing or invalid", q->dev->xd.name, dir,
			 key);
		return NULL;
	}
	addr = xengnttab_map_grant_ref(nb.xb.xgt, q->dev->xd.domid, ref,
				       PROT_READ | PROT_WRITE);
	if (!addr)
		log_warn("%s: cannot map %s %lu: %s", q->dev->xd.name, key, ref,
			 strerror(errno));
	return addr;
}

static int queue_connect(struct netdev *dev, struct netq *q, const char *dir)
{
	unsigned long tx_ev, rx_ev;
	int ret;

	q->tx_addr = map_ring(q, dir, "tx-ring-ref");
	q->rx_addr = q->tx_addr ? map_ring(q, dir, "rx-ring-ref") : NULL;
	if (!q->rx_addr)
		return -EINVAL;
	/*
	 * A new ring starts at 0 (the frontend initialised it); a ring an
	 * earlier netbackd served (killed, restarted) goes on from the last
	 * answer the frontend saw.  Answers are published a whole packet at
	 * a time, so that is a packet's first slot: a tx packet the dead
	 * process took but never answered is sent again (a duplicate at
	 * worst), an rx buffer it took is filled again.
	 */
	q->tx.sring = q->tx_addr;
	q->rx.sring = q->rx_addr;
	q->tx.req_cons = q->tx.rsp_prod_pvt =
		__atomic_load_n(&q->tx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	q->rx.req_cons = q->rx.rsp_prod_pvt =
		__atomic_load_n(&q->rx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	q->tx_buf = malloc(FRAME_BUF_SIZE);
	q->rx_buf = malloc(FRAME_BUF_SIZE);
	if (!q->tx_buf || !q->rx_buf)
		return -ENOMEM;
	if (nb.split_evtchn &&
	    !xenbus_read_uint(&dev->xd, dir, "event-channel-tx", &tx_ev)) {
		if (xenbus_read_uint(&dev->xd, dir, "event-channel-rx",
				     &rx_ev)) {
			log_warn("%s: %s/event-channel-rx missing",
				 dev->xd.name, dir);
			return -EINVAL;
		}
		ret = bind_port(q, tx_ev, &q->tx_port);
		if (!ret)
			ret = bind_port(q, rx_ev, &q->rx_port);
	} else {
		if (xenbus_read_uint(&dev->xd, dir, "event-channel", &tx_ev)) {
			log_warn("%s: %s/event-channel missing", dev->xd.name,
				 dir);
			return -EINVAL;
		}
		ret = bind_port(q, tx_ev, &q->tx_port);
		q->rx_port = q->tx_port;
	}
	if (ret)
		return ret;
	q->tap_fd = dev->tap_fds[q->idx];
	q->tap_ev = event_new(nb.base, q->tap_fd, EV_READ | EV_PERSIST,
			      rx_tap_event, q);
	q->tx_ev = event_new(nb.base, -1, 0, tx_continue, q);
	if (!q->tap_ev || !q->tx_ev || event_add(q->tap_ev, NULL))
		return -ENOMEM;
	return 0;
}

static int read_features(struct netdev *dev)
{
	struct netif_feat *f = &dev->feat;

	if (!xenbus_read_flag(&dev->xd, dev->xd.fe, "request-rx-copy", false)) {
		log_warn("%s: the frontend wants page flipping (no "
			 "request-rx-copy): not supported",
			 dev->xd.name);
		return -EOPNOTSUPP;
	}
	/* Without it we would have to poll for rx buffers. */
	if (!xenbus_read_flag(&dev->xd, dev->xd.fe, "feature-rx-notify",
			      false)) {
		log_warn("%s: the frontend lacks feature-rx-notify",
			 dev->xd.name);
		return -EOPNOTSUPP;
	}
	f->sg = xenbus_read_flag(&dev->xd, dev->xd.fe, "feature-sg", false);
	f->gso4 = xenbus_read_flag(&dev->xd, dev->xd.fe, "feature-gso-tcpv4",
				   false);
	f->gso6 = xenbus_read_flag(&dev->xd, dev->xd.fe, "feature-gso-tcpv6",
				   false);
	f->csum4 = !xenbus_read_flag(&dev->xd, dev->xd.fe,
				     "feature-no-csum-offload", false);
	f->csum6 = xenbus_read_flag(&dev->xd, dev->xd.fe,
				    "feature-ipv6-csum-offload", false);
	return 0;
}

int netif_connect(struct xenbus_device *xd)
{
	struct netdev *dev = netdev_of(xd);
	unsigned long nq = 1;
	int ret;

	ret = read_features(dev);
	if (ret)
		return ret;
	ret = xenbus_read_uint(&dev->xd, dev->xd.fe, "multi-queue-num-queues",
			       &nq);
	if ((ret && ret != -ENOENT) || !nq || nq > nb.max_queues) {
		log_warn("%s: invalid multi-queue-num-queues", dev->xd.name);
		return -EINVAL;
	}
	ret = tap_open_queues(dev, nq);
	if (ret)
		return ret;
	dev->nr_q = nq;
	for (unsigned int i = 0; i < nq; i++) {
		struct netq *q = &dev->q[i];
		char dir[192];

		memset(q, 0, sizeof(*q));
		q->dev = dev;
		q->idx = i;
		q->tap_fd = -1;
		if (nq > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", dev->xd.fe,
				 i);
		else
			snprintf(dir, sizeof(dir), "%s", dev->xd.fe);
		ret = queue_connect(dev, q, dir);
		if (ret)
			goto err;
	}
	if (dev->idle_ev)
		event_del(dev->idle_ev);
	tap_set_offload(dev, &dev->feat);
	tap_set_carrier(dev, true);
	dev->xd.connected = true;
	log_info("%s: connected: %s, %lu queue(s), %s event channels, "
		 "sg %d gso %d/%d csum %d/%d",
		 dev->xd.name, dev->ifname, nq,
		 dev->q[0].tx_port == dev->q[0].rx_port ? "shared" : "split",
		 dev->feat.sg, dev->feat.gso4, dev->feat.gso6, dev->feat.csum4,
		 dev->feat.csum6);
	return 0;
err:
	for (unsigned int i = 0; i < nq; i++)
		queue_free(&dev->q[i]);
	dev->nr_q = 0;
	tap_close_queues(dev);
	return ret;
}

int netif_disconnect(struct xenbus_device *xd)
{
	struct netdev *dev = netdev_of(xd);
	uint64_t tx = 0, rx = 0, drops = 0;

	if (!dev->xd.connected && !dev->nr_q)
		return 0;
	for (unsigned int i = 0; i < dev->nr_q; i++) {
		tx += dev->q[i].tx_frames;
		rx += dev->q[i].rx_frames;
		drops += dev->q[i].tx_drops + dev->q[i].rx_drops;
		queue_free(&dev->q[i]);
	}
	dev->nr_q = 0;
	tap_close_queues(dev);
	if (dev->tap_fds[0] >= 0) {
		tap_set_carrier(dev, false);
		tap_set_offload(dev, NULL);
	}
	if (dev->idle_ev)
		event_add(dev->idle_ev, NULL);
	dev->xd.connected = false;
	log_info("%s: disconnected (%llu frames out, %llu in, %llu dropped)",
		 dev->xd.name, (unsigned long long)tx, (unsigned long long)rx,
		 (unsigned long long)drops);
	return 0;
}

void netif_break(struct netq *q, const char *ring, const char *why)
{
	struct netdev *dev = q->dev;

	log_ratelimited(&broken_rl, XLOG_WARN,
			"%s: queue %u: %s ring broken (%s): disconnecting",
			dev->xd.name, q->idx, ring, why);
	q->broken = true;
	dev->xd.broken = true;
	if (q->tap_ev)
		event_del(q->tap_ev);
	xenbus_schedule(&dev->xd);
}

/* Without split channels one port is both rings'. */
void netif_port_event(void *ctx, evtchn_port_t port)
{
	struct netq *q = ctx;

	if (q->broken)
		return;
	if (port == q->tx_port)
		tx_work(q);
	/* The frontend posted rx buffers: a waiting frame may fit now. */
	if (port == q->rx_port && !q->broken)
		rx_work(q);
}

void netif_log_state(struct xenbus_device *xd)
{
	struct netdev *dev = netdev_of(xd);

	for (unsigned int i = 0; i < dev->nr_q; i++) {
		const struct netq *q = &dev->q[i];
		const netif_tx_sring_t *t = q->tx.sring;
		const netif_rx_sring_t *r = q->rx.sring;

		if (!t || !r)
			continue;
		log_info("%s q%u: tx req_prod %u req_cons %u rsp_prod %u "
			 "req_event %u rsp_event %u port %u; rx req_prod %u "
			 "req_cons %u rsp_prod %u req_event %u rsp_event %u "
			 "port %u; frame pending %u tap %s%s; frames tx %llu "
			 "rx %llu drops tx %llu rx %llu",
			 xd->name, i, t->req_prod, q->tx.req_cons, t->rsp_prod,
			 t->req_event, t->rsp_event, q->tx_port, r->req_prod,
			 q->rx.req_cons, r->rsp_prod, r->req_event,
			 r->rsp_event, q->rx_port, q->rx_len,
			 q->tap_waiting ? "waiting for buffers" : "read",
			 q->broken ? ", broken" : "",
			 (unsigned long long)q->tx_frames,
			 (unsigned long long)q->rx_frames,
			 (unsigned long long)q->tx_drops,
			 (unsigned long long)q->rx_drops);
	}
}
