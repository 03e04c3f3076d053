// SPDX-License-Identifier: MIT
/*
 * netbackd's part of the xenstore side (the rest is the backend core,
 * common/xenbus-backend.c): we are also the vif's hotplug script, so the
 * tap is made and bridged before we answer, and "hotplug-status" says so;
 * then the features, and the ring hooks of the state machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <event2/event.h>

#include "netbackd.h"

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
	struct xenbus_device *xd = &dev->xd;
	int ret = 0;

	ret |= xenbus_printf(xd, "feature-sg", "1");
	ret |= xenbus_printf(xd, "feature-gso-tcpv4", "1");
	ret |= xenbus_printf(xd, "feature-gso-tcpv6", "1");
	ret |= xenbus_printf(xd, "feature-ipv6-csum-offload", "1");
	ret |= xenbus_printf(xd, "feature-rx-copy", "1");
	ret |= xenbus_printf(xd, "feature-rx-flip", "0");
	ret |= xenbus_printf(xd, "feature-split-event-channels", "%d",
			     nb.split_evtchn);
	ret |= xenbus_printf(xd, "multi-queue-max-queues", "%u", nb.max_queues);
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
	struct xenbus_device *xd = &dev->xd;
	char *mac = xenbus_read(xd, xd->be, "mac");
	char *bridge = xenbus_read(xd, xd->be, "bridge");
	char *vifname = xenbus_read(xd, xd->be, "vifname");
	int ret = -EINVAL;

	if (!mac) {
		/* The toolstack has not written it yet. */
		ret = -EAGAIN;
		goto out;
	}
	if (!parse_mac(mac, dev->mac)) {
		log_err("%s: bad mac '%s'", xd->name, mac);
		goto out;
	}
	if (bridge && *bridge) {
		if (strlen(bridge) >= sizeof(dev->bridge) ||
		    strchr(bridge, '/')) {
			log_err("%s: bad bridge name '%s'", xd->name, bridge);
			goto out;
		}
		strcpy(dev->bridge, bridge);
	}
	if (vifname && *vifname) {
		if (strlen(vifname) >= sizeof(dev->ifname) ||
		    strchr(vifname, '/') || strchr(vifname, ' ')) {
			log_err("%s: bad vifname '%s'", xd->name, vifname);
			goto out;
		}
		strcpy(dev->ifname, vifname);
	} else if ((size_t)snprintf(dev->ifname, sizeof(dev->ifname),
				    "vif%u.%u", xd->domid,
				    xd->devid) >= sizeof(dev->ifname)) {
		log_err("%s: interface name too long", xd->name);
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
	ret |= xenbus_printf(xd, "hotplug-status", "connected");
	log_info("%s: %s, guest mac %s%s%s", xd->name, dev->ifname, mac,
		 dev->bridge[0] ? ", bridge " : "", dev->bridge);
out:
	free(mac);
	free(bridge);
	free(vifname);
	return ret;
}

static struct xenbus_device *net_alloc(void)
{
	struct netdev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	for (unsigned int i = 0; i < NETBACK_MAX_QUEUES; i++)
		dev->tap_fds[i] = -1;
	return &dev->xd;
}

static int net_probe(struct xenbus_device *xd)
{
	int ret = host_setup(netdev_of(xd));

	if (ret && ret != -EAGAIN) {
		xenbus_printf(xd, "hotplug-status", "error");
		xenbus_printf(xd, "hotplug-error",
			      "cannot set up the tap device");
	}
	return ret;
}

/* Serve what the frontend queued while we connected. */
static void net_connected(struct xenbus_device *xd)
{
	struct netdev *dev = netdev_of(xd);

	for (unsigned int i = 0; i < dev->nr_q; i++) {
		tx_work(&dev->q[i]);
		if (!dev->q[i].broken)
			rx_work(&dev->q[i]);
	}
}

static void net_free(struct xenbus_device *xd)
{
	struct netdev *dev = netdev_of(xd);

	netif_disconnect(xd);
	if (dev->idle_ev)
		event_free(dev->idle_ev);
	if (dev->host_ready)
		tap_destroy(dev);
	free(dev);
}

const struct xenbus_backend_ops netback_ops = {
	.stale = "rings of an earlier netbackd",
	.adopts_rings = true,
	.alloc = net_alloc,
	.probe = net_probe,
	.connect = netif_connect,
	.connected = net_connected,
	.disconnect = netif_disconnect,
	.free = net_free,
	.port_event = netif_port_event,
	/* Two ring pages per queue of every vif. */
	.max_grants = 1u << 16,
};
