// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shim-dom.h"
#include "xenner/gntpin.h"
#include "shim.h"

static void dom_free(struct shim_dom *d)
{
	vmcore_close(&d->vc);
	if (d->pins)
		gntpin_close(d->pins);
	free(d->pins);
	free(d);
}

static void dom_unlink(struct shim_domcache *dc, struct shim_dom *d)
{
	for (struct shim_dom **pp = &dc->head; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			return;
		}
	}
}

static int dom_open(struct shim_dom *d, uint32_t domid, const char *path)
{
	int ret = vmcore_open(&d->vc, path, true);
	struct stat st;

	if (ret < 0)
		return ret;
	if (d->vc.dom->domid != domid) {
		log_warn("%s: note says domain %u, expected %u", path,
			 d->vc.dom->domid, domid);
		ret = -EINVAL;
		goto err;
	}
	ret = vmcore_map_ram(&d->vc);
	if (ret < 0)
		goto err;
	if (fstat(d->vc.fd, &st)) {
		ret = -errno;
		goto err;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->domid = domid;
	return 0;
err:
	vmcore_close(&d->vc);
	return ret;
}

int shim_dom_get(struct shim_domcache *dc, uint32_t domid,
		 struct shim_dom **out)
{
	char path[512];
	struct shim_dom *d;
	struct stat st;
	int ret;

	ret = vmcore_path(path, sizeof(path), domid);
	if (ret < 0)
		return ret;
	if (stat(path, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	for (d = dc->head; d; d = d->next) {
		if (d->domid != domid || d->stale)
			continue;
		if (d->dev == st.st_dev && d->ino == st.st_ino)
			goto found;
		/* Same id, new file: a new domain.  Retire the old entry. */
		d->stale = true;
		if (!d->users) {
			dom_unlink(dc, d);
			dom_free(d);
		}
		break;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = dom_open(d, domid, path);
	if (ret < 0) {
		free(d);
		return ret == -ENOENT ? -ESRCH : ret;
	}
	d->next = dc->head;
	dc->head = d;
found:
	d->users++;
	*out = d;
	return 0;
}

void shim_dom_put(struct shim_domcache *dc, struct shim_dom *d)
{
	if (--d->users || !d->stale)
		return;
	dom_unlink(dc, d);
	dom_free(d);
}

void shim_domcache_clear(struct shim_domcache *dc)
{
	while (dc->head) {
		struct shim_dom *d = dc->head;

		dc->head = d->next;
		dom_free(d);
	}
}

bool shim_dom_frames_ok(const struct shim_dom *d, uint64_t pfn, uint64_t count)
{
	struct stat st;
	off_t end;

	if (pfn >= d->vc.nr_pages || count > d->vc.nr_pages - pfn)
		return false;
	if (fstat(d->vc.fd, &st))
		return false;
	end = VMCORE_RAM_OFFSET + (pfn + count) * VMCORE_PAGE_SIZE;
	return st.st_size >= end;
}
