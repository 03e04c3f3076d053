// SPDX-License-Identifier: MIT
/*
 * netbackd: arguments, daemon set-up and the event loop.  See netbackd.h
 * and netbackd(8).
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

#include "netbackd.h"

struct netback nb;

struct opts {
	bool foreground;
	bool syslog;
	int loglevel;
	const char *pidfile;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netbackd [options]\n"
		"  -f, --foreground       do not daemonize\n"
		"      --loglevel LEVEL   err, warn, info (default) or debug\n"
		"      --syslog           log to syslog instead of stderr\n"
		"      --rundir DIR       run directory (default "
		"$XENNER_RUNDIR or %s)\n"
		"      --pidfile FILE     default RUNDIR/netbackd.pid\n"
		"      --max-queues N     multi-queue-max-queues (1-%d, "
		"default 4)\n"
		"      --no-split-event-channels\n"
		"                         do not offer "
		"feature-split-event-channels\n",
		XENNER_RUNDIR_DEFAULT, NETBACK_MAX_QUEUES);
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
		{"max-queues", required_argument, NULL, 'q'},
		{"no-split-event-channels", no_argument, NULL, 'S'},
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
		case 'q':
			nb.max_queues = parse_num(optarg, "queue count", 1,
						  NETBACK_MAX_QUEUES);
			break;
		case 'S':
			nb.split_evtchn = false;
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
	log_info("signal %d: closing all vifs", (int)sig);
	event_base_loopbreak(nb.base);
}

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
	struct opts o = {.loglevel = XLOG_INFO};
	struct event *sigterm, *sigint, *evt;
	char pidfile[4096];

	nb.max_queues = 4;
	nb.split_evtchn = true;
	parse_args(argc, argv, &o);
	log_init("netbackd", o.loglevel, o.syslog);
	signal(SIGPIPE, SIG_IGN);
	if (!o.pidfile) {
		if (rundir_file(pidfile, sizeof(pidfile), "netbackd.pid"))
			die("run directory path too long: %s", rundir_get());
		o.pidfile = pidfile;
	}
	if (!o.foreground)
		daemon_detach(o.syslog);

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
	if (xenbus_init())
		die("cannot watch xenstore");
	evt = event_new(nb.base, xenevtchn_fd(nb.xce), EV_READ | EV_PERSIST,
			on_evtchn, NULL);
	sigterm = evsignal_new(nb.base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(nb.base, SIGINT, on_signal, NULL);
	if (!evt || !sigterm || !sigint || event_add(evt, NULL) ||
	    evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL))
		die("cannot set up the event loop");
	daemon_write_pidfile(o.pidfile, "netbackd");
	log_info("serving %s", nb.be_root);

	event_base_dispatch(nb.base);

	xenbus_shutdown();
	event_free(evt);
	event_free(sigterm);
	event_free(sigint);
	tap_exit();
	xengnttab_close(nb.xgt);
	xenevtchn_close(nb.xce);
	event_base_free(nb.base);
	free(nb.ports);
	unlink(o.pidfile);
	log_info("exiting");
	return 0;
}
