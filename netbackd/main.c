// SPDX-License-Identifier: MIT
/*
 * netbackd: arguments, daemon set-up and the event loop.  See netbackd.h
 * and netbackd(8).
 */
#include <errno.h>
#include <signal.h>
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

/* What a stalled vif is waiting for, without stopping anything. */
static void on_sigusr1(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	for (struct xenbus_device *xd = nb.xb.devs; xd; xd = xd->next)
		netif_log_state(xd);
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

int main(int argc, char **argv)
{
	struct daemon d = {.prog = "netbackd"};
	struct event *usr1;

	nb.max_queues = 4;
	nb.split_evtchn = true;
	daemon_init(&d, argc, argv, &netbackd_args);
	daemon_background(&d);

	if (tap_init())
		die("cannot open rtnetlink");
	nb.base = event_base_new();
	if (!nb.base)
		die("cannot set up the event loop");
	if (xenbus_backend_init(&nb.xb, nb.base, "vif", &netback_ops))
		die("cannot start serving backend/vif");
	usr1 = evsignal_new(nb.base, SIGUSR1, on_sigusr1, NULL);
	if (!usr1 || evsignal_add(usr1, NULL))
		die("cannot set up SIGUSR1");
	daemon_ready(&d, nb.base, "closing all vifs");
	log_info("serving %s", nb.xb.root);

	event_base_dispatch(nb.base);

	xenbus_backend_exit(&nb.xb);
	event_free(usr1);
	daemon_exit(&d);
	tap_exit();
	event_base_free(nb.base);
	log_info("exiting");
	return 0;
}
