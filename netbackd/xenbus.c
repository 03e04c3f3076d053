// SPDX-License-Identifier: MIT
/*
 * xenstore side: finds the vifs the toolstack created under
 * /local/domain/0/backend/vif/<domid>/<devid>, makes their taps, advertises
 * features and follows the xenbus state machine (xen/io/xenbus.h) driven
 * by the frontend's state:
 *
 *   frontend Initialising      -> InitWait (also after Closed: reconnect)
 *   frontend Initialised/Conn. -> map the rings, Connected
 *   frontend Closing           -> disconnect, Closing
 *   frontend Closed or gone    -> disconnect, Closed
 *
 * A vif found Connected at start-up was served by an earlier instance; its
 * ring positions died with it, so we ask the frontend to reconnect
 * (Closing).  We are also the vif's hotplug script: the tap is made and
 * bridged before we answer, and "hotplug-status" says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <event2/event.h>
#include <xen/io/xenbus.h>

#include "netbackd.h"

static struct event *xs_ev;

static char *be_read(struct netdev *dev, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dev->be, key);
	return xs_read(nb.xs, XBT_NULL, path, &len);
}

static int read_int(const char *dir, const char *key, int def)
{
	char path[256], *s, *end;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(nb.xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, &end, 10);
	if (end == s || *end || v < 0 || v > 1000000)
		v = def;
	free(s);
	return v;
}

static int be_printf(struct netdev *dev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int be_printf(struct netdev *dev, const char *key, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dev->be, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(nb.xs, XBT_NULL, path, val, strlen(val))) {
		log_warn("%s: xenstore write %s: %s", dev->name, path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void switch_state(struct netdev *dev, int state)
{
	if (dev->be_state == state)
		return;
	log_debug("%s: state %d -> %d", dev->name, dev->be_state, state);
	if (!be_printf(dev, "state", "%d", state))
		dev->be_state = state;
}

/* Frames for an unconnected vif have nowhere to go. */
static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
	uint8_t buf[2048];

	(void)what;
	(void)arg;
	for (int i = 0; i < 64 && read(fd, buf, sizeof(buf)) >= 0; i++)
		;
}

static int write_features(struct netdev *dev)
{
	int ret = 0;

	ret |= be_printf(dev, "feature-sg", "1");
	ret |= be_printf(dev, "feature-gso-tcpv4", "1");
	ret |= be_printf(dev, "feature-gso-tcpv6", "1");
	ret |= be_printf(dev, "feature-ipv6-csum-offload", "1");
	ret |= be_printf(dev, "feature-rx-copy", "1");
	ret |= be_printf(dev, "feature-rx-flip", "0");
	ret |= be_printf(dev, "feature-split-event-channels", "%d",
			 nb.split_evtchn);
	ret |= be_printf(dev, "multi-queue-max-queues", "%u", nb.max_queues);
	return ret ? -EIO : 0;
}

/* "00:16:3e:01:02:03" -> mac; false if it is not one. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
			 &b[3], &b[4], &b[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	/* A multicast address cannot be a station's. */
	return !(mac[0] & 1);
}

