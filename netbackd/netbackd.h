/* SPDX-License-Identifier: MIT */
/*
 * netbackd: a userspace netif backend.  One process serves every virtual
 * network interface of every domain from one libevent loop; each vif is a
 * tap device vif<domid>.<devid> on the host:
 *   xenbus.c     the tap and features behind the backend core's state
 *                machine (common/xenbus-backend.c)
 *   netif.c      connecting queues: ring maps, event channels, tap queues
 *   tx.c         guest -> tap: tx requests, grant copies, virtio-net header
 *   rx.c         tap -> guest: frames copied into the guest's rx buffers
 *   tap.c        the tap device and its link (libnl-route: up, bridge)
 *   netif-req.c  the pure ring and request checks (unit-tested)
 *   netif-csum.c header parsing and checksums (unit-tested)
 *   netif-offload.c  checksum/GSO offloads both ways (fuzzed)
 * Only the public Xen library APIs are used (libxenstore, libxenevtchn,
 * libxengnttab), so the same source runs on real Xen and on xenner.
 */
#ifndef NETBACKD_H
#define NETBACKD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "xenner/log.h"
#include "xenner/xenbus-backend.h"

#include "netif-offload.h"

#define NETBACK_MAX_QUEUES 8
/* Frames read from the tap per event before others get a turn. */
#define NETBACK_RX_BATCH 64
#define NETBACK_TX_BATCH 64
/* Packets one tx event may take before other work gets a turn. */
#define NETBACK_TX_BUDGET 1024

struct netdev;
struct netq;

/* Daemon-wide handles and options. */
struct netback {
	struct event_base *base;
	struct xenbus_backend xb; /* with the event-channel and grant devices */
	struct nl_sock *nl;
	unsigned int max_queues;
	bool split_evtchn; /* offer feature-split-event-channels */
};

extern struct netback nb;

struct netq {
	struct netdev *dev;
	unsigned int idx;
	struct netif_tx_back tx;
	struct netif_rx_back rx;
	void *tx_addr, *rx_addr;
	evtchn_port_t tx_port, rx_port; /* equal without split channels */
	int tap_fd;
	struct event *tap_ev;
	struct event *tx_ev; /* tx_work continued from the event loop */
	bool tap_waiting;    /* tap_ev off: the rx ring lacks buffers */
	bool broken;
	/* tap -> guest: one frame (virtio-net header first) */
	uint8_t *rx_buf;
	unsigned int rx_len; /* frame bytes in rx_buf; 0: none pending */
	/* guest -> tap */
	uint8_t *tx_buf;
	uint64_t tx_frames, rx_frames, tx_drops, rx_drops;
};

struct netdev {
	struct xenbus_device xd;
	char ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	uint8_t mac[6];	 /* the guest's */
	bool host_ready; /* tap made, linked up, hotplug-status written */
	int tap_fds[NETBACK_MAX_QUEUES]; /* [0] lives as long as the device */
	struct event *idle_ev;		 /* drains the tap while unconnected */
	struct netif_feat feat;
	struct netq q[NETBACK_MAX_QUEUES];
	unsigned int nr_q;
};

static inline struct netdev *netdev_of(struct xenbus_device *xd)
{
	return xenbus_to_dev(xd, struct netdev);
}

/* xenbus.c: the backend core's hooks */
extern const struct xenbus_backend_ops netback_ops;

/* netif.c */
int netif_connect(struct xenbus_device *xd);
/* Never -EBUSY: nothing waits for the tap. */
int netif_disconnect(struct xenbus_device *xd);
/* An event on a queue's port (ctx: the queue). */
void netif_port_event(void *ctx, evtchn_port_t port);
/* A ring is broken: take the vif down (from the event loop). */
void netif_break(struct netq *q, const char *ring, const char *why);
/* SIGUSR1: each connected queue's ring indices and counters, at info. */
void netif_log_state(struct xenbus_device *xd);

/* tx.c */
void tx_work(struct netq *q);
void tx_continue(int fd, short what, void *arg);

/* rx.c */
void rx_work(struct netq *q);
void rx_tap_event(int fd, short what, void *arg);

/* tap.c */
int tap_init(void);
void tap_exit(void);
/* Creates the tap (first queue), sets its MAC and brings it up. */
int tap_create(struct netdev *dev);
/* Opens queue fds 1..n-1 (multi-queue); -errno. */
int tap_open_queues(struct netdev *dev, unsigned int n);
void tap_close_queues(struct netdev *dev);
/* Virtio-net offloads the reader (we) takes: from the frontend's features */
int tap_set_offload(struct netdev *dev, const struct netif_feat *f);
void tap_set_carrier(struct netdev *dev, bool on);
void tap_destroy(struct netdev *dev);

#endif
