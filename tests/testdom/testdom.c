// SPDX-License-Identifier: MIT
/*
 * The test guest's domain: evtchnd's registration, the vmcore, and the
 * page and grant allocators inside it.  See testdom.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/sched.h>

#include "xenner/log.h"
#include "xenner/rundir.h"
#include "xenner/xs-util.h"

#include "gnttab.h"
#include "testdom.h"

struct testdom td = {.timeout_ms = 10000};

/* A random version-4 uuid, as a toolstack gives every domain. */
static int make_uuid(uint8_t uuid[16])
{
	if (getrandom(uuid, 16, 0) != 16)
		return -EIO;
	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	return 0;
}

int td_create(const char *name, uint64_t pages, uint32_t gnttab_pfn,
	      unsigned int gnttab_frames)
{
	struct evtchnd_dominfo info = {
		.flags = EVTCHND_DOMF_RUNNING,
		.nr_vcpus = 1,
		.nr_pages = pages,
		.max_pages = pages,
	};
	char path[256];
	int ret;

	if (make_uuid(info.uuid))
		return -EIO;
	snprintf(info.name, sizeof(info.name), "%s", name);
	ret = evtchn_client_create_domain(&td.ec, &info);
	if (ret < 0) {
		log_err("create domain in evtchnd (%s/%s): %s", rundir_get(),
			EVTCHND_SOCK_NAME, strerror(-ret));
		return ret;
	}
	td.ec_open = true;
	td.domid = ret;
	ret = vmcore_path(path, sizeof(path), td.domid);
	if (ret) {
		log_err("vmcore path: %s", strerror(-ret));
		return ret;
	}
	ret = vmcore_create(&td.vc, path, td.domid, name, info.uuid, pages, 1);
	if (ret)
		return ret;
	td.vc_open = true;
	ret = vmcore_map_ram(&td.vc);
	if (ret)
		return ret;
	td.gnttab = (void *)td_page(gnttab_pfn);
	td.nr_grefs = gnttab_frames * VMCORE_GNTTAB_PER_FRAME;
	for (unsigned int i = 0; i < gnttab_frames; i++)
		td.vc.dom->gnttab_pfns[i] = gnttab_pfn + i;
	td.vc.dom->nr_gnttab_frames = gnttab_frames;
	td.next_pfn = gnttab_pfn + gnttab_frames;
	td.next_gref = GNTTAB_NR_RESERVED_ENTRIES;
	td.free_pfns = calloc(pages, sizeof(*td.free_pfns));
	td.free_grefs = calloc(td.nr_grefs, sizeof(*td.free_grefs));
	if (!td.free_pfns || !td.free_grefs) {
		log_err("set-up: out of memory");
		return -ENOMEM;
	}
	return 0;
}

void td_start(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	td.vc.dom->state = VMCORE_STATE_RUNNING;
}

void td_set_shutdown(uint32_t reason)
{
	struct vmcore_domain *d = td.vc.dom;

	d->shutdown_reason = reason;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->state = reason == SHUTDOWN_crash ? VMCORE_STATE_CRASHED
					    : VMCORE_STATE_SHUTDOWN;
}

int td_xs_open(void)
{
	td.xs = xsu_open();
	return td.xs ? 0 : -errno;
}

void td_destroy(void)
{
	for (unsigned int i = 0; i < td.nr_devs; i++)
		if (td.devs[i]->used && td.xs)
			td_dev_remove(td.devs[i]);
	if (td.xs)
		xs_close(td.xs);
	td.xs = NULL;
	if (td.vc_open)
		td.vc.dom->state = VMCORE_STATE_DYING;
	/* Disconnecting destroys the domain and raises VIRQ_DOM_EXC. */
	if (td.ec_open)
		evtchn_client_close(&td.ec);
	td.ec_open = false;
	if (td.vc_open) {
		if (unlink(td.vc.path))
			log_warn("unlink %s: %s", td.vc.path, strerror(errno));
		vmcore_close(&td.vc);
	}
	td.vc_open = false;
	free(td.free_pfns);
	free(td.free_grefs);
	td.free_pfns = NULL;
	td.free_grefs = NULL;
}

uint8_t *td_page(uint32_t pfn)
{
	return td.vc.ram + (uint64_t)pfn * VMCORE_PAGE_SIZE;
}

int td_alloc_page(uint32_t *pfn)
{
	if (td.nr_free_pfns) {
		*pfn = td.free_pfns[--td.nr_free_pfns];
		return 0;
	}
	if (td.next_pfn >= td.vc.nr_pages)
		return -ENOMEM;
	*pfn = td.next_pfn++;
	return 0;
}

void td_free_page(uint32_t pfn)
{
	td.free_pfns[td.nr_free_pfns++] = pfn;
}

int td_grant(uint32_t pfn, bool readonly, grant_ref_t *ref)
{
	grant_ref_t r;

	if (td.nr_free_grefs)
		r = td.free_grefs[--td.nr_free_grefs];
	else if (td.next_gref < td.nr_grefs)
		r = td.next_gref++;
	else
		return -ENOSPC;
	*ref = r;
	return gnttab_grant_access(td.gnttab, td.nr_grefs, r, 0, pfn, readonly);
}

int td_ungrant(grant_ref_t ref)
{
	int ret = gnttab_end_access(td.gnttab, td.nr_grefs, ref);

	if (!ret)
		td.free_grefs[td.nr_free_grefs++] = ref;
	return ret;
}

int td_wait_event(int timeout_ms)
{
	struct pollfd pfd = {.fd = td.ec.event_fd, .events = POLLIN};
	struct evtchnd_event ev;
	int n, ret;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!n)
		return -ETIMEDOUT;
	while ((ret = evtchn_client_read_event(&td.ec, &ev)) == 1)
		if (ev.type == EVTCHND_EV_PORT)
			evtchn_client_unmask(&td.ec, ev.port);
	return ret < 0 ? ret : 0;
}

int64_t td_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
