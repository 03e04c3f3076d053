/* SPDX-License-Identifier: MIT */
/*
 * Client side of the evtchnd protocol, used by libxenevtchn, libxenctrl,
 * xenner and the test stand-in.  Synchronous: one request, wait for its
 * reply.  Not thread-safe per connection (the shim serialises with a mutex).
 *
 * Every call returns >= 0 on success or -errno.  -ECONNREFUSED/-ENOENT:
 * evtchnd is not running in $XENNER_RUNDIR; -EPIPE: it went away.
 */
#ifndef XENNER_EVTCHN_CLIENT_H
#define XENNER_EVTCHN_CLIENT_H

#include <stdint.h>

#include "xenner/evtchnd-proto.h"

struct evtchn_client {
	int sock;     /* request/reply socket */
	int event_fd; /* our end of the event socketpair: poll this */
	uint32_t domid;
	uint32_t seq;
};

/* Connects as an existing domain (0 for dom0 processes). */
int evtchn_client_connect(struct evtchn_client *c, uint32_t domid);
/* Connects and creates a new domain; info->domid 0 = allocate. Returns domid. */
int evtchn_client_create_domain(struct evtchn_client *c,
				const struct evtchnd_dominfo *info);
void evtchn_client_close(struct evtchn_client *c);

int evtchn_client_alloc_unbound(struct evtchn_client *c, uint32_t remote_dom);
int evtchn_client_bind_interdomain(struct evtchn_client *c, uint32_t remote_dom,
				   uint32_t remote_port);
int evtchn_client_bind_virq(struct evtchn_client *c, uint32_t virq,
			    uint32_t vcpu);
int evtchn_client_bind_ipi(struct evtchn_client *c, uint32_t vcpu);
int evtchn_client_send(struct evtchn_client *c, uint32_t port);
int evtchn_client_close_port(struct evtchn_client *c, uint32_t port);
int evtchn_client_unmask(struct evtchn_client *c, uint32_t port);
int evtchn_client_status(struct evtchn_client *c, uint32_t dom, uint32_t port,
			 struct evtchnd_status *st);
int evtchn_client_reset(struct evtchn_client *c, uint32_t dom);
/* Next existing domain with id >= first; -ESRCH if none. Returns its id. */
int evtchn_client_getinfo(struct evtchn_client *c, uint32_t first,
			  struct evtchnd_dominfo *info);
int evtchn_client_shutdown(struct evtchn_client *c, uint32_t dom,
			   uint32_t reason);
int evtchn_client_destroy(struct evtchn_client *c, uint32_t dom);
int evtchn_client_set_state(struct evtchn_client *c, uint32_t flags);

/*
 * Reads one event from event_fd.  Returns 1 with *ev filled, 0 if none is
 * queued (non-blocking), -errno on error (-EPIPE: evtchnd went away).
 */
int evtchn_client_read_event(struct evtchn_client *c,
			     struct evtchnd_event *ev);

#endif
