// SPDX-License-Identifier: MIT
/*
 * libxenctrl.so.4.17: the handful of xc_* calls the stock daemons use that
 * xenner can answer.  Domain information and event-channel status come
 * from evtchnd, over a connection (as domain 0) owned by the xc handle.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

#include "shim.h"
#include "xenner/evtchn-client.h"
#include "xenner/rundir.h"

_Static_assert(sizeof(xc_dominfo_t) == 112, "xc_dominfo_t ABI");

struct xc_interface_core {
	pthread_mutex_t lock;
	struct evtchn_client c;
};

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	xc_interface *xch = calloc(1, sizeof(*xch));
	int ret;

	(void)logger;
	(void)dombuild_logger;
	(void)open_flags;
	if (!xch)
		return NULL;
	pthread_mutex_init(&xch->lock, NULL);
	ret = evtchn_client_connect(&xch->c, 0);
	if (ret < 0) {
		log_err("xc_interface_open: cannot connect to evtchnd in %s: %s",
			rundir_get(), strerror(-ret));
		pthread_mutex_destroy(&xch->lock);
		free(xch);
		errno = -ret;
		return NULL;
	}
	return xch;
}

int xc_interface_close(xc_interface *xch)
{
	if (!xch)
		return 0;
	evtchn_client_close(&xch->c);
	pthread_mutex_destroy(&xch->lock);
	free(xch);
	return 0;
}

static int ret_errno(int ret)
{
	if (ret >= 0)
		return 0;
	errno = -ret;
	return -1;
}

/* Xen reports a crash as shutdown(crash) and libxenctrl splits it out. */
static bool dom_crashed(const struct evtchnd_dominfo *di)
{
	return (di->flags & EVTCHND_DOMF_CRASHED) ||
	       ((di->flags & EVTCHND_DOMF_SHUTDOWN) &&
		di->shutdown_reason == SHUTDOWN_crash);
}

static void fill_dominfo(xc_dominfo_t *info, const struct evtchnd_dominfo *di)
{
	memset(info, 0, sizeof(*info));
	info->domid = di->domid;
	info->dying = !!(di->flags & EVTCHND_DOMF_DYING);
	info->crashed = dom_crashed(di);
	info->shutdown = (di->flags & EVTCHND_DOMF_SHUTDOWN) && !info->crashed;
	info->paused = !!(di->flags & EVTCHND_DOMF_PAUSED);
	info->blocked = !!(di->flags & EVTCHND_DOMF_BLOCKED);
	info->running = !!(di->flags & EVTCHND_DOMF_RUNNING);
	if (di->flags & (EVTCHND_DOMF_SHUTDOWN | EVTCHND_DOMF_CRASHED))
		info->shutdown_reason = di->shutdown_reason;
	info->nr_pages = di->nr_pages;
	info->max_memkb = di->max_pages * (XC_PAGE_SIZE / 1024);
	info->cpu_time = di->cpu_time_ns;
	info->nr_online_vcpus = di->nr_vcpus;
	info->max_vcpu_id =
		di->nr_vcpus ? di->nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
	memcpy(info->handle, di->uuid, sizeof(info->handle));
}

static void fill_domaininfo(xc_domaininfo_t *info,
			    const struct evtchnd_dominfo *di)
{
	uint32_t flags = 0;

	memset(info, 0, sizeof(*info));
	info->domain = di->domid;
	if (di->flags & EVTCHND_DOMF_DYING)
		flags |= XEN_DOMINF_dying;
	if (di->flags & (EVTCHND_DOMF_SHUTDOWN | EVTCHND_DOMF_CRASHED)) {
		uint32_t reason =
			dom_crashed(di) ? SHUTDOWN_crash : di->shutdown_reason;

		flags |= XEN_DOMINF_shutdown |
			 (reason & XEN_DOMINF_shutdownmask)
				 << XEN_DOMINF_shutdownshift;
	}
	if (di->flags & EVTCHND_DOMF_PAUSED)
		flags |= XEN_DOMINF_paused;
	if (di->flags & EVTCHND_DOMF_BLOCKED)
		flags |= XEN_DOMINF_blocked;
	if (di->flags & EVTCHND_DOMF_RUNNING)
		flags |= XEN_DOMINF_running;
	info->flags = flags;
	info->tot_pages = di->nr_pages;
	info->max_pages = di->max_pages;
	info->cpu_time = di->cpu_time_ns;
	info->nr_online_vcpus = di->nr_vcpus;
	info->max_vcpu_id =
		di->nr_vcpus ? di->nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
	memcpy(info->handle, di->uuid, sizeof(info->handle));
}

