// SPDX-License-Identifier: MIT
/*
 * xengnttab_grant_copy: GNTTABOP_copy done in the caller's process.  The
 * whole call fails with EINVAL (nothing copied) for what Linux's gntdev
 * rejects before asking Xen: a local->local segment, or a grant side
 * crossing its page.  Everything else is a per-segment GNTST_* status,
 * as Xen reports it, and the call returns 0.
 */
#include <string.h>

#include <xengnttab.h>

#include "gnttab-pin.h"
#include "gnttab.h"
#include "shim.h"

struct copy_side {
	struct shim_dom *d; /* NULL: local buffer */
	uint32_t ref;
	bool write;
	uint8_t *ptr;
};

static bool seg_valid(const xengnttab_grant_copy_segment_t *s)
{
	if (!(s->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return false;
	if ((s->flags & GNTCOPY_source_gref) &&
	    s->source.foreign.offset + s->len > SHIM_PAGE_SIZE)
		return false;
	if ((s->flags & GNTCOPY_dest_gref) &&
	    s->dest.foreign.offset + s->len > SHIM_PAGE_SIZE)
		return false;
	return true;
}

static void side_release(xengnttab_handle *h, struct copy_side *c)
{
	if (!c->d)
		return;
	gnt_unpin(c->d, c->ref, c->write);
	shim_dom_put(&h->doms, c->d);
	c->d = NULL;
}

static enum gnt_err side_acquire(xengnttab_handle *h,
				 const union xengnttab_copy_ptr *p, bool gref,
				 bool write, struct copy_side *c)
{
	enum gnt_err err;
	uint64_t frame;
	int ret;

	*c = (struct copy_side){.ptr = p->virt};
	if (!gref)
		return GNT_OK;
	ret = shim_dom_get(&h->doms, p->foreign.domid, &c->d);
	if (ret < 0)
		return ret == -ESRCH ? GNT_BAD_DOMAIN : GNT_BAD_VMCORE;
	err = gnt_pin(c->d, p->foreign.ref, write, &frame);
	if (err) {
		shim_dom_put(&h->doms, c->d);
		c->d = NULL;
		return err;
	}
	c->ref = p->foreign.ref;
	c->write = write;
	c->ptr = shim_dom_frame(c->d, frame) + p->foreign.offset;
	return GNT_OK;
}

static int copy_seg(xengnttab_handle *h,
		    const xengnttab_grant_copy_segment_t *s)
{
	struct copy_side src, dst = {0};
	enum gnt_err err;

	err = side_acquire(h, &s->source, s->flags & GNTCOPY_source_gref, false,
			   &src);
	if (!err)
		err = side_acquire(h, &s->dest, s->flags & GNTCOPY_dest_gref,
				   true, &dst);
	if (!err)
		memmove(dst.ptr, src.ptr, s->len);
	side_release(h, &dst);
	side_release(h, &src);
	return gnt_err_status(err);
}

int xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
			 xengnttab_grant_copy_segment_t *segs)
{
	for (uint32_t i = 0; i < count; i++) {
		if (!seg_valid(&segs[i])) {
			errno = EINVAL;
			return -1;
		}
	}
	pthread_mutex_lock(&h->lock);
	for (uint32_t i = 0; i < count; i++)
		segs[i].status = copy_seg(h, &segs[i]);
	pthread_mutex_unlock(&h->lock);
	return 0;
}
