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

/* Requests answered in batches, last taken first (as I/O may finish). */
struct answer {
	RING_IDX seq;
	uint64_t id;
	uint8_t op;
	int16_t st;
};

static void answer_all(struct blkif_back *r, struct answer *a, unsigned int *n)
{
	bool any = *n;

	while (*n) {
		--*n;
		blkif_ring_respond(r, a[*n].seq, a[*n].id, a[*n].op, a[*n].st);
	}
	/* every request taken is answered, in ring order, and published */
	fz_assert(r->rsp_prod_pvt == r->req_cons &&
		  (!any || r->sring->rsp_prod == r->req_cons));
	blkif_ring_want_notify(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct blkif_limits lim;
	struct blkif_back r;
	blkif_sring_t *sring;
	RING_IDX start, seq;
	unsigned int pages = 1u << (fz_u8(&f) % (BLKIF_MAX_RING_ORDER + 1));
	uint8_t flags = fz_u8(&f);
	size_t ring_bytes;
	struct answer pend[4];
	unsigned int npend = 0;

	lim = (struct blkif_limits){
		.nr_sectors = fz_u64(&f),
		.max_indirect_segs = (flags & 1) ? BLKIF_MAX_INDIRECT_SEGS : 0,
		.readonly = flags & 2,
		.discard = flags & 4,
	};
	start = fz_u32(&f);
	/* Only the first part of the ring comes from the input; the rest
	 * is what a fresh ring holds. */
	ring_bytes = fz_u16(&f) % (pages * BLKIF_PAGE_SIZE);
	sring = calloc(pages, BLKIF_PAGE_SIZE);
	if (!sring)
		return 0;
	if (blkif_ring_init(&r, sring, blkif_ring_entries(pages), start)) {
		free(sring);
		return 0;
	}
	fz_bytes(&f, sring, ring_bytes);

	for (unsigned int n = 0; n < 2 * r.nr_ents; n++) {
		blkif_request_t req;
		struct blkif_parsed p;
		int st, got = blkif_ring_fetch(&r, &req, &seq);

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
		pend[npend++] = (struct answer){seq, p.id, p.rsp_op, st};
		if (npend == 4 || (n % 8) == 5)
			answer_all(&r, pend, &npend);
	}
	answer_all(&r, pend, &npend);
	blkif_ring_final_check(&r);
	blkif_ring_fini(&r);
	free(sring);
	return 0;
}