/*
 * Walks the existing domains from `first` on, as XEN_DOMCTL_getdomaininfo
 * does (each call yields the next domain with id >= the one asked for).
 * Like libxenctrl, an error on the first step is returned as -1/errno
 * (ESRCH: no domain at or above first), a later one ends the list.
 */
static int walk_domains(xc_interface *xch, uint32_t first, unsigned int max,
			void (*fill)(void *out, size_t i,
				     const struct evtchnd_dominfo *di),
			void *out)
{
	struct evtchnd_dominfo di;
	uint32_t next = first;
	unsigned int n;
	int ret = 0;

	pthread_mutex_lock(&xch->lock);
	for (n = 0; n < max && next <= EVTCHND_MAX_DOMID; n++) {
		ret = evtchn_client_getinfo(&xch->c, next, &di);
		if (ret < 0)
			break;
		fill(out, n, &di);
		next = di.domid + 1;
	}
	pthread_mutex_unlock(&xch->lock);
	if (n == 0 && ret < 0)
		return ret_errno(ret);
	return n;
}

static void fill_dominfo_at(void *out, size_t i,
			    const struct evtchnd_dominfo *di)
{
	fill_dominfo((xc_dominfo_t *)out + i, di);
}

static void fill_domaininfo_at(void *out, size_t i,
			       const struct evtchnd_dominfo *di)
{
	fill_domaininfo((xc_domaininfo_t *)out + i, di);
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	return walk_domains(xch, first_domid, max_doms, fill_dominfo_at, info);
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
			  unsigned int max_domains, xc_domaininfo_t *info)
{
	return walk_domains(xch, first_domain, max_domains, fill_domaininfo_at,
			    info);
}

int xc_evtchn_status(xc_interface *xch, xc_evtchn_status_t *status)
{
	uint32_t dom = status->dom == DOMID_SELF ? 0 : status->dom;
	struct evtchnd_status st;
	int ret;

	pthread_mutex_lock(&xch->lock);
	ret = evtchn_client_status(&xch->c, dom, status->port, &st);
	pthread_mutex_unlock(&xch->lock);
	if (ret < 0)
		return ret_errno(ret);
	status->status = st.status;
	status->vcpu = st.vcpu;
	memset(&status->u, 0, sizeof(status->u));
	switch (st.status) {
	case EVTCHNSTAT_unbound:
		status->u.unbound.dom = st.remote_dom;
		break;
	case EVTCHNSTAT_interdomain:
		status->u.interdomain.dom = st.remote_dom;
		status->u.interdomain.port = st.remote_port;
		break;
	case EVTCHNSTAT_virq:
		status->u.virq = st.virq;
		break;
	}
	return 0;
}

int xc_domain_shutdown(xc_interface *xch, uint32_t domid, int reason)
{
	int ret;

	pthread_mutex_lock(&xch->lock);
	ret = evtchn_client_shutdown(&xch->c, domid, reason);
	pthread_mutex_unlock(&xch->lock);
	return ret_errno(ret);
}

int xc_domain_destroy(xc_interface *xch, uint32_t domid)
{
	int ret;

	pthread_mutex_lock(&xch->lock);
	ret = evtchn_client_destroy(&xch->c, domid);
	pthread_mutex_unlock(&xch->lock);
	return ret_errno(ret);
}
