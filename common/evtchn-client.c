// SPDX-License-Identifier: MIT
/*
 * Client side of the evtchnd protocol (see xenner/evtchnd-proto.h): one
 * blocking request/reply socket plus a non-blocking event socket whose
 * other end travels to evtchnd with HELLO.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenner/evtchn-client.h"
#include "xenner/rundir.h"

static int sock_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ret;

	ret = rundir_file(sa.sun_path, sizeof(sa.sun_path), EVTCHND_SOCK_NAME);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int send_req(struct evtchn_client *c, struct evtchnd_req *req,
		    int pass_fd)
{
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = req, .iov_len = sizeof(*req)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (c->sock < 0)
		return -EPIPE;
	req->seq = ++c->seq;
	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	do {
		n = sendmsg(c->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? -EPIPE : -errno;
	return n == (ssize_t)sizeof(*req) ? 0 : -EPROTO;
}

static int recv_reply(struct evtchn_client *c, const struct evtchnd_req *req,
		      struct evtchnd_reply *rep)
{
	union {
		struct evtchnd_reply rep;
		char raw[sizeof(struct evtchnd_reply) + 1];
	} buf;
	ssize_t n;

	do {
		n = recv(c->sock, &buf, sizeof(buf), 0);
	} while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -EPIPE;
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(*rep) || buf.rep.seq != req->seq ||
	    buf.rep.op != req->op)
		return -EPROTO;
	*rep = buf.rep;
	return 0;
}

/* One round trip; returns the reply's ret or a transport -errno. */
static int call(struct evtchn_client *c, struct evtchnd_req *req,
		struct evtchnd_reply *rep, int pass_fd)
{
	struct evtchnd_reply tmp;
	int ret;

	if (!rep)
		rep = &tmp;
	ret = send_req(c, req, pass_fd);
	if (!ret)
		ret = recv_reply(c, req, rep);
	return ret ? ret : rep->ret;
}

static int hello(struct evtchn_client *c, struct evtchnd_req *req)
{
	struct evtchnd_reply rep;
	int sv[2] = {-1, -1};
	int ret;

	c->sock = -1;
	c->event_fd = -1;
	c->seq = 0;
	ret = sock_connect();
	if (ret < 0)
		return ret;
	c->sock = ret;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		goto err;
	}
	c->event_fd = sv[0];
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK)) {
		ret = -errno;
		goto err;
	}
	req->op = EVTCHND_OP_HELLO;
	req->version = EVTCHND_PROTO_VERSION;
	ret = call(c, req, &rep, sv[1]);
	close(sv[1]);
	sv[1] = -1;
	if (ret < 0)
		goto err;
	c->domid = ret;
	return ret;
err:
	if (sv[1] >= 0)
		close(sv[1]);
	evtchn_client_close(c);
	return ret;
}

int evtchn_client_connect(struct evtchn_client *c, uint32_t domid)
{
	struct evtchnd_req req = {.dom = domid};
	int ret = hello(c, &req);

	return ret < 0 ? ret : 0;
}

int evtchn_client_create_domain(struct evtchn_client *c,
				const struct evtchnd_dominfo *info)
{
	struct evtchnd_req req = {
		.dom = info->domid,
		.flags = EVTCHND_HELLO_CREATE,
		.info = *info,
	};

	return hello(c, &req);
}

void evtchn_client_close(struct evtchn_client *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->event_fd >= 0)
		close(c->event_fd);
	c->sock = -1;
	c->event_fd = -1;
}

static int simple(struct evtchn_client *c, uint32_t op, uint32_t dom,
		  uint32_t port, uint32_t vcpu, uint32_t arg)
{
	struct evtchnd_req req = {
		.op = op,
		.dom = dom,
		.port = port,
		.vcpu = vcpu,
		.arg = arg,
	};

	return call(c, &req, NULL, -1);
}

int evtchn_client_alloc_unbound(struct evtchn_client *c, uint32_t remote_dom)
{
	return simple(c, EVTCHND_OP_ALLOC_UNBOUND, remote_dom, 0, 0, 0);
}

int evtchn_client_bind_interdomain(struct evtchn_client *c, uint32_t remote_dom,
				   uint32_t remote_port)
{
	return simple(c, EVTCHND_OP_BIND_INTERDOMAIN, remote_dom, remote_port,
		      0, 0);
}

int evtchn_client_bind_virq(struct evtchn_client *c, uint32_t virq,
			    uint32_t vcpu)
{
	return simple(c, EVTCHND_OP_BIND_VIRQ, 0, 0, vcpu, virq);
}

int evtchn_client_bind_ipi(struct evtchn_client *c, uint32_t vcpu)
{
	return simple(c, EVTCHND_OP_BIND_IPI, 0, 0, vcpu, 0);
}

int evtchn_client_send(struct evtchn_client *c, uint32_t port)
{
	return simple(c, EVTCHND_OP_SEND, 0, port, 0, 0);
}

int evtchn_client_close_port(struct evtchn_client *c, uint32_t port)
{
	return simple(c, EVTCHND_OP_CLOSE, 0, port, 0, 0);
}

int evtchn_client_unmask(struct evtchn_client *c, uint32_t port)
{
	return simple(c, EVTCHND_OP_UNMASK, 0, port, 0, 0);
}

int evtchn_client_status(struct evtchn_client *c, uint32_t dom, uint32_t port,
			 struct evtchnd_status *st)
{
	struct evtchnd_req req = {
		.op = EVTCHND_OP_STATUS,
		.dom = dom,
		.port = port,
	};
	struct evtchnd_reply rep;
	int ret = call(c, &req, &rep, -1);

	if (ret >= 0 && st)
		*st = rep.status;
	return ret;
}

int evtchn_client_reset(struct evtchn_client *c, uint32_t dom)
{
	return simple(c, EVTCHND_OP_RESET, dom, 0, 0, 0);
}

int evtchn_client_getinfo(struct evtchn_client *c, uint32_t first,
			  struct evtchnd_dominfo *info)
{
	struct evtchnd_req req = {
		.op = EVTCHND_OP_DOMAIN_GETINFO,
		.dom = first,
	};
	struct evtchnd_reply rep;
	int ret = call(c, &req, &rep, -1);

	if (ret >= 0 && info)
		*info = rep.info;
	return ret;
}

int evtchn_client_shutdown(struct evtchn_client *c, uint32_t dom,
			   uint32_t reason)
{
	return simple(c, EVTCHND_OP_DOMAIN_SHUTDOWN, dom, 0, 0, reason);
}

int evtchn_client_destroy(struct evtchn_client *c, uint32_t dom)
{
	return simple(c, EVTCHND_OP_DOMAIN_DESTROY, dom, 0, 0, 0);
}

int evtchn_client_set_state(struct evtchn_client *c, uint32_t flags)
{
	return simple(c, EVTCHND_OP_DOMAIN_SET_STATE, 0, 0, 0, flags);
}

int evtchn_client_read_event(struct evtchn_client *c, struct evtchnd_event *ev)
{
	union {
		struct evtchnd_event ev;
		char raw[sizeof(struct evtchnd_event) + 1];
	} buf;
	ssize_t n;

	if (c->event_fd < 0)
		return -EPIPE;
	do {
		n = recv(c->event_fd, &buf, sizeof(buf), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -EPIPE;
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(*ev))
		return -EPROTO;
	*ev = buf.ev;
	return 1;
}
