// SPDX-License-Identifier: MIT
/*
 * Connections: non-blocking sockets driven by libevent.  A client that
 * cannot take its reply is dropped; events that meet a full event socket
 * are remembered (at most one per port) and retried when it has room, so
 * no client can make evtchnd block or grow without bound.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "evtchnd.h"

/* Messages handled per wake-up before other connections get a turn. */
#define CONN_BATCH 32
/* Passed descriptors accepted per message (all but one are refused). */
#define CONN_MAX_FDS 4

static struct event_base *base;
static struct event *listen_ev;
static struct conn *conns;
static unsigned int next_id = 1;

struct domain *conn_domain(struct conn *c)
{
	struct domain *d;

	if (!c->hello)
		return NULL;
	d = domain_get(c->domid);
	return d && d->gen == c->dom_gen ? d : NULL;
}

static void conn_free(struct conn *c)
{
	log_debug("conn %u: closed", c->id);
	c->dying = true;
	domains_conn_gone(c);
	if (c->rd_ev)
		event_free(c->rd_ev);
	if (c->wr_ev)
		event_free(c->wr_ev);
	if (c->evfd >= 0)
		close(c->evfd);
	close(c->sock);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
}

/* 1: sent, 0: no room, -1: the event socket is gone. */
static int ev_write(struct conn *c, uint32_t type, uint32_t port, uint32_t arg)
{
	struct evtchnd_event ev = {.type = type, .port = port, .arg = arg};
	ssize_t n;

	do {
		n = send(c->evfd, &ev, sizeof(ev), MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(ev))
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	log_debug("conn %u: event socket broken (%s), events dropped", c->id,
		  n < 0 ? strerror(errno) : "short write");
	c->ev_dead = true;
	return -1;
}

static void defer(struct conn *c, uint32_t type, uint32_t port, uint32_t arg)
{
	switch (type) {
	case EVTCHND_EV_PORT:
		if (port < EVTCHND_MAX_PORTS)
			c->deferred_ports[port / 64] |= 1ull << (port % 64);
		break;
	case EVTCHND_EV_SHUTDOWN:
		c->deferred_shutdown = true;
		c->shutdown_reason = arg;
		break;
	case EVTCHND_EV_DESTROY:
		c->deferred_destroy = true;
		break;
	}
	if (!c->deferred) {
		c->deferred = true;
		event_add(c->wr_ev, NULL);
	}
}

void conn_event(struct conn *c, uint32_t type, uint32_t port, uint32_t arg)
{
	if (c->dying || c->ev_dead || c->evfd < 0)
		return;
	/* Keep order simple: once anything waits, everything waits. */
	if (c->deferred || ev_write(c, type, port, arg) == 0)
		defer(c, type, port, arg);
}

/* Still delivered, i.e. owned by c and masked? Else the event is stale. */
static bool port_still_ours(struct conn *c, uint32_t port)
{
	struct domain *d = conn_domain(c);
	const struct port *p = d ? ports_get(&d->ports, port) : NULL;

	return p && p->state != PORT_FREE && p->owner == c && p->masked;
}

static void flush_deferred(struct conn *c)
{
	c->deferred = false;
	if (c->deferred_shutdown) {
		if (ev_write(c, EVTCHND_EV_SHUTDOWN, 0, c->shutdown_reason) ==
		    0)
			goto again;
		c->deferred_shutdown = false;
	}
	for (uint32_t w = 0; w < EVTCHND_MAX_PORTS / 64 && !c->ev_dead; w++) {
		while (c->deferred_ports[w]) {
			int bit = __builtin_ctzll(c->deferred_ports[w]);
			uint32_t port = w * 64 + bit;

			if (port_still_ours(c, port) &&
			    ev_write(c, EVTCHND_EV_PORT, port, 0) == 0)
				goto again;
			c->deferred_ports[w] &= ~(1ull << bit);
		}
	}
	if (c->deferred_destroy && !c->ev_dead) {
		if (ev_write(c, EVTCHND_EV_DESTROY, 0, 0) == 0)
			goto again;
		c->deferred_destroy = false;
	}
	return;
again:
	c->deferred = true;
	event_add(c->wr_ev, NULL);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_deferred(arg);
}

/* false: the client did not take its reply and must be dropped. */
static bool send_reply(struct conn *c, const struct evtchnd_reply *rep)
{
	ssize_t n;

	do {
		n = send(c->sock, rep, sizeof(*rep),
			 MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*rep))
		return true;
	/* A client that went away is normal; one that does not read is not. */
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		log_debug("conn %u: gone before its reply", c->id);
	else
		log_ratelimited(&c->rl, XLOG_WARN,
				"conn %u: cannot reply (%s): dropped", c->id,
				n < 0 ? strerror(errno) : "short write");
	return false;
}

static void close_fds(struct msghdr *mh, int keep)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		int *fds = (int *)CMSG_DATA(cm);
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < n; i++)
			if (fds[i] != keep)
				close(fds[i]);
	}
}

