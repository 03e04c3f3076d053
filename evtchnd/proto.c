// SPDX-License-Identifier: MIT
/*
 * Request dispatch: one table entry per op; the size, HELLO and
 * permission checks live in proto_handle() so the handlers stay small.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/xen.h>

#include "evtchnd.h"

/* Op flags: which common checks the dispatcher makes. */
#define OPF_HELLO  (1u << 0) /* allowed before HELLO (only HELLO) */
#define OPF_TARGET (1u << 1) /* req->dom names an existing target domain */
#define OPF_DOM	   (1u << 2) /* needs the connection's own domain alive */
#define OPF_BINDS  (1u << 3) /* takes a port a dead client may still hold */

struct op_ctx {
	struct conn *c;
	const struct evtchnd_req *req;
	struct evtchnd_reply *rep;
	struct domain *self;   /* with OPF_DOM */
	struct domain *target; /* with OPF_TARGET */
	int fd;		       /* HELLO's event socket, or -1 */
};

struct op_desc {
	const char *name;
	int (*fn)(struct op_ctx *x);
	unsigned int flags;
};

static bool conn_is_dom0(const struct conn *c)
{
	return c->domid == 0;
}

/*
 * dom0 processes are separate Linux processes, each with its own evtchn
 * device: like Linux, one may not touch ports another one bound.
 */
static int check_port_owner(struct op_ctx *x)
{
	const struct port *p = ports_get(&x->self->ports, x->req->port);

	if (conn_is_dom0(x->c) && p && p->state != PORT_FREE &&
	    p->owner != x->c)
		return -ENOTCONN;
	return 0;
}

static int check_evfd(int fd)
{
	int type = 0, family = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_SEQPACKET)
		return -EINVAL;
	len = sizeof(family);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) ||
	    family != AF_UNIX)
		return -EINVAL;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		return -errno;
	return 0;
}

