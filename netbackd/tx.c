// SPDX-License-Identifier: MIT
/*
 * Guest -> host: packets taken off the tx ring (checked by netif-req.c),
 * their slots grant-copied into our buffer behind a virtio-net header,
 * written to the tap.  A blank checksum or a GSO packet becomes a partial
 * checksum with the offsets virtio-net wants (Xen's request carries none:
 * we find them in the headers, as Linux's netback does).  A bad packet
 * gets NETIF_RSP_ERROR; a broken ring takes the vif down.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "netbackd.h"
#include "netif-offload.h"

#define VHDR sizeof(struct virtio_net_hdr)

static struct ratelimit tx_rl = RATELIMIT_INIT(5, 10);

/* Copies the frame out of the guest's slots; 0 or -EFAULT. */
static int gather(struct netq *q, const struct netif_tx_pkt *p, uint8_t *buf)
{
	xengnttab_grant_copy_segment_t seg[NETIF_MAX_SLOTS];
	unsigned int off = 0;

	for (unsigned int i = 0; i < p->nr_segs; i++) {
		seg[i] = (xengnttab_grant_copy_segment_t){
			.source.foreign = {.ref = p->seg[i].gref,
					   .offset = p->seg[i].offset,
					   .domid = q->dev->xd.domid},
			.dest.virt = buf + off,
			.len = p->seg[i].len,
			.flags = GNTCOPY_source_gref,
		};
		off += p->seg[i].len;
	}
	if (xengnttab_grant_copy(nb.xb.xgt, p->nr_segs, seg)) {
		log_ratelimited(&tx_rl, XLOG_WARN, "%s: grant copy: %s",
				q->dev->xd.name, strerror(errno));
		return -EFAULT;
	}
	for (unsigned int i = 0; i < p->nr_segs; i++) {
		if (seg[i].status != GNTST_okay) {
			log_ratelimited(
				&tx_rl, XLOG_WARN, "%s: tx grant %u: status %d",
				q->dev->xd.name, p->seg[i].gref, seg[i].status);
			return -EFAULT;
		}
	}
	return 0;
}

static int16_t send_pkt(struct netq *q, const struct netif_tx_pkt *p)
{
	struct netdev *dev = q->dev;
	uint8_t *f = q->tx_buf + VHDR;
	const char *why = NULL;
	ssize_t n;

	/* A multicast-control request carries no frame to send. */
	if (p->mcast)
		return NETIF_RSP_OKAY;
	if (gather(q, p, f))
		return NETIF_RSP_ERROR;
	if (netif_tx_offloads(p, f, (struct virtio_net_hdr *)q->tx_buf, &why)) {
		log_ratelimited(&dev->xd.rl, XLOG_WARN,
				"%s: dropped a frame: %s", dev->xd.name, why);
		return NETIF_RSP_ERROR;
	}
	n = write(q->tap_fd, q->tx_buf, VHDR + p->len);
	if (n != (ssize_t)(VHDR + p->len)) {
		/* The host dropped it, as a full wire would: not the guest's
		 * fault. */
		log_ratelimited(&dev->xd.rl, XLOG_DEBUG, "%s: tap write: %s",
				dev->xd.name,
				n < 0 ? strerror(errno) : "short");
		q->tx_drops++;
		return NETIF_RSP_OKAY;
	}
	q->tx_frames++;
	return NETIF_RSP_OKAY;
}

static void notify(struct netq *q)
{
	if (netif_tx_push(&q->tx) && xenevtchn_notify(nb.xb.xce, q->tx_port))
		log_ratelimited(&q->dev->xd.rl, XLOG_WARN,
				"%s: notify port %u: %s", q->dev->xd.name,
				q->tx_port, strerror(errno));
}

void tx_work(struct netq *q)
{
	struct netif_tx_pkt p;
	unsigned int n = 0;

	while (!q->broken) {
		switch (netif_tx_fetch(&q->tx, &p)) {
		case NETIF_TX_FATAL:
			netif_break(q, "tx", p.why);
			return;
		case NETIF_TX_EMPTY:
			if (netif_tx_final_check(&q->tx))
				continue;
			notify(q);
			return;
		case NETIF_TX_DROP:
			log_ratelimited(&q->dev->xd.rl, XLOG_WARN,
					"%s: dropped a tx packet: %s",
					q->dev->xd.name, p.why);
			q->tx_drops++;
			netif_tx_respond(&q->tx, &p, NETIF_RSP_ERROR);
			break;
		case NETIF_TX_OK:
			netif_tx_respond(&q->tx, &p, send_pkt(q, &p));
			break;
		}
		/* Give the slots back as we go on a busy ring. */
		if (++n % NETBACK_TX_BATCH == 0)
			notify(q);
		/* A guest that never stops sending must not starve the
		 * other vifs: carry on from the event loop. */
		if (n == NETBACK_TX_BUDGET) {
			notify(q);
			event_active(q->tx_ev, EV_TIMEOUT, 0);
			return;
		}
	}
}

void tx_continue(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tx_work(arg);
}
