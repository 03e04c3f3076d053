// SPDX-License-Identifier: MIT
/*
 * xenstore side: finds the devices the toolstack created under
 * /local/domain/0/backend/<type>/<domid>/<devid>, opens their disks,
 * advertises geometry and features, and follows the xenbus state machine
 * (xen/io/xenbus.h) driven by the frontend's state:
 *
 *   frontend Initialising      -> InitWait (also after Closed: reconnect)
 *   frontend Initialised/Conn. -> map the rings, Connected
 *   frontend Closing           -> disconnect, Closing
 *   frontend Closed or gone    -> disconnect, Closed
 *
 * A device found Connected at start-up was served by an earlier instance
 * whose in-flight requests are lost with it; we cannot resume that ring
 * safely, so we ask the frontend to reconnect (Closing).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xen/io/xenbus.h>

#include "blkbackd.h"

static struct event *xs_ev;

static char *be_read(struct blkdev *dev, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dev->be, key);
	return xs_read(bb.xs, XBT_NULL, path, &len);
}

static int read_int(const char *dir, const char *key, int def)
{
	char path[256], *s, *end;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(bb.xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 1000000)
		v = def;
	free(s);
	return v;
}

static int be_printf(struct blkdev *dev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int be_printf(struct blkdev *dev, const char *key, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dev->be, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(bb.xs, XBT_NULL, path, val, strlen(val))) {
		log_warn("%s: xenstore write %s: %s", dev->name, path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void switch_state(struct blkdev *dev, int state)
{
	if (dev->be_state == state)
		return;
	log_debug("%s: state %d -> %d", dev->name, dev->be_state, state);
	if (!be_printf(dev, "state", "%d", state))
		dev->be_state = state;
}

/* "aio:/path" (xl's qdisk syntax) and friends: the path is what counts. */
static const char *strip_prefix(const char *params)
{
	static const char *const prefixes[] = {"aio:", "raw:", "file:", "phy:"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(params, prefixes[i], strlen(prefixes[i])))
			return params + strlen(prefixes[i]);
	return params;
}

static int write_features(struct blkdev *dev)
{
	struct disk *d = &dev->disk;
	bool rw = !d->readonly;
	unsigned int info = (d->readonly ? VDISK_READONLY : 0) |
			    (dev->cdrom ? VDISK_CDROM | VDISK_REMOVABLE : 0);
	int ret = 0;

	ret |= be_printf(dev, "sectors", "%" PRIu64, d->size >> 9);
	ret |= be_printf(dev, "sector-size", "%u", d->sector_size);
	ret |= be_printf(dev, "physical-sector-size", "%u",
			 d->phys_sector_size);
	ret |= be_printf(dev, "info", "%u", info);
	ret |= be_printf(dev, "feature-flush-cache", "%d", rw);
	ret |= be_printf(dev, "feature-barrier", "%d", rw);
	ret |= be_printf(dev, "feature-discard", "%d", dev->lim.discard);
	if (dev->lim.discard) {
		ret |= be_printf(dev, "discard-granularity", "%u",
				 d->discard_granularity);
		ret |= be_printf(dev, "discard-alignment", "0");
		ret |= be_printf(dev, "discard-secure", "%d",
				 d->secure_discard);
	}
	ret |= be_printf(dev, "feature-max-indirect-segments", "%u",
			 dev->lim.max_indirect_segs);
	ret |= be_printf(dev, "feature-persistent", "%d", bb.persistent);
	ret |= be_printf(dev, "multi-queue-max-queues", "%u", bb.max_queues);
	ret |= be_printf(dev, "max-ring-page-order", "%u", bb.max_ring_order);
	return ret ? -EIO : 0;
}

static int open_disk(struct blkdev *dev)
{
	char *params = be_read(dev, "params");
	char *mode = be_read(dev, "mode");
	char *type = be_read(dev, "device-type");
	unsigned int max_io;
	int ret = -EINVAL;

	if (!params || !*params) {
		/* The toolstack (or a hotplug script) has not written it. */
		ret = -EAGAIN;
		goto out;
	}
	dev->cdrom = type && !strcmp(type, "cdrom");
	dev->disk = (struct disk){
		.ops = &disk_aio_ops, .name = dev->name, .fd = -1};
	/* Every slot of every ring may have one I/O in flight. */
	max_io = bb.max_queues * blkif_ring_entries(1u << bb.max_ring_order);
	ret = dev->disk.ops->open(&dev->disk, bb.base, strip_prefix(params),
				  dev->cdrom || !mode || mode[0] != 'w',
				  max_io);
	if (ret)
		goto out;
	dev->disk_open = true;
	dev->lim = (struct blkif_limits){
		.nr_sectors = dev->disk.size >> BLKIF_SECTOR_SHIFT,
		.max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
		.readonly = dev->disk.readonly,
		.discard = !dev->disk.readonly && !dev->cdrom,
	};
	ret = write_features(dev);
	log_info("%s: %s, %" PRIu64 " sectors%s%s", dev->name,
		 strip_prefix(params), dev->disk.size >> 9,
		 dev->disk.readonly ? ", read-only" : "",
		 dev->disk.direct ? ", O_DIRECT" : "");
out:
	free(params);
	free(mode);
	free(type);
	return ret;
}

