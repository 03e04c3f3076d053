// SPDX-License-Identifier: MIT
/*
 * libxengnttab.so.1 mapping side: grants of a guest are checked against
 * the grant table in its vmcore and the granted frames are mmap()ed from
 * that file.
 *
 * errno of a failed map (Linux's gntdev says EINVAL for every failure; we
 * tell the cases apart so that callers and tests can):
 *   ESRCH   the domain does not exist (no vmcore) or is dying
 *   EINVAL  bad grant ref, vmcore not valid, count 0, bad notify offset
 *           or port, more than set_max_grants pages mapped
 *   EPERM   the entry is not GTF_permit_access for domain 0
 *   EACCES  PROT_WRITE requested on a GTF_readonly grant
 *   EFAULT  the granted frame is outside the domain's memory (or beyond
 *           the end of a truncated vmcore)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xengnttab.h>
#include <xen/sys/gntdev.h>

#include "gnttab-pin.h"
#include "gnttab.h"
#include "shim.h"

/* Linux gntdev's default global limit of mapped grants. */
#define GNT_DEFAULT_MAX 65536

struct gnt_seg {
	struct shim_dom *d;
	uint32_t ref;
};

struct gnt_map {
	struct gnt_map *next;
	uint8_t *addr;
	uint32_t count;
	bool write;
	int notify; /* UNMAP_NOTIFY_* */
	uint32_t notify_offset;
	evtchn_port_t notify_port;
	struct gnt_seg seg[];
};

static struct ratelimit gnt_rl = RATELIMIT_INIT(5, 10);

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	xengnttab_handle *h = calloc(1, sizeof(*h));

	(void)logger;
	(void)open_flags;
	if (!h)
		return NULL;
	h->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->max_grants = GNT_DEFAULT_MAX;
	/*
	 * A restarted backend releases what its killed predecessor held
	 * before it maps anything (on Xen the kernel did, closing gntdev).
	 */
	gnt_release_dead();
	return h;
}

static void map_release(xengnttab_handle *h, struct gnt_map *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		gnt_unpin(m->seg[i].d, m->seg[i].ref, m->write);
		shim_dom_put(&h->doms, m->seg[i].d);
	}
}

int xengnttab_close(xengnttab_handle *h)
{
	if (!h)
		return 0;
	/* Like closing gntdev: mappings go away, grants are released. */
	while (h->maps) {
		struct gnt_map *m = h->maps;

		h->maps = m->next;
		munmap(m->addr, m->count * SHIM_PAGE_SIZE);
		map_release(h, m, m->count);
		free(m);
	}
	shim_domcache_clear(&h->doms);
	if (h->ec) {
		evtchn_client_close(h->ec);
		free(h->ec);
	}
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return 0;
}

int xengnttab_fd(xengnttab_handle *h)
{
	return h->fd;
}

