// SPDX-License-Identifier: MIT
/*
 * blkbackd's ring consumer and request checks against a hostile frontend:
 * garbage indices, huge segment counts, sectors outside the disk or the
 * page, unknown operations, indirect requests out of limits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../blkbackd/blkif-req.h"

static const struct blkif_limits lim = {
	.nr_sectors = 1000,
	.max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
	.discard = true,
};

struct ring_fixture {
	void *page;
	struct blkif_back r;
};

static int ring_setup(void **state)
{
	struct ring_fixture *f = calloc(1, sizeof(*f));

	f->page = aligned_alloc(4096, 4096);
	memset(f->page, 0, 4096);
	assert_int_equal(
		blkif_ring_init(&f->r, f->page, blkif_ring_entries(1), 0), 0);
	*state = f;
	return 0;
}

static int ring_teardown(void **state)
{
	struct ring_fixture *f = *state;

	blkif_ring_fini(&f->r);
	free(f->page);
	free(f);
	return 0;
}

static void test_ring_sizes(void **state)
{
	(void)state;
	assert_int_equal(blkif_ring_entries(1), 32);
	assert_int_equal(blkif_ring_entries(2), 64);
	assert_int_equal(blkif_ring_entries(16), 512);
}

static void test_fetch_empty_and_one(void **state)
{
	struct ring_fixture *f = *state;
	blkif_request_t req;
	RING_IDX seq;

	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 0);
	f->r.sring->ring[0].req.id = 42;
	f->r.sring->req_prod = 1;
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 1);
	assert_int_equal(req.id, 42);
	assert_int_equal(f->r.req_cons, 1);
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 0);
}

static void test_fetch_garbage_prod(void **state)
{
	struct ring_fixture *f = *state;
	blkif_request_t req;
	RING_IDX seq;

	/* More requests than slots: broken, and nothing is consumed. */
	f->r.sring->req_prod = 33;
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), -EIO);
	assert_int_equal(f->r.req_cons, 0);
	f->r.sring->req_prod = 0xfffffff0u; /* "behind" us */
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), -EIO);
	f->r.sring->req_prod = 32; /* exactly full is fine */
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 1);
}

static void test_fetch_overrun_unanswered(void **state)
{
	struct ring_fixture *f = *state;
	blkif_request_t req;
	RING_IDX seq;

	/* 20 consumed, none answered: 20 more would be 40 outstanding. */
	f->r.req_cons = 20;
	f->r.sring->req_prod = 40;
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), -EIO);
	f->r.rsp_prod_pvt = 10;
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 1);
}

static void test_indices_wrap(void **state)
{
	struct ring_fixture *f = *state;
	blkif_request_t req;
	RING_IDX seq;

	f->r.req_cons = f->r.rsp_prod_pvt = 0xfffffffeu;
	f->r.sring->req_prod = 2; /* wrapped: 4 new requests */
	for (int i = 0; i < 4; i++)
		assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 1);
	assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq), 0);
}