static void dev_free(struct blkdev *dev)
{
	struct blkdev **pp;
	char token[64];

	for (pp = &bb.devs; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	snprintf(token, sizeof(token), "fe:%u:%u", dev->domid, dev->devid);
	if (dev->fe[0]) {
		char path[192];

		snprintf(path, sizeof(path), "%s/state", dev->fe);
		xs_unwatch(bb.xs, path, token);
	}
	if (dev->disk_open)
		dev->disk.ops->close(&dev->disk);
	if (dev->update_ev)
		event_free(dev->update_ev);
	log_info("%s: removed", dev->name);
	free(dev);
}

void xenbus_update(struct blkdev *dev)
{
	int fe_state;

	if (dev->removed || bb.stopping) {
		if (blkif_disconnect(dev) == -EBUSY)
			return;
		if (dev->removed) {
			dev_free(dev);
			return;
		}
		switch_state(dev, XenbusStateClosed);
		return;
	}
	if (!dev->disk_open && !dev->failed) {
		int ret = open_disk(dev);

		if (ret == -EAGAIN)
			return;
		if (ret) {
			dev->failed = true;
			be_printf(dev, "error", "cannot open the disk: %s",
				  strerror(-ret));
			switch_state(dev, XenbusStateClosing);
			return;
		}
	}
	if (dev->failed)
		return;
	dev->online = read_int(dev->be, "online", 0);
	fe_state = read_int(dev->fe, "state", XenbusStateUnknown);
	if (dev->broken && fe_state != XenbusStateInitialising &&
	    fe_state != XenbusStateClosed) {
		if (blkif_disconnect(dev) == -EBUSY)
			return;
		switch_state(dev, XenbusStateClosing);
		return;
	}
	switch (fe_state) {
	case XenbusStateInitialising:
		if (blkif_disconnect(dev) == -EBUSY)
			return;
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
			log_info("%s: ring of an earlier blkbackd: asking the "
				 "frontend to reconnect",
				 dev->name);
			switch_state(dev, XenbusStateClosing);
			break;
		}
		if (dev->be_state != XenbusStateInitWait)
			break;
		if (blkif_connect(dev)) {
			be_printf(dev, "error", "cannot connect to the rings");
			switch_state(dev, XenbusStateClosing);
			break;
		}
		switch_state(dev, XenbusStateConnected);
		blkif_kick(dev);
		break;
	case XenbusStateClosing:
		if (blkif_disconnect(dev) == -EBUSY)
			return;
		switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	default: /* Unknown: the frontend is gone */
		if (blkif_disconnect(dev) == -EBUSY)
			return;
		dev->broken = false;
		switch_state(dev, XenbusStateClosed);
		break;
	}
}

static void update_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	xenbus_update(arg);
}

void xenbus_schedule(struct blkdev *dev)
{
	event_active(dev->update_ev, EV_TIMEOUT, 0);
}