static int op_hello(struct op_ctx *x)
{
	const struct evtchnd_req *req = x->req;
	struct conn *c = x->c;
	struct domain *d;
	int ret;

	if (c->hello)
		return -EISCONN;
	if (req->version != EVTCHND_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	ret = check_evfd(x->fd);
	if (ret)
		return ret;
	if (req->flags & ~EVTCHND_HELLO_CREATE)
		return -EINVAL;
	if (req->flags & EVTCHND_HELLO_CREATE) {
		ret = domain_create(&req->info, c, &d);
		if (ret)
			return ret;
		c->owned = d;
	} else {
		d = domain_get(req->dom);
		if (!d)
			return -ESRCH;
	}
	ret = conn_set_evfd(c, x->fd);
	if (ret) {
		if (c->owned) {
			c->owned = NULL;
			d->owner = NULL;
			domain_destroy(d);
		}
		return ret;
	}
	x->fd = -1;
	c->hello = true;
	c->domid = d->info.domid;
	c->dom_gen = d->gen;
	x->rep->info = d->info;
	log_debug("conn %u: hello as domain %u", c->id, c->domid);
	return c->domid;
}

static int op_alloc_unbound(struct op_ctx *x)
{
	return ports_alloc_unbound(&x->self->ports, x->req->dom, x->c);
}

static int op_bind_interdomain(struct op_ctx *x)
{
	return ports_bind_interdomain(domains_world(), &x->self->ports,
				      x->req->dom, x->req->port, x->c);
}

static int op_bind_virq(struct op_ctx *x)
{
	return ports_bind_virq(&x->self->ports, x->req->arg, x->req->vcpu,
			       x->c);
}

static int op_bind_ipi(struct op_ctx *x)
{
	return ports_bind_ipi(&x->self->ports, x->req->vcpu, x->c);
}

static int op_send(struct op_ctx *x)
{
	int ret = check_port_owner(x);

	return ret ? ret
		   : ports_send(domains_world(), &x->self->ports, x->req->port);
}

static int op_close(struct op_ctx *x)
{
	int ret = check_port_owner(x);

	return ret ? ret
		   : ports_close(domains_world(), &x->self->ports,
				 x->req->port);
}

static int op_unmask(struct op_ctx *x)
{
	int ret = check_port_owner(x);

	return ret ? ret
		   : ports_unmask(domains_world(), &x->self->ports,
				  x->req->port);
}

static int op_status(struct op_ctx *x)
{
	const struct port *p = ports_get(&x->target->ports, x->req->port);
	int ret;

	ret = ports_status(&x->target->ports, x->req->port, &x->rep->status);
	/* what a handle taken over across exec binds (xenevtchn_fdopen) */
	x->rep->status.mine =
		!ret && p && p->state != PORT_FREE && p->owner == x->c;
	return ret;
}

static int op_reset(struct op_ctx *x)
{
	ports_reset(domains_world(), &x->target->ports);
	return 0;
}

static int op_getinfo(struct op_ctx *x)
{
	uint32_t first = x->req->dom == DOMID_SELF ? x->c->domid : x->req->dom;
	struct domain *d;

	/* A guest sees only itself. */
	if (!conn_is_dom0(x->c) && first != x->c->domid)
		return -EPERM;
	d = domain_next(first);
	if (!d || (!conn_is_dom0(x->c) && d->info.domid != first))
		return -ESRCH;
	x->rep->info = d->info;
	return d->info.domid;
}

static int op_shutdown(struct op_ctx *x)
{
	return domain_shutdown(x->target, x->req->arg);
}

static int op_destroy(struct op_ctx *x)
{
	if (x->target->info.domid == 0)
		return -EPERM;
	domain_destroy(x->target);
	return 0;
}

static int op_set_state(struct op_ctx *x)
{
	if (x->c->owned != x->self)
		return -EPERM;
	return domain_set_state(x->self, x->req->arg);
}

static const struct op_desc ops[EVTCHND_OP_MAX] = {
	[EVTCHND_OP_HELLO] = {"hello", op_hello, OPF_HELLO},
	[EVTCHND_OP_ALLOC_UNBOUND] = {"alloc_unbound", op_alloc_unbound,
				      OPF_DOM},
	[EVTCHND_OP_BIND_INTERDOMAIN] = {"bind_interdomain",
					 op_bind_interdomain,
					 OPF_DOM | OPF_BINDS},
	[EVTCHND_OP_BIND_VIRQ] = {"bind_virq", op_bind_virq,
				  OPF_DOM | OPF_BINDS},
	[EVTCHND_OP_BIND_IPI] = {"bind_ipi", op_bind_ipi, OPF_DOM | OPF_BINDS},
	[EVTCHND_OP_SEND] = {"send", op_send, OPF_DOM},
	[EVTCHND_OP_CLOSE] = {"close", op_close, OPF_DOM},
	[EVTCHND_OP_UNMASK] = {"unmask", op_unmask, OPF_DOM},
	[EVTCHND_OP_STATUS] = {"status", op_status, OPF_TARGET},
	[EVTCHND_OP_RESET] = {"reset", op_reset, OPF_TARGET},
	[EVTCHND_OP_DOMAIN_GETINFO] = {"getinfo", op_getinfo, 0},
	[EVTCHND_OP_DOMAIN_SHUTDOWN] = {"shutdown", op_shutdown, OPF_TARGET},
	[EVTCHND_OP_DOMAIN_DESTROY] = {"destroy", op_destroy, OPF_TARGET},
	[EVTCHND_OP_DOMAIN_SET_STATE] = {"set_state", op_set_state, OPF_DOM},
};

/* Resolves req->dom for OPF_TARGET ops: a guest acts only on itself. */
static int find_target(struct op_ctx *x)
{
	uint32_t dom = x->req->dom == DOMID_SELF ? x->c->domid : x->req->dom;

	if (!conn_is_dom0(x->c) && dom != x->c->domid)
		return -EPERM;
	x->target = domain_get(dom);
	return x->target ? 0 : -ESRCH;
}

static struct ratelimit pre_hello_rl = RATELIMIT_INIT(10, 10);

bool proto_handle(struct conn *c, const void *msg, size_t len, int fd,
		  struct evtchnd_reply *rep)
{
	struct evtchnd_req req;
	struct op_ctx x = {.c = c, .req = &req, .rep = rep, .fd = fd};
	const struct op_desc *op = NULL;
	bool keep = true;
	int ret;

	memset(rep, 0, sizeof(*rep));
	/* Echo op and seq of even a malformed message, when present. */
	memcpy(rep, msg, len < 8 ? len : 8);
	if (len != sizeof(req)) {
		ret = -EINVAL;
		keep = c->hello;
		goto out;
	}
	memcpy(&req, msg, sizeof(req));
	if (req.op < EVTCHND_OP_MAX)
		op = &ops[req.op];
	if (!c->hello && (!op || !(op->flags & OPF_HELLO))) {
		ret = -EPERM;
		keep = false;
		goto out;
	}
	if (!op || !op->fn) {
		ret = -ENOSYS;
		goto out;
	}
	for (bool reaped = false;; reaped = true) {
		if (op->flags & OPF_DOM) {
			x.self = conn_domain(c);
			if (!x.self) {
				ret = -ESRCH;
				goto out;
			}
		}
		if (op->flags & OPF_TARGET) {
			ret = find_target(&x);
			if (ret)
				goto out;
		}
		ret = op->fn(&x);
		/*
		 * A port still held by a client that died but whose hang-up
		 * this loop has not seen yet is free once it is seen, as a
		 * dead process's /dev/xen/evtchn is closed on Xen before
		 * anyone can bind its ports again (a restarted backend).
		 */
		if (reaped || !(op->flags & OPF_BINDS) ||
		    (ret != -EINVAL && ret != -EEXIST && ret != -EBUSY) ||
		    !conn_reap_gone(c))
			break;
	}
	log_debug("conn %u d%u: %s dom %u port %u -> %d", c->id, c->domid,
		  op->name, req.dom, req.port, ret);
out:
	if (x.fd >= 0)
		close(x.fd);
	if (ret < 0 &&
	    (!op || ret == -EINVAL || ret == -EPERM || ret == -ENOSYS))
		/* Before HELLO each try is a new connection: limit globally. */
		log_ratelimited(c->hello ? &c->rl : &pre_hello_rl, XLOG_INFO,
				"conn %u: %s (op %u, %zu bytes): error %d%s",
				c->id,
				op && op->name ? op->name : "bad request",
				rep->op, len, ret, keep ? "" : ", dropped");
	rep->ret = ret;
	return keep;
}