static void test_respond_and_notify(void **state)
{
	struct ring_fixture *f = *state;

	f->r.sring->rsp_event = 1;
	f->r.sring->req_prod = 2;
	f->r.req_cons = 2;
	blkif_ring_respond(&f->r, 0, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	assert_true(blkif_ring_want_notify(&f->r));
	assert_int_equal(f->r.sring->rsp_prod, 1);
	assert_int_equal(f->r.sring->ring[0].rsp.id, 7);
	/* The frontend asked for an event only after 5 responses. */
	f->r.sring->rsp_event = 5;
	blkif_ring_respond(&f->r, 1, 8, BLKIF_OP_READ, BLKIF_RSP_ERROR);
	assert_false(blkif_ring_want_notify(&f->r));
	assert_false(blkif_ring_want_notify(&f->r)); /* nothing new */
	assert_true(blkif_ring_final_check(&f->r) == false);
	assert_int_equal(f->r.sring->req_event, 3);
}

/*
 * Requests finishing out of order are answered in ring order, each in its
 * own request's slot: the unanswered ones keep their slots, and a second
 * backend started at rsp_prod (as after a SIGKILL) sees exactly them.
 */
static void test_answers_in_ring_order(void **state)
{
	struct ring_fixture *f = *state;
	struct blkif_back again;
	blkif_request_t req;
	RING_IDX seq[4];

	for (int i = 0; i < 4; i++)
		f->r.sring->ring[i].req.id = 100 + i;
	f->r.sring->req_prod = 4;
	for (int i = 0; i < 4; i++)
		assert_int_equal(blkif_ring_fetch(&f->r, &req, &seq[i]), 1);
	assert_int_equal(seq[3], 3);
	blkif_ring_respond(&f->r, 2, 102, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	assert_int_equal(f->r.sring->rsp_prod, 0); /* held for 0 and 1 */
	blkif_ring_respond(&f->r, 0, 100, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	assert_int_equal(f->r.sring->rsp_prod, 1);
	assert_int_equal(f->r.sring->ring[0].rsp.id, 100);
	assert_int_equal(f->r.sring->ring[1].req.id, 101);
	assert_int_equal(f->r.sring->ring[2].req.id, 102);

	/* the backend dies here; the next one starts at rsp_prod */
	assert_int_equal(blkif_ring_init(&again, f->r.sring, f->r.nr_ents,
					 f->r.sring->rsp_prod),
			 0);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(blkif_ring_fetch(&again, &req, &seq[i]), 1);
		assert_int_equal(req.id, 100 + i);
		assert_int_equal(seq[i], i);
	}
	assert_int_equal(blkif_ring_fetch(&again, &req, &seq[0]), 0);
	blkif_ring_respond(&again, 3, 103, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	blkif_ring_respond(&again, 1, 101, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	blkif_ring_respond(&again, 2, 102, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	assert_int_equal(again.sring->rsp_prod, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(again.sring->ring[i].rsp.id, 100 + i);
	blkif_ring_fini(&again);
}

static blkif_request_t rw_req(uint8_t op, uint64_t sector, int nseg)
{
	blkif_request_t r = {.operation = op,
			     .nr_segments = nseg,
			     .id = 0x1234,
			     .sector_number = sector};

	for (int i = 0; i < nseg; i++)
		r.seg[i] = (struct blkif_request_segment){
			.gref = 10 + i, .first_sect = 0, .last_sect = 7};
	return r;
}

static void test_parse_rw_ok(void **state)
{
	blkif_request_t r = rw_req(BLKIF_OP_WRITE, 8, 3);
	struct blkif_parsed p;

	(void)state;
	r.seg[2].first_sect = 2;
	r.seg[2].last_sect = 3;
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_OKAY);
	assert_int_equal(p.nr_sectors, 8 + 8 + 2);
	assert_int_equal(p.id, 0x1234);
	assert_int_equal(p.seg[1].gref, 11);
}

static void test_parse_bad(void **state)
{
	struct blkif_parsed p;
	blkif_request_t r;

	(void)state;
	r = rw_req(BLKIF_OP_READ, 0, 1);
	r.nr_segments = 200; /* huge */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	assert_int_equal(p.id, 0x1234);	 /* still answerable */
	r = rw_req(BLKIF_OP_READ, 0, 0); /* read without data */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	r = rw_req(BLKIF_OP_READ, 0, 1);
	r.seg[0].last_sect = 8; /* beyond the page */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 5, r.seg[0].last_sect = 4;
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	r = rw_req(BLKIF_OP_READ, 996, 1); /* 996..1003 > 1000 sectors */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	r = rw_req(BLKIF_OP_READ, 992, 1); /* the last 8: fine */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_OKAY);
	r = rw_req(BLKIF_OP_READ, UINT64_MAX - 3, 1); /* wraps */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	r = rw_req(77, 0, 1);
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_EOPNOTSUPP);
	r = rw_req(BLKIF_OP_RESERVED_1, 0, 1);
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_EOPNOTSUPP);
}

static void test_parse_readonly(void **state)
{
	struct blkif_limits ro = lim;
	struct blkif_parsed p;
	blkif_request_t r;

	(void)state;
	ro.readonly = true;
	r = rw_req(BLKIF_OP_READ, 0, 1);
	assert_int_equal(blkif_req_parse(&r, &ro, &p), BLKIF_RSP_OKAY);
	r = rw_req(BLKIF_OP_WRITE, 0, 1);
	assert_int_equal(blkif_req_parse(&r, &ro, &p), BLKIF_RSP_ERROR);
	r = rw_req(BLKIF_OP_WRITE_BARRIER, 0, 1);
	assert_int_equal(blkif_req_parse(&r, &ro, &p), BLKIF_RSP_ERROR);
}

static void test_parse_discard(void **state)
{
	struct blkif_limits nod = lim;
	blkif_request_discard_t d = {.operation = BLKIF_OP_DISCARD,
				     .flag = BLKIF_DISCARD_SECURE,
				     .id = 5,
				     .sector_number = 100,
				     .nr_sectors = 900};
	struct blkif_parsed p;
	blkif_request_t r;

	(void)state;
	memcpy(&r, &d, sizeof(d));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_OKAY);
	assert_true(p.secure);
	assert_int_equal(p.nr_sectors, 900);
	d.nr_sectors = 901;
	memcpy(&r, &d, sizeof(d));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	d.nr_sectors = UINT64_MAX;
	memcpy(&r, &d, sizeof(d));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	nod.discard = false;
	assert_int_equal(blkif_req_parse(&r, &nod, &p), BLKIF_RSP_EOPNOTSUPP);
}

static void test_parse_indirect(void **state)
{
	blkif_request_indirect_t ind = {.operation = BLKIF_OP_INDIRECT,
					.indirect_op = BLKIF_OP_WRITE,
					.nr_segments = 256,
					.id = 9,
					.sector_number = 0,
					.indirect_grefs = {33}};
	struct blkif_limits noind = lim;
	struct blkif_seg segs[BLKIF_MAX_INDIRECT_SEGS];
	struct blkif_parsed p;
	blkif_request_t r;

	(void)state;
	memcpy(&r, &ind, sizeof(ind));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_OKAY);
	assert_true(p.indirect);
	assert_int_equal(p.nr_indirect, 1);
	assert_int_equal(p.indirect_grefs[0], 33);
	assert_int_equal(p.rsp_op, BLKIF_OP_WRITE);
	/* 256 full pages = 2048 sectors: more than the disk holds. */
	for (int i = 0; i < 256; i++)
		segs[i] = (struct blkif_seg){.gref = i, .first = 0, .last = 7};
	assert_int_equal(blkif_segs_check(segs, 256, &lim, &p),
			 BLKIF_RSP_ERROR);
	assert_int_equal(blkif_segs_check(segs, 100, &lim, &p), BLKIF_RSP_OKAY);
	assert_int_equal(p.nr_sectors, 800);
	segs[50].last = 200;
	assert_int_equal(blkif_segs_check(segs, 100, &lim, &p),
			 BLKIF_RSP_ERROR);

	ind.nr_segments = 257; /* above what we offered */
	memcpy(&r, &ind, sizeof(ind));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	ind.nr_segments = 0;
	memcpy(&r, &ind, sizeof(ind));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	ind.nr_segments = 8;
	ind.indirect_op = BLKIF_OP_DISCARD; /* only reads and writes */
	memcpy(&r, &ind, sizeof(ind));
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_ERROR);
	ind.indirect_op = BLKIF_OP_READ;
	memcpy(&r, &ind, sizeof(ind));
	noind.max_indirect_segs = 0;
	assert_int_equal(blkif_req_parse(&r, &noind, &p), BLKIF_RSP_EOPNOTSUPP);
}

static void test_parse_flush(void **state)
{
	blkif_request_t r = rw_req(BLKIF_OP_FLUSH_DISKCACHE, ~0ULL, 0);
	struct blkif_parsed p;

	(void)state;
	/* A flush carries no data; its sector is not looked at. */
	assert_int_equal(blkif_req_parse(&r, &lim, &p), BLKIF_RSP_OKAY);
	assert_int_equal(p.nr_segs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_sizes),
		cmocka_unit_test_setup_teardown(test_fetch_empty_and_one,
						ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_garbage_prod,
						ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_overrun_unanswered,
						ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_indices_wrap, ring_setup,
						ring_teardown),
		cmocka_unit_test_setup_teardown(test_respond_and_notify,
						ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_answers_in_ring_order,
						ring_setup, ring_teardown),
		cmocka_unit_test(test_parse_rw_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_readonly),
		cmocka_unit_test(test_parse_discard),
		cmocka_unit_test(test_parse_indirect),
		cmocka_unit_test(test_parse_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