static struct blkdev *dev_find(uint32_t domid, uint32_t devid)
{
	for (struct blkdev *d = bb.devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static struct blkdev *dev_create(uint32_t domid, uint32_t devid)
{
	struct blkdev *dev = calloc(1, sizeof(*dev));
	char *fe = NULL, path[192], token[64], prefix[64];
	int fe_id;

	if (!dev)
		return NULL;
	dev->domid = domid;
	dev->devid = devid;
	dev->rl = (struct ratelimit)RATELIMIT_INIT(5, 10);
	snprintf(dev->name, sizeof(dev->name), "d%u/%u", domid, devid);
	snprintf(dev->be, sizeof(dev->be), "%s/%u/%u", bb.be_root, domid,
		 devid);
	dev->be_state = read_int(dev->be, "state", XenbusStateUnknown);
	fe = be_read(dev, "frontend");
	fe_id = read_int(dev->be, "frontend-id", -1);
	/* The toolstack is trusted, but a typo must not aim us elsewhere. */
	snprintf(prefix, sizeof(prefix), "/local/domain/%u/", domid);
	if (!fe || fe_id != (int)domid || strncmp(fe, prefix, strlen(prefix)) ||
	    strlen(fe) >= sizeof(dev->fe)) {
		free(fe);
		free(dev);
		return NULL; /* not (yet) complete: a later watch retries */
	}
	strcpy(dev->fe, fe);
	free(fe);
	dev->update_ev = event_new(bb.base, -1, 0, update_cb, dev);
	if (!dev->update_ev) {
		free(dev);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/state", dev->fe);
	snprintf(token, sizeof(token), "fe:%u:%u", domid, devid);
	if (!xs_watch(bb.xs, path, token))
		log_warn("%s: watch %s: %s", dev->name, path, strerror(errno));
	dev->next = bb.devs;
	bb.devs = dev;
	log_info("%s: new device, frontend %s", dev->name, dev->fe);
	return dev;
}

/* The backend directory of (domid, devid) changed. */
static void dev_check(uint32_t domid, uint32_t devid)
{
	struct blkdev *dev = dev_find(domid, devid);
	char path[192];
	unsigned int len;
	char *s;

	snprintf(path, sizeof(path), "%s/%u/%u/state", bb.be_root, domid,
		 devid);
	s = xs_read(bb.xs, XBT_NULL, path, &len);
	free(s);
	if (!s) {
		if (dev && !dev->removed) {
			dev->removed = true;
			xenbus_update(dev);
		}
		return;
	}
	if (!dev)
		dev = dev_create(domid, devid);
	if (dev) {
		dev->seen = true;
		if (!dev->removed)
			xenbus_update(dev);
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

static void scan_all(void)
{
	unsigned int nd, nv;
	char **doms, path[192];

	for (struct blkdev *d = bb.devs; d; d = d->next)
		d->seen = false;
	doms = xs_directory(bb.xs, XBT_NULL, bb.be_root, &nd);
	for (unsigned int i = 0; doms && i < nd; i++) {
		uint32_t domid, devid;
		char **devs;

		if (!parse_id(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%u", bb.be_root, domid);
		devs = xs_directory(bb.xs, XBT_NULL, path, &nv);
		for (unsigned int j = 0; devs && j < nv; j++)
			if (parse_id(devs[j], &devid))
				dev_check(domid, devid);
		free(devs);
	}
	free(doms);
	for (struct blkdev *d = bb.devs, *next; d; d = next) {
		next = d->next;
		if (!d->seen && !d->removed) {
			d->removed = true;
			xenbus_update(d);
		}
	}
}

static void handle_watch(const char *path, const char *token)
{
	uint32_t domid, devid;

	if (!strncmp(token, "fe:", 3)) {
		struct blkdev *dev;

		if (sscanf(token, "fe:%" SCNu32 ":%" SCNu32, &domid, &devid) ==
			    2 &&
		    (dev = dev_find(domid, devid)) && !dev->removed)
			xenbus_update(dev);
		return;
	}
	/* Backend tree: find the device the change belongs to. */
	size_t rl = strlen(bb.be_root);
	char rest[128], *d1, *d2, *save;

	if (strncmp(path, bb.be_root, rl) || path[rl] != '/') {
		scan_all();
		return;
	}
	snprintf(rest, sizeof(rest), "%s", path + rl + 1);
	d1 = strtok_r(rest, "/", &save);
	d2 = d1 ? strtok_r(NULL, "/", &save) : NULL;
	if (d1 && d2 && parse_id(d1, &domid) && parse_id(d2, &devid))
		dev_check(domid, devid);
	else
		scan_all();
}

static void xs_cb(evutil_socket_t fd, short what, void *arg)
{
	char **w;

	(void)fd;
	(void)what;
	(void)arg;
	while ((w = xs_check_watch(bb.xs))) {
		handle_watch(w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
		free(w);
	}
	if (errno != EAGAIN) {
		log_err("xenstore connection lost: %s", strerror(errno));
		event_base_loopbreak(bb.base);
	}
}

int xenbus_init(void)
{
	const char *sock = getenv("XENSTORED_PATH");

	bb.xs = xs_open(0);
	if (!bb.xs) {
		log_err("cannot connect to xenstored (%s): %s",
			sock ? sock : "default socket", strerror(errno));
		return -errno;
	}
	snprintf(bb.be_root, sizeof(bb.be_root), "/local/domain/0/backend/%s",
		 bb.type);
	/* The watch fires once at once: that is our first scan. */
	if (!xs_watch(bb.xs, bb.be_root, "be")) {
		log_err("watch %s: %s", bb.be_root, strerror(errno));
		return -errno;
	}
	xs_ev = event_new(bb.base, xs_fileno(bb.xs), EV_READ | EV_PERSIST,
			  xs_cb, NULL);
	if (!xs_ev || event_add(xs_ev, NULL))
		return -ENOMEM;
	return 0;
}

/* Closes every device, waiting (a bounded time) for in-flight I/O. */
void xenbus_shutdown(void)
{
	struct timeval tick = {.tv_usec = 100000};

	bb.stopping = true;
	for (int i = 0; i < 50; i++) {
		bool busy = false;

		for (struct blkdev *d = bb.devs; d; d = d->next) {
			xenbus_update(d);
			busy |= d->connected;
		}
		if (!busy)
			break;
		event_base_loopexit(bb.base, &tick);
		event_base_dispatch(bb.base);
	}
	while (bb.devs) {
		struct blkdev *d = bb.devs;

		if (d->connected)
			log_warn("%s: I/O still in flight at exit", d->name);
		else
			switch_state(d, XenbusStateClosed);
		d->removed = true;
		if (d->connected) {
			bb.devs =
				d->next; /* leak it: the kernel owns its I/O */
			continue;
		}
		dev_free(d);
	}
	if (xs_ev)
		event_free(xs_ev);
	xs_unwatch(bb.xs, bb.be_root, "be");
	xs_close(bb.xs);
}
