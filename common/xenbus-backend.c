// SPDX-License-Identifier: MIT
/*
 * The backend core (include/xenner/xenbus-backend.h): finds the devices
 * the toolstack created under /local/domain/0/backend/<type>/<domid>/
 * <devid>, has the backend probe them, and follows the xenbus state
 * machine (xen/io/xenbus.h) driven by the frontend's state:
 *
 *   frontend Initialising      -> InitWait (also after Closed: reconnect)
 *   frontend Initialised/Conn. -> map the rings, Connected
 *   frontend Closing           -> disconnect, Closing
 *   frontend Closed or gone    -> disconnect, Closed
 *
 * A device found Connected at start-up was served by an earlier instance
 * whose ring positions (and in-flight requests) died with it; we cannot
 * resume that ring safely, so we ask the frontend to reconnect (Closing).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner/xenbus-backend.h"

char *xenbus_read(const struct xenbus_device *dev, const char *dir,
		  const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(dev->back->xs, XBT_NULL, path, &len);
}

int xenbus_read_uint(const struct xenbus_device *dev, const char *dir,
		     const char *key, unsigned long *val)
{
	char *s = xenbus_read(dev, dir, key), *end;
	int ret = 0;

	if (!s)
		return -ENOENT;
	errno = 0;
	*val = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		ret = -EINVAL;
	free(s);
	return ret;
}

bool xenbus_read_flag(const struct xenbus_device *dev, const char *dir,
		      const char *key, bool def)
{
	unsigned long v;

	if (xenbus_read_uint(dev, dir, key, &v))
		return def;
	return v != 0;
}

/* A state or an id: anything else (a typo, garbage) counts as absent. */
static int read_int(struct xs_handle *xs, const char *dir, const char *key,
		    int def)
{
	char path[256], *s, *end;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 1000000)
		v = def;
	free(s);
	return v;
}

