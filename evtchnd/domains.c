// SPDX-License-Identifier: MIT
/*
 * The registry of domains: domain 0 always exists; others are created by
 * a connection (their owner, normally xenner) and die with it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/sched.h>

#include "evtchnd.h"

#define DOMF_VALID                                                             \
	(EVTCHND_DOMF_DYING | EVTCHND_DOMF_CRASHED | EVTCHND_DOMF_SHUTDOWN |   \
	 EVTCHND_DOMF_PAUSED | EVTCHND_DOMF_BLOCKED | EVTCHND_DOMF_RUNNING)
#define DOMF_EXC                                                               \
	(EVTCHND_DOMF_DYING | EVTCHND_DOMF_CRASHED | EVTCHND_DOMF_SHUTDOWN)

static struct domain *doms[EVTCHND_MAX_DOMID + 1];
static uint64_t next_gen = 1;

static struct port_table *world_lookup(struct port_world *w, uint32_t domid)
{
	struct domain *d = domain_get(domid);

	(void)w;
	return d ? &d->ports : NULL;
}

static void world_deliver(struct port_world *w, struct port_table *t,
			  uint32_t port, void *owner)
{
	(void)w;
	(void)t;
	/* Ports without an owner are evtchnd's own (the xenstored ring). */
	if (owner)
		conn_event(owner, EVTCHND_EV_PORT, port, 0);
}

static struct port_world world = {
	.lookup = world_lookup,
	.deliver = world_deliver,
};

struct port_world *domains_world(void)
{
	return &world;
}

static struct domain *domain_alloc(uint32_t domid, uint32_t nr_vcpus)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (ports_init(&d->ports, domid, EVTCHND_MAX_PORTS, nr_vcpus)) {
		free(d);
		return NULL;
	}
	d->gen = next_gen++;
	d->info.domid = domid;
	d->info.nr_vcpus = nr_vcpus;
	doms[domid] = d;
	return d;
}

int domains_init(void)
{
	struct domain *d = domain_alloc(0, EVTCHND_MAX_VCPUS);

	if (!d)
		return -ENOMEM;
	d->info.flags = EVTCHND_DOMF_RUNNING;
	strcpy(d->info.name, "Domain-0");
	return 0;
}

static void domain_free(struct domain *d)
{
	doms[d->info.domid] = NULL;
	ports_fini(&world, &d->ports);
	free(d);
}

void domains_fini(void)
{
	for (uint32_t i = 0; i <= EVTCHND_MAX_DOMID; i++)
		if (doms[i])
			domain_free(doms[i]);
}

struct domain *domain_get(uint32_t domid)
{
	return domid <= EVTCHND_MAX_DOMID ? doms[domid] : NULL;
}

struct domain *domain_next(uint32_t first)
{
	for (uint32_t i = first; i <= EVTCHND_MAX_DOMID; i++)
		if (doms[i])
			return doms[i];
	return NULL;
}

int domain_create(const struct evtchnd_dominfo *info, struct conn *owner,
		  struct domain **out)
{
	uint32_t domid = info->domid;
	uint32_t nr_vcpus = info->nr_vcpus ? info->nr_vcpus : 1;
	struct domain *d;

	if (nr_vcpus > EVTCHND_MAX_VCPUS || domid > EVTCHND_MAX_DOMID)
		return -EINVAL;
	if (domid == 0) {
		/*
		 * As Xen: the next free id after the last one handed out,
		 * wrapping, so that a domain recreated at once does not get
		 * its predecessor's id (xenconsoled and xenstored may still be
		 * cleaning that one up).
		 */
		static uint32_t last;
		uint32_t n;

		for (n = 0; n < EVTCHND_MAX_DOMID; n++) {
			domid = (last + n) % EVTCHND_MAX_DOMID + 1;
			if (!doms[domid])
				break;
		}
		if (n == EVTCHND_MAX_DOMID)
			return -ENOSPC;
		last = domid;
	} else if (doms[domid]) {
		return -EEXIST;
	}
	d = domain_alloc(domid, nr_vcpus);
	if (!d)
		return -ENOMEM;
	d->info.flags = info->flags & DOMF_VALID & ~DOMF_EXC;
	d->info.nr_pages = info->nr_pages;
	d->info.max_pages = info->max_pages;
	memcpy(d->info.uuid, info->uuid, sizeof(d->info.uuid));
	memcpy(d->info.name, info->name, sizeof(d->info.name));
	d->info.name[sizeof(d->info.name) - 1] = '\0';
	d->owner = owner;
	*out = d;
	log_info("domain %u (%s) created", domid, d->info.name);
	return 0;
}

void domains_raise_dom_exc(void)
{
	ports_raise_virq(&world, &doms[0]->ports, VIRQ_DOM_EXC);
}

int domain_shutdown(struct domain *d, uint32_t reason)
{
	if (d->info.domid == 0)
		return -EPERM;
	if (reason > SHUTDOWN_MAX)
		return -EINVAL;
	/* As Xen: the first reason sticks. */
	if (d->info.flags & EVTCHND_DOMF_SHUTDOWN)
		return 0;
	d->info.flags |= EVTCHND_DOMF_SHUTDOWN;
	if (reason == SHUTDOWN_crash)
		d->info.flags |= EVTCHND_DOMF_CRASHED;
	d->info.shutdown_reason = reason;
	log_info("domain %u shut down, reason %u", d->info.domid, reason);
	if (d->owner)
		conn_event(d->owner, EVTCHND_EV_SHUTDOWN, 0, reason);
	domains_raise_dom_exc();
	return 0;
}

int domain_set_state(struct domain *d, uint32_t flags)
{
	uint32_t old = d->info.flags;

	if (flags & ~DOMF_VALID)
		return -EINVAL;
	d->info.flags = flags;
	if ((old ^ flags) & DOMF_EXC)
		domains_raise_dom_exc();
	return 0;
}

void domain_destroy(struct domain *d)
{
	struct conn *owner = d->owner;

	if (owner) {
		owner->owned = NULL;
		conn_event(owner, EVTCHND_EV_DESTROY, 0, 0);
	}
	log_info("domain %u destroyed", d->info.domid);
	domain_free(d);
	domains_raise_dom_exc();
}

void domains_conn_gone(struct conn *c)
{
	struct domain *d = conn_domain(c);

	if (d)
		ports_close_owned(&world, &d->ports, c);
	if (c->owned)
		domain_destroy(c->owned);
}