/* The single passed descriptor, or -1 if none or more than one. */
static int take_fd(struct msghdr *mh)
{
	int fd = -1, count = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count += (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	}
	if (count != 1 || (mh->msg_flags & MSG_CTRUNC))
		fd = -1;
	close_fds(mh, fd);
	return fd;
}

/* Returns 1 to go on, 0 when no message is waiting, -1 to drop. */
static int conn_read_one(struct conn *c)
{
	union {
		struct evtchnd_req req;
		char raw[sizeof(struct evtchnd_req) + 64];
	} buf;
	union {
		char space[CMSG_SPACE(sizeof(int) * CONN_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = &buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct evtchnd_reply rep;
	ssize_t n;
	bool keep;
	int fd;

	do {
		n = recvmsg(c->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1; /* orderly close or error: the client is gone */
	fd = take_fd(&mh);
	if (mh.msg_flags & MSG_TRUNC)
		n = sizeof(buf); /* longer than any request */
	keep = proto_handle(c, &buf, n, fd, &rep);
	if (!send_reply(c, &rep))
		return -1;
	return keep ? 1 : -1;
}

/*
 * Handles up to max of c's messages; frees c when its client is gone.
 * true: c was freed.
 */
static bool conn_serve(struct conn *c, unsigned int max)
{
	for (unsigned int i = 0; i < max; i++) {
		int r = conn_read_one(c);

		if (r < 0) {
			conn_free(c);
			return true;
		}
		if (r == 0)
			break;
	}
	return false;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_serve(arg, CONN_BATCH);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct conn *c;
	int fd;

	(void)what;
	(void)arg;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_close;
	c->sock = fd;
	c->evfd = -1;
	c->id = next_id++;
	c->rl = (struct ratelimit)RATELIMIT_INIT(10, 5);
	c->rd_ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, c);
	if (!c->rd_ev || event_add(c->rd_ev, NULL))
		goto err_free;
	c->next = conns;
	if (conns)
		conns->pprev = &c->next;
	c->pprev = &conns;
	conns = c;
	log_debug("conn %u: accepted", c->id);
	return;
err_free:
	if (c->rd_ev)
		event_free(c->rd_ev);
	free(c);
err_close:
	log_warn("out of memory: connection refused");
	close(fd);
}

static bool hung_up(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	return poll(&p, 1, 0) == 1 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

unsigned int conn_reap_gone(struct conn *self)
{
	static bool reaping; /* the requests handled here must not nest */
	unsigned int n = 0;
	struct conn *c;

	if (reaping)
		return 0;
	reaping = true;
again:
	for (c = conns; c; c = c->next) {
		if (c == self || !hung_up(c->sock))
			continue;
		log_debug("conn %u: hung up, served early", c->id);
		if (conn_serve(c, UINT_MAX)) {
			n++;
			goto again; /* freeing may have changed the list */
		}
	}
	reaping = false;
	return n;
}

/* Called by proto.c once HELLO passed the event socket. */
int conn_set_evfd(struct conn *c, int fd)
{
	c->wr_ev = event_new(base, fd, EV_WRITE, on_writable, c);
	if (!c->wr_ev)
		return -ENOMEM;
	c->evfd = fd;
	return 0;
}

int conn_listen(struct event_base *b, int lfd)
{
	base = b;
	listen_ev = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, NULL);
	if (!listen_ev || event_add(listen_ev, NULL))
		return -ENOMEM;
	return 0;
}

void conn_close_all(void)
{
	while (conns)
		conn_free(conns);
	if (listen_ev)
		event_free(listen_ev);
	listen_ev = NULL;
}
