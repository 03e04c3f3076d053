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
		"      --no-persistent    do not offer persistent grants\n"
		"      --max-maps N       per-request grant maps of all rings "
		"at once\n"
		"                         (default: half of vm.max_map_count)\n",
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
	case 'M':
		bb.max_maps = daemon_parse_num(arg, "map count", 256, 1u << 30);
		break;
	}
}

/* Half of what the host lets a process map: the rest is everyone else's
 * (libraries, the persistent grants, the rings). */
static unsigned int default_max_maps(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	unsigned long n = 0;

	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	n /= 2;
	return n < 4096 ? 4096 : n > (1u << 30) ? 1u << 30 : n;
}

static const struct option blkbackd_opts[] = {
	{"type", required_argument, NULL, 't'},
	{"max-queues", required_argument, NULL, 'q'},
	{"max-ring-order", required_argument, NULL, 'o'},
	{"no-persistent", no_argument, NULL, 'P'},
	{"max-maps", required_argument, NULL, 'M'},
	{0},
};

static const struct daemon_args blkbackd_args = {
	.opts = blkbackd_opts,
	.parse = parse_arg,
	.usage = usage,
};

int main(int argc, char **argv)
{
	struct daemon d = {.prog = "blkbackd"};

	bb.type = "vbd";
	bb.max_queues = 4;
	bb.max_ring_order = BLKIF_MAX_RING_ORDER;
	bb.persistent = true;
	daemon_init(&d, argc, argv, &blkbackd_args);
	if (!bb.max_maps)
		bb.max_maps = default_max_maps();
	daemon_background(&d);

	bb.base = event_base_new();
	if (!bb.base)
		die("cannot set up the event loop");
	if (xenbus_backend_init(&bb.xb, bb.base, bb.type, &blkback_ops))
		die("cannot start serving backend/%s", bb.type);
	daemon_ready(&d, bb.base, "closing all devices");
	log_info("serving %s", bb.xb.root);

	event_base_dispatch(bb.base);

	xenbus_backend_exit(&bb.xb);
	daemon_exit(&d);
	event_base_free(bb.base);
	log_info("exiting");
	return 0;
}
