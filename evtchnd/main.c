// SPDX-License-Identifier: MIT
/* evtchnd: the event-channel switch.  Arguments and the main loop only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "xenner/daemon.h"
#include "xenner/rundir.h"
#include "evtchnd.h"

struct opts {
	bool foreground;
	bool syslog;
	int loglevel;
	const char *pidfile;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: evtchnd [options]\n"
		"  -f, --foreground     do not daemonize\n"
		"      --loglevel LEVEL err, warn, info (default) or debug\n"
		"      --syslog         log to syslog instead of stderr\n"
		"      --rundir DIR     run directory (default $XENNER_RUNDIR"
		" or " XENNER_RUNDIR_DEFAULT ")\n"
		"      --pidfile FILE   default RUNDIR/evtchnd.pid\n"
		"  -h, --help           show this help\n");
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"loglevel", required_argument, NULL, 'l'},
		{"syslog", no_argument, NULL, 's'},
		{"rundir", required_argument, NULL, 'r'},
		{"pidfile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "fh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			o->loglevel = log_level_parse(optarg);
			if (o->loglevel < 0)
				die("bad --loglevel '%s'", optarg);
			break;
		case 's':
			o->syslog = true;
			break;
		case 'r':
			/* rundir_get() reads the environment. */
			if (!*optarg || setenv("XENNER_RUNDIR", optarg, 1))
				die("bad --rundir '%s'", optarg);
			break;
		case 'p':
			o->pidfile = optarg;
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

/*
 * Forks; the parent waits until the child reports that it is set up, so
 * the socket exists when the parent exits.  Returns the pipe to report on.
 */
static int daemonize(void)
{
	int pfd[2];
	char ok = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		close(pfd[1]);
		while (read(pfd[0], &ok, 1) < 0 && errno == EINTR)
			;
		_exit(ok == 1 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	return pfd[1];
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct opts o = {.loglevel = XLOG_INFO};
	char sock[108], pidfile[4096];
	struct event *sigterm, *sigint;
	struct event_base *base;
	int lfd, ready = -1, port, ret;

	parse_args(argc, argv, &o);
	log_init("evtchnd", o.loglevel, o.syslog);
	signal(SIGPIPE, SIG_IGN);

	if ((ret = rundir_ensure()))
		die("run directory %s: %s", rundir_get(), strerror(-ret));
	if (rundir_file(sock, sizeof(sock), EVTCHND_SOCK_NAME))
		die("run directory path too long: %s", rundir_get());
	if (!o.pidfile) {
		if (rundir_file(pidfile, sizeof(pidfile), "evtchnd.pid"))
			die("run directory path too long: %s", rundir_get());
		o.pidfile = pidfile;
	}
	lfd = setup_listen(sock);
	if (lfd == -EADDRINUSE)
		die("another evtchnd is running on %s", sock);
	if (lfd < 0)
		die("cannot listen on %s: %s", sock, strerror(-lfd));
	if (!o.foreground)
		ready = daemonize();

	if (domains_init())
		die("out of memory");
	/* evtchnd plays dom0's kernel for xenstored's own ring. */
	port = ports_alloc_unbound(&domain_get(0)->ports, 0, NULL);
	if (port < 0 || (ret = setup_xsd_files(port)))
		goto err_setup;
	if ((ret = setup_write_pidfile(o.pidfile, getpid())))
		goto err_setup;

	base = event_base_new();
	if (!base || conn_listen(base, lfd))
		die("cannot set up the event loop");
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (!sigterm || !sigint || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		die("cannot set up signal handling");

	log_info("listening on %s, xenstored port %d", sock, port);
	if (ready >= 0) {
		daemon_detach_stdio(o.syslog);
		if (write(ready, "\1", 1) != 1)
			log_warn("cannot report readiness");
		close(ready);
	}
	event_base_dispatch(base);

	conn_close_all();
	domains_fini();
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	close(lfd);
	setup_cleanup();
	return 0;

err_setup:
	setup_cleanup();
	die("cannot write files in %s: %s", rundir_get(),
	    strerror(port < 0 ? -port : -ret));
}
