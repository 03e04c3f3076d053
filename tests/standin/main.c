// SPDX-License-Identifier: MIT
/*
 * xenner-standin: start-up, event loop and tear-down.  See standin.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <xen/sched.h>

#include "xenner/log.h"

#include "../testdom/gnttab.h"
#include "standin.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenner-standin [options] COMMAND... | -\n"
		"  --name NAME        domain name (default standin)\n"
		"  --pages N          RAM pages (default 256, at least %d)\n"
		"  --timeout-ms MS    limit for every wait (default 5000)\n"
		"  --no-xenstore      skip the toolstack and the store ring\n"
		"  --loglevel LEVEL   err, warn, info or debug\n"
		"Commands (one per argument, or one per line on stdin with -):\n"
		"  write PATH VALUE | read PATH | ls PATH | rm PATH\n"
		"  watch PATH TOKEN | wait-watch TOKEN [TIMEOUT_MS] | "
		"unwatch PATH TOKEN\n"
		"  console TEXT | sleep MS | domid | wait-signal | "
		"shutdown REASON\n"
		"Each command prints one line: OK, the value, or ERROR <EXXX>\n"
		"for a xenstore error reply; any other failure stops the\n"
		"script with exit status 1.  SIGTERM/SIGINT end it cleanly.\n"
		"Relative paths are relative to /local/domain/<domid>.\n",
		STANDIN_MIN_PAGES);
}

static int handle_event(struct standin *s, const struct evtchnd_event *ev)
{
	int ret;

	switch (ev->type) {
	case EVTCHND_EV_PORT:
		/* Unmask first: a later send then raises a new event. */
		ret = evtchn_client_unmask(&td.ec, ev->port);
		if (ret < 0) {
			log_err("unmask port %u: %s", ev->port, strerror(-ret));
			return ret;
		}
		return 0;
	case EVTCHND_EV_SHUTDOWN:
		log_info("domain %" PRIu32 " shut down, reason %u", td.domid,
			 ev->arg);
		td_set_shutdown(ev->arg);
		return 0;
	case EVTCHND_EV_DESTROY:
		log_info("domain %" PRIu32 " destroyed by dom0", td.domid);
		s->destroyed = true;
		return -ENODEV;
	default:
		log_warn("unknown event type %u from evtchnd", ev->type);
		return 0;
	}
}

static int drain_events(struct standin *s)
{
	struct evtchnd_event ev;
	int ret;

	while ((ret = evtchn_client_read_event(&td.ec, &ev)) == 1) {
		ret = handle_event(s, &ev);
		if (ret)
			return ret;
	}
	if (ret < 0) {
		log_err("evtchnd connection lost: %s", strerror(-ret));
		return -EPIPE;
	}
	return 0;
}

