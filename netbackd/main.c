// SPDX-License-Identifier: MIT
/*
 * netbackd: arguments, daemon set-up and the event loop.  See netbackd.h
 * and netbackd(8).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "xenner/daemon.h"

#include "netbackd.h"

struct netback nb;

static void usage(FILE *out)
{
	fprintf(out,
		"      --max-queues N     multi-queue-max-queues (1-%d, "
		"default 4)\n"
		"      --no-split-event-channels\n"
		"                         do not offer "
		"feature-split-event-channels\n",
		NETBACK_MAX_QUEUES);
}

static void parse_arg(int c, const char *arg)
{
	switch (c) {
	case 'q':
		nb.max_queues = daemon_parse_num(arg, "queue count", 1,
						 NETBACK_MAX_QUEUES);
		break;
	case 'S':
		nb.split_evtchn = false;
		break;
	}
}

static const struct option netbackd_opts[] = {
	{"max-queues", required_argument, NULL, 'q'},
	{"no-split-event-channels", no_argument, NULL, 'S'},
	{0},
};

static const struct daemon_args netbackd_args = {
	.opts = netbackd_opts,
	.parse = parse_arg,
	.usage = usage,
};

static void on_evtchn(evutil_socket_t fd, short what, void *arg)
{
	xenevtchn_port_or_error_t port;

	(void)fd;
	(void)what;
	(void)arg;
	port = xenevtchn_pending(nb.xce);
	if (port < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			log_err("event channel device: %s", strerror(errno));
			event_base_loopbreak(nb.base);
		}
		return;
	}
	netif_port_event(port);
}

int main(int argc, char **argv)
{
	struct daemon d = {.prog = "netbackd"};
	struct event *evt;

	nb.max_queues = 4;
	nb.split_evtchn = true;
	daemon_init(&d, argc, argv, &netbackd_args);
	daemon_background(&d);

	nb.xce = xenevtchn_open(NULL, 0);
	if (!nb.xce)
		die("cannot open the event channel device: %s",
		    strerror(errno));
	nb.xgt = xengnttab_open(NULL, 0);
	if (!nb.xgt)
		die("cannot open the grant device: %s", strerror(errno));
	/* Two ring pages per queue of every vif. */
	if (xengnttab_set_max_grants(nb.xgt, 1u << 16))
		log_warn("set_max_grants: %s", strerror(errno));
	if (tap_init())
		die("cannot open rtnetlink");
	nb.base = event_base_new();
	if (!nb.base)
		die("cannot set up the event loop");
	if (xenbus_backend_init(&nb.xb, nb.base, "vif", &netback_ops))
		die("cannot watch xenstore");
	evt = event_new(nb.base, xenevtchn_fd(nb.xce), EV_READ | EV_PERSIST,
			on_evtchn, NULL);
	if (!evt || event_add(evt, NULL))
		die("cannot set up the event loop");
	daemon_ready(&d, nb.base, "closing all vifs");
	log_info("serving %s", nb.xb.root);

	event_base_dispatch(nb.base);

	xenbus_backend_exit(&nb.xb);
	event_free(evt);
	daemon_exit(&d);
	tap_exit();
	xengnttab_close(nb.xgt);
	xenevtchn_close(nb.xce);
	event_base_free(nb.base);
	free(nb.ports);
	log_info("exiting");
	return 0;
}
