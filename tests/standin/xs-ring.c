// SPDX-License-Identifier: MIT
/*
 * Guest side of the xenstore ring.  The daemon is not trusted more than a
 * peer: ring indices are checked (prod - cons <= size) before any copy,
 * message lengths are bounded by XENSTORE_PAYLOAD_MAX, and replies are
 * copied out of the shared page before they are parsed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenner/log.h"

#include "../testdom/barrier.h"
#include "xs-ring.h"

#define XS_HDR_SIZE sizeof(struct xsd_sockmsg)

static struct ratelimit xs_rl = RATELIMIT_INIT(5, 10);

int xs_ring_errno(const char *name)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (!strcmp(name, xsd_errors[i].errstring))
			return xsd_errors[i].errnum;
	return 0;
}

const char *xs_ring_errname(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

void xs_ring_init(struct xs_ring *r, void *page, const struct xs_ring_ops *ops,
		  void *opaque, int timeout_ms)
{
	memset(r, 0, sizeof(*r));
	r->intf = page;
	r->ops = ops;
	r->opaque = opaque;
	r->timeout_ms = timeout_ms;
	r->next_req_id = 1;
	r->events_tail = &r->events;
}

static void free_event(struct xs_watch_event *ev)
{
	free(ev->path);
	free(ev->token);
	free(ev);
}

void xs_ring_cleanup(struct xs_ring *r)
{
	while (r->events) {
		struct xs_watch_event *ev = r->events;

		r->events = ev->next;
		free_event(ev);
	}
	r->events_tail = &r->events;
	r->nr_events = 0;
}

ssize_t xs_ring_put(struct xenstore_domain_interface *intf, const void *data,
		    size_t len)
{
	XENSTORE_RING_IDX cons = ring_read_once(intf->req_cons);
	XENSTORE_RING_IDX prod = ring_read_once(intf->req_prod);
	size_t n, off, chunk;

	/* The daemon's cons must be read before we reuse the space. */
	ring_mb();
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	n = XENSTORE_RING_SIZE - (prod - cons);
	if (n > len)
		n = len;
	off = MASK_XENSTORE_IDX(prod);
	chunk = n < XENSTORE_RING_SIZE - off ? n : XENSTORE_RING_SIZE - off;
	memcpy(intf->req + off, data, chunk);
	memcpy(intf->req, (const char *)data + chunk, n - chunk);
	ring_wmb();
	ring_write_once(intf->req_prod, prod + (XENSTORE_RING_IDX)n);
	return n;
}

ssize_t xs_ring_get(struct xenstore_domain_interface *intf, void *buf,
		    size_t len)
{
	XENSTORE_RING_IDX cons = ring_read_once(intf->rsp_cons);
	XENSTORE_RING_IDX prod = ring_read_once(intf->rsp_prod);
	size_t n, off, chunk;

	ring_rmb();
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	n = prod - cons;
	if (n > len)
		n = len;
	off = MASK_XENSTORE_IDX(cons);
	chunk = n < XENSTORE_RING_SIZE - off ? n : XENSTORE_RING_SIZE - off;
	memcpy(buf, intf->rsp + off, chunk);
	memcpy((char *)buf + chunk, intf->rsp, n - chunk);
	/* Finish reading the data before handing the space back. */
	ring_mb();
	ring_write_once(intf->rsp_cons, cons + (XENSTORE_RING_IDX)n);
	return n;
}

