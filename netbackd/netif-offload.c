// SPDX-License-Identifier: MIT
/*
 * Offloads both ways (see netif-offload.h).  Xen's tx request carries no
 * checksum offsets, virtio-net's header needs them: we find them in the
 * headers, as Linux's netback does.
 */
#include <errno.h>
#include <string.h>

#include "netif-csum.h"
#include "netif-offload.h"

/* The virtio-net header of a frame; -EINVAL if its offloads make no sense */
int netif_tx_offloads(const struct netif_tx_pkt *p, uint8_t *f,
		      struct virtio_net_hdr *h, const char **why)
{
	struct pkt_l4 l4;

	memset(h, 0, sizeof(*h));
	if (!(p->flags & NETTXF_csum_blank) && !p->gso_size) {
		if (p->flags & NETTXF_data_validated)
			h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return 0;
	}
	if (pkt_find_l4(f, p->len, &l4)) {
		*why = "no TCP/UDP header for the checksum";
		return -EINVAL;
	}
	if (p->gso_size) {
		bool v4 = p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4;

		if (l4.proto != 6 || l4.ipv != (v4 ? 4 : 6)) {
			*why = "GSO type does not match the headers";
			return -EINVAL;
		}
		/* Some frontends send GSO without csum_blank: fix it up. */
		if (!(p->flags & NETTXF_csum_blank))
			pkt_set_pseudo_csum(f, p->len, &l4);
		h->gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4
				 : VIRTIO_NET_HDR_GSO_TCPV6;
		h->gso_size = p->gso_size;
		h->hdr_len = l4.l4_off + l4.l4_hdr;
	}
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = l4.l4_off;
	h->csum_offset = l4.csum_off;
	return 0;
}

/* The rx flags of the frame; -EINVAL: the frontend cannot take it. */
int netif_rx_offloads(const struct netif_feat *ft,
		      const struct virtio_net_hdr *h, uint8_t *f,
		      unsigned int len, uint8_t *gso)
{
	int flags = 0, ipv;

	*gso = XEN_NETIF_GSO_TYPE_NONE;
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!ft->gso4 || !h->gso_size)
			return -EINVAL;
		*gso = XEN_NETIF_GSO_TYPE_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!ft->gso6 || !h->gso_size)
			return -EINVAL;
		*gso = XEN_NETIF_GSO_TYPE_TCPV6;
		break;
	default:
		return -EINVAL;
	}
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		ipv = pkt_ip_version(f, len);
		if ((ipv == 4 && ft->csum4) || (ipv == 6 && ft->csum6))
			return NETRXF_csum_blank | NETRXF_data_validated;
		if (*gso != XEN_NETIF_GSO_TYPE_NONE ||
		    pkt_csum_complete(f, len, h->csum_start, h->csum_offset))
			return -EINVAL;
		flags = NETRXF_data_validated;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		flags = NETRXF_data_validated;
	}
	return flags;
}