int xenbus_printf(struct xenbus_device *dev, const char *key, const char *fmt,
		  ...)
{
	char path[256], val[128];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dev->be, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(dev->back->xs, XBT_NULL, path, val, strlen(val))) {
		log_warn("%s: xenstore write %s: %s", dev->name, path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void switch_state(struct xenbus_device *dev, int state)
{
	if (dev->be_state == state)
		return;
	log_debug("%s: state %d -> %d", dev->name, dev->be_state, state);
	if (!xenbus_printf(dev, "state", "%d", state))
		dev->be_state = state;
}

static void fe_watch_token(const struct xenbus_device *dev, char *buf,
			   size_t len)
{
	snprintf(buf, len, "fe:%u:%u", dev->domid, dev->devid);
}

static void dev_free(struct xenbus_device *dev)
{
	struct xenbus_backend *xb = dev->back;
	struct xenbus_device **pp;
	char token[64], path[192], name[sizeof(dev->name)];

	for (pp = &xb->devs; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	fe_watch_token(dev, token, sizeof(token));
	snprintf(path, sizeof(path), "%s/state", dev->fe);
	xs_unwatch(xb->xs, path, token);
	if (dev->update_ev)
		event_free(dev->update_ev);
	strcpy(name, dev->name);
	xb->ops->free(dev);
	log_info("%s: removed", name);
}

/* The frontend's state changed, or ours must: true if dev was freed. */
static bool update(struct xenbus_device *dev)
{
	struct xenbus_backend *xb = dev->back;
	const struct xenbus_backend_ops *ops = xb->ops;
	int fe_state;

	if (dev->removed || xb->stopping) {
		if (ops->disconnect(dev) == -EBUSY)
			return false;
		if (dev->removed) {
			dev_free(dev);
			return true;
		}
		switch_state(dev, XenbusStateClosed);
		return false;
	}
	if (!dev->probed && !dev->failed) {
		int ret = ops->probe(dev);

		if (ret == -EAGAIN)
			return false;
		if (ret) {
			dev->failed = true;
			switch_state(dev, XenbusStateClosing);
			return false;
		}
		dev->probed = true;
	}
	if (dev->failed)
		return false;
	fe_state = read_int(xb->xs, dev->fe, "state", XenbusStateUnknown);
	if (dev->broken && fe_state != XenbusStateInitialising &&
	    fe_state != XenbusStateClosed) {
		if (ops->disconnect(dev) == -EBUSY)
			return false;
		switch_state(dev, XenbusStateClosing);
		return false;
	}
	switch (fe_state) {
	case XenbusStateInitialising:
		if (ops->disconnect(dev) == -EBUSY)
			return false;
		dev->broken = false;
		switch_state(dev, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->connected)
			break;
		if (dev->be_state == XenbusStateInitialising) {
			switch_state(dev, XenbusStateInitWait);
			break;
		}
		if (dev->be_state == XenbusStateConnected) {
			if (ops->adopts_rings && !ops->connect(dev)) {
				log_info("%s: took over the %s", dev->name,
					 ops->stale);
				if (ops->connected)
					ops->connected(dev);
				break;
			}
			log_info("%s: %s: asking the frontend to reconnect",
				 dev->name, ops->stale);
			switch_state(dev, XenbusStateClosing);
			break;
		}
		if (dev->be_state != XenbusStateInitWait)
			break;
		if (ops->connect(dev)) {
			xenbus_printf(dev, "error",
				      "cannot connect to the rings");
			switch_state(dev, XenbusStateClosing);
			break;
		}
		switch_state(dev, XenbusStateConnected);
		if (ops->connected)
			ops->connected(dev);
		break;
	case XenbusStateClosing:
		if (ops->disconnect(dev) == -EBUSY)
			return false;
		switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	default: /* Unknown: the frontend is gone */
		if (ops->disconnect(dev) == -EBUSY)
			return false;
		dev->broken = false;
		switch_state(dev, XenbusStateClosed);
		break;
	}
	return false;
}

void xenbus_update(struct xenbus_device *dev)
{
	update(dev);
}

static void update_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	update(arg);
}

void xenbus_schedule(struct xenbus_device *dev)
{
	event_active(dev->update_ev, EV_TIMEOUT, 0);
}

static struct xenbus_device *dev_find(struct xenbus_backend *xb, uint32_t domid,
				      uint32_t devid)
{
	for (struct xenbus_device *d = xb->devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static struct xenbus_device *dev_create(struct xenbus_backend *xb,
					uint32_t domid, uint32_t devid)
{
	char be[128], *fe, path[192], token[64], prefix[64];
	struct xenbus_device *dev;
	unsigned int len;
	int fe_id;

	snprintf(be, sizeof(be), "%s/%u/%u", xb->root, domid, devid);
	snprintf(path, sizeof(path), "%s/frontend", be);
	fe = xs_read(xb->xs, XBT_NULL, path, &len);
	fe_id = read_int(xb->xs, be, "frontend-id", -1);
	/* The toolstack is trusted, but a typo must not aim us elsewhere. */
	snprintf(prefix, sizeof(prefix), "/local/domain/%u/", domid);
	if (!fe || fe_id != (int)domid || strncmp(fe, prefix, strlen(prefix)) ||
	    strlen(fe) >= sizeof(dev->fe)) {
		free(fe);
		return NULL; /* not (yet) complete: a later watch retries */
	}
	dev = xb->ops->alloc();
	if (!dev) {
		free(fe);
		return NULL;
	}
	dev->back = xb;
	dev->domid = domid;
	dev->devid = devid;
	dev->rl = (struct ratelimit)RATELIMIT_INIT(5, 10);
	snprintf(dev->name, sizeof(dev->name), "d%u/%u", domid, devid);
	strcpy(dev->be, be);
	strcpy(dev->fe, fe);
	free(fe);
	dev->be_state = read_int(xb->xs, be, "state", XenbusStateUnknown);
	dev->update_ev = event_new(xb->base, -1, 0, update_cb, dev);
	if (!dev->update_ev) {
		xb->ops->free(dev);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/state", dev->fe);
	fe_watch_token(dev, token, sizeof(token));
	if (!xs_watch(xb->xs, path, token))
		log_warn("%s: watch %s: %s", dev->name, path, strerror(errno));
	dev->next = xb->devs;
	xb->devs = dev;
	log_info("%s: new device, frontend %s", dev->name, dev->fe);
	return dev;
}

/* The backend directory of (domid, devid) changed. */
static void dev_check(struct xenbus_backend *xb, uint32_t domid, uint32_t devid)
{
	struct xenbus_device *dev = dev_find(xb, domid, devid);
	char path[192];
	unsigned int len;
	char *s;

	snprintf(path, sizeof(path), "%s/%u/%u/state", xb->root, domid, devid);
	s = xs_read(xb->xs, XBT_NULL, path, &len);
	free(s);
	if (!s) {
		if (dev && !dev->removed) {
			dev->removed = true;
			update(dev);
		}
		return;
	}
	if (!dev)
		dev = dev_create(xb, domid, devid);
	if (dev) {
		dev->seen = true;
		if (!dev->removed)
			update(dev);
	}
}

static bool parse_id(const char *s, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || n > 0x7fffffff)
		return false;
	*v = n;
	return true;
}

static void scan_all(struct xenbus_backend *xb)
{
	unsigned int nd, nv;
	char **doms, path[192];

	for (struct xenbus_device *d = xb->devs; d; d = d->next)
		d->seen = false;
	doms = xs_directory(xb->xs, XBT_NULL, xb->root, &nd);
	for (unsigned int i = 0; doms && i < nd; i++) {
		uint32_t domid, devid;
		char **devs;

		if (!parse_id(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%u", xb->root, domid);
		devs = xs_directory(xb->xs, XBT_NULL, path, &nv);
		for (unsigned int j = 0; devs && j < nv; j++)
			if (parse_id(devs[j], &devid))
				dev_check(xb, domid, devid);
		free(devs);
	}
	free(doms);
	for (struct xenbus_device *d = xb->devs, *next; d; d = next) {
		next = d->next;
		if (!d->seen && !d->removed) {
			d->removed = true;
			update(d);
		}
	}
}

static void handle_watch(struct xenbus_backend *xb, const char *path,
			 const char *token)
{
	uint32_t domid, devid;

	if (!strncmp(token, "fe:", 3)) {
		struct xenbus_device *dev;

		if (sscanf(token, "fe:%" SCNu32 ":%" SCNu32, &domid, &devid) ==
			    2 &&
		    (dev = dev_find(xb, domid, devid)) && !dev->removed)
			update(dev);
		return;
	}
	/* Backend tree: find the device the change belongs to. */
	size_t rl = strlen(xb->root);
	char rest[128], *d1, *d2, *save;

	if (strncmp(path, xb->root, rl) || path[rl] != '/') {
		scan_all(xb);
		return;
	}
	snprintf(rest, sizeof(rest), "%s", path + rl + 1);
	d1 = strtok_r(rest, "/", &save);
	d2 = d1 ? strtok_r(NULL, "/", &save) : NULL;
	if (d1 && d2 && parse_id(d1, &domid) && parse_id(d2, &devid))
		dev_check(xb, domid, devid);
	else
		scan_all(xb);
}

static void xs_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xenbus_backend *xb = arg;
	char **w;

	(void)fd;
	(void)what;
	while ((w = xs_check_watch(xb->xs))) {
		handle_watch(xb, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
		free(w);
	}
	if (errno != EAGAIN) {
		log_err("xenstore connection lost: %s", strerror(errno));
		event_base_loopbreak(xb->base);
	}
}

int xenbus_backend_init(struct xenbus_backend *xb, struct event_base *base,
			const char *type, const struct xenbus_backend_ops *ops)
{
	const char *sock = getenv("XENSTORED_PATH");

	xb->ops = ops;
	xb->base = base;
	if (xenbus_evtchn_open(xb))
		return -ENODEV;
	xb->xs = xs_open(0);
	if (!xb->xs) {
		log_err("cannot connect to xenstored (%s): %s",
			sock ? sock : "default socket", strerror(errno));
		return -errno;
	}
	snprintf(xb->root, sizeof(xb->root), "/local/domain/0/backend/%s",
		 type);
	/* The watch fires once at once: that is our first scan. */
	if (!xs_watch(xb->xs, xb->root, "be")) {
		log_err("watch %s: %s", xb->root, strerror(errno));
		return -errno;
	}
	xb->xs_ev = event_new(base, xs_fileno(xb->xs), EV_READ | EV_PERSIST,
			      xs_cb, xb);
	if (!xb->xs_ev || event_add(xb->xs_ev, NULL))
		return -ENOMEM;
	return 0;
}

void xenbus_backend_exit(struct xenbus_backend *xb)
{
	struct timeval tick = {.tv_usec = 100000};

	xb->stopping = true;
	for (int i = 0; i < 50; i++) {
		bool busy = false;

		for (struct xenbus_device *d = xb->devs, *next; d; d = next) {
			next = d->next;
			if (!update(d))
				busy |= d->connected;
		}
		if (!busy)
			break;
		event_base_loopexit(xb->base, &tick);
		event_base_dispatch(xb->base);
	}
	while (xb->devs) {
		struct xenbus_device *d = xb->devs;

		d->removed = true;
		if (d->connected) {
			/* Leak it: the kernel still owns its I/O. */
			log_warn("%s: I/O still in flight at exit", d->name);
			xb->devs = d->next;
			continue;
		}
		switch_state(d, XenbusStateClosed);
		dev_free(d);
	}
	if (xb->xs_ev)
		event_free(xb->xs_ev);
	xs_unwatch(xb->xs, xb->root, "be");
	xs_close(xb->xs);
	xenbus_evtchn_close(xb);
}
