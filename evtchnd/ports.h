/* SPDX-License-Identifier: MIT */
/*
 * The per-domain event-channel port table, with Xen's semantics
 * (xen/common/event_channel.c) and Linux evtchn-device delivery: a port
 * that becomes pending while unmasked is delivered once and masked; while
 * masked it only stays pending; unmasking a pending port delivers again.
 *
 * Pure logic: no I/O.  Other domains' tables and delivery are reached
 * through struct port_world, so unit tests can supply their own.
 */
#ifndef EVTCHND_PORTS_H
#define EVTCHND_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "xenner/evtchnd-proto.h"

enum port_state {
	PORT_FREE = 0,
	PORT_UNBOUND,
	PORT_INTERDOMAIN,
	PORT_VIRQ,
	PORT_IPI,
};

struct port {
	uint8_t state; /* enum port_state */
	bool pending;  /* became pending while masked */
	bool masked;   /* delivered and not unmasked yet */
	uint32_t vcpu;
	uint32_t remote_dom;  /* unbound: who may bind; interdomain: peer */
	uint32_t remote_port; /* interdomain */
	uint32_t virq;
	void *owner; /* the connection that bound it; NULL: evtchnd itself */
};

struct port_table {
	uint32_t domid;
	uint32_t nr_ports; /* valid ports are 1 .. nr_ports - 1 */
	uint32_t nr_vcpus;
	uint32_t hiwat; /* one past the highest port ever bound: bounds scans */
	struct port *port;
};

struct port_world {
	/* The table of domain domid, or NULL if there is no such domain. */
	struct port_table *(*lookup)(struct port_world *w, uint32_t domid);
	/* Port of t became pending and unmasked: tell its owner. */
	void (*deliver)(struct port_world *w, struct port_table *t,
			uint32_t port, void *owner);
};

int ports_init(struct port_table *t, uint32_t domid, uint32_t nr_ports,
	       uint32_t nr_vcpus);
/* Closes every port (peers fall back to unbound) and frees the table. */
void ports_fini(struct port_world *w, struct port_table *t);

/* The port, or NULL if out of range; a free port is returned too. */
const struct port *ports_get(const struct port_table *t, uint32_t port);

/* Each returns the new port or -errno. */
int ports_alloc_unbound(struct port_table *t, uint32_t remote_dom, void *owner);
int ports_bind_interdomain(struct port_world *w, struct port_table *t,
			   uint32_t remote_dom, uint32_t remote_port,
			   void *owner);
int ports_bind_virq(struct port_table *t, uint32_t virq, uint32_t vcpu,
		    void *owner);
int ports_bind_ipi(struct port_table *t, uint32_t vcpu, void *owner);

/* Each returns 0 or -errno. */
int ports_close(struct port_world *w, struct port_table *t, uint32_t port);
int ports_send(struct port_world *w, struct port_table *t, uint32_t port);
int ports_unmask(struct port_world *w, struct port_table *t, uint32_t port);
int ports_status(const struct port_table *t, uint32_t port,
		 struct evtchnd_status *st);
void ports_reset(struct port_world *w, struct port_table *t);
void ports_close_owned(struct port_world *w, struct port_table *t, void *owner);
/* Makes every port of t bound to virq pending; returns how many. */
int ports_raise_virq(struct port_world *w, struct port_table *t, uint32_t virq);

#endif
