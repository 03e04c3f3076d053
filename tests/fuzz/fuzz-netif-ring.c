// SPDX-License-Identifier: MIT
/*
 * netbackd's ring checks (netbackd/netif-req.c): a tx and an rx ring
 * whose every byte, indices included, comes from the input.  Packets are
 * taken off the tx ring and answered as tx.c does (DROP and OK answered,
 * FATAL stops: the vif would go down); rx buffers are counted, taken and
 * answered as rx.c does for frames of fuzzed lengths.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "netif-req.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-netif-ring");
	return 0;
}

/* What tx.c relies on in a packet it sends. */
static void check_pkt(const struct netif_tx_pkt *p)
{
	unsigned int total = 0;

	fz_assert(p->nr_slots >= 1 && p->nr_slots <= NETIF_MAX_PKT_SLOTS);
	if (p->mcast)
		return;
	fz_assert(p->nr_segs >= 1 && p->nr_segs <= NETIF_MAX_SLOTS);
	for (unsigned int i = 0; i < p->nr_segs; i++) {
		fz_assert(p->seg[i].offset + p->seg[i].len <= NETIF_PAGE_SIZE);
		total += p->seg[i].len;
	}
	/* gather() copies the segments into a frame of p->len bytes. */
	fz_assert(total == p->len && p->len <= NETIF_MAX_FRAME);
}

static void tx(struct fz *f, struct netif_tx_back *r)
{
	for (unsigned int n = 0; n < NETIF_TX_RING_SIZE; n++) {
		struct netif_tx_pkt p;
		enum netif_tx_result res = netif_tx_fetch(r, &p);

		if (res == NETIF_TX_EMPTY || res == NETIF_TX_FATAL)
			break;
		if (res == NETIF_TX_OK)
			check_pkt(&p);
		netif_tx_respond(r, &p,
				 res == NETIF_TX_OK && !(fz_u8(f) & 1)
					 ? NETIF_RSP_OKAY
					 : NETIF_RSP_ERROR);
		if (n % 4 == 3)
			netif_tx_push(r);
	}
	netif_tx_push(r);
	netif_tx_final_check(r);
}

static void rx(struct fz *f, struct netif_rx_back *r)
{
	for (unsigned int n = 0; n < NETIF_RX_RING_SIZE; n++) {
		unsigned int len = fz_u16(f) + 1, flags = fz_u8(f);
		bool gso = flags & 1;
		unsigned int need = netif_rx_slots(len, gso);
		int avail = netif_rx_avail(r, need);

		if (avail < 0 || (unsigned int)avail < need)
			break;
		for (unsigned int i = 0; i < need; i++) {
			netif_rx_request_t req;
			RING_IDX idx = r->req_cons;

			netif_rx_take(r, &req);
			if (i == 1 && gso) {
				struct netif_extra_info e = {
					.type = XEN_NETIF_EXTRA_TYPE_GSO,
					.u.gso = {.size = 1448},
				};

				netif_rx_respond_extra(r, idx, &e);
				continue;
			}
			netif_rx_respond(r, idx, req.id, 0, flags >> 1,
					 len > NETIF_PAGE_SIZE ? NETIF_PAGE_SIZE
							       : len);
		}
		netif_rx_push(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct netif_tx_back t = {0};
	struct netif_rx_back r = {0};
	size_t tx_bytes, rx_bytes;

	t.req_cons = t.rsp_prod_pvt = fz_u32(&f);
	r.req_cons = r.rsp_prod_pvt = fz_u32(&f);
	tx_bytes = fz_u16(&f) % NETIF_PAGE_SIZE;
	rx_bytes = fz_u16(&f) % NETIF_PAGE_SIZE;
	t.sring = calloc(1, NETIF_PAGE_SIZE);
	r.sring = calloc(1, NETIF_PAGE_SIZE);
	if (t.sring && r.sring) {
		fz_bytes(&f, t.sring, tx_bytes);
		fz_bytes(&f, r.sring, rx_bytes);
		tx(&f, &t);
		rx(&f, &r);
	}
	free(t.sring);
	free(r.sring);
	return 0;
}
