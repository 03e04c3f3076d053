// SPDX-License-Identifier: MIT
/*
 * xm create: turns an xm configuration into a xenner command line and
 * starts it under a small monitor process, which outlives xenner-xm,
 * keeps the domain's log and applies on_poweroff/on_reboot/on_crash when
 * xenner ends (xenner's exit status says how the domain ended).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xenner/rundir.h"
#include "xenner/vmcore.h"
#include "xm.h"
#include "xmdom.h"

/* Too many restarts in a short time: the guest is broken, stop. */
#define RESTART_BURST  5
#define RESTART_WINDOW 60

/* xenner's own options with their values, then the repeated ones */
#define MAX_ARGS                                                               \
	(24 + 2 * XMDOM_MAX_DISKS + 2 * XMDOM_MAX_VIFS +                       \
	 2 * (1 + XMDOM_MAX_BOOTLOADER_ARGS))

static char xenner_path[PATH_MAX];

/* $XENNER, else beside us (installed), else the build tree's. */
const char *xm_xenner_path(void)
{
	return find_xenner() ? NULL : xenner_path;
}

int find_xenner(void)
{
	const char *env = getenv("XENNER");
	char exe[PATH_MAX], *dir;
	ssize_t n;

	if (env) {
		snprintf(xenner_path, sizeof(xenner_path), "%s", env);
		return access(xenner_path, X_OK);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(xenner_path, sizeof(xenner_path), "%s/xenner", dir);
	if (!access(xenner_path, X_OK))
		return 0;
	snprintf(xenner_path, sizeof(xenner_path), "%s/../../xenner/xenner",
		 dir);
	return access(xenner_path, X_OK);
}

/* Does this xenner have an option?  (-net arrives with netbackd.) */
static bool xenner_has_option(const char *opt)
{
	char cmd[PATH_MAX + 64], line[256];
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -help 2>&1", xenner_path);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		char *s = line;

		while (*s == ' ')
			s++;
		if (!strncmp(s, opt, strlen(opt)) &&
		    (s[strlen(opt)] == ' ' || s[strlen(opt)] == '\n'))
			found = true;
	}
	pclose(p);
	return found;
}

struct argbuf {
	char *argv[MAX_ARGS + 1];
	char store[MAX_ARGS][PATH_MAX + 64];
	int n;
};

static void add(struct argbuf *a, const char *fmt, const char *s)
{
	snprintf(a->store[a->n], sizeof(a->store[a->n]), fmt, s);
	a->argv[a->n] = a->store[a->n];
	a->n++;
	a->argv[a->n] = NULL;
}

static bool any_preserve(const struct xm_domcfg *d)
{
	return d->on_poweroff == XM_PRESERVE || d->on_reboot == XM_PRESERVE ||
	       d->on_crash == XM_PRESERVE;
}

static int build_args(const struct xm_domcfg *d, struct argbuf *a)
{
	char num[16], name[80], path[512];

	a->n = 0;
	add(a, "%s", xenner_path);
	add(a, "%s", "-name");
	add(a, "%s", d->name);
	if (d->bootloader[0]) {
		add(a, "%s", "-bootloader");
		add(a, "%s", d->bootloader);
		for (unsigned i = 0; i < d->nr_bootloader_args; i++) {
			add(a, "%s", "-bootloader-arg");
			add(a, "%s", d->bootloader_args[i]);
		}
	}
	/* with a bootloader, kernel= and ramdisk= are paths in the guest */
	if (d->kernel[0]) {
		add(a, "%s", "-kernel");
		add(a, "%s", d->kernel);
	}
	if (d->ramdisk[0]) {
		add(a, "%s", "-initrd");
		add(a, "%s", d->ramdisk);
	}
	if (d->cmdline[0]) {
		add(a, "%s", "-append");
		add(a, "%s", d->cmdline);
	}
	snprintf(num, sizeof(num), "%u", d->memory);
	add(a, "%s", "-m");
	add(a, "%s", num);
	snprintf(num, sizeof(num), "%u", d->vcpus);
	add(a, "%s", "-smp");
	add(a, "%s", num);
	for (unsigned i = 0; i < d->nr_disks; i++) {
		const struct xm_disk *k = &d->disks[i];
		bool raw = !strcmp(k->format, "raw");
		char spec[1100];

		/* raw goes to blkbackd unless qdisk: was asked for */
		snprintf(spec, sizeof(spec), "%.1023s,vdev=%s%s%s%s%s", k->path,
			 k->vdev, k->ro ? ",ro" : "",
			 raw ? "" : ",format=", raw ? "" : k->format,
			 raw && k->qdisk ? ",backend=qdisk" : "");
		add(a, "%s", "-disk");
		add(a, "%s", spec);
	}
	for (unsigned i = 0; i < d->nr_vifs; i++) {
		char spec[128];

		snprintf(spec, sizeof(spec), "tap%s%s%s%s",
			 d->vifs[i].mac[0] ? ",mac=" : "", d->vifs[i].mac,
			 d->vifs[i].bridge[0] ? ",bridge=" : "",
			 d->vifs[i].bridge);
		add(a, "%s", "-net");
		add(a, "%s", spec);
	}
	if (d->vfb.enabled) {
		char spec[96];

		snprintf(spec, sizeof(spec), "vnc=%u%s%s", d->vfb.display,
			 d->vfb.listen[0] ? ",listen=" : "", d->vfb.listen);
		add(a, "%s", "-vfb");
		add(a, "%s", spec);
	}
	add(a, "%s", "-console");
	add(a, "%s", "xenconsoled");
	if (any_preserve(d)) {
		snprintf(name, sizeof(name), "%s.core.new", d->name);
		if (xm_dir(path, sizeof(path), name))
			return -1;
		add(a, "%s", "-keep-vmcore");
		add(a, "%s", path);
	}
	return 0;
}