/* What a vif-bridge hotplug script would do: the tap, up, bridged. */
static int host_setup(struct netdev *dev)
{
	char *mac = be_read(dev, "mac");
	char *bridge = be_read(dev, "bridge");
	char *vifname = be_read(dev, "vifname");
	int ret = -EINVAL;

	if (!mac) {
		/* The toolstack has not written it yet. */
		ret = -EAGAIN;
		goto out;
	}
	if (!parse_mac(mac, dev->mac)) {
		log_err("%s: bad mac '%s'", dev->name, mac);
		goto out;
	}
	if (bridge && *bridge) {
		if (strlen(bridge) >= sizeof(dev->bridge) ||
		    strchr(bridge, '/')) {
			log_err("%s: bad bridge name '%s'", dev->name, bridge);
			goto out;
		}
		strcpy(dev->bridge, bridge);
	}
	if (vifname && *vifname) {
		if (strlen(vifname) >= sizeof(dev->ifname) ||
		    strchr(vifname, '/') || strchr(vifname, ' ')) {
			log_err("%s: bad vifname '%s'", dev->name, vifname);
			goto out;
		}
		strcpy(dev->ifname, vifname);
	} else if ((size_t)snprintf(dev->ifname, sizeof(dev->ifname),
				    "vif%u.%u", dev->domid,
				    dev->devid) >= sizeof(dev->ifname)) {
		log_err("%s: interface name too long", dev->name);
		goto out;
	}
	ret = tap_create(dev);
	if (ret)
		goto out;
	dev->host_ready = true;
	dev->idle_ev = event_new(nb.base, dev->tap_fds[0], EV_READ | EV_PERSIST,
				 idle_cb, dev);
	if (!dev->idle_ev || event_add(dev->idle_ev, NULL)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = write_features(dev);
	ret |= be_printf(dev, "hotplug-status", "connected");
	log_info("%s: %s, guest mac %s%s%s", dev->name, dev->ifname, mac,
		 dev->bridge[0] ? ", bridge " : "", dev->bridge);
out:
	free(mac);
	free(bridge);
	free(vifname);
	return ret;
}

static void dev_free(struct netdev *dev)
{
	struct netdev **pp;
	char token[64];

	for (pp = &nb.devs; *pp; pp = &(*pp)->next)
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	snprintf(token, sizeof(token), "fe:%u:%u", dev->domid, dev->devid);
	if (dev->fe[0]) {
		char path[192];

		snprintf(path, sizeof(path), "%s/state", dev->fe);
		xs_unwatch(nb.xs, path, token);
	}
	netif_disconnect(dev);
	if (dev->idle_ev)
		event_free(dev->idle_ev);
	if (dev->host_ready)
		tap_destroy(dev);
	if (dev->update_ev)
		event_free(dev->update_ev);
	log_info("%s: removed", dev->name);
	free(dev);
}

void xenbus_update(struct netdev *dev)
{
	int fe_state;

	if (dev->removed || nb.stopping) {
		netif_disconnect(dev);
		if (dev->removed) {
			dev_free(dev);
			return;
		}
		switch_state(dev, XenbusStateClosed);
		return;
	}
	if (!dev->host_ready && !dev->failed) {
		int ret = host_setup(dev);

		if (ret == -EAGAIN)
			return;
		if (ret) {
			dev->failed = true;
			be_printf(dev, "hotplug-status", "error");
			be_printf(dev, "hotplug-error",
				  "cannot set up the tap device");
			switch_state(dev, XenbusStateClosing);
			return;
		}
	}
	if (dev->failed)
		return;
	fe_state = read_int(dev->fe, "state", XenbusStateUnknown);
	if (dev->broken && fe_state != XenbusStateInitialising &&
	    fe_state != XenbusStateClosed) {
		netif_disconnect(dev);
		switch_state(dev, XenbusStateClosing);
		return;
	}
	switch (fe_state) {
	case XenbusStateInitialising:
		netif_disconnect(dev);
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
			log_info("%s: rings of an earlier netbackd: asking the "
				 "frontend to reconnect",
				 dev->name);
			switch_state(dev, XenbusStateClosing);
			break;
		}
		if (dev->be_state != XenbusStateInitWait)
			break;
		if (netif_connect(dev)) {
			be_printf(dev, "error", "cannot connect to the rings");
			switch_state(dev, XenbusStateClosing);
			break;
		}
		switch_state(dev, XenbusStateConnected);
		/* Serve what the frontend queued while we connected. */
		for (unsigned int i = 0; i < dev->nr_q; i++) {
			tx_work(&dev->q[i]);
			if (!dev->q[i].broken)
				rx_work(&dev->q[i]);
		}
		break;
	case XenbusStateClosing:
		netif_disconnect(dev);
		switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	default: /* Unknown: the frontend is gone */
		netif_disconnect(dev);
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

void xenbus_schedule(struct netdev *dev)
{
	event_active(dev->update_ev, EV_TIMEOUT, 0);
}

static struct netdev *dev_find(uint32_t domid, uint32_t devid)
{
	for (struct netdev *d = nb.devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static struct netdev *dev_create(uint32_t domid, uint32_t devid)
{
	struct netdev *dev = calloc(1, sizeof(*dev));
	char *fe = NULL, path[192], token[64], prefix[64];
	int fe_id;

	if (!dev)
		return NULL;
	dev->domid = domid;
	dev->devid = devid;
	dev->rl = (struct ratelimit)RATELIMIT_INIT(5, 10);
	for (unsigned int i = 0; i < NETBACK_MAX_QUEUES; i++)
		dev->tap_fds[i] = -1;
	snprintf(dev->name, sizeof(dev->name), "d%u/%u", domid, devid);
	snprintf(dev->be, sizeof(dev->be), "%s/%u/%u", nb.be_root, domid,
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
	dev->update_ev = event_new(nb.base, -1, 0, update_cb, dev);
	if (!dev->update_ev) {
		free(dev);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/state", dev->fe);
	snprintf(token, sizeof(token), "fe:%u:%u", domid, devid);
	if (!xs_watch(nb.xs, path, token))
		log_warn("%s: watch %s: %s", dev->name, path, strerror(errno));
	dev->next = nb.devs;
	nb.devs = dev;
	log_info("%s: new device, frontend %s", dev->name, dev->fe);
	return dev;
}

/* The backend directory of (domid, devid) changed. */
static void dev_check(uint32_t domid, uint32_t devid)
{
	struct netdev *dev = dev_find(domid, devid);
	char path[192];
	unsigned int len;
	char *s;

	snprintf(path, sizeof(path), "%s/%u/%u/state", nb.be_root, domid,
		 devid);
	s = xs_read(nb.xs, XBT_NULL, path, &len);
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

	for (struct netdev *d = nb.devs; d; d = d->next)
		d->seen = false;
	doms = xs_directory(nb.xs, XBT_NULL, nb.be_root, &nd);
	for (unsigned int i = 0; doms && i < nd; i++) {
		uint32_t domid, devid;
		char **devs;

		if (!parse_id(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%u", nb.be_root, domid);
		devs = xs_directory(nb.xs, XBT_NULL, path, &nv);
		for (unsigned int j = 0; devs && j < nv; j++)
			if (parse_id(devs[j], &devid))
				dev_check(domid, devid);
		free(devs);
	}
	free(doms);
	for (struct netdev *d = nb.devs, *next; d; d = next) {
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
		struct netdev *dev;

		if (sscanf(token, "fe:%" SCNu32 ":%" SCNu32, &domid, &devid) ==
			    2 &&
		    (dev = dev_find(domid, devid)) && !dev->removed)
			xenbus_update(dev);
		return;
	}
	/* Backend tree: find the device the change belongs to. */
	size_t rl = strlen(nb.be_root);
	char rest[128], *d1, *d2, *save;

	if (strncmp(path, nb.be_root, rl) || path[rl] != '/') {
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
	while ((w = xs_check_watch(nb.xs))) {
		handle_watch(w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
		free(w);
	}
	if (errno != EAGAIN) {
		log_err("xenstore connection lost: %s", strerror(errno));
		event_base_loopbreak(nb.base);
	}
}

int xenbus_init(void)
{
	const char *sock = getenv("XENSTORED_PATH");

	nb.xs = xs_open(0);
	if (!nb.xs) {
		log_err("cannot connect to xenstored (%s): %s",
			sock ? sock : "default socket", strerror(errno));
		return -errno;
	}
	snprintf(nb.be_root, sizeof(nb.be_root), "/local/domain/0/backend/vif");
	/* The watch fires once at once: that is our first scan. */
	if (!xs_watch(nb.xs, nb.be_root, "be")) {
		log_err("watch %s: %s", nb.be_root, strerror(errno));
		return -errno;
	}
	xs_ev = event_new(nb.base, xs_fileno(nb.xs), EV_READ | EV_PERSIST,
			  xs_cb, NULL);
	if (!xs_ev || event_add(xs_ev, NULL))
		return -ENOMEM;
	return 0;
}

/* Closes every vif (the frontends see Closed) and removes its tap. */
void xenbus_shutdown(void)
{
	nb.stopping = true;
	while (nb.devs) {
		struct netdev *d = nb.devs;

		xenbus_update(d);
		dev_free(d);
	}
	if (xs_ev)
		event_free(xs_ev);
	xs_unwatch(nb.xs, nb.be_root, "be");
	xs_close(nb.xs);
}
