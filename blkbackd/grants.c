// SPDX-License-Identifier: MIT
/*
 * Grant mappings for requests.  We map (rather than grant-copy) because the
 * mapped guest pages can be handed to the kernel as the I/O buffers
 * themselves (zero copy, O_DIRECT straight into guest memory), and because
 * persistent grants are mappings kept across requests: with them a busy
 * ring does no grant operation at all.  Requests whose grants are not in
 * the persistent cache map all their pages in one call and unmap them
 * when the I/O is done.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "blkbackd.h"

static struct ratelimit map_rl = RATELIMIT_INIT(5, 10);

static unsigned int pg_hash(grant_ref_t gref, unsigned int cap)
{
	return (gref * 2654435761u) & (cap - 1);
}

static struct pgrant *pg_find(struct blkring *ring, grant_ref_t gref,
			      bool for_insert)
{
	unsigned int i;

	if (!ring->pg)
		return NULL;
	i = pg_hash(gref, ring->pg_cap);
	for (unsigned int n = 0; n < ring->pg_cap; n++) {
		struct pgrant *p = &ring->pg[(i + n) & (ring->pg_cap - 1)];

		if (!p->addr)
			return for_insert ? p : NULL;
		if (p->gref == gref)
			return p;
	}
	return NULL;
}

/* A persistent mapping of gref, made now if the cache has room. */
static void *pg_get(struct blkring *ring, grant_ref_t gref)
{
	struct blkdev *dev = ring->dev;
	struct pgrant *p = pg_find(ring, gref, true);
	void *addr;

	if (p && p->addr)
		return p->addr;
	if (!p)
		return NULL;
	if (ring->pg_used >= BLKBACK_MAX_PGRANTS) {
		if (!ring->pg_full_said)
			log_info("%s: queue %u: %u persistent grants kept, the "
				 "most per ring: further grants are mapped per "
				 "request",
				 dev->xd.name, ring->idx, ring->pg_used);
		ring->pg_full_said = true;
		return NULL;
	}
	/* Persistent grants are read and written: they must be granted rw. */
	addr = xengnttab_map_domain_grant_refs(bb.xb.xgt, 1, dev->xd.domid,
					       &gref, PROT_READ | PROT_WRITE);
	if (!addr)
		return NULL;
	p->gref = gref;
	p->addr = addr;
	ring->pg_used++;
	return addr;
}

int grants_map_req(struct blkreq *req, bool guest_write, bool persistent)
{
	struct blkring *ring = req->ring;
	struct blkdev *dev = ring->dev;
	unsigned int n = req->p.nr_segs, nb = 0;
	uint32_t refs[BLKIF_MAX_INDIRECT_SEGS];
	unsigned int idx[BLKIF_MAX_INDIRECT_SEGS];
	uint8_t *base;

	for (unsigned int i = 0; i < n; i++) {
		const struct blkif_seg *s = &req->segs[i];
		uint8_t *page = persistent ? pg_get(ring, s->gref) : NULL;

		req->iov[i].iov_len = (size_t)(s->last - s->first + 1)
				      << BLKIF_SECTOR_SHIFT;
		if (page) {
			req->iov[i].iov_base =
				page + ((size_t)s->first << BLKIF_SECTOR_SHIFT);
			continue;
		}
		refs[nb] = s->gref;
		idx[nb++] = i;
	}
	if (!nb)
		return 0;
	/* Alone on the ring, a request always gets its maps tried. */
	if (ring->mapped && ring->mapped + nb > BLKBACK_RING_MAPS)
		return -EAGAIN;
	if (bb.mapped && bb.mapped + nb > bb.max_maps)
		return ring->mapped ? -EAGAIN : -EBUSY;
	base = xengnttab_map_domain_grant_refs(
		bb.xb.xgt, nb, dev->xd.domid, refs,
		PROT_READ | (guest_write ? PROT_WRITE : 0));
	if (!base) {
		/* The host's budget, held by this ring or others: wait. */
		if (errno == ENOMEM && ring->mapped)
			return -EAGAIN;
		if (errno == ENOMEM && bb.mapped)
			return -EBUSY;
		log_ratelimited(&map_rl, XLOG_WARN,
				"%s: mapping %u grants failed: %s",
				dev->xd.name, nb, strerror(errno));
		return -errno;
	}
	req->map_addr = base;
	req->map_count = nb;
	ring->mapped += nb;
	bb.mapped += nb;
	for (unsigned int j = 0; j < nb; j++) {
		const struct blkif_seg *s = &req->segs[idx[j]];

		req->iov[idx[j]].iov_base =
			base + (size_t)j * BLKIF_PAGE_SIZE +
			((size_t)s->first << BLKIF_SECTOR_SHIFT);
	}
	return 0;
}

void grants_unmap_req(struct blkreq *req)
{
	if (!req->map_addr)
		return;
	if (xengnttab_unmap(bb.xb.xgt, req->map_addr, req->map_count))
		log_err("%s: unmap of %u grants: %s", req->ring->dev->xd.name,
			req->map_count, strerror(errno));
	req->ring->mapped -= req->map_count;
	bb.mapped -= req->map_count;
	req->map_addr = NULL;
	req->map_count = 0;
}

int grants_copy_indirect(struct blkreq *req)
{
	struct blkdev *dev = req->ring->dev;
	const struct blkif_request_segment *src;
	unsigned int n = req->p.nr_segs;
	void *pages;

	pages = xengnttab_map_domain_grant_refs(
		bb.xb.xgt, req->p.nr_indirect, dev->xd.domid,
		req->p.indirect_grefs, PROT_READ);
	if (!pages) {
		log_ratelimited(&map_rl, XLOG_WARN,
				"%s: mapping %u indirect pages failed: %s",
				dev->xd.name, req->p.nr_indirect,
				strerror(errno));
		return -errno;
	}
	/* Copy before checking: the guest can change its pages at any time. */
	src = pages;
	for (unsigned int i = 0; i < n; i++) {
		struct blkif_request_segment s;

		memcpy(&s, &src[i], sizeof(s));
		req->ind_segs[i].gref = s.gref;
		req->ind_segs[i].first = s.first_sect;
		req->ind_segs[i].last = s.last_sect;
	}
	if (xengnttab_unmap(bb.xb.xgt, pages, req->p.nr_indirect))
		log_err("%s: unmap of indirect pages: %s", dev->xd.name,
			strerror(errno));
	req->segs = req->ind_segs;
	return 0;
}

void grants_ring_free(struct blkring *ring)
{
	for (unsigned int i = 0; ring->pg && i < ring->pg_cap; i++) {
		struct pgrant *p = &ring->pg[i];

		if (p->addr && xengnttab_unmap(bb.xb.xgt, p->addr, 1))
			log_err("%s: unmap of persistent grant %u: %s",
				ring->dev->xd.name, p->gref, strerror(errno));
		p->addr = NULL;
	}
	ring->pg_used = 0;
}
