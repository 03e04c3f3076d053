// SPDX-License-Identifier: MIT
/*
 * Port table with the checks and error codes of Xen's event_channel.c.
 * Differences on purpose: port 0 is simply invalid, and a virq may be bound
 * once per owner (dom0 is several processes here, each with its own
 * binding, where on Xen they share one kernel's binding).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

#include "ports.h"

int ports_init(struct port_table *t, uint32_t domid, uint32_t nr_ports,
	       uint32_t nr_vcpus)
{
	if (nr_ports < 2 || nr_ports > EVTCHND_MAX_PORTS || !nr_vcpus)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->port = calloc(nr_ports, sizeof(*t->port));
	if (!t->port)
		return -ENOMEM;
	t->domid = domid;
	t->nr_ports = nr_ports;
	t->nr_vcpus = nr_vcpus;
	t->hiwat = 1;
	return 0;
}

void ports_fini(struct port_world *w, struct port_table *t)
{
	if (!t->port)
		return;
	ports_reset(w, t);
	free(t->port);
	t->port = NULL;
}

static struct port *port_at(const struct port_table *t, uint32_t port)
{
	if (!t->port || port == 0 || port >= t->nr_ports)
		return NULL;
	return &t->port[port];
}

const struct port *ports_get(const struct port_table *t, uint32_t port)
{
	return port_at(t, port);
}

/* Lowest free port >= 1, as Xen's get_free_port(). */
static int port_alloc(struct port_table *t, uint8_t state, void *owner)
{
	for (uint32_t i = 1; i < t->nr_ports; i++) {
		struct port *p = &t->port[i];

		if (p->state != PORT_FREE)
			continue;
		memset(p, 0, sizeof(*p));
		p->state = state;
		p->owner = owner;
		if (i >= t->hiwat)
			t->hiwat = i + 1;
		return i;
	}
	return -ENOSPC;
}

static void port_set_pending(struct port_world *w, struct port_table *t,
			     uint32_t port)
{
	struct port *p = &t->port[port];

	if (p->masked) {
		p->pending = true;
		return;
	}
	p->masked = true;
	p->pending = false;
	if (w->deliver)
		w->deliver(w, t, port, p->owner);
}

static uint32_t resolve_self(const struct port_table *t, uint32_t dom)
{
	return dom == DOMID_SELF ? t->domid : dom;
}

int ports_alloc_unbound(struct port_table *t, uint32_t remote_dom, void *owner)
{
	int port;

	remote_dom = resolve_self(t, remote_dom);
	if (remote_dom > EVTCHND_MAX_DOMID)
		return -EINVAL;
	port = port_alloc(t, PORT_UNBOUND, owner);
	if (port < 0)
		return port;
	t->port[port].remote_dom = remote_dom;
	return port;
}

int ports_bind_interdomain(struct port_world *w, struct port_table *t,
			   uint32_t remote_dom, uint32_t remote_port,
			   void *owner)
{
	struct port_table *rt;
	struct port *rp, *lp;
	int lport;

	remote_dom = resolve_self(t, remote_dom);
	rt = remote_dom <= EVTCHND_MAX_DOMID ? w->lookup(w, remote_dom) : NULL;
	if (!rt)
		return -ESRCH;
	/* The remote end must be unbound and waiting for this domain. */
	rp = port_at(rt, remote_port);
	if (!rp || rp->state != PORT_UNBOUND || rp->remote_dom != t->domid)
		return -EINVAL;
	lport = port_alloc(t, PORT_INTERDOMAIN, owner);
	if (lport < 0)
		return lport;
	lp = &t->port[lport];
	lp->remote_dom = remote_dom;
	lp->remote_port = remote_port;
	rp->state = PORT_INTERDOMAIN;
	rp->remote_dom = t->domid;
	rp->remote_port = lport;
	/*
	 * Notifications sent to the remote port while it was unbound were
	 * lost: Xen always marks the new local port pending to make up.
	 */
	port_set_pending(w, t, lport);
	return lport;
}

/* Per-vCPU virqs, as Xen's virq_is_global(); every other one is global. */
static bool virq_is_global(uint32_t virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return false;
	default:
		return true;
	}
}

