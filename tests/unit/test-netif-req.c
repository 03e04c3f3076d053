// SPDX-License-Identifier: MIT
/*
 * netbackd's tx ring consumer and packet checks against a hostile
 * frontend: garbage indices, packets that continue past the producer,
 * too many slots, slots crossing their page, frames larger than announced,
 * bad extra-info slots; and the rx ring's index checks and slot layout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../netbackd/netif-req.h"

struct fx {
	void *tx_page, *rx_page;
	struct netif_tx_back tx;
	struct netif_rx_back rx;
	RING_IDX prod;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->tx_page = aligned_alloc(4096, 4096);
	f->rx_page = aligned_alloc(4096, 4096);
	memset(f->tx_page, 0, 4096);
	memset(f->rx_page, 0, 4096);
	f->tx.sring = f->tx_page;
	f->rx.sring = f->rx_page;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->tx_page);
	free(f->rx_page);
	free(f);
	return 0;
}

/* Frontend side: queue one tx request (not yet published). */
static void req(struct fx *f, grant_ref_t gref, uint16_t off, uint16_t size,
		uint16_t flags, uint16_t id)
{
	netif_tx_request_t r = {.gref = gref,
				.offset = off,
				.size = size,
				.flags = flags,
				.id = id};

	f->tx.sring->ring[f->prod++ % NETIF_TX_RING_SIZE].req = r;
}

static void extra(struct fx *f, uint8_t type, uint8_t flags, uint16_t size,
		  uint8_t gso_type)
{
	struct netif_extra_info e = {.type = type, .flags = flags};

	e.u.gso.size = size;
	e.u.gso.type = gso_type;
	memset(&f->tx.sring->ring[f->prod % NETIF_TX_RING_SIZE].req, 0,
	       sizeof(netif_tx_request_t));
	memcpy(&f->tx.sring->ring[f->prod++ % NETIF_TX_RING_SIZE].req, &e,
	       sizeof(e));
}

static void publish(struct fx *f)
{
	f->tx.sring->req_prod = f->prod;
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(NETIF_TX_RING_SIZE, 256);
	assert_int_equal(NETIF_RX_RING_SIZE, 256);
	assert_int_equal(netif_rx_slots(1, false), 1);
	assert_int_equal(netif_rx_slots(4096, false), 1);
	assert_int_equal(netif_rx_slots(4097, true), 3);
	assert_int_equal(netif_rx_slots(65535, false), 16);
}

static void test_empty_and_simple(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_EMPTY);
	req(f, 9, 100, 60, NETTXF_csum_blank, 3);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_OK);
	assert_int_equal(p.len, 60);
	assert_int_equal(p.nr_segs, 1);
	assert_int_equal(p.seg[0].gref, 9);
	assert_int_equal(p.seg[0].offset, 100);
	assert_int_equal(p.seg[0].len, 60);
	assert_int_equal(p.flags, NETTXF_csum_blank);
	assert_int_equal(p.nr_slots, 1);
	assert_int_equal(p.slot[0].id, 3);
	assert_int_equal(f->tx.req_cons, 1);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_EMPTY);
}

