// SPDX-License-Identifier: MIT
/*
 * blkbackd: arguments, daemon set-up and the event loop.  See blkbackd.h
 * and blkbackd(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "xenner/daemon.h"
#include "xenner/rundir.h"

#include "blkbackd.h"

struct blkback bb;

struct opts {
	bool foreground;
	bool syslog;
	int loglevel;
	const char *pidfile;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: blkbackd [options]\n"
		"  -f, --foreground       do not daemonize\n"
		"      --loglevel LEVEL   err, warn, info (default) or debug\n"
		"      --syslog           log to syslog instead of stderr\n"
		"      --rundir DIR       run directory (default "
		"$XENNER_RUNDIR or %s)\n"
		"      --pidfile FILE     default RUNDIR/blkbackd.pid\n"
		"      --type NAME        serve backend/NAME (default vbd)\n"
		"      --max-queues N     multi-queue-max-queues (1-%d, "
		"default 4)\n"
		"      --max-ring-order N max-ring-page-order (0-%d, "
		"default %d)\n"
		"      --no-persistent    do not offer persistent grants\n",
		XENNER_RUNDIR_DEFAULT, BLKBACK_MAX_QUEUES, BLKIF_MAX_RING_ORDER,
		BLKIF_MAX_RING_ORDER);
}

static long parse_num(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("invalid %s '%s' (%ld..%ld)", what, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"loglevel", required_argument, NULL, 'l'},
		{"syslog", no_argument, NULL, 's'},
		{"rundir", required_argument, NULL, 'r'},
		{"pidfile", required_argument, NULL, 'p'},
		{"type", required_argument, NULL, 't'},
		{"max-queues", required_argument, NULL, 'q'},
		{"max-ring-order", required_argument, NULL, 'o'},
		{"no-persistent", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "fh", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			o->loglevel = log_level_parse(optarg);
			if (o->loglevel < 0)
				die("invalid log level '%s'", optarg);
			break;
		case 's':
			o->syslog = true;
			break;
		case 'r':
			/* The shim libraries find evtchnd and vmcores here. */
			if (setenv("XENNER_RUNDIR", optarg, 1))
				die("setenv: %s", strerror(errno));
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 't':
			if (!*optarg || strchr(optarg, '/') ||
			    strlen(optarg) > 16)
				die("invalid backend type '%s'", optarg);
			bb.type = optarg;
			break;
		case 'q':
			bb.max_queues = parse_num(optarg, "queue count", 1,
						  BLKBACK_MAX_QUEUES);
			break;
		case 'o':
			bb.max_ring_order = parse_num(optarg, "ring order", 0,
						      BLKIF_MAX_RING_ORDER);
			break;
		case 'P':
			bb.persistent = false;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	log_info("signal %d: closing all devices", (int)sig);
	event_base_loopbreak(bb.base);
}

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
	struct opts o = {.loglevel = XLOG_INFO};
	struct event *sigterm, *sigint, *evt;
	char pidfile[4096];

	bb.type = "vbd";
	bb.max_queues = 4;
	bb.max_ring_order = BLKIF_MAX_RING_ORDER;
	bb.persistent = true;
	parse_args(argc, argv, &o);
	log_init("blkbackd", o.loglevel, o.syslog);
	signal(SIGPIPE, SIG_IGN);
	if (!o.pidfile) {
		if (rundir_file(pidfile, sizeof(pidfile), "blkbackd.pid"))
			die("run directory path too long: %s", rundir_get());
		o.pidfile = pidfile;
	}
	if (!o.foreground)
		daemon_detach(o.syslog);

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
	if (xenbus_init())
		die("cannot watch xenstore");
	evt = event_new(bb.base, xenevtchn_fd(bb.xce), EV_READ | EV_PERSIST,
			on_evtchn, NULL);
	sigterm = evsignal_new(bb.base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(bb.base, SIGINT, on_signal, NULL);
	if (!evt || !sigterm || !sigint || event_add(evt, NULL) ||
	    evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL))
		die("cannot set up the event loop");
	daemon_write_pidfile(o.pidfile, "blkbackd");
	log_info("serving %s", bb.be_root);

	event_base_dispatch(bb.base);

	xenbus_shutdown();
	event_free(evt);
	event_free(sigterm);
	event_free(sigint);
	xengnttab_close(bb.xgt);
	xenevtchn_close(bb.xce);
	event_base_free(bb.base);
	free(bb.ports);
	unlink(o.pidfile);
	log_info("exiting");
	return 0;
}
