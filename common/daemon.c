// SPDX-License-Identifier: MIT
/* Start-up shared by the daemons; see include/xenner/daemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "xenner/daemon.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

/* Above any char a daemon's own options use. */
enum {
	OPT_LOGLEVEL = 0x100,
	OPT_SYSLOG,
	OPT_RUNDIR,
	OPT_PIDFILE,
};

static const struct option shared_opts[] = {
	{"foreground", no_argument, NULL, 'f'},
	{"loglevel", required_argument, NULL, OPT_LOGLEVEL},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	{"rundir", required_argument, NULL, OPT_RUNDIR},
	{"pidfile", required_argument, NULL, OPT_PIDFILE},
	{"help", no_argument, NULL, 'h'},
};

#define NR_SHARED (sizeof(shared_opts) / sizeof(shared_opts[0]))
#define MAX_OPTS  32

static void usage(const struct daemon *d, const struct daemon_args *args,
		  FILE *out)
{
	fprintf(out,
		"usage: %s [options]\n"
		"  -f, --foreground       do not daemonize\n"
		"      --loglevel LEVEL   err, warn, info (default) or debug\n"
		"      --syslog           log to syslog instead of stderr\n"
		"      --rundir DIR       run directory (default "
		"$XENNER_RUNDIR or %s)\n"
		"      --pidfile FILE     default RUNDIR/%s.pid\n",
		d->prog, XENNER_RUNDIR_DEFAULT, d->prog);
	if (args->usage)
		args->usage(out);
	fprintf(out, "  -h, --help             show this help\n");
}

/*
 * The daemon leaves its working directory (daemon_background), so a
 * relative --rundir or --pidfile is made absolute while it still counts.
 */
static const char *absolute(const char *path, char *buf, size_t len)
{
	char cwd[4096];

	if (path[0] == '/')
		return path;
	if (!getcwd(cwd, sizeof(cwd)) ||
	    (size_t)snprintf(buf, len, "%s/%s", cwd, path) >= len)
		die("cannot make '%s' an absolute path", path);
	return buf;
}

static void parse(struct daemon *d, int argc, char **argv,
		  const struct daemon_args *args)
{
	static char rundir_buf[4096];
	struct option opts[MAX_OPTS];
	size_t n = NR_SHARED;
	int c;

	memcpy(opts, shared_opts, sizeof(shared_opts));
	for (const struct option *o = args->opts; o && o->name; o++) {
		if (n + 1 >= MAX_OPTS)
			die("%s: too many options", d->prog);
		opts[n++] = *o;
	}
	opts[n] = (struct option){0};
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d->foreground = true;
			break;
		case OPT_LOGLEVEL:
			d->loglevel = log_level_parse(optarg);
			if (d->loglevel < 0)
				die("invalid log level '%s'", optarg);
			break;
		case OPT_SYSLOG:
			d->syslog = true;
			break;
		case OPT_RUNDIR:
			if (!*optarg)
				die("invalid run directory ''");
			/* rundir_get() and the shim libraries read it. */
			if (setenv("XENNER_RUNDIR",
				   absolute(optarg, rundir_buf,
					    sizeof(rundir_buf)),
				   1))
				die("setenv: %s", strerror(errno));
			break;
		case OPT_PIDFILE:
			d->pidfile = absolute(optarg, d->pidfile_buf,
					      sizeof(d->pidfile_buf));
			break;
		case 'h':
			usage(d, args, stdout);
			exit(0);
		default:
			if (c == '?' || !args->parse) {
				usage(d, args, stderr);
				exit(2);
			}
			args->parse(c, optarg);
			break;
		}
	}
	if (optind < argc) {
		usage(d, args, stderr);
		exit(2);
	}
}

void daemon_init(struct daemon *d, int argc, char **argv,
		 const struct daemon_args *args)
{
	char name[64];

	d->loglevel = XLOG_INFO;
	d->ready_fd = -1;
	/* Option errors carry our name too. */
	log_init(d->prog, d->loglevel, false);
	parse(d, argc, argv, args);
	log_init(d->prog, d->loglevel, d->syslog);
	signal(SIGPIPE, SIG_IGN);
	if (!d->pidfile) {
		snprintf(name, sizeof(name), "%s.pid", d->prog);
		if (rundir_file(d->pidfile_buf, sizeof(d->pidfile_buf), name))
			die("run directory path too long: %s", rundir_get());
		d->pidfile = d->pidfile_buf;
	}
}

void daemon_background(struct daemon *d)
{
	int pfd[2];
	char ok = 0;
	pid_t pid;

	if (d->foreground)
		return;
	if (pipe2(pfd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		/* Whoever started us may use the daemon once we return. */
		close(pfd[1]);
		while (read(pfd[0], &ok, 1) < 0 && errno == EINTR)
			;
		_exit(ok == 1 ? 0 : 1);
	}
	close(pfd[0]);
	d->ready_fd = pfd[1];
	setsid();
	if (chdir("/"))
		die("chdir /: %s", strerror(errno));
}

/*
 * Dies if the pidfile names another live process (the daemon runs
 * twice); one naming us (xenner-dom0 wrote it) or a dead process is
 * overwritten.
 */
static void write_pidfile(const struct daemon *d)
{
	FILE *f = fopen(d->pidfile, "r");
	char buf[32];
	long pid;
	int fd;

	if (f) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() &&
		    !kill(pid, 0))
			die("another %s (pid %ld) runs: %s", d->prog, pid,
			    d->pidfile);
		fclose(f);
	}
	fd = open(d->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		die("cannot write %s: %s", d->pidfile, strerror(errno));
	close(fd);
}

/* Points stdin and stdout (and stderr with syslog) at /dev/null. */
static void detach_stdio(bool syslog)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	/* Without syslog, stderr is where the log goes: keep it. */
	if (syslog)
		dup2(fd, STDERR_FILENO);
	close(fd);
}

static const char *stop_why;

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: %s", (int)sig, stop_why);
	event_base_loopbreak(arg);
}

void daemon_ready(struct daemon *d, struct event_base *base, const char *why)
{
	static const int signals[] = {SIGTERM, SIGINT};

	stop_why = why;
	for (int i = 0; i < 2; i++) {
		d->sigs[i] = evsignal_new(base, signals[i], on_signal, base);
		if (!d->sigs[i] || evsignal_add(d->sigs[i], NULL))
			die("cannot set up signal handling");
	}
	write_pidfile(d);
	if (d->ready_fd < 0)
		return;
	detach_stdio(d->syslog);
	if (write(d->ready_fd, "\1", 1) != 1)
		log_warn("cannot report readiness");
	close(d->ready_fd);
	d->ready_fd = -1;
}

void daemon_exit(struct daemon *d)
{
	for (int i = 0; i < 2; i++)
		if (d->sigs[i])
			event_free(d->sigs[i]);
	unlink(d->pidfile);
}

long daemon_parse_num(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("invalid %s '%s' (%ld..%ld)", what, s, min, max);
	return v;
}