static int read_signal(struct standin *s)
{
	struct signalfd_siginfo si;

	if (read(s->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGUSR1)
		s->got_usr1 = true;
	else
		s->stop_signal = si.ssi_signo;
	return 0;
}

int standin_wait(struct standin *s, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{.fd = td.ec.event_fd, .events = POLLIN},
		{.fd = s->sigfd, .events = POLLIN},
	};
	int n, ret;

	if (s->destroyed)
		return -ENODEV;
	if (s->stop_signal)
		return -EINTR;
	n = poll(pfd, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (pfd[1].revents & POLLIN)
		read_signal(s);
	if (pfd[0].revents) {
		ret = drain_events(s);
		if (ret)
			return ret;
		if (pfd[0].revents & (POLLHUP | POLLERR)) {
			log_err("evtchnd closed the event channel socket");
			return -EPIPE;
		}
	}
	return s->stop_signal ? -EINTR : 0;
}

int standin_console(struct standin *s, const char *data, size_t len)
{
	int64_t deadline = td_now_ms() + s->timeout_ms;
	ssize_t n;
	int ret;

	while (len) {
		n = console_ring_write(s->cons, data, len);
		if (n < 0) {
			log_err("console ring indices are corrupt");
			return -EIO;
		}
		if (n > 0) {
			data += n;
			len -= n;
			ret = evtchn_client_send(&td.ec, s->console_port);
			if (ret < 0) {
				log_err("notify console port %u: %s",
					s->console_port, strerror(-ret));
				return ret;
			}
			continue;
		}
		/* Full: the console daemon notifies us when it reads. */
		if (td_now_ms() >= deadline)
			return -ETIMEDOUT;
		ret = standin_wait(s, deadline - td_now_ms());
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
	return 0;
}

static int xs_notify(void *opaque)
{
	struct standin *s = opaque;
	int ret = evtchn_client_send(&td.ec, s->store_port);

	if (ret < 0)
		log_err("notify store port %u: %s", s->store_port,
			strerror(-ret));
	return ret;
}

static int xs_wait(void *opaque, int timeout_ms)
{
	return standin_wait(opaque, timeout_ms);
}

static const struct xs_ring_ops xs_ops = {
	.notify = xs_notify,
	.wait = xs_wait,
};

static int alloc_port(const char *what, uint32_t *port)
{
	int ret = evtchn_client_alloc_unbound(&td.ec, 0);

	if (ret < 0) {
		log_err("allocate %s event channel: %s", what, strerror(-ret));
		return ret;
	}
	*port = ret;
	return 0;
}

/* What xenner's domain builder does, minus the kernel. */
static int build_domain(struct standin *s)
{
	struct vmcore_domain *d;
	int ret;

	ret = td_create(s->name, s->nr_pages, STANDIN_GNTTAB_PFN, 1);
	if (!ret)
		ret = alloc_port("xenstore", &s->store_port);
	if (!ret)
		ret = alloc_port("console", &s->console_port);
	if (!ret)
		ret = gnttab_grant_access(td.gnttab, VMCORE_GNTTAB_PER_FRAME,
					  GNTTAB_RESERVED_CONSOLE, 0,
					  STANDIN_CONSOLE_PFN, false);
	if (!ret)
		ret = gnttab_grant_access(td.gnttab, VMCORE_GNTTAB_PER_FRAME,
					  GNTTAB_RESERVED_XENSTORE, 0,
					  STANDIN_STORE_PFN, false);
	if (ret)
		return ret;
	s->cons = (void *)td_page(STANDIN_CONSOLE_PFN);

	d = td.vc.dom;
	d->shared_info_pfn = STANDIN_SHARED_INFO_PFN;
	d->store_pfn = STANDIN_STORE_PFN;
	d->console_pfn = STANDIN_CONSOLE_PFN;
	d->store_port = s->store_port;
	d->console_port = s->console_port;
	td_start();
	log_info("domain %" PRIu32 " '%s': %" PRIu64 " pages, store port %u, "
		 "console port %u",
		 td.domid, s->name, s->nr_pages, s->store_port,
		 s->console_port);
	return 0;
}

static void teardown(struct standin *s)
{
	toolstack_release(s);
	xs_ring_cleanup(&s->xs);
	td_destroy();
}

static struct standin *script_standin;

static int run_line(char *line)
{
	return script_run_line(script_standin, line);
}

static int parse_int(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		die("invalid %s '%s' (%ld..%ld)", what, s, min, max);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"pages", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"no-xenstore", no_argument, NULL, 'X'},
		{"loglevel", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct standin s = {
		.name = "standin",
		.nr_pages = 256,
		.timeout_ms = 5000,
		.use_xenstore = true,
		.sigfd = -1,
	};
	sigset_t sigs;
	int c, ret;

	log_init("xenner-standin", XLOG_WARN, false);
	/* "+": commands such as "write a -1" are not options. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (strlen(optarg) >= VMCORE_NAME_LEN)
				die("name longer than %d bytes",
				    VMCORE_NAME_LEN - 1);
			s.name = optarg;
			break;
		case 'p':
			s.nr_pages = parse_int(optarg, "page count",
					       STANDIN_MIN_PAGES, 1L << 20);
			break;
		case 't':
			s.timeout_ms = parse_int(optarg, "timeout", 1,
						 24 * 3600 * 1000);
			break;
		case 'X':
			s.use_xenstore = false;
			break;
		case 'l':
			ret = log_level_parse(optarg);
			if (ret < 0)
				die("invalid log level '%s'", optarg);
			log_set_level(ret);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* Results are read line by line by shell tests, maybe via a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	s.sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sigfd < 0)
		die("signalfd: %s", strerror(errno));
	xs_ring_init(&s.xs, NULL, &xs_ops, &s, s.timeout_ms);

	ret = build_domain(&s);
	if (!ret && s.use_xenstore) {
		ret = toolstack_open(&s);
		if (!ret)
			ret = toolstack_introduce(&s);
		s.xs.intf = (void *)td_page(STANDIN_STORE_PFN);
	}
	script_standin = &s;
	if (!ret)
		ret = td_run_script(argc - optind, argv + optind, run_line,
				    &script_done);
	/* A stop signal or a destroy by dom0 ends the guest normally. */
	if (s.stop_signal)
		log_info("stopped by signal %d", s.stop_signal);
	teardown(&s);
	close(s.sigfd);
	if (s.destroyed || s.stop_signal)
		return 0;
	return ret ? 1 : 0;
}
