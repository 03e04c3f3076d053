// SPDX-License-Identifier: MIT
/*
 * The host side of a vif: a tap device vif<domid>.<devid> with a
 * virtio-net header on every frame (so checksum offload and GSO pass
 * through), one file descriptor per queue (IFF_MULTI_QUEUE), brought up
 * and put on a bridge with rtnetlink through libnl-route.  The tap is not
 * persistent: it goes away when we close it or die.
 *
 * Like Linux's netback, the host end gets the MAC fe:ff:ff:ff:ff:ff: the
 * guest's own MAC is the guest's, and a high address keeps a bridge from
 * taking its MAC from a vif.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "netbackd.h"

static const uint8_t host_mac[6] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff};

int tap_init(void)
{
	int ret;

	nb.nl = nl_socket_alloc();
	if (!nb.nl)
		return -ENOMEM;
	ret = nl_connect(nb.nl, NETLINK_ROUTE);
	if (ret < 0) {
		log_err("rtnetlink: %s", nl_geterror(ret));
		nl_socket_free(nb.nl);
		nb.nl = NULL;
		return -EIO;
	}
	return 0;
}

void tap_exit(void)
{
	if (nb.nl)
		nl_socket_free(nb.nl);
	nb.nl = NULL;
}

static int tap_open(struct netdev *dev)
{
	struct ifreq ifr = {0};
	int fd, hdr = sizeof(struct virtio_net_hdr);

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (nb.max_queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Up, our MAC, and the bridge if the toolstack named one. */
static int link_setup(struct netdev *dev)
{
	struct rtnl_link *link = NULL, *change = NULL, *br = NULL;
	struct nl_addr *addr = NULL;
	const char *what = "look-up";
	int ret;

	ret = rtnl_link_get_kernel(nb.nl, 0, dev->ifname, &link);
	if (ret < 0)
		goto out;
	change = rtnl_link_alloc();
	addr = nl_addr_build(AF_LLC, host_mac, sizeof(host_mac));
	if (!change || !addr) {
		ret = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_addr(change, addr);
	rtnl_link_set_flags(change, IFF_UP);
	if (dev->bridge[0]) {
		what = "bridge look-up";
		ret = rtnl_link_get_kernel(nb.nl, 0, dev->bridge, &br);
		if (ret < 0)
			goto out;
		if (!rtnl_link_get_type(br) ||
		    strcmp(rtnl_link_get_type(br), "bridge")) {
			log_err("%s: %s is not a bridge", dev->xd.name,
				dev->bridge);
			ret = -NLE_INVAL;
			goto out;
		}
		rtnl_link_set_master(change, rtnl_link_get_ifindex(br));
	}
	what = "set up";
	ret = rtnl_link_change(nb.nl, link, change, 0);
out:
	if (ret < 0)
		log_err("%s: %s %s%s%s: %s", dev->xd.name, dev->ifname, what,
			br || dev->bridge[0] ? " on " : "", dev->bridge,
			nl_geterror(ret));
	nl_addr_put(addr);
	rtnl_link_put(br);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return ret < 0 ? -EIO : 0;
}

int tap_create(struct netdev *dev)
{
	int fd, ret;

	for (unsigned int i = 0; i < NETBACK_MAX_QUEUES; i++)
		dev->tap_fds[i] = -1;
	fd = tap_open(dev);
	if (fd < 0) {
		log_err("%s: cannot create tap %s: %s", dev->xd.name,
			dev->ifname, strerror(-fd));
		return fd;
	}
	dev->tap_fds[0] = fd;
	tap_set_carrier(dev, false);
	ret = link_setup(dev);
	if (ret) {
		tap_destroy(dev);
		return ret;
	}
	return 0;
}

int tap_open_queues(struct netdev *dev, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		int fd = tap_open(dev);

		if (fd < 0) {
			log_warn("%s: tap queue %u: %s", dev->xd.name, i,
				 strerror(-fd));
			tap_close_queues(dev);
			return fd;
		}
		dev->tap_fds[i] = fd;
	}
	return 0;
}

void tap_close_queues(struct netdev *dev)
{
	for (unsigned int i = 1; i < NETBACK_MAX_QUEUES; i++) {
		if (dev->tap_fds[i] >= 0)
			close(dev->tap_fds[i]);
		dev->tap_fds[i] = -1;
	}
}

int tap_set_offload(struct netdev *dev, const struct netif_feat *f)
{
	unsigned int off = 0;

	/* One blank-checksum family is enough: rx.c completes the other. */
	if (f && (f->csum4 || f->csum6)) {
		off |= TUN_F_CSUM;
		/* A GSO frame spans many buffers: only with feature-sg. */
		if (f->sg && f->gso4 && f->csum4)
			off |= TUN_F_TSO4;
		if (f->sg && f->gso6 && f->csum6)
			off |= TUN_F_TSO6;
	}
	if (ioctl(dev->tap_fds[0], TUNSETOFFLOAD, off)) {
		log_warn("%s: TUNSETOFFLOAD %#x: %s", dev->xd.name, off,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* The link is up for the host only while the frontend is connected. */
void tap_set_carrier(struct netdev *dev, bool on)
{
	int v = on;

	/* Linux 5.0+; without it the tap is simply always "up". */
	if (ioctl(dev->tap_fds[0], TUNSETCARRIER, &v) && errno != EINVAL &&
	    errno != ENOTTY)
		log_debug("%s: TUNSETCARRIER: %s", dev->xd.name,
			  strerror(errno));
}

void tap_destroy(struct netdev *dev)
{
	tap_close_queues(dev);
	if (dev->tap_fds[0] >= 0)
		close(dev->tap_fds[0]);
	dev->tap_fds[0] = -1;
}