/* A config name without a slash is also looked for in /etc/xenner. */
static const char *find_config(const char *arg, char *buf, size_t len)
{
	static const char *const fmts[] = {"/etc/xenner/%s",
					   "/etc/xenner/%s.cfg"};

	if (strchr(arg, '/') || !access(arg, R_OK))
		return arg;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(buf, len, fmts[i], arg);
		if (!access(buf, R_OK))
			return buf;
	}
	return arg;
}

/* ------------------------------------------------------------------ */
/* The monitor */

static volatile sig_atomic_t stop_requested;
static volatile pid_t xenner_pid;
static FILE *mon_log;

static void on_term(int sig)
{
	(void)sig;
	/* once: a second SIGTERM would make xenner stop the guest at once */
	if (!stop_requested && xenner_pid > 0)
		kill(xenner_pid, SIGTERM);
	stop_requested = 1;
}

static void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mlog(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	va_list ap;

	strftime(ts, sizeof(ts), "%F %T", localtime(&t));
	fprintf(mon_log, "%s xenner-xm: ", ts);
	va_start(ap, fmt);
	vfprintf(mon_log, fmt, ap);
	va_end(ap);
	fputc('\n', mon_log);
	fflush(mon_log);
}

static void write_state(const struct xm_domcfg *d, const char *cfg, pid_t xpid,
			int domid)
{
	char path[512], tmp[520];
	FILE *f;

	if (xm_dir(path, sizeof(path), d->name))
		return;
	strcat(path, ".monitor");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f,
		"monitor_pid=%d\nxenner_pid=%d\ndomid=%d\nconfig=%s\n"
		"on_poweroff=%s\non_reboot=%s\non_crash=%s\n",
		(int)getpid(), (int)xpid, domid, cfg,
		xm_action_name(d->on_poweroff), xm_action_name(d->on_reboot),
		xm_action_name(d->on_crash));
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

static void remove_state(const struct xm_domcfg *d)
{
	char path[512];

	if (!xm_dir(path, sizeof(path), d->name)) {
		strcat(path, ".monitor");
		unlink(path);
	}
}

/* The kept vmcore after the domain ended: keep it or drop it. */
static void settle_vmcore(const struct xm_domcfg *d, bool keep, int domid)
{
	char tmp[512], path[600];

	if (!any_preserve(d) || xm_dir(tmp, sizeof(tmp), d->name))
		return;
	strcat(tmp, ".core.new");
	if (access(tmp, F_OK))
		return;
	if (!keep) {
		unlink(tmp);
		return;
	}
	snprintf(path, sizeof(path), "%.*s.%d.core",
		 (int)(strlen(tmp) - strlen(".core.new")), tmp, domid);
	if (rename(tmp, path)) {
		mlog("cannot keep the vmcore as %s: %s", path, strerror(errno));
		return;
	}
	mlog("preserved: domain %s (id %d) stays in 'xenner-xm list' as "
	     "crashed/shut down; its memory is kept in %s (inspect with "
	     "xenner-vmcore or gdb; 'xenner-xm destroy %s' removes it)",
	     d->name, domid, path, d->name);
}

