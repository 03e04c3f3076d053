/* SPDX-License-Identifier: MIT */
/*
 * The xenstore side every userspace backend shares (blkbackd, netbackd),
 * as Linux's xenbus backend core serves blkback and netback: the devices
 * under /local/domain/0/backend/<type>/<domid>/<devid>, the watches on
 * them and on their frontends' states, the xenbus state machine
 * (xen/io/xenbus.h), reconnects and teardown; and the event-channel and
 * grant devices, with events sent to the ring a port was bound for.  A
 * backend embeds struct xenbus_device in its device and supplies struct
 * xenbus_backend_ops.
 *
 * Only the public libxenstore, libxenevtchn and libxengnttab APIs (and
 * libevent) are used, so the backends built on it still run on real Xen
 * with Debian's stock libraries.
 */
#ifndef XENNER_XENBUS_BACKEND_H
#define XENNER_XENBUS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenevtchn.h>
#include <xengnttab.h>

#include "xenner/log.h"

struct event;
struct event_base;
struct xs_handle;
struct xenbus_backend;

struct xenbus_device {
	struct xenbus_backend *back;
	struct xenbus_device *next;
	uint32_t domid; /* frontend domain */
	uint32_t devid;
	char name[32]; /* "d3/51712" for log lines */
	char be[128];  /* our directory */
	char fe[128];  /* the frontend's directory */
	int be_state;  /* what we last wrote */
	bool seen;     /* still in xenstore at the last scan */
	bool removed;  /* the toolstack removed the backend directory */
	bool probed;   /* ops->probe succeeded */
	bool failed;   /* ops->probe failed: the device cannot work */
	bool broken; /* a ring was broken: Closing until the frontend resets */
	bool connected; /* set by ops->connect, cleared by ops->disconnect */
	struct event *update_ev; /* deferred xenbus_update */
	struct ratelimit rl;	 /* for what the guest can provoke */
};

/* A backend's device (type) around its header, which it names xd. */
#define xenbus_to_dev(ptr, type) ((type *)((char *)(ptr)-offsetof(type, xd)))

struct xenbus_backend_ops {
	/*
	 * What a device found Connected at start-up has ("rings of an
	 * earlier netbackd"): logged when we take them over or ask the
	 * frontend to reconnect.
	 */
	const char *stale;
	/*
	 * connect() can take such rings over where they stand (requests
	 * the earlier process took but never answered are served again),
	 * so the frontend never notices; else it is asked to reconnect.
	 */
	bool adopts_rings;
	/* A zeroed device, the backend's own fields set; NULL: no memory. */
	struct xenbus_device *(*alloc)(void);
	/*
	 * Sets up the host side and writes the backend's feature nodes.
	 * -EAGAIN: the toolstack has not written everything yet (retried at
	 * the next change); another -errno fails the device (Closing) after
	 * the backend has written its error nodes.
	 */
	int (*probe)(struct xenbus_device *dev);
	/* Maps the frontend's rings and binds their event channels. */
	int (*connect)(struct xenbus_device *dev);
	/* Optional: Connected is written; serve what is already queued. */
	void (*connected)(struct xenbus_device *dev);
	/* 0, or -EBUSY while I/O is in flight (then xenbus_update later). */
	int (*disconnect)(struct xenbus_device *dev);
	/* Releases what probe set up, and the device. */
	void (*free)(struct xenbus_device *dev);
	/* An event on a port bound with ctx (already unmasked). */
	void (*port_event)(void *ctx, evtchn_port_t port);
	/* Grants mapped at once at most, for xengnttab_set_max_grants. */
	uint32_t max_grants;
};

struct xenbus_backend {
	const struct xenbus_backend_ops *ops;
	struct event_base *base;
	struct xs_handle *xs;
	char root[64]; /* /local/domain/0/backend/<type> */
	bool stopping;
	struct xenbus_device *devs;
	struct event *xs_ev;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	struct event *evtchn_ev;
	void **ports; /* local port -> ctx of xenbus_evtchn_bind */
	unsigned int nr_ports;
};

/*
 * Opens the event-channel and grant devices, connects to xenstored and
 * watches backend/<type>; 0 or -errno (logged).
 */
int xenbus_backend_init(struct xenbus_backend *xb, struct event_base *base,
			const char *type, const struct xenbus_backend_ops *ops);
/*
 * Closes every device (the frontends see Closed), waiting up to 5 s for
 * in-flight I/O, disconnects from xenstored and closes the devices.
 */
void xenbus_backend_exit(struct xenbus_backend *xb);
/* Re-evaluates dev's state machine (after I/O drained, a broken ring). */
void xenbus_update(struct xenbus_device *dev);
/* Runs xenbus_update(dev) from the event loop (safe from deep callers). */
void xenbus_schedule(struct xenbus_device *dev);

/* dir/key, or NULL if it does not exist; free() it. */
char *xenbus_read(const struct xenbus_device *dev, const char *dir,
		  const char *key);
/* An unsigned number; -ENOENT if absent, -EINVAL if not a number. */
int xenbus_read_uint(const struct xenbus_device *dev, const char *dir,
		     const char *key, unsigned long *val);
/* A boolean feature node: absent or not a number means def. */
bool xenbus_read_flag(const struct xenbus_device *dev, const char *dir,
		      const char *key, bool def);
/* Writes one of our own nodes; 0 or -errno (logged). */
int xenbus_printf(struct xenbus_device *dev, const char *key, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/* xenbus-evtchn.c */
/* Binds the frontend's port remote for ctx: the local port or -errno. */
int xenbus_evtchn_bind(struct xenbus_device *dev, unsigned long remote,
		       void *ctx);
/* Unbinds a local port (0: none). */
void xenbus_evtchn_unbind(struct xenbus_device *dev, evtchn_port_t port);
/* The devices and their event, for xenbus_backend_init/exit. */
int xenbus_evtchn_open(struct xenbus_backend *xb);
void xenbus_evtchn_close(struct xenbus_backend *xb);

#endif