static void test_multi_slot_with_gso(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	/* 10000 bytes: 2000 in the first slot, 4000 + 4000 after. */
	req(f, 1, 0, 10000,
	    NETTXF_more_data | NETTXF_extra_info | NETTXF_csum_blank, 1);
	extra(f, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	req(f, 2, 0, 4000, NETTXF_more_data, 2);
	req(f, 3, 96, 4000, 0, 3);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_OK);
	assert_int_equal(p.nr_segs, 3);
	assert_int_equal(p.seg[0].len, 2000);
	assert_int_equal(p.seg[2].offset, 96);
	assert_int_equal(p.gso_size, 1448);
	assert_int_equal(p.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(p.nr_slots, 4);
	assert_true(p.slot[1].extra);
	assert_int_equal(p.slot[3].id, 3);
	/* Responses in ring order, NULL for the extra. */
	netif_tx_respond(&f->tx, &p, NETIF_RSP_OKAY);
	assert_int_equal(f->tx.rsp_prod_pvt, 4);
	assert_int_equal(f->tx.sring->ring[0].rsp.id, 1);
	assert_int_equal(f->tx.sring->ring[1].rsp.status, NETIF_RSP_NULL);
	assert_int_equal(f->tx.sring->ring[3].rsp.id, 3);
	assert_int_equal(f->tx.sring->ring[3].rsp.status, NETIF_RSP_OKAY);
	f->tx.sring->rsp_event = 1;
	assert_true(netif_tx_push(&f->tx));
	assert_int_equal(f->tx.sring->rsp_prod, 4);
	assert_false(netif_tx_push(&f->tx));
}

static void test_garbage_indices(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	f->tx.sring->req_prod = 257;
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	assert_non_null(p.why);
	f->tx.sring->req_prod = (RING_IDX)-5;
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	assert_int_equal(f->tx.req_cons, 0);
	/* A full ring whose responses were not yet made is fine... */
	f->tx.sring->req_prod = 256;
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_DROP);
	/* ...but not more requests than free slots behind our responses. */
	f->tx.req_cons = 256;
	f->tx.rsp_prod_pvt = 0;
	f->tx.sring->req_prod = 257;
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
}

static void test_incomplete_packet(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	req(f, 1, 0, 200, NETTXF_more_data, 1);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	assert_int_equal(f->tx.req_cons, 0);
	/* An extra-info flag with no slot after it. */
	f->prod = 0;
	req(f, 1, 0, 200, NETTXF_extra_info, 1);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
}

static void test_slot_counts(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;
	unsigned int n;

	/* 18 data slots are allowed... */
	req(f, 1, 0, 18 * 60, NETTXF_more_data, 0);
	for (n = 1; n < 18; n++)
		req(f, 1, 0, 60, n < 17 ? NETTXF_more_data : 0, n);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_OK);
	assert_int_equal(p.nr_segs, 18);
	netif_tx_respond(&f->tx, &p, NETIF_RSP_OKAY);
	/* ...19 are dropped, but every slot is consumed and answered... */
	req(f, 1, 0, 19 * 60, NETTXF_more_data, 0);
	for (n = 1; n < 19; n++)
		req(f, 1, 0, 60, n < 18 ? NETTXF_more_data : 0, n);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_DROP);
	assert_int_equal(p.nr_slots, 19);
	assert_int_equal(f->tx.req_cons, 18 + 19);
	netif_tx_respond(&f->tx, &p, NETIF_RSP_ERROR);
	assert_int_equal(f->tx.sring->ring[(18 + 18) % 256].rsp.status,
			 NETIF_RSP_ERROR);
	/* ...and 25 break the ring. */
	f->tx.rsp_prod_pvt = f->tx.req_cons;
	req(f, 1, 0, 25 * 60, NETTXF_more_data, 0);
	for (n = 1; n < 25; n++)
		req(f, 1, 0, 60, n < 24 ? NETTXF_more_data : 0, n);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
}

static void test_page_crossing(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	req(f, 1, 4000, 200, 0, 1);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	/* A continuation slot crossing its page. */
	f->prod = 0;
	req(f, 1, 0, 300, NETTXF_more_data, 1);
	req(f, 1, 4095, 2, 0, 2);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	/* First slot: the frame minus the rest must fit in its page. */
	f->prod = 0;
	req(f, 1, 100, 8192, NETTXF_more_data, 1);
	req(f, 1, 0, 4096, 0, 2);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	f->prod = 0;
	req(f, 1, 0, 8192, NETTXF_more_data, 1);
	req(f, 1, 0, 4096, 0, 2);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_OK);
	assert_int_equal(p.seg[0].len, 4096);
}

static void test_frame_sizes(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	/* Slots carrying more than the announced 64 KiB - 1: dropped. */
	req(f, 1, 0, 65535, NETTXF_more_data, 0);
	for (int i = 1; i <= 16; i++)
		req(f, 1, 0, 4096, i < 16 ? NETTXF_more_data : 0, i);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_DROP);
	assert_int_equal(p.nr_slots, 17);
	netif_tx_respond(&f->tx, &p, NETIF_RSP_ERROR);
	/* Shorter than an Ethernet header. */
	req(f, 1, 0, 10, 0, 4);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_DROP);
	assert_int_equal(f->tx.req_cons, 18);
}