int ports_bind_virq(struct port_table *t, uint32_t virq, uint32_t vcpu,
		    void *owner)
{
	int port;

	if (virq >= NR_VIRQS)
		return -EINVAL;
	if (virq_is_global(virq) && vcpu != 0)
		return -EINVAL;
	if (vcpu >= t->nr_vcpus)
		return -ENOENT;
	for (uint32_t i = 1; i < t->hiwat; i++) {
		const struct port *p = &t->port[i];

		if (p->state == PORT_VIRQ && p->virq == virq &&
		    p->vcpu == vcpu && p->owner == owner)
			return -EEXIST;
	}
	port = port_alloc(t, PORT_VIRQ, owner);
	if (port < 0)
		return port;
	t->port[port].virq = virq;
	t->port[port].vcpu = vcpu;
	return port;
}

int ports_bind_ipi(struct port_table *t, uint32_t vcpu, void *owner)
{
	int port;

	if (vcpu >= t->nr_vcpus)
		return -ENOENT;
	port = port_alloc(t, PORT_IPI, owner);
	if (port < 0)
		return port;
	t->port[port].vcpu = vcpu;
	return port;
}

int ports_close(struct port_world *w, struct port_table *t, uint32_t port)
{
	struct port *p = port_at(t, port);
	struct port_table *rt;
	struct port *rp;

	if (!p || p->state == PORT_FREE)
		return -EINVAL;
	if (p->state == PORT_INTERDOMAIN) {
		/* The peer stays allocated, unbound and waiting for us. */
		rt = w->lookup(w, p->remote_dom);
		rp = rt ? port_at(rt, p->remote_port) : NULL;
		if (rp && rp->state == PORT_INTERDOMAIN &&
		    rp->remote_dom == t->domid && rp->remote_port == port) {
			rp->state = PORT_UNBOUND;
			rp->remote_dom = t->domid;
			rp->remote_port = 0;
		}
	}
	memset(p, 0, sizeof(*p));
	return 0;
}

int ports_send(struct port_world *w, struct port_table *t, uint32_t port)
{
	struct port *p = port_at(t, port);
	struct port_table *rt;

	if (!p)
		return -EINVAL;
	switch (p->state) {
	case PORT_INTERDOMAIN:
		rt = w->lookup(w, p->remote_dom);
		if (rt && port_at(rt, p->remote_port))
			port_set_pending(w, rt, p->remote_port);
		return 0;
	case PORT_IPI:
		port_set_pending(w, t, port);
		return 0;
	case PORT_UNBOUND:
		return 0; /* silently dropped, as on Xen */
	default:
		return -EINVAL;
	}
}

int ports_unmask(struct port_world *w, struct port_table *t, uint32_t port)
{
	struct port *p = port_at(t, port);

	if (!p)
		return -EINVAL;
	p->masked = false;
	if (p->pending && p->state != PORT_FREE)
		port_set_pending(w, t, port);
	return 0;
}

int ports_status(const struct port_table *t, uint32_t port,
		 struct evtchnd_status *st)
{
	const struct port *p = port_at(t, port);

	if (!p)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->vcpu = p->vcpu;
	switch (p->state) {
	case PORT_UNBOUND:
		st->status = EVTCHNSTAT_unbound;
		st->remote_dom = p->remote_dom;
		break;
	case PORT_INTERDOMAIN:
		st->status = EVTCHNSTAT_interdomain;
		st->remote_dom = p->remote_dom;
		st->remote_port = p->remote_port;
		break;
	case PORT_VIRQ:
		st->status = EVTCHNSTAT_virq;
		st->virq = p->virq;
		break;
	case PORT_IPI:
		st->status = EVTCHNSTAT_ipi;
		break;
	default:
		st->status = EVTCHNSTAT_closed;
		break;
	}
	return 0;
}

void ports_reset(struct port_world *w, struct port_table *t)
{
	for (uint32_t i = 1; i < t->hiwat; i++)
		if (t->port[i].state != PORT_FREE)
			ports_close(w, t, i);
}

void ports_close_owned(struct port_world *w, struct port_table *t, void *owner)
{
	for (uint32_t i = 1; i < t->hiwat; i++)
		if (t->port[i].state != PORT_FREE && t->port[i].owner == owner)
			ports_close(w, t, i);
}

int ports_raise_virq(struct port_world *w, struct port_table *t, uint32_t virq)
{
	int n = 0;

	for (uint32_t i = 1; i < t->hiwat; i++) {
		const struct port *p = &t->port[i];

		if (p->state == PORT_VIRQ && p->virq == virq) {
			port_set_pending(w, t, i);
			n++;
		}
	}
	return n;
}
