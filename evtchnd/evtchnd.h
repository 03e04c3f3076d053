/* SPDX-License-Identifier: MIT */
/* Internal interfaces between evtchnd's files. */
#ifndef EVTCHND_EVTCHND_H
#define EVTCHND_EVTCHND_H

#include <stdbool.h>
#include <stdint.h>

#include "xenner/evtchnd-proto.h"
#include "xenner/log.h"
#include "ports.h"

struct event_base;

struct domain {
	struct evtchnd_dominfo info;
	uint64_t gen;	    /* unique per created domain: ids get reused */
	struct conn *owner; /* NULL for domain 0 */
	struct port_table ports;
};

struct conn {
	int sock; /* requests and replies */
	int evfd; /* event socket from HELLO, -1 before */
	unsigned int id;
	bool hello;
	bool dying;	/* being torn down: no more events */
	bool ev_dead;	/* event socket broke: events are dropped */
	uint32_t domid; /* valid once hello */
	uint64_t dom_gen;
	struct domain *owned; /* the domain this connection created */
	struct event *rd_ev;
	struct event *wr_ev; /* armed while events wait for room */
	/* Events that met a full event socket, retried when writable. */
	bool deferred;
	bool deferred_shutdown;
	bool deferred_destroy;
	uint32_t shutdown_reason;
	uint64_t deferred_ports[EVTCHND_MAX_PORTS / 64];
	struct ratelimit rl;
	struct conn *next, **pprev;
};

/* domains.c: the registry of domains. */
int domains_init(void);
void domains_fini(void);
struct domain *domain_get(uint32_t domid);
/* The existing domain with the lowest id >= first, or NULL. */
struct domain *domain_next(uint32_t first);
int domain_create(const struct evtchnd_dominfo *info, struct conn *owner,
		  struct domain **out);
int domain_shutdown(struct domain *d, uint32_t reason);
int domain_set_state(struct domain *d, uint32_t flags);
void domain_destroy(struct domain *d);
void domains_raise_dom_exc(void);
struct port_world *domains_world(void);
/* A connection is going away: close its ports, destroy what it owns. */
void domains_conn_gone(struct conn *c);

/* conn.c: connections and their sockets. */
int conn_listen(struct event_base *base, int lfd);
void conn_close_all(void);
/* The domain c acts for, or NULL if it has been destroyed. */
struct domain *conn_domain(struct conn *c);
void conn_event(struct conn *c, uint32_t type, uint32_t port, uint32_t arg);
/* Adopts the event socket passed with HELLO. */
int conn_set_evfd(struct conn *c, int fd);
/*
 * Handles what clients that hung up (other than `self`) still sent and
 * frees them, without waiting for the loop to get to them.  How many.
 */
unsigned int conn_reap_gone(struct conn *self);

/* proto.c: the request dispatcher. */
/*
 * Handles one received message of len bytes (fd: a passed descriptor or
 * -1, always consumed) and fills *rep.  Returns false if the connection
 * must be dropped after the reply.
 */
bool proto_handle(struct conn *c, const void *msg, size_t len, int fd,
		  struct evtchnd_reply *rep);

/* setup.c: the listening socket and the files in the run directory. */
int setup_listen(const char *path);
int setup_xsd_files(int port);
void setup_cleanup(void);

#endif
