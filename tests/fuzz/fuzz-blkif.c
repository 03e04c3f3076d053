// SPDX-License-Identifier: MIT
/*
 * blkbackd's guest-facing checks (blkbackd/blkif-req.c): a shared ring of
 * 1 to 16 pages whose every byte (indices included) comes from the input,
 * each request taken off it, checked against fuzzed disk limits and, for
 * BLKIF_OP_INDIRECT, followed by segments out of fuzzed indirect pages as
 * blkif.c's handle() does.  Then answered and pushed.
 */
#include <stdlib.h>

#include "blkif-req.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-blkif");
	return 0;
}

/* Segments out of the indirect pages, as grants_copy_indirect() copies. */
static int indirect(struct fz *f, const struct blkif_limits *lim,
		    struct blkif_parsed *p)
{
	static struct blkif_seg segs[BLKIF_MAX_INDIRECT_SEGS];

	/* What blkif.c relies on before it maps and reads the pages. */
	fz_assert(p->nr_indirect >= 1 &&
		  p->nr_indirect <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	fz_assert(p->nr_segs <= lim->max_indirect_segs &&
		  p->nr_segs <= BLKIF_MAX_INDIRECT_SEGS);
	fz_assert(p->nr_segs <= p->nr_indirect * BLKIF_SEGS_PER_INDIRECT_PAGE);
	for (unsigned int i = 0; i < p->nr_segs; i++) {
		struct blkif_request_segment s;

		fz_bytes(f, &s, sizeof(s));
		segs[i] = (struct blkif_seg){
			.gref = s.gref,
			.first = s.first_sect,
			.last = s.last_sect,
		};
	}
	return blkif_segs_check(segs, p->nr_segs, lim, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct blkif_limits lim;
	struct blkif_back r = {0};
	unsigned int pages = 1u << (fz_u8(&f) % (BLKIF_MAX_RING_ORDER + 1));
	uint8_t flags = fz_u8(&f);
	size_t ring_bytes;

	lim = (struct blkif_limits){
		.nr_sectors = fz_u64(&f),
		.max_indirect_segs = (flags & 1) ? BLKIF_MAX_INDIRECT_SEGS : 0,
		.readonly = flags & 2,
		.discard = flags & 4,
	};
	r.nr_ents = blkif_ring_entries(pages);
	r.req_cons = r.rsp_prod_pvt = fz_u32(&f);
	/* Only the first part of the ring comes from the input; the rest
	 * is what a fresh ring holds. */
	ring_bytes = fz_u16(&f) % (pages * BLKIF_PAGE_SIZE);
	r.sring = calloc(pages, BLKIF_PAGE_SIZE);
	if (!r.sring)
		return 0;
	fz_bytes(&f, r.sring, ring_bytes);

	for (unsigned int n = 0; n < 2 * r.nr_ents; n++) {
		blkif_request_t req;
		struct blkif_parsed p;
		int st, got = blkif_ring_fetch(&r, &req);

		if (got <= 0)
			break;
		st = blkif_req_parse(&req, &lim, &p);
		if (st == BLKIF_RSP_OKAY && p.indirect)
			st = indirect(&f, &lim, &p);
		if (st == BLKIF_RSP_OKAY &&
		    (p.nr_segs || p.op == BLKIF_OP_DISCARD))
			/* The disk must never be asked beyond its end. */
			fz_assert(p.sector <= lim.nr_sectors &&
				  p.nr_sectors <= lim.nr_sectors - p.sector);
		blkif_ring_respond(&r, p.id, p.rsp_op, st);
		if (n % 8 == 7)
			blkif_ring_push(&r);
	}
	blkif_ring_push(&r);
	blkif_ring_final_check(&r);
	free(r.sring);
	return 0;
}
