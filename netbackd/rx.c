// SPDX-License-Identifier: MIT
/*
 * Host -> guest: frames read from the tap (virtio-net header first) are
 * grant-copied into the buffers the frontend posted on the rx ring, one
 * page per slot from offset 0, a GSO frame followed by its extra-info slot
 * after the first data slot.  A frame waits (and the tap is not read)
 * until enough buffers are posted; the frontend's rx notification brings
 * us back.  A partial checksum the frontend cannot take blank is completed
 * here.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "netbackd.h"
#include "netif-offload.h"

#define VHDR	  sizeof(struct virtio_net_hdr)
#define FRAME_MAX (65536 + 256)

static struct ratelimit rx_rl = RATELIMIT_INIT(5, 10);

static void drop(struct netq *q, const char *why)
{
	log_ratelimited(&rx_rl, XLOG_DEBUG,
			"%s: dropped a frame for the "
			"guest: %s",
			q->dev->xd.name, why);
	q->rx_drops++;
}

/* Reads a frame into rx_buf; 1 got one, 0 none (or dropped), -1 empty. */
static int read_frame(struct netq *q)
{
	ssize_t n = read(q->tap_fd, q->rx_buf, VHDR + FRAME_MAX);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_ratelimited(&rx_rl, XLOG_WARN, "%s: tap read: %s",
					q->dev->xd.name, strerror(errno));
		return -1;
	}
	if ((size_t)n < VHDR + NETIF_MIN_FRAME) {
		drop(q, "runt");
		return 0;
	}
	q->rx_len = n - VHDR;
	return 1;
}

/*
 * Copies the pending frame into rx buffers.  1: delivered (or dropped),
 * 0: too few buffers (wait), -EIO: the ring is broken.
 */
static int deliver(struct netq *q)
{
	xengnttab_grant_copy_segment_t seg[NETIF_MAX_SLOTS];
	struct {
		RING_IDX idx;
		uint16_t id;
	} slot[NETIF_MAX_SLOTS];
	const struct virtio_net_hdr *h = (const void *)q->rx_buf;
	uint8_t *f = q->rx_buf + VHDR, gso;
	unsigned int len = q->rx_len, nd, need, off = 0;
	RING_IDX extra_idx = 0;
	netif_rx_request_t req;
	int flags, avail;
	bool copy_ok;

	flags = netif_rx_offloads(&q->dev->feat, h, f, len, &gso);
	if (flags < 0 || len > NETIF_MAX_FRAME ||
	    (!q->dev->feat.sg && len > NETIF_PAGE_SIZE)) {
		drop(q, flags < 0 ? "offloads the frontend cannot take"
				  : "too large");
		return 1;
	}
	nd = netif_rx_slots(len, false);
	need = nd + (gso != XEN_NETIF_GSO_TYPE_NONE);
	avail = netif_rx_avail(&q->rx, need);
	if (avail < 0)
		return -EIO;
	if ((unsigned int)avail < need)
		return 0;
	for (unsigned int i = 0; i < nd; i++) {
		unsigned int chunk = len - off < NETIF_PAGE_SIZE
					     ? len - off
					     : NETIF_PAGE_SIZE;

		slot[i].idx = q->rx.req_cons;
		netif_rx_take(&q->rx, &req);
		slot[i].id = req.id;
		seg[i] = (xengnttab_grant_copy_segment_t){
			.source.virt = f + off,
			.dest.foreign = {.ref = req.gref,
					 .offset = 0,
					 .domid = q->dev->xd.domid},
			.len = chunk,
			.flags = GNTCOPY_dest_gref,
		};
		off += chunk;
		/* The GSO extra goes right after the first data slot. */
		if (i == 0 && gso != XEN_NETIF_GSO_TYPE_NONE) {
			extra_idx = q->rx.req_cons;
			netif_rx_take(&q->rx, &req);
		}
	}
	copy_ok = !xengnttab_grant_copy(nb.xb.xgt, nd, seg);
	if (!copy_ok)
		log_ratelimited(&rx_rl, XLOG_WARN, "%s: grant copy: %s",
				q->dev->xd.name, strerror(errno));
	for (unsigned int i = 0; i < nd; i++) {
		uint16_t fl = i ? 0 : flags;
		int16_t st = seg[i].len;

		if (!copy_ok || seg[i].status != GNTST_okay) {
			if (copy_ok)
				log_ratelimited(&q->dev->xd.rl, XLOG_WARN,
						"%s: rx buffer grant %u: "
						"status %d",
						q->dev->xd.name,
						seg[i].dest.foreign.ref,
						seg[i].status);
			st = NETIF_RSP_ERROR;
		}
		if (i + 1 < nd)
			fl |= NETRXF_more_data;
		if (i == 0 && gso != XEN_NETIF_GSO_TYPE_NONE)
			fl |= NETRXF_extra_info;
		netif_rx_respond(&q->rx, slot[i].idx, slot[i].id, 0, fl, st);
	}
	if (gso != XEN_NETIF_GSO_TYPE_NONE) {
		struct netif_extra_info e = {
			.type = XEN_NETIF_EXTRA_TYPE_GSO,
			.u.gso = {.size = h->gso_size, .type = gso},
		};

		netif_rx_respond_extra(&q->rx, extra_idx, &e);
	}
	q->rx_frames++;
	return 1;
}

static void notify(struct netq *q)
{
	if (netif_rx_push(&q->rx) && xenevtchn_notify(nb.xb.xce, q->rx_port))
		log_ratelimited(&q->dev->xd.rl, XLOG_WARN,
				"%s: notify port %u: %s", q->dev->xd.name,
				q->rx_port, strerror(errno));
}

void rx_work(struct netq *q)
{
	unsigned int n;
	int ret;

	for (n = 0; n < NETBACK_RX_BATCH && !q->broken; n++) {
		if (!q->rx_len) {
			ret = read_frame(q);
			if (ret < 0)
				break;
			if (!ret)
				continue;
		}
		ret = deliver(q);
		if (ret < 0) {
			netif_break(q, "rx", "ring indices out of range");
			return;
		}
		if (!ret) {
			/* Wait for buffers; the tap queues (or drops). */
			if (!q->tap_waiting)
				event_del(q->tap_ev);
			q->tap_waiting = true;
			break;
		}
		q->rx_len = 0;
	}
	if (q->tap_waiting && !q->rx_len) {
		q->tap_waiting = false;
		event_add(q->tap_ev, NULL);
	}
	notify(q);
}

void rx_tap_event(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	rx_work(arg);
}
