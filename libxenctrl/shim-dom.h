/* SPDX-License-Identifier: MIT */
/*
 * Per-handle cache of open guest vmcores, used by the grant and foreign
 * mapping libraries.  A domain's vmcore is opened read-write with all of
 * RAM mapped once; when the file is replaced (domain destroyed and its id
 * reused), the old entry lives on until its last user puts it.
 */
#ifndef XENNER_SHIM_DOM_H
#define XENNER_SHIM_DOM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenner/vmcore.h"

struct gntpin;

struct shim_dom {
	struct shim_dom *next;
	uint32_t domid;
	dev_t dev;
	ino_t ino;
	unsigned int users; /* mappings and pins that reference this entry */
	bool stale;	    /* replaced on disk; freed when users drops to 0 */
	struct vmcore vc;
	/*
	 * The domain's shared pin table (include/xenner/gntpin.h), opened
	 * at the first grant pin (gnttab only).
	 */
	struct gntpin *pins;
};

struct shim_domcache {
	struct shim_dom *head;
};

/*
 * Looks up (opening if needed) the vmcore of domid and takes a reference.
 * Returns 0 or -ESRCH (no such domain), -EINVAL (vmcore not valid), or
 * another -errno.
 */
int shim_dom_get(struct shim_domcache *dc, uint32_t domid,
		 struct shim_dom **out);
void shim_dom_put(struct shim_domcache *dc, struct shim_dom *d);
/* Frees every entry regardless of users (handle close). */
void shim_domcache_clear(struct shim_domcache *dc);

/*
 * True if frames [pfn, pfn + count) are inside the domain's RAM and the
 * file still backs them (a vmcore truncated behind our back would turn an
 * access into SIGBUS).
 */
bool shim_dom_frames_ok(const struct shim_dom *d, uint64_t pfn, uint64_t count);

static inline uint8_t *shim_dom_frame(const struct shim_dom *d, uint64_t pfn)
{
	return d->vc.ram + pfn * VMCORE_PAGE_SIZE;
}

#endif
