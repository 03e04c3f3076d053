/* SPDX-License-Identifier: MIT */
/*
 * The offload halves of tx.c and rx.c as pure functions over a frame in
 * our own memory: Xen's csum_blank/GSO flags to a virtio-net header for the
 * tap, and a virtio-net header from the tap to the rx flags the frontend
 * can take.  Both read headers the guest (tx) or the host (rx) wrote, so
 * they are fuzzed on their own (tests/fuzz/fuzz-netif-csum.c).
 */
#ifndef NETBACKD_NETIF_OFFLOAD_H
#define NETBACKD_NETIF_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "netif-req.h"

/* What the frontend can take, from its feature-* nodes. */
struct netif_feat {
	bool sg;	   /* multi-slot frames */
	bool gso4, gso6;   /* GSO frames it receives */
	bool csum4, csum6; /* blank checksums it receives */
};

/*
 * The virtio-net header of the tx frame f (p->len bytes); -EINVAL with
 * *why set if its offloads make no sense.
 */
int netif_tx_offloads(const struct netif_tx_pkt *p, uint8_t *f,
		      struct virtio_net_hdr *h, const char **why);
/*
 * The rx flags of the frame f (len bytes) the tap gave with header h, and
 * its GSO type in *gso; -EINVAL: the frontend cannot take it.  A partial
 * checksum the frontend cannot take blank is completed in f.
 */
int netif_rx_offloads(const struct netif_feat *ft,
		      const struct virtio_net_hdr *h, uint8_t *f,
		      unsigned int len, uint8_t *gso);

#endif
