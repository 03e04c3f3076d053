// SPDX-License-Identifier: MIT
/*
 * The backend core's event channels and grants: the two device handles
 * every backend opens, and the local port -> ring table that sends each
 * event to the ring it belongs to (ops->port_event).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "xenner/xenbus-backend.h"

static void on_evtchn(evutil_socket_t fd, short what, void *arg)
{
	struct xenbus_backend *xb = arg;
	xenevtchn_port_or_error_t port;
	void *ctx = NULL;

	(void)fd;
	(void)what;
	port = xenevtchn_pending(xb->xce);
	if (port < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			log_err("event channel device: %s", strerror(errno));
			event_base_loopbreak(xb->base);
		}
		return;
	}
	if ((unsigned int)port < xb->nr_ports)
		ctx = xb->ports[port];
	/* Unmask first: an event sent while we work raises a new one. */
	if (xenevtchn_unmask(xb->xce, port))
		log_debug("unmask port %u: %s", port, strerror(errno));
	if (ctx)
		xb->ops->port_event(ctx, port);
}

int xenbus_evtchn_open(struct xenbus_backend *xb)
{
	xb->xce = xenevtchn_open(NULL, 0);
	if (!xb->xce) {
		log_err("cannot open the event channel device: %s",
			strerror(errno));
		return -errno;
	}
	xb->xgt = xengnttab_open(NULL, 0);
	if (!xb->xgt) {
		log_err("cannot open the grant device: %s", strerror(errno));
		return -errno;
	}
	if (xengnttab_set_max_grants(xb->xgt, xb->ops->max_grants))
		log_warn("set_max_grants: %s", strerror(errno));
	xb->evtchn_ev = event_new(xb->base, xenevtchn_fd(xb->xce),
				  EV_READ | EV_PERSIST, on_evtchn, xb);
	if (!xb->evtchn_ev || event_add(xb->evtchn_ev, NULL))
		return -ENOMEM;
	return 0;
}

void xenbus_evtchn_close(struct xenbus_backend *xb)
{
	if (xb->evtchn_ev)
		event_free(xb->evtchn_ev);
	if (xb->xgt)
		xengnttab_close(xb->xgt);
	if (xb->xce)
		xenevtchn_close(xb->xce);
	free(xb->ports);
}

int xenbus_evtchn_bind(struct xenbus_device *dev, unsigned long remote,
		       void *ctx)
{
	struct xenbus_backend *xb = dev->back;
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(xb->xce, dev->domid, remote);
	if (port < 0) {
		log_warn("%s: cannot bind event channel %lu: %s", dev->name,
			 remote, strerror(errno));
		return -errno;
	}
	if ((unsigned int)port >= xb->nr_ports) {
		unsigned int n = port + 64;
		void **p = realloc(xb->ports, n * sizeof(*p));

		if (!p) {
			xenevtchn_unbind(xb->xce, port);
			return -ENOMEM;
		}
		memset(p + xb->nr_ports, 0, (n - xb->nr_ports) * sizeof(*p));
		xb->ports = p;
		xb->nr_ports = n;
	}
	xb->ports[port] = ctx;
	return port;
}

void xenbus_evtchn_unbind(struct xenbus_device *dev, evtchn_port_t port)
{
	struct xenbus_backend *xb = dev->back;

	if (!port)
		return;
	if (port < xb->nr_ports)
		xb->ports[port] = NULL;
	if (xenevtchn_unbind(xb->xce, port))
		log_warn("%s: unbind port %u: %s", dev->name, port,
			 strerror(errno));
}
