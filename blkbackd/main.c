// SPDX-License-Identifier: MIT
/*
 * blkbackd: arguments, daemon set-up and the event loop.  See blkbackd.h
 * and blkbackd(8).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "xenner/daemon.h"

#include "blkbackd.h"

struct blkback bb;

static void usage(FILE *out)
{
	fprintf(out,
		"      --type NAME        serve backend/NAME (default vbd)\n"
		"      --max-queues N     multi-queue-max-queues (1-%d, "
		"default 4)\n"
		"      --max-ring-order N max-ring-page-order (0-%d, "
		"default %d)\n"
		"      --no-persistent    do not offer persistent grants\n",
		BLKBACK_MAX_QUEUES, BLKIF_MAX_RING_ORDER, BLKIF_MAX_RING_ORDER);
}

static void parse_arg(int c, const char *arg)
{
	switch (c) {
	case 't':
		if (!*arg || strchr(arg, '/') || strlen(arg) > 16)
			die("invalid backend type '%s'", arg);
		bb.type = arg;
		break;
	case 'q':
		bb.max_queues = daemon_parse_num(arg, "queue count", 1,
						 BLKBACK_MAX_QUEUES);
		break;
	case 'o':
		bb.max_ring_order = daemon_parse_num(arg, "ring order", 0,
						     BLKIF_MAX_RING_ORDER);
		break;
	case 'P':
		bb.persistent = false;
		break;
	}
}

static const struct option blkbackd_opts[] = {
	{"type", required_argument, NULL, 't'},
	{"max-queues", required_argument, NULL, 'q'},
	{"max-ring-order", required_argument, NULL, 'o'},
	{"no-persistent", no_argument, NULL, 'P'},
	{0},
};

static const struct daemon_args blkbackd_args = {
	.opts = blkbackd_opts,
	.parse = parse_arg,
	.usage = usage,
};

static void on_evtchn(evutil_socket_t fd, short what, void *arg)
{
	xenevtchn_port_or_error_t port;

	(void)fd;
	(void)what;
	(void)arg;
	port = xenevtchn_pending(bb.xce);
	if (port < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			log_err("event channel device: %s", strerror(errno));
			event_base_loopbreak(bb.base);
		}
		return;
	}
	blkif_port_event(port);
}

int main(int argc, char **argv)
{
	struct daemon d = {.prog = "blkbackd"};
	struct event *evt;

	bb.type = "vbd";
	bb.max_queues = 4;
	bb.max_ring_order = BLKIF_MAX_RING_ORDER;
	bb.persistent = true;
	daemon_init(&d, argc, argv, &blkbackd_args);
	daemon_background(&d);

	bb.xce = xenevtchn_open(NULL, 0);
	if (!bb.xce)
		die("cannot open the event channel device: %s",
		    strerror(errno));
	bb.xgt = xengnttab_open(NULL, 0);
	if (!bb.xgt)
		die("cannot open the grant device: %s", strerror(errno));
	/* Rings, persistent grants and in-flight pages of many devices. */
	if (xengnttab_set_max_grants(bb.xgt, 1u << 20))
		log_warn("set_max_grants: %s", strerror(errno));
	bb.base = event_base_new();
	if (!bb.base)
		die("cannot set up the event loop");
	if (xenbus_backend_init(&bb.xb, bb.base, bb.type, &blkback_ops))
		die("cannot watch xenstore");
	evt = event_new(bb.base, xenevtchn_fd(bb.xce), EV_READ | EV_PERSIST,
			on_evtchn, NULL);
	if (!evt || event_add(evt, NULL))
		die("cannot set up the event loop");
	daemon_ready(&d, bb.base, "closing all devices");
	log_info("serving %s", bb.xb.root);

	event_base_dispatch(bb.base);

	xenbus_backend_exit(&bb.xb);
	event_free(evt);
	daemon_exit(&d);
	xengnttab_close(bb.xgt);
	xenevtchn_close(bb.xce);
	event_base_free(bb.base);
	free(bb.ports);
	log_info("exiting");
	return 0;
}