static void queue_event(struct xs_ring *r)
{
	size_t len = r->msg.len;
	size_t plen = strnlen(r->body, len);
	struct xs_watch_event *ev;

	/* "path\0token\0"; body[len] is always NUL so token is terminated. */
	if (plen >= len) {
		log_ratelimited(&xs_rl, XLOG_WARN,
				"xenstore: malformed watch event dropped");
		return;
	}
	if (r->nr_events >= XS_RING_MAX_EVENTS) {
		log_ratelimited(&xs_rl, XLOG_WARN,
				"xenstore: too many queued watch events, "
				"dropping one for %s",
				r->body);
		return;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return;
	ev->path = strdup(r->body);
	ev->token = strdup(r->body + plen + 1);
	if (!ev->path || !ev->token) {
		free_event(ev);
		return;
	}
	*r->events_tail = ev;
	r->events_tail = &ev->next;
	r->nr_events++;
}

/*
 * Moves whatever the rsp ring holds into r->msg/r->body, one message at a
 * time.  Stops at a complete reply (r->have_reply).  Returns the number of
 * bytes consumed or -EIO.
 */
static ssize_t pump(struct xs_ring *r)
{
	ssize_t total = 0, n;

	while (!r->have_reply) {
		if (r->msg_got < XS_HDR_SIZE) {
			n = xs_ring_get(r->intf, (char *)&r->msg + r->msg_got,
					XS_HDR_SIZE - r->msg_got);
			if (n < 0)
				return n;
			r->msg_got += n;
			total += n;
			if (r->msg_got < XS_HDR_SIZE)
				break;
			if (r->msg.len > XENSTORE_PAYLOAD_MAX) {
				log_warn("xenstore: reply of %u bytes exceeds "
					 "the protocol limit",
					 r->msg.len);
				return -EIO;
			}
		}
		if (r->msg_got < XS_HDR_SIZE + r->msg.len) {
			size_t have = r->msg_got - XS_HDR_SIZE;

			n = xs_ring_get(r->intf, r->body + have,
					r->msg.len - have);
			if (n < 0)
				return n;
			r->msg_got += n;
			total += n;
			if (r->msg_got < XS_HDR_SIZE + r->msg.len)
				break;
		}
		r->body[r->msg.len] = '\0';
		if (r->msg.type == XS_WATCH_EVENT) {
			queue_event(r);
			r->msg_got = 0;
			continue;
		}
		r->have_reply = 1;
	}
	return total;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : (int)left;
}

/*
 * One round: pull in what arrived, tell the daemon if we freed space, and
 * fail on a ring the daemon declared broken.
 */
static int service(struct xs_ring *r)
{
	ssize_t n = pump(r);
	uint32_t err;

	if (n < 0) {
		log_warn("xenstore: response ring indices are corrupt");
		return -EIO;
	}
	if (n > 0 && r->ops->notify(r->opaque) < 0)
		return -EIO;
	err = ring_read_once(r->intf->error);
	if (err != XENSTORE_ERROR_NONE) {
		log_warn("xenstore: daemon reports ring error %u", err);
		return -EIO;
	}
	return 0;
}

static int wait_until(struct xs_ring *r, int64_t deadline)
{
	int left = remaining_ms(deadline);

	if (left == 0)
		return -ETIMEDOUT;
	return r->ops->wait(r->opaque, left);
}

static int send_all(struct xs_ring *r, const struct xsd_sockmsg *hdr,
		    const struct iovec *iov, unsigned int nr_iov,
		    int64_t deadline)
{
	const char *p = (const char *)hdr;
	size_t left = sizeof(*hdr);
	unsigned int i = 0;
	ssize_t n;
	int ret;

	for (;;) {
		while (left) {
			n = xs_ring_put(r->intf, p, left);
			if (n < 0) {
				log_warn("xenstore: request ring indices are "
					 "corrupt");
				return -EIO;
			}
			if (n == 0)
				break;
			p += n;
			left -= n;
			if (r->ops->notify(r->opaque) < 0)
				return -EIO;
		}
		if (left) {
			/* Ring full: let the daemon consume. */
			ret = service(r);
			if (ret)
				return ret;
			ret = wait_until(r, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (i == nr_iov)
			return 0;
		p = iov[i].iov_base;
		left = iov[i].iov_len;
		i++;
	}
}

int xs_ring_request(struct xs_ring *r, uint32_t type, const struct iovec *iov,
		    unsigned int nr_iov, char **reply)
{
	int64_t deadline = r->timeout_ms < 0 ? -1 : now_ms() + r->timeout_ms;
	struct xsd_sockmsg hdr = {.type = type};
	size_t len = 0;
	int ret, err;

	r->daemon_error = 0;
	if (reply)
		*reply = NULL;
	for (unsigned int i = 0; i < nr_iov; i++)
		len += iov[i].iov_len;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	hdr.len = len;
	hdr.req_id = r->next_req_id++;

	ret = send_all(r, &hdr, iov, nr_iov, deadline);
	if (ret)
		return ret;
	for (;;) {
		ret = service(r);
		if (ret)
			return ret;
		if (r->have_reply) {
			r->have_reply = 0;
			r->msg_got = 0;
			if (r->msg.req_id == hdr.req_id)
				break;
			/* A late reply to a request that timed out. */
			log_debug("xenstore: dropped reply to request %u",
				  r->msg.req_id);
			continue;
		}
		ret = wait_until(r, deadline);
		if (ret)
			return ret;
	}
	if (r->msg.type == XS_ERROR) {
		err = xs_ring_errno(r->body);
		r->daemon_error = err ? err : EINVAL;
		return -r->daemon_error;
	}
	if (r->msg.type != type) {
		log_warn("xenstore: reply type %u to request type %u",
			 r->msg.type, type);
		return -EIO;
	}
	if (reply) {
		*reply = malloc(r->msg.len + 1);
		if (!*reply)
			return -ENOMEM;
		memcpy(*reply, r->body, r->msg.len + 1);
	}
	return r->msg.len;
}

/* A path or token with its NUL, as the wire format wants it. */
static struct iovec str_iov(const char *s)
{
	return (struct iovec){(void *)s, strlen(s) + 1};
}

int xs_ring_read(struct xs_ring *r, const char *path, char **value)
{
	struct iovec iov = str_iov(path);
	int ret = xs_ring_request(r, XS_READ, &iov, 1, value);

	return ret < 0 ? ret : 0;
}

int xs_ring_write(struct xs_ring *r, const char *path, const char *value)
{
	struct iovec iov[2] = {str_iov(path), {(void *)value, strlen(value)}};
	int ret = xs_ring_request(r, XS_WRITE, iov, 2, NULL);

	return ret < 0 ? ret : 0;
}

int xs_ring_rm(struct xs_ring *r, const char *path)
{
	struct iovec iov = str_iov(path);
	int ret = xs_ring_request(r, XS_RM, &iov, 1, NULL);

	return ret < 0 ? ret : 0;
}

int xs_ring_directory(struct xs_ring *r, const char *path, char **list,
		      size_t *len)
{
	struct iovec iov = str_iov(path);
	int ret = xs_ring_request(r, XS_DIRECTORY, &iov, 1, list);
	int count = 0;

	if (ret < 0)
		return ret;
	*len = ret;
	/* Entries are NUL-terminated; a missing last NUL still counts. */
	for (int i = 0; i < ret; i++)
		if ((*list)[i] == '\0' || i == ret - 1)
			count++;
	return count;
}

int xs_ring_watch(struct xs_ring *r, const char *path, const char *token)
{
	struct iovec iov[2] = {str_iov(path), str_iov(token)};
	int ret = xs_ring_request(r, XS_WATCH, iov, 2, NULL);

	return ret < 0 ? ret : 0;
}

int xs_ring_unwatch(struct xs_ring *r, const char *path, const char *token)
{
	struct iovec iov[2] = {str_iov(path), str_iov(token)};
	int ret = xs_ring_request(r, XS_UNWATCH, iov, 2, NULL);

	return ret < 0 ? ret : 0;
}

static struct xs_watch_event *take_event(struct xs_ring *r, const char *token)
{
	struct xs_watch_event **pp, *ev;

	for (pp = &r->events; (ev = *pp); pp = &ev->next) {
		if (strcmp(ev->token, token))
			continue;
		*pp = ev->next;
		if (r->events_tail == &ev->next)
			r->events_tail = pp;
		r->nr_events--;
		return ev;
	}
	return NULL;
}

int xs_ring_wait_watch(struct xs_ring *r, const char *token, int timeout_ms,
		       char **path)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct xs_watch_event *ev;
	int ret;

	for (;;) {
		ret = service(r);
		if (ret)
			return ret;
		if (r->have_reply) {
			/* Nobody asked: a reply to a timed-out request. */
			r->have_reply = 0;
			r->msg_got = 0;
			continue;
		}
		ev = take_event(r, token);
		if (ev)
			break;
		ret = wait_until(r, deadline);
		if (ret)
			return ret;
	}
	*path = ev->path;
	ev->path = NULL;
	free_event(ev);
	return 0;
}
