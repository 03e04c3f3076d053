// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/grant_table.h>

#include "gnttab-pin.h"
#include "shim.h"
#include "xenner/gntpin.h"

static struct ratelimit pin_rl = RATELIMIT_INIT(5, 10);

static const struct {
	int err;
	int status;
	const char *name;
} gnt_errs[GNT_NR_ERRS] = {
	[GNT_OK] = {0, GNTST_okay, "ok"},
	[GNT_BAD_DOMAIN] = {ESRCH, GNTST_bad_domain, "no such domain"},
	[GNT_BAD_VMCORE] = {EINVAL, GNTST_bad_domain, "invalid vmcore"},
	[GNT_BAD_REF] = {EINVAL, GNTST_bad_gntref, "bad grant ref"},
	[GNT_NO_ACCESS] = {EPERM, GNTST_general_error,
			   "not granted to domain 0"},
	[GNT_READONLY] = {EACCES, GNTST_general_error,
			  "write access to read-only grant"},
	[GNT_BAD_PAGE] = {EFAULT, GNTST_bad_page,
			  "granted frame outside domain memory"},
	[GNT_NOMEM] = {ENOMEM, GNTST_no_space, "out of memory"},
};

int gnt_err_errno(enum gnt_err err)
{
	return gnt_errs[err].err;
}

int gnt_err_status(enum gnt_err err)
{
	return gnt_errs[err].status;
}

const char *gnt_err_name(enum gnt_err err)
{
	return gnt_errs[err].name;
}

/* The shared entry of ref in the mapped RAM, or NULL if out of range. */
static grant_entry_v1_t *gnt_entry(struct shim_dom *d, uint32_t ref,
				   enum gnt_err *err)
{
	/* The header is shared with the domain builder: read it once. */
	uint32_t nr =
		__atomic_load_n(&d->vc.dom->nr_gnttab_frames, __ATOMIC_ACQUIRE);
	uint64_t gpfn;

	if (nr > VMCORE_MAX_GNTTAB_FRAMES)
		nr = VMCORE_MAX_GNTTAB_FRAMES;
	if (ref >= nr * VMCORE_GNTTAB_PER_FRAME) {
		*err = GNT_BAD_REF;
		return NULL;
	}
	gpfn = __atomic_load_n(
		&d->vc.dom->gnttab_pfns[ref / VMCORE_GNTTAB_PER_FRAME],
		__ATOMIC_RELAXED);
	if (!shim_dom_frames_ok(d, gpfn, 1)) {
		*err = GNT_BAD_REF;
		return NULL;
	}
	return (grant_entry_v1_t *)shim_dom_frame(d, gpfn) +
	       ref % VMCORE_GNTTAB_PER_FRAME;
}

/*
 * Sets the in-use flags the way Xen does: compare-and-swap on flags and
 * domid together, so a guest changing the entry meanwhile is either seen
 * before the check or makes the swap fail and the check run again.
 */
static enum gnt_err entry_set_flags(grant_entry_v1_t *e, bool write)
{
	uint32_t *word = (uint32_t *)e; /* flags | domid << 16 */

	for (int tries = 0; tries < 4; tries++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint16_t flags = old & 0xffff;
		uint32_t want = old | GTF_reading | (write ? GTF_writing : 0);

		if ((flags & GTF_type_mask) != GTF_permit_access ||
		    (old >> 16) != 0)
			return GNT_NO_ACCESS;
		if (write && (flags & GTF_readonly))
			return GNT_READONLY;
		if (want == old || __atomic_compare_exchange_n(
					   word, &old, want, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return GNT_OK;
	}
	/* Xen gives up on a guest that keeps changing the entry, too. */
	return GNT_NO_ACCESS;
}

static void entry_clear_flags(void *arg, uint32_t ref, uint16_t clear)
{
	struct shim_dom *d = arg;
	enum gnt_err err;
	grant_entry_v1_t *e;

	if (!clear)
		return;
	e = gnt_entry(d, ref, &err);
	if (e)
		__atomic_fetch_and(&e->flags, (uint16_t)~clear,
				   __ATOMIC_RELEASE);
}

/* The domain's shared pin table, opened on first use. */
static struct gntpin *pin_table(struct shim_dom *d, enum gnt_err *err)
{
	struct gntpin *t = d->pins;
	int ret;

	if (t)
		return t;
	t = malloc(sizeof(*t));
	if (!t) {
		*err = GNT_NOMEM;
		return NULL;
	}
	ret = gntpin_open(t, d->domid, d->dev, d->ino, true);
	if (ret) {
		log_ratelimited(&pin_rl, XLOG_WARN,
				"xengnttab: d%u: cannot open the grant pin "
				"table: %s",
				d->domid, strerror(-ret));
		free(t);
		*err = ret == -ESTALE ? GNT_BAD_DOMAIN : GNT_NOMEM;
		return NULL;
	}
	d->pins = t;
	return t;
}

enum gnt_err gnt_pin(struct shim_dom *d, uint32_t ref, bool write,
		     uint64_t *frame)
{
	enum gnt_err err = GNT_OK;
	grant_entry_v1_t *e;
	struct gntpin *t;
	uint64_t f;
	int ret;

	if (__atomic_load_n(&d->vc.dom->state, __ATOMIC_RELAXED) ==
	    VMCORE_STATE_DYING)
		return GNT_BAD_DOMAIN;
	e = gnt_entry(d, ref, &err);
	if (!e)
		return err;
	t = pin_table(d, &err);
	if (!t)
		return err;
	gntpin_lock(t);
	/* Counted before the flags are set: a set flag always has a count. */
	ret = gntpin_add(t, ref, write);
	if (ret == -ENOSPC && gntpin_release(t, entry_clear_flags, d))
		ret = gntpin_add(t, ref, write);
	if (ret) {
		gntpin_unlock(t);
		return GNT_NOMEM;
	}
	/*
	 * Check the entry even when already pinned: the guest may have
	 * revoked and re-granted it (it must not, while in use, but it is
	 * untrusted).
	 */
	err = entry_set_flags(e, write);
	if (err)
		gntpin_sub(t, ref, write); /* the flags are not ours to clear */
	gntpin_unlock(t);
	if (err)
		return err;
	/* Read the frame after pinning, as Xen does. */
	f = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
	if (!shim_dom_frames_ok(d, f, 1)) {
		gnt_unpin(d, ref, write);
		return GNT_BAD_PAGE;
	}
	*frame = f;
	return GNT_OK;
}

void gnt_unpin(struct shim_dom *d, uint32_t ref, bool write)
{
	struct gntpin *t = d->pins;

	if (!t)
		return;
	gntpin_lock(t);
	entry_clear_flags(d, ref, gntpin_sub(t, ref, write));
	gntpin_unlock(t);
}

/* Releases the pins of dead processes in every domain's table. */
void gnt_release_dead(void)
{
	int ret = gntpin_release_all();

	if (ret < 0 && ret != -ENOENT)
		log_debug("xengnttab: cannot release dead processes' grants: "
			  "%s",
			  strerror(-ret));
}
