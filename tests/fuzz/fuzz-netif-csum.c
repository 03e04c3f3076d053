// SPDX-License-Identifier: MIT
/*
 * netbackd's checksum and GSO paths (netbackd/netif-offload.c over
 * netif-csum.c): a frame the guest sent with fuzzed csum_blank/GSO flags
 * becomes a virtio-net header for the tap (tx), and a frame with a fuzzed
 * virtio-net header from the tap becomes rx flags for a frontend with
 * fuzzed features, its partial checksum completed in place (rx).  The
 * frame is allocated to its exact length so ASan sees any overread.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "netif-csum.h"
#include "netif-offload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-netif-csum");
	return 0;
}

static void tx(const struct netif_tx_pkt *p, uint8_t *f)
{
	struct virtio_net_hdr h;
	const char *why = NULL;

	if (netif_tx_offloads(p, f, &h, &why)) {
		fz_assert(why);
		return;
	}
	/* The tap (and the guest on the other side) trusts these offsets. */
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		fz_assert((unsigned int)h.csum_start + h.csum_offset + 2 <=
			  p->len);
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		fz_assert(h.hdr_len <= p->len && h.gso_size);
}

static void rx(struct fz *fz, uint8_t *f, unsigned int len)
{
	uint8_t ff = fz_u8(fz), gso;
	struct netif_feat ft = {
		.sg = ff & 1,
		.gso4 = ff & 2,
		.gso6 = ff & 4,
		.csum4 = ff & 8,
		.csum6 = ff & 16,
	};
	struct virtio_net_hdr h;

	fz_bytes(fz, &h, sizeof(h));
	netif_rx_offloads(&ft, &h, f, len, &gso);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz fz = {data, size};
	struct netif_tx_pkt p = {0};
	uint8_t mode = fz_u8(&fz);
	unsigned int len;
	uint8_t *f;

	p.flags = fz_u8(&fz) & (NETTXF_csum_blank | NETTXF_data_validated);
	p.gso_size = (mode & 2) ? fz_u16(&fz) | 1 : 0;
	p.gso_type = (mode & 4) ? XEN_NETIF_GSO_TYPE_TCPV6
				: XEN_NETIF_GSO_TYPE_TCPV4;
	/* The rest of the input is the frame, as the guest or tap gave it;
	 * for rx the frontend's features and the tap's header follow it. */
	len = fz.n;
	if (mode & 1)
		len = len > 1 + sizeof(struct virtio_net_hdr)
			      ? len - 1 - sizeof(struct virtio_net_hdr)
			      : 0;
	if (len > NETIF_MAX_FRAME)
		len = NETIF_MAX_FRAME;
	f = malloc(len ? len : 1);
	if (!f)
		return 0;
	fz_bytes(&fz, f, len);
	p.len = len;
	/* Shorter frames are dropped before either path (netif_tx_fetch,
	 * rx.c's read_frame). */
	if (len >= NETIF_MIN_FRAME && (mode & 1))
		rx(&fz, f, len);
	else if (len >= NETIF_MIN_FRAME)
		tx(&p, f);
	free(f);
	return 0;
}
