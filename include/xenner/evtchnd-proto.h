/* SPDX-License-Identifier: MIT */
/*
 * Wire protocol between evtchnd and its clients (the shim libraries,
 * xenner, the test stand-in guest).
 *
 * Transport: AF_UNIX SOCK_SEQPACKET at $XENNER_RUNDIR/evtchnd.sock.  Every
 * message is one fixed-size struct; a message of any other size is answered
 * with -EINVAL.  Requests are answered in order, one reply per request.
 *
 * Each connection acts for exactly one domain, fixed by its first message,
 * EVTCHND_OP_HELLO, which also carries (SCM_RIGHTS) one end of a
 * SOCK_SEQPACKET socketpair: the event socket.  evtchnd writes struct
 * evtchnd_event messages there; the client polls the other end (that is
 * what xenevtchn_fd() returns).
 *
 * Delivery follows Linux's evtchn device: when a port becomes pending and is
 * not masked, one EVTCHND_EV_PORT is sent and the port is masked; further
 * sends only mark it pending.  EVTCHND_OP_UNMASK re-enables delivery and
 * sends again at once if the port became pending meanwhile.  So at most one
 * message per port is ever queued.
 *
 * HELLO with EVTCHND_HELLO_CREATE creates a new domain (domid in info.domid,
 * 0 = the next free id after the last one given, as Xen does) owned by this
 * connection.  When the owner
 * disconnects or sends DOMAIN_DESTROY, the domain's ports are closed (the
 * peers' interdomain ports fall back to unbound, as on Xen) and
 * VIRQ_DOM_EXC is raised in domain 0.  Domain 0 always exists.
 */
#ifndef XENNER_EVTCHND_PROTO_H
#define XENNER_EVTCHND_PROTO_H

#include <stdint.h>

#define EVTCHND_SOCK_NAME "evtchnd.sock"
#define EVTCHND_PROTO_VERSION 1
/* Ports per domain, as Xen's 2-level ABI on x86_64 (port 0 is invalid). */
#define EVTCHND_MAX_PORTS 4096
#define EVTCHND_MAX_DOMID 0x7fef /* DOMID_FIRST_RESERVED - 1 */
#define EVTCHND_MAX_VCPUS 128

enum evtchnd_op {
	EVTCHND_OP_HELLO = 1,	     /* dom, flags, info (create) */
	EVTCHND_OP_ALLOC_UNBOUND,    /* dom = remote domain -> port */
	EVTCHND_OP_BIND_INTERDOMAIN, /* dom, port = remote port -> port */
	EVTCHND_OP_BIND_VIRQ,	     /* arg = virq, vcpu -> port */
	EVTCHND_OP_BIND_IPI,	     /* vcpu -> port */
	EVTCHND_OP_SEND,	     /* port (of the caller's domain) */
	EVTCHND_OP_CLOSE,	     /* port */
	EVTCHND_OP_UNMASK,	     /* port */
	EVTCHND_OP_STATUS,	     /* dom, port -> status */
	EVTCHND_OP_RESET,	     /* dom: close all its ports */
	EVTCHND_OP_DOMAIN_GETINFO,   /* dom = first: next domain id >= first */
	EVTCHND_OP_DOMAIN_SHUTDOWN,  /* dom, arg = SHUTDOWN_* reason */
	EVTCHND_OP_DOMAIN_DESTROY,   /* dom */
	EVTCHND_OP_DOMAIN_SET_STATE, /* owner only: arg = EVTCHND_DOMF_* */
	EVTCHND_OP_MAX,
};

#define EVTCHND_HELLO_CREATE 1u

/* Domain flags, the xc_dominfo_t bits the stock daemons look at. */
#define EVTCHND_DOMF_DYING    (1u << 0)
#define EVTCHND_DOMF_CRASHED  (1u << 1)
#define EVTCHND_DOMF_SHUTDOWN (1u << 2)
#define EVTCHND_DOMF_PAUSED   (1u << 3)
#define EVTCHND_DOMF_BLOCKED  (1u << 4)
#define EVTCHND_DOMF_RUNNING  (1u << 5)

struct evtchnd_dominfo {
	uint32_t domid;
	uint32_t flags;		  /* EVTCHND_DOMF_* */
	uint32_t shutdown_reason; /* valid with SHUTDOWN or CRASHED */
	uint32_t nr_vcpus;
	uint64_t nr_pages;
	uint64_t max_pages;
	uint64_t cpu_time_ns;
	uint8_t uuid[16];
	char name[64]; /* NUL-terminated */
};

/* Mirrors struct evtchn_status (xen/event_channel.h) in fixed widths. */
struct evtchnd_status {
	uint32_t status; /* EVTCHNSTAT_* */
	uint32_t vcpu;
	uint32_t remote_dom; /* unbound, interdomain */
	uint32_t remote_port; /* interdomain */
	uint32_t virq;	      /* virq */
	uint32_t mine; /* 1: bound through the asking connection */
};

struct evtchnd_req {
	uint32_t op;	/* enum evtchnd_op */
	uint32_t seq;	/* echoed in the reply */
	uint32_t dom;
	uint32_t port;
	uint32_t vcpu;
	uint32_t arg;
	uint32_t flags;
	uint32_t version; /* HELLO: EVTCHND_PROTO_VERSION */
	struct evtchnd_dominfo info;
};

struct evtchnd_reply {
	uint32_t op;
	uint32_t seq;
	int32_t ret;	/* >= 0 on success (a port, a domid), else -errno */
	uint32_t pad;
	struct evtchnd_status status;
	struct evtchnd_dominfo info;
};

enum evtchnd_event_type {
	EVTCHND_EV_PORT = 1,	 /* port is pending (and now masked) */
	EVTCHND_EV_SHUTDOWN,	 /* to a domain's owner: arg = reason */
	EVTCHND_EV_DESTROY,	 /* to a domain's owner: destroyed by dom0 */
};

struct evtchnd_event {
	uint32_t type;
	uint32_t port;
	uint32_t arg;
	uint32_t pad;
};

#endif