int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr_grants)
{
	pthread_mutex_lock(&h->lock);
	h->max_grants = nr_grants;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Checks that notify_port is a live port of domain 0; 0 or -errno. */
static int notify_port_check(xengnttab_handle *h, evtchn_port_t port)
{
	struct evtchnd_status st;
	int ret;

	if (!h->ec) {
		h->ec = calloc(1, sizeof(*h->ec));
		if (!h->ec)
			return -ENOMEM;
		ret = evtchn_client_connect(h->ec, 0);
		if (ret < 0) {
			log_err("xengnttab: cannot connect to evtchnd for "
				"unmap notification: %s",
				strerror(-ret));
			free(h->ec);
			h->ec = NULL;
			return ret;
		}
	}
	ret = evtchn_client_status(h->ec, 0, port, &st);
	if (ret < 0)
		return ret;
	return st.status == EVTCHNSTAT_closed ? -EINVAL : 0;
}

static void *map_grants(xengnttab_handle *h, uint32_t count,
			const uint32_t *domids, bool one_domid,
			const uint32_t *refs, int prot, uint32_t notify_offset,
			evtchn_port_t notify_port)
{
	bool write = prot & PROT_WRITE;
	struct gnt_map *m = NULL;
	enum gnt_err gerr = GNT_OK;
	uint32_t i = 0;
	int err = 0;

	pthread_mutex_lock(&h->lock);
	if (!count || h->nr_mapped > h->max_grants ||
	    count > h->max_grants - h->nr_mapped) {
		err = EINVAL;
		goto out;
	}
	m = calloc(1, sizeof(*m) + count * sizeof(m->seg[0]));
	if (!m) {
		err = ENOMEM;
		goto out;
	}
	m->count = count;
	m->write = write;
	if (notify_offset != (uint32_t)-1) {
		/* Clearing a byte needs a writable page of the mapping. */
		if (notify_offset >= count * SHIM_PAGE_SIZE || !write) {
			err = EINVAL;
			goto out;
		}
		m->notify |= UNMAP_NOTIFY_CLEAR_BYTE;
		m->notify_offset = notify_offset;
	}
	if (notify_port != (evtchn_port_t)-1) {
		err = -notify_port_check(h, notify_port);
		if (err)
			goto out;
		m->notify |= UNMAP_NOTIFY_SEND_EVENT;
		m->notify_port = notify_port;
	}
	m->addr = mmap(NULL, count * SHIM_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->addr == MAP_FAILED) {
		err = errno;
		goto out;
	}
	for (i = 0; i < count; i++) {
		uint32_t domid = domids[one_domid ? 0 : i];
		struct shim_dom *d;
		uint64_t frame;
		void *p;
		int ret;

		ret = shim_dom_get(&h->doms, domid, &d);
		if (ret < 0) {
			gerr = ret == -ESRCH ? GNT_BAD_DOMAIN : GNT_BAD_VMCORE;
			goto bad_grant;
		}
		gerr = gnt_pin(d, refs[i], write, &frame);
		if (gerr) {
			shim_dom_put(&h->doms, d);
			goto bad_grant;
		}
		m->seg[i] = (struct gnt_seg){.d = d, .ref = refs[i]};
		p = vmcore_map_frames(&d->vc, frame, 1, prot,
				      m->addr + i * SHIM_PAGE_SIZE);
		if (p == MAP_FAILED) {
			err = errno;
			i++; /* release this segment too */
			goto out_unmap;
		}
		continue;
	bad_grant:
		err = gnt_err_errno(gerr);
		log_ratelimited(&gnt_rl, XLOG_WARN,
				"xengnttab: map of d%u ref %u failed: %s",
				domid, refs[i], gnt_err_name(gerr));
		goto out_unmap;
	}
	m->next = h->maps;
	h->maps = m;
	h->nr_mapped += count;
	pthread_mutex_unlock(&h->lock);
	return m->addr;

out_unmap:
	map_release(h, m, i);
	munmap(m->addr, count * SHIM_PAGE_SIZE);
out:
	pthread_mutex_unlock(&h->lock);
	free(m);
	errno = err;
	return NULL;
}

void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid, uint32_t ref,
			      int prot)
{
	return map_grants(h, 1, &domid, true, &ref, prot, -1, -1);
}

void *xengnttab_map_grant_refs(xengnttab_handle *h, uint32_t count,
			       uint32_t *domids, uint32_t *refs, int prot)
{
	return map_grants(h, count, domids, false, refs, prot, -1, -1);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
				      uint32_t domid, uint32_t *refs, int prot)
{
	return map_grants(h, count, &domid, true, refs, prot, -1, -1);
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *h, uint32_t domid,
				     uint32_t ref, int prot,
				     uint32_t notify_offset,
				     evtchn_port_t notify_port)
{
	return map_grants(h, 1, &domid, true, &ref, prot, notify_offset,
			  notify_port);
}

int xengnttab_unmap(xengnttab_handle *h, void *start_address, uint32_t count)
{
	struct gnt_map **pp, *m;

	pthread_mutex_lock(&h->lock);
	for (pp = &h->maps; (m = *pp); pp = &m->next)
		if (m->addr == start_address)
			break;
	/* gntdev also insists on the exact start and size of a mapping. */
	if (!m || m->count != count) {
		pthread_mutex_unlock(&h->lock);
		errno = EINVAL;
		return -1;
	}
	*pp = m->next;
	if (m->notify & UNMAP_NOTIFY_CLEAR_BYTE)
		m->addr[m->notify_offset] = 0;
	munmap(m->addr, count * SHIM_PAGE_SIZE);
	map_release(h, m, count);
	h->nr_mapped -= count;
	if ((m->notify & UNMAP_NOTIFY_SEND_EVENT) && h->ec)
		evtchn_client_send(h->ec, m->notify_port);
	pthread_mutex_unlock(&h->lock);
	free(m);
	return 0;
}