/* xenner with -ready-fd on ready_wfd's copy (see xm_ready_child) */
static pid_t spawn_xenner(char **argv, bool foreground, int log_fd,
			  int ready_wfd)
{
	char *args[MAX_ARGS + 3];
	pid_t pid = fork();
	int n = 0;

	if (pid)
		return pid;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (!foreground) {
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
	}
	args[n++] = argv[0];
	args[n++] = "-ready-fd";
	args[n++] = XM_READY_FD_STR;
	for (int i = 1; argv[i] && n < MAX_ARGS + 2; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (!xm_ready_child(ready_wfd))
		execv(args[0], args);
	fprintf(stderr, "xenner-xm: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

static const char *const ended_how[] = {
	"powered off",	  "xenner failed", "rebooted", "crashed",
	"watchdog fired", "destroyed",	   "saved",    "migrated away",
};

static int monitor(const struct xm_domcfg *d, char **argv, const char *cfg,
		   int report_fd, bool foreground, int log_fd)
{
	struct sigaction sa = {.sa_handler = on_term};
	time_t restarts[RESTART_BURST] = {0};
	unsigned nr_restarts = 0;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		enum xm_action act = XM_DESTROY;
		int st, status, domid, ready[2];
		pid_t pid = -1;

		if (!xm_ready_pipe(ready)) {
			pid = spawn_xenner(argv, foreground, log_fd, ready[1]);
			close(ready[1]);
			if (pid < 0)
				close(ready[0]);
		}
		if (pid < 0) {
			mlog("cannot start xenner: %s", strerror(errno));
			break;
		}
		xenner_pid = pid;
		if (stop_requested)
			kill(pid, SIGTERM);
		domid = xm_ready_read(ready[0], XM_READY_TIMEOUT);
		close(ready[0]);
		write_state(d, cfg, pid, domid);
		if (domid > 0)
			mlog("domain %s started (id %d, xenner pid %d)",
			     d->name, domid, (int)pid);
		if (report_fd >= 0) {
			dprintf(report_fd, "%d\n", domid);
			close(report_fd);
			report_fd = -1;
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				break;
		xenner_pid = 0;
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
		if (status == 0)
			act = d->on_poweroff;
		else if (status == 2)
			act = d->on_reboot;
		else if (status == 3 || status == 4)
			act = d->on_crash;
		mlog("domain %s (id %d) %s (xenner exit status %d)%s%s",
		     d->name, domid, status < 8 ? ended_how[status] : "ended",
		     status, status == 1 || status >= 5 ? "" : ": ",
		     status == 1 || status >= 5 ? "" : xm_action_name(act));
		if (status == 1 || status >= 5)
			act = XM_DESTROY;
		settle_vmcore(d, act == XM_PRESERVE, domid);
		if (act != XM_RESTART)
			break;
		if (stop_requested) {
			mlog("not restarting: the monitor was asked to stop");
			break;
		}
		if (nr_restarts >= RESTART_BURST &&
		    time(NULL) - restarts[nr_restarts % RESTART_BURST] <
			    RESTART_WINDOW) {
			mlog("domain %s restarted %d times within %d s: giving "
			     "up",
			     d->name, RESTART_BURST, RESTART_WINDOW);
			break;
		}
		restarts[nr_restarts++ % RESTART_BURST] = time(NULL);
	}
	remove_state(d);
	if (report_fd >= 0)
		close(report_fd);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage_create(FILE *out)
{
	fprintf(out,
		"Usage: %s create [-c] [-F] [-n] CONFIG [key=value ...]\n"
		"  -c  attach to the console once the domain runs\n"
		"  -F  stay in the foreground as the domain's monitor "
		"(systemd)\n"
		"  -n  only print the xenner command line\n",
		XM_PROG);
}

static int live_monitor(const char *name)
{
	char path[512];
	int pid = 0;
	FILE *f;

	if (xm_dir(path, sizeof(path), name))
		return 0;
	strcat(path, ".monitor");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "monitor_pid=%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && !kill(pid, 0) ? pid : 0;
}

static void show_log_tail(const char *path)
{
	char cmd[600];

	fprintf(stderr, "--- last lines of %s\n", path);
	snprintf(cmd, sizeof(cmd), "tail -n 15 '%s' >&2", path);
	if (system(cmd))
		fprintf(stderr, "(no log)\n");
}

int cmd_create(int argc, char **argv)
{
	bool console = false, foreground = false, dry = false;
	static struct xm_domcfg d;
	static struct argbuf a;
	struct xmcfg cfg = {0};
	char err[1024], cfgbuf[512], logpath[512], abscfg[PATH_MAX];
	const char *cfgpath = NULL;
	int i, fds[2], log_fd, domid = -1;
	struct xm_dom existing;
	pid_t pid;
	FILE *rf;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-c"))
			console = true;
		else if (!strcmp(argv[i], "-F"))
			foreground = true;
		else if (!strcmp(argv[i], "-n"))
			dry = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage_create(stdout);
			return XM_EXIT_OK;
		} else {
			xm_err("create: unknown option '%s'", argv[i]);
			usage_create(stderr);
			return XM_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		xm_err("create: no configuration file given");
		usage_create(stderr);
		return XM_EXIT_USAGE;
	}
	cfgpath = find_config(argv[i++], cfgbuf, sizeof(cfgbuf));
	if (xmcfg_load(&cfg, cfgpath, err, sizeof(err)))
		goto bad;
	for (; i < argc; i++)
		if (!strchr(argv[i], '=')) {
			snprintf(err, sizeof(err), "'%s' is not key=value",
				 argv[i]);
			goto bad;
		} else if (xmcfg_parse(&cfg, "command line", argv[i],
				       strlen(argv[i]), err, sizeof(err))) {
			goto bad;
		}
	if (xmdom_from_cfg(&cfg, &d, err, sizeof(err)))
		goto bad;
	xmcfg_free(&cfg);
	if (find_xenner()) {
		xm_err("cannot find xenner (set XENNER=/path/to/xenner)");
		return XM_EXIT_FAIL;
	}
	if (d.nr_vifs && !xenner_has_option("-net")) {
		xm_err("%s: vif: network devices are not supported by this "
		       "xenner yet; remove the vif setting",
		       cfgpath);
		return XM_EXIT_FAIL;
	}
	if (build_args(&d, &a)) {
		xm_err("run directory path too long");
		return XM_EXIT_FAIL;
	}
	if (dry) {
		for (int j = 0; j < a.n; j++)
			printf("%s%s", j ? " " : "", a.argv[j]);
		printf("\n");
		return XM_EXIT_OK;
	}
	if (!realpath(cfgpath, abscfg))
		snprintf(abscfg, sizeof(abscfg), "%s", cfgpath);
	xm_setup_env();
	/* dom0 must run (xenner would start a private one nobody sees) */
	{
		struct evtchn_client c;

		if (xm_connect(&c))
			return XM_EXIT_FAIL;
		evtchn_client_close(&c);
	}
	if (!xm_lookup_quiet(d.name, &existing) && !existing.preserved) {
		xm_err("a domain named '%s' already runs (id %u)", d.name,
		       existing.info.domid);
		return XM_EXIT_FAIL;
	}
	if (live_monitor(d.name)) {
		xm_err("domain '%s' is being restarted by its monitor (pid "
		       "%d)",
		       d.name, live_monitor(d.name));
		return XM_EXIT_FAIL;
	}
	if (xm_dir(logpath, sizeof(logpath), NULL) ||
	    (mkdir(logpath, 0700) && errno != EEXIST) ||
	    xm_dir(logpath, sizeof(logpath), d.name)) {
		xm_err("cannot create %s: %s", logpath, strerror(errno));
		return XM_EXIT_FAIL;
	}
	strcat(logpath, ".log");
	log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0) {
		xm_err("%s: %s", logpath, strerror(errno));
		return XM_EXIT_FAIL;
	}
	if (foreground) {
		mon_log = stderr;
		return monitor(&d, a.argv, abscfg, -1, true, log_fd);
	}
	if (pipe2(fds, O_CLOEXEC))
		return XM_EXIT_FAIL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* detach: new session, then the monitor is a grandchild */
		setsid();
		if (fork())
			_exit(0);
		close(fds[0]);
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, STDIN_FILENO);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		close(nul);
		mon_log = fdopen(dup(log_fd), "a");
		if (!mon_log)
			_exit(1);
		_exit(monitor(&d, a.argv, abscfg, fds[1], false, log_fd));
	}
	close(fds[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	rf = fdopen(fds[0], "r");
	if (!rf || fscanf(rf, "%d", &domid) != 1)
		domid = -1;
	if (rf)
		fclose(rf);
	if (domid <= 0) {
		xm_err("domain %s did not start", d.name);
		show_log_tail(logpath);
		return XM_EXIT_FAIL;
	}
	printf("Started domain %s (id=%d)\n", d.name, domid);
	fflush(stdout);
	if (console)
		return xm_console_attach(domid, 10);
	return XM_EXIT_OK;
bad:
	xm_err("%s", err);
	xmcfg_free(&cfg);
	return XM_EXIT_FAIL;
}