static void test_extras(void **state)
{
	struct fx *f = *state;
	struct netif_tx_pkt p;

	/* Unknown extra type: fatal. */
	req(f, 1, 0, 100, NETTXF_extra_info, 1);
	extra(f, 9, 0, 0, 0);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	/* Type NONE is never valid either. */
	f->prod = 0;
	req(f, 1, 0, 100, NETTXF_extra_info, 1);
	extra(f, XEN_NETIF_EXTRA_TYPE_NONE, 0, 0, 0);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	/* GSO size 0: fatal; an unknown GSO type: dropped. */
	f->prod = 0;
	req(f, 1, 0, 100, NETTXF_extra_info, 1);
	extra(f, XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	f->prod = 0;
	req(f, 1, 0, 100, NETTXF_extra_info, 1);
	extra(f, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1000, 7);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_DROP);
	assert_int_equal(p.nr_slots, 2);
	/* An endless chain of extras (FLAG_MORE on every one): fatal. */
	f->tx.req_cons = f->tx.rsp_prod_pvt = f->prod = 0;
	req(f, 1, 0, 100, NETTXF_extra_info, 1);
	for (int i = 0; i < 8; i++)
		extra(f, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE,
		      0, 0);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_FATAL);
	/* A multicast-control request: consumed, no frame. */
	f->prod = 0;
	req(f, 1, 0, 0, NETTXF_extra_info, 1);
	extra(f, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0, 0, 0);
	publish(f);
	assert_int_equal(netif_tx_fetch(&f->tx, &p), NETIF_TX_OK);
	assert_true(p.mcast);
}

static void test_final_check(void **state)
{
	struct fx *f = *state;

	assert_false(netif_tx_final_check(&f->tx));
	assert_int_equal(f->tx.sring->req_event, 1);
	req(f, 1, 0, 60, 0, 1);
	publish(f);
	assert_true(netif_tx_final_check(&f->tx));
}

static void test_rx(void **state)
{
	struct fx *f = *state;
	netif_rx_request_t r;
	struct netif_extra_info e = {.type = XEN_NETIF_EXTRA_TYPE_GSO};

	assert_int_equal(netif_rx_avail(&f->rx, 1), 0);
	/* Asked to be told about the next buffer. */
	assert_int_equal(f->rx.sring->req_event, 1);
	for (int i = 0; i < 3; i++)
		f->rx.sring->ring[i].req =
			(netif_rx_request_t){.id = i, .gref = 100 + i};
	f->rx.sring->req_prod = 3;
	assert_int_equal(netif_rx_avail(&f->rx, 2), 3);
	netif_rx_take(&f->rx, &r);
	assert_int_equal(r.gref, 100);
	netif_rx_respond(&f->rx, 0, r.id, 0, NETRXF_extra_info, 1000);
	netif_rx_take(&f->rx, &r);
	netif_rx_respond_extra(&f->rx, 1, &e);
	f->rx.sring->rsp_event = 1;
	assert_true(netif_rx_push(&f->rx));
	assert_int_equal(f->rx.sring->rsp_prod, 2);
	assert_int_equal(f->rx.sring->ring[0].rsp.status, 1000);
	memcpy(&e, &f->rx.sring->ring[1].rsp, sizeof(e));
	assert_int_equal(e.type, XEN_NETIF_EXTRA_TYPE_GSO);
	/* More buffers than the ring has slots: broken. */
	f->rx.sring->req_prod = 2 + 257;
	assert_int_equal(netif_rx_avail(&f->rx, 1), -EIO);
	f->rx.sring->req_prod = 1;
	assert_int_equal(netif_rx_avail(&f->rx, 1), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test_setup_teardown(test_empty_and_simple, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_multi_slot_with_gso, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage_indices, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_packet, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slot_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_page_crossing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_frame_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_extras, setup, teardown),
		cmocka_unit_test_setup_teardown(test_final_check, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
