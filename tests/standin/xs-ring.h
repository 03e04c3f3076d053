/* SPDX-License-Identifier: MIT */
/*
 * Guest side of the xenstore shared ring (xen/io/xs_wire.h): encodes
 * requests into the req ring, decodes replies and watch events from the
 * rsp ring.  One request is outstanding at a time; watch events that
 * arrive meanwhile are queued.  How to notify the daemon and how to wait
 * for its notification is left to the caller (an event channel in xenner
 * and the stand-in, a fake daemon in the unit test).
 */
#ifndef STANDIN_XS_RING_H
#define STANDIN_XS_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <xen/io/xs_wire.h>

/* A guest cannot let a daemon fill its memory with events. */
#define XS_RING_MAX_EVENTS 256

struct xs_ring_ops {
	/* Tell the daemon the rings changed. */
	int (*notify)(void *opaque);
	/*
	 * Wait up to timeout_ms (-1: forever) for a notification.  0: the
	 * rings may have changed; -ETIMEDOUT; any other -errno aborts.
	 */
	int (*wait)(void *opaque, int timeout_ms);
};

struct xs_watch_event {
	struct xs_watch_event *next;
	char *path;
	char *token;
};

struct xs_ring {
	struct xenstore_domain_interface *intf;
	const struct xs_ring_ops *ops;
	void *opaque;
	int timeout_ms;
	/* errno of the last XS_ERROR reply, 0 if the last request failed
	 * (or succeeded) for another reason. */
	int daemon_error;
	uint32_t next_req_id;
	/* The message being received: header, then len bytes of body. */
	struct xsd_sockmsg msg;
	size_t msg_got;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	/* Complete reply waiting to be picked up by the request. */
	int have_reply;
	struct xs_watch_event *events, **events_tail;
	unsigned int nr_events;
};

void xs_ring_init(struct xs_ring *r, void *page, const struct xs_ring_ops *ops,
		  void *opaque, int timeout_ms);
/* Frees queued watch events. */
void xs_ring_cleanup(struct xs_ring *r);

/* Copies up to len bytes into the req ring; bytes copied or -EIO. */
ssize_t xs_ring_put(struct xenstore_domain_interface *intf, const void *data,
		    size_t len);
/* Copies up to len bytes out of the rsp ring; bytes copied or -EIO. */
ssize_t xs_ring_get(struct xenstore_domain_interface *intf, void *buf,
		    size_t len);

/*
 * Sends one request (payload = the iovecs concatenated) and waits for its
 * reply.  On success returns the reply length and, if reply != NULL, a
 * malloc'ed NUL-terminated copy.  An XS_ERROR reply returns its -errno
 * (-EINVAL for an unknown name); a broken ring or reply returns -EIO.
 */
int xs_ring_request(struct xs_ring *r, uint32_t type, const struct iovec *iov,
		    unsigned int nr_iov, char **reply);

int xs_ring_read(struct xs_ring *r, const char *path, char **value);
int xs_ring_write(struct xs_ring *r, const char *path, const char *value);
int xs_ring_rm(struct xs_ring *r, const char *path);
/* Returns the number of entries; *list holds them NUL-separated. */
int xs_ring_directory(struct xs_ring *r, const char *path, char **list,
		      size_t *len);
int xs_ring_watch(struct xs_ring *r, const char *path, const char *token);
int xs_ring_unwatch(struct xs_ring *r, const char *path, const char *token);
/*
 * Waits for a watch event with this token (events for other tokens stay
 * queued) and returns its path (malloc'ed) in *path.
 */
int xs_ring_wait_watch(struct xs_ring *r, const char *token, int timeout_ms,
		       char **path);

/* "ENOENT" -> ENOENT, as xenstored spells errors; 0 if unknown. */
int xs_ring_errno(const char *name);
const char *xs_ring_errname(int err);

#endif
