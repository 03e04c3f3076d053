// SPDX-License-Identifier: MIT
/*
 * libxenforeignmemory.so.1: maps guest frames straight from the guest's
 * vmcore.  Follows Xen's library: with an err[] array a bad page gets
 * err[i] = -EINVAL (and stays an inaccessible hole) while the call
 * succeeds; without one, any bad page fails the whole call with that
 * errno and nothing stays mapped.  A domain without a vmcore: ESRCH.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xenforeignmemory.h>

#include "shim-dom.h"
#include "shim.h"

#define NO_RESTRICT UINT32_MAX

struct xenforeignmemory_handle {
	pthread_mutex_t lock;
	struct shim_domcache doms;
	uint32_t restrict_domid;
};

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
					       unsigned open_flags)
{
	xenforeignmemory_handle *h = calloc(1, sizeof(*h));

	(void)logger;
	(void)open_flags;
	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->restrict_domid = NO_RESTRICT;
	return h;
}

int xenforeignmemory_close(xenforeignmemory_handle *h)
{
	if (!h)
		return 0;
	/* Existing mappings stay valid: they hold their own file refs. */
	shim_domcache_clear(&h->doms);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return 0;
}

/* Maps pages [i, j) of arr, known to be contiguous and valid. */
static int map_run(struct shim_dom *d, uint8_t *base, size_t i, size_t j,
		   const xen_pfn_t *arr, int prot)
{
	void *p = vmcore_map_frames(&d->vc, arr[i], j - i, prot,
				    base + i * SHIM_PAGE_SIZE);

	return p == MAP_FAILED ? -errno : 0;
}

static int map_pages(struct shim_dom *d, uint8_t *base, int prot, size_t pages,
		     const xen_pfn_t *arr, int *err)
{
	size_t run = 0;
	int ret;

	for (size_t i = 0; i <= pages; i++) {
		bool ok = i < pages && shim_dom_frames_ok(d, arr[i], 1);

		if (i < pages)
			err[i] = ok ? 0 : -EINVAL;
		/* Extend the current run while frames stay consecutive. */
		if (ok && i > run && !err[i - 1] && arr[i] == arr[i - 1] + 1)
			continue;
		if (i > run && !err[run]) {
			ret = map_run(d, base, run, i, arr, prot);
			if (ret < 0)
				return ret;
		}
		run = i;
	}
	return 0;
}

void *xenforeignmemory_map2(xenforeignmemory_handle *h, uint32_t dom,
			    void *addr, int prot, int flags, size_t pages,
			    const xen_pfn_t arr[], int err[])
{
	int *own_err = NULL;
	struct shim_dom *d = NULL;
	uint8_t *base = MAP_FAILED;
	int ret = 0;

	if (!pages || pages > SIZE_MAX / SHIM_PAGE_SIZE)
		return errno = EINVAL, NULL;
	if (!err) {
		err = own_err = calloc(pages, sizeof(*err));
		if (!err)
			return NULL;
	}
	pthread_mutex_lock(&h->lock);
	if (h->restrict_domid != NO_RESTRICT && dom != h->restrict_domid) {
		ret = -EPERM;
		goto out;
	}
	ret = shim_dom_get(&h->doms, dom, &d);
	if (ret < 0)
		goto out;
	base = mmap(addr, pages * SHIM_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			    (flags & MAP_FIXED),
		    -1, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	ret = map_pages(d, base, prot, pages, arr, err);
	for (size_t i = 0; !ret && own_err && i < pages; i++)
		ret = err[i];
out:
	if (d)
		shim_dom_put(&h->doms, d);
	pthread_mutex_unlock(&h->lock);
	free(own_err);
	if (ret < 0) {
		if (base != MAP_FAILED)
			munmap(base, pages * SHIM_PAGE_SIZE);
		errno = -ret;
		return NULL;
	}
	return base;
}

void *xenforeignmemory_map(xenforeignmemory_handle *h, uint32_t dom, int prot,
			   size_t pages, const xen_pfn_t arr[], int err[])
{
	return xenforeignmemory_map2(h, dom, NULL, prot, 0, pages, arr, err);
}

int xenforeignmemory_unmap(xenforeignmemory_handle *h, void *addr, size_t pages)
{
	(void)h;
	return munmap(addr, pages * SHIM_PAGE_SIZE);
}

int xenforeignmemory_restrict(xenforeignmemory_handle *h, domid_t domid)
{
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	/* Like privcmd's restriction: one-way, to a single domain. */
	if (h->restrict_domid != NO_RESTRICT && h->restrict_domid != domid)
		ret = -1, errno = EPERM;
	else
		h->restrict_domid = domid;
	pthread_mutex_unlock(&h->lock);
	return ret;
}

xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *h, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	(void)h;
	(void)domid;
	(void)type;
	(void)id;
	(void)frame;
	(void)nr_frames;
	(void)paddr;
	(void)prot;
	(void)flags;
	return SHIM_UNSUPPORTED_NULL(EOPNOTSUPP);
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *h,
				    xenforeignmemory_resource_handle *fres)
{
	(void)h;
	/* map_resource never succeeds, so only NULL can come back. */
	return fres ? (errno = EINVAL, -1) : 0;
}

int xenforeignmemory_resource_size(xenforeignmemory_handle *h, domid_t domid,
				   unsigned int type, unsigned int id,
				   size_t *size)
{
	(void)h;
	(void)domid;
	(void)type;
	(void)id;
	(void)size;
	return SHIM_UNSUPPORTED(EOPNOTSUPP);
}
