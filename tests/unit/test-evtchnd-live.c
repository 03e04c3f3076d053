// SPDX-License-Identifier: MIT
/*
 * Live test: starts the real evtchnd -f in a private run directory and
 * talks to it through the client library, well and badly.  The binary is
 * $BUILD/evtchnd/evtchnd, else ../../evtchnd/evtchnd next to this test.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>

#include "xenner/evtchn-client.h"
#include "xenner/rundir.h"

static char evtchnd_bin[PATH_MAX];
static char rundir[] = "/dev/shm/xenner-test.XXXXXX";
static pid_t daemon_pid = -1;

static void rundir_path(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", rundir, name);
}

static bool file_exists(const char *name)
{
	char path[PATH_MAX];

	rundir_path(path, name);
	return access(path, F_OK) == 0;
}

static bool daemon_alive(void)
{
	return daemon_pid > 0 && waitpid(daemon_pid, NULL, WNOHANG) == 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int start_daemon(void **state)
{
	struct evtchn_client c;

	(void)state;
	if (!mkdtemp(rundir))
		return -1;
	setenv("XENNER_RUNDIR", rundir, 1);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		/* Never outlive the test, even if it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(evtchnd_bin, "evtchnd", "-f", "--loglevel", "info",
		      (char *)NULL);
		perror(evtchnd_bin);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if (evtchn_client_connect(&c, 0) == 0) {
			evtchn_client_close(&c);
			return 0;
		}
		if (!daemon_alive())
			break;
		sleep_ms(10);
	}
	fprintf(stderr, "evtchnd did not come up\n");
	return -1;
}

static void remove_rundir(void)
{
	static const char *const names[] = {EVTCHND_SOCK_NAME, "evtchnd.pid",
					    "xsd_port", "xsd_kva"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rundir_path(path, names[i]);
		unlink(path);
	}
	rmdir(rundir);
}

static int stop_daemon(void **state)
{
	int status = -1, ret = 0;

	(void)state;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "evtchnd exit status %#x\n", status);
			ret = -1;
		}
		/* A clean shutdown removes everything it created. */
		if (file_exists(EVTCHND_SOCK_NAME) ||
		    file_exists("evtchnd.pid") || file_exists("xsd_port") ||
		    file_exists("xsd_kva")) {
			fprintf(stderr, "evtchnd left files behind\n");
			ret = -1;
		}
	}
	remove_rundir();
	return ret;
}

/* Waits up to ms for one event; returns 1 with *ev, or 0 on timeout. */
static int wait_event(struct evtchn_client *c, struct evtchnd_event *ev, int ms)
{
	struct pollfd pfd = {.fd = c->event_fd, .events = POLLIN};
	int ret = evtchn_client_read_event(c, ev);

	if (ret != 0)
		return ret;
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	return evtchn_client_read_event(c, ev);
}

static void expect_port_event(struct evtchn_client *c, uint32_t port)
{
	struct evtchnd_event ev;

	assert_int_equal(wait_event(c, &ev, 2000), 1);
	assert_int_equal(ev.type, EVTCHND_EV_PORT);
	assert_int_equal(ev.port, port);
}

static void expect_no_event(struct evtchn_client *c)
{
	struct evtchnd_event ev;

	assert_int_equal(wait_event(c, &ev, 100), 0);
}

static int create_domain(struct evtchn_client *c, uint32_t domid,
			 const char *name)
{
	struct evtchnd_dominfo info = {.domid = domid, .nr_vcpus = 2};

	snprintf(info.name, sizeof(info.name), "%s", name);
	return evtchn_client_create_domain(c, &info);
}

/*
 * Another connection's close reaches evtchnd in its own time: poll until
 * getinfo(first) gives want, for up to two seconds.
 */
static int wait_getinfo(struct evtchn_client *c, uint32_t first, int want)
{
	struct evtchnd_dominfo info;
	int r = 0;

	for (int i = 0; i < 200; i++) {
		r = evtchn_client_getinfo(c, first, &info);
		if (r == want)
			break;
		sleep_ms(10);
	}
	return r;
}

/* Waits until domain domid is gone, as seen by dom0 connection c. */
static void wait_gone(struct evtchn_client *c, uint32_t domid)
{
	struct evtchnd_dominfo info;

	for (int i = 0; i < 200; i++) {
		if (evtchn_client_getinfo(c, domid, &info) != (int)domid)
			return;
		sleep_ms(10);
	}
	fail_msg("domain %u still exists", domid);
}

/* The same for a port's status. */
static uint32_t wait_status(struct evtchn_client *c, uint32_t dom,
			    uint32_t port, uint32_t want)
{
	struct evtchnd_status st = {.status = 0xffff};

	for (int i = 0; i < 200; i++) {
		if (evtchn_client_status(c, dom, port, &st) == 0 &&
		    st.status == want)
			break;
		sleep_ms(10);
	}
	return st.status;
}

/* After every hostile act: the daemon still serves a fresh client. */
static void check_fresh_client(void)
{
	struct evtchnd_dominfo info;
	struct evtchnd_status st;
	struct evtchn_client c;
	int p;

	assert_true(daemon_alive());
	assert_int_equal(evtchn_client_connect(&c, 0), 0);
	assert_int_equal(evtchn_client_getinfo(&c, 0, &info), 0);
	assert_string_equal(info.name, "Domain-0");
	p = evtchn_client_alloc_unbound(&c, 0);
	assert_true(p > 0);
	assert_int_equal(evtchn_client_status(&c, 0, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(evtchn_client_close_port(&c, p), 0);
	evtchn_client_close(&c);
}

static void test_xsd_port(void **state)
{
	char path[PATH_MAX], buf[32] = "";
	struct evtchnd_status st;
	struct evtchn_client c;
	struct stat sb;
	int fd, port, l;
	ssize_t n;

	(void)state;
	rundir_path(path, "xsd_port");
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 2 && buf[n - 1] == '\n');
	port = atoi(buf);
	assert_true(port > 0);
	rundir_path(path, "xsd_kva");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 4096);

	/* What xenstored does with it. */
	assert_int_equal(evtchn_client_connect(&c, 0), 0);
	assert_int_equal(evtchn_client_status(&c, 0, port, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.remote_dom, 0);
	l = evtchn_client_bind_interdomain(&c, 0, port);
	assert_true(l > 0);
	expect_port_event(&c, l);
	assert_int_equal(evtchn_client_send(&c, l), 0);
	/* Not ours: evtchnd's port may not be touched by a dom0 client. */
	assert_int_equal(evtchn_client_close_port(&c, port), -ENOTCONN);
	evtchn_client_close(&c);
	/* Our end went away: evtchnd's port waits again. */
	assert_int_equal(evtchn_client_connect(&c, 0), 0);
	assert_int_equal(wait_status(&c, 0, port, EVTCHNSTAT_unbound),
			 EVTCHNSTAT_unbound);
	evtchn_client_close(&c);
}

static void test_not_running(void **state)
{
	struct evtchn_client c = {.sock = -1, .event_fd = -1};
	char empty[] = "/dev/shm/xenner-test.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(empty));
	setenv("XENNER_RUNDIR", empty, 1);
	assert_int_equal(evtchn_client_connect(&c, 0), -ENOENT);
	assert_int_equal(c.sock, -1);
	assert_int_equal(c.event_fd, -1);
	setenv("XENNER_RUNDIR", rundir, 1);
	rmdir(empty);
	/* Calls on a closed client fail cleanly. */
	assert_int_equal(evtchn_client_send(&c, 1), -EPIPE);
	assert_int_equal(evtchn_client_read_event(&c, NULL), -EPIPE);
	evtchn_client_close(&c);
}

static void test_interdomain(void **state)
{
	struct evtchn_client d0, g;
	struct evtchnd_status st;
	int gid, gp, lp;

	(void)state;
	assert_int_equal(evtchn_client_connect(&d0, 0), 0);
	gid = create_domain(&g, 0, "guest");
	assert_true(gid >= 1);
	assert_int_equal(g.domid, gid);

	gp = evtchn_client_alloc_unbound(&g, 0);
	assert_true(gp > 0);
	assert_int_equal(evtchn_client_status(&d0, gid, gp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.remote_dom, 0);

	/* Only the domain the port waits for may bind it. */
	assert_int_equal(evtchn_client_bind_interdomain(&g, gid, gp), -EINVAL);
	assert_int_equal(evtchn_client_bind_interdomain(&d0, gid, 0), -EINVAL);
	assert_int_equal(evtchn_client_bind_interdomain(&d0, 0x7000, 1),
			 -ESRCH);
	lp = evtchn_client_bind_interdomain(&d0, gid, gp);
	assert_true(lp > 0);
	expect_port_event(&d0, lp); /* new ports start pending, as on Xen */
	assert_int_equal(evtchn_client_unmask(&d0, lp), 0);

	assert_int_equal(evtchn_client_status(&d0, 0, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.remote_dom, gid);
	assert_int_equal(st.remote_port, gp);
	assert_int_equal(evtchn_client_status(&g, DOMID_SELF, gp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.remote_dom, 0);
	assert_int_equal(st.remote_port, lp);
	/* A guest sees only its own ports. */
	assert_int_equal(evtchn_client_status(&g, 0, lp, &st), -EPERM);

	/* dom0 -> guest, guest -> dom0. */
	assert_int_equal(evtchn_client_send(&d0, lp), 0);
	expect_port_event(&g, gp);
	assert_int_equal(evtchn_client_send(&g, gp), 0);
	expect_port_event(&d0, lp);

	/* Masked after delivery: more sends only leave it pending... */
	assert_int_equal(evtchn_client_send(&g, gp), 0);
	assert_int_equal(evtchn_client_send(&g, gp), 0);
	expect_no_event(&d0);
	/* ...and unmask delivers exactly once more. */
	assert_int_equal(evtchn_client_unmask(&d0, lp), 0);
	expect_port_event(&d0, lp);
	expect_no_event(&d0);
	assert_int_equal(evtchn_client_unmask(&d0, lp), 0);
	expect_no_event(&d0);

	/* Bad ports. */
	assert_int_equal(evtchn_client_send(&d0, 0), -EINVAL);
	assert_int_equal(evtchn_client_send(&d0, EVTCHND_MAX_PORTS), -EINVAL);
	assert_int_equal(evtchn_client_close_port(&g, 4000), -EINVAL);

	/* The guest closes its end: dom0's port falls back to unbound. */
	assert_int_equal(evtchn_client_close_port(&g, gp), 0);
	assert_int_equal(evtchn_client_status(&d0, 0, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.remote_dom, gid);
	assert_int_equal(evtchn_client_send(&d0, lp), 0);
	expect_no_event(&g);

	evtchn_client_close(&g);
	wait_gone(&d0, gid);
	evtchn_client_close(&d0);
}

static void test_dom_exc(void **state)
{
	struct evtchn_client a, b, g;
	struct evtchnd_dominfo info;
	struct evtchnd_status st;
	int pa, pb, gid, gp, lp;

	(void)state;
	assert_int_equal(evtchn_client_connect(&a, 0), 0);
	assert_int_equal(evtchn_client_connect(&b, 0), 0);
	/* xenstored and xenconsoled each bind VIRQ_DOM_EXC. */
	pa = evtchn_client_bind_virq(&a, VIRQ_DOM_EXC, 0);
	pb = evtchn_client_bind_virq(&b, VIRQ_DOM_EXC, 0);
	assert_true(pa > 0 && pb > 0 && pa != pb);
	assert_int_equal(evtchn_client_bind_virq(&a, VIRQ_DOM_EXC, 0), -EEXIST);
	assert_int_equal(evtchn_client_status(&a, 0, pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.virq, VIRQ_DOM_EXC);
	/* b's port is b's: a may not close it (as Linux's evtchn device). */
	assert_int_equal(evtchn_client_close_port(&a, pb), -ENOTCONN);

	gid = create_domain(&g, 0, "doomed");
	assert_true(gid > 0);
	gp = evtchn_client_alloc_unbound(&g, 0);
	lp = evtchn_client_bind_interdomain(&a, gid, gp);
	expect_port_event(&a, lp);
	expect_no_event(&b);

	/* The owner goes away: the domain dies, its peers see unbound. */
	evtchn_client_close(&g);
	expect_port_event(&a, pa);
	expect_port_event(&b, pb);
	assert_int_equal(evtchn_client_status(&a, 0, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(evtchn_client_status(&a, gid, 1, &st), -ESRCH);
	int r = evtchn_client_getinfo(&a, gid, &info);
	assert_true(r == -ESRCH || r > gid);

	/* Delivery is masked until unmasked, per connection. */
	assert_int_equal(evtchn_client_unmask(&a, pa), 0);
	gid = create_domain(&g, 0, "doomed2");
	assert_true(gid > 0);
	evtchn_client_close(&g);
	expect_port_event(&a, pa);
	expect_no_event(&b);
	evtchn_client_close(&a);
	evtchn_client_close(&b);
}

static void test_getinfo(void **state)
{
	struct evtchn_client d0, g1, g2, gx;
	struct evtchnd_dominfo info;

	(void)state;
	assert_int_equal(evtchn_client_connect(&d0, 0), 0);
	assert_int_equal(create_domain(&g1, 100, "g100"), 100);
	assert_int_equal(create_domain(&g2, 105, "g105"), 105);
	assert_int_equal(create_domain(&gx, 105, "dup"), -EEXIST);
	assert_int_equal(create_domain(&gx, EVTCHND_MAX_DOMID + 1, "big"),
			 -EINVAL);
	assert_int_equal(evtchn_client_connect(&gx, 4242), -ESRCH);
	assert_int_equal(gx.sock, -1);

	assert_int_equal(evtchn_client_getinfo(&d0, 0, &info), 0);
	assert_int_equal(info.domid, 0);
	assert_int_equal(evtchn_client_getinfo(&d0, 100, &info), 100);
	assert_string_equal(info.name, "g100");
	assert_int_equal(info.nr_vcpus, 2);
	assert_int_equal(evtchn_client_getinfo(&d0, 101, &info), 105);
	assert_int_equal(info.domid, 105);
	assert_string_equal(info.name, "g105");
	assert_int_equal(evtchn_client_getinfo(&d0, 106, &info), -ESRCH);
	assert_int_equal(evtchn_client_getinfo(&d0, EVTCHND_MAX_DOMID, &info),
			 -ESRCH);
	assert_int_equal(evtchn_client_getinfo(&d0, 0xffffffff, &info), -ESRCH);
	/* A guest sees itself only. */
	assert_int_equal(evtchn_client_getinfo(&g1, 100, &info), 100);
	assert_int_equal(evtchn_client_getinfo(&g1, DOMID_SELF, &info), 100);
	assert_int_equal(evtchn_client_getinfo(&g1, 0, &info), -EPERM);
	/* A second connection may act for an existing guest. */
	assert_int_equal(evtchn_client_connect(&gx, 105), 0);
	assert_int_equal(evtchn_client_getinfo(&gx, 105, &info), 105);
	/* ...but only its owner sets its state. */
	assert_int_equal(evtchn_client_set_state(&gx, EVTCHND_DOMF_RUNNING),
			 -EPERM);
	assert_int_equal(evtchn_client_set_state(&g2, EVTCHND_DOMF_RUNNING), 0);
	assert_int_equal(evtchn_client_set_state(&g2, 1u << 20), -EINVAL);
	assert_int_equal(evtchn_client_getinfo(&d0, 105, &info), 105);
	assert_int_equal(info.flags, EVTCHND_DOMF_RUNNING);
	evtchn_client_close(&gx);

	evtchn_client_close(&g1);
	assert_int_equal(wait_getinfo(&d0, 100, 105), 105);
	evtchn_client_close(&g2);
	assert_int_equal(wait_getinfo(&d0, 100, -ESRCH), -ESRCH);
	evtchn_client_close(&d0);
}

static void test_shutdown_destroy(void **state)
{
	struct evtchn_client d0, g, h;
	struct evtchnd_dominfo info;
	struct evtchnd_event ev;
	int gid, hid, exc;

	(void)state;
	assert_int_equal(evtchn_client_connect(&d0, 0), 0);
	exc = evtchn_client_bind_virq(&d0, VIRQ_DOM_EXC, 0);
	assert_true(exc > 0);
	gid = create_domain(&g, 0, "shut");
	hid = create_domain(&h, 0, "crash");
	assert_true(gid > 0 && hid > 0);

	assert_int_equal(evtchn_client_shutdown(&d0, gid, SHUTDOWN_MAX + 1),
			 -EINVAL);
	assert_int_equal(evtchn_client_shutdown(&d0, 0, SHUTDOWN_poweroff),
			 -EPERM);
	assert_int_equal(evtchn_client_shutdown(&g, hid, SHUTDOWN_poweroff),
			 -EPERM);
	assert_int_equal(evtchn_client_shutdown(&d0, 7777, SHUTDOWN_poweroff),
			 -ESRCH);
	assert_int_equal(evtchn_client_shutdown(&d0, gid, SHUTDOWN_reboot), 0);
	assert_int_equal(wait_event(&g, &ev, 2000), 1);
	assert_int_equal(ev.type, EVTCHND_EV_SHUTDOWN);
	assert_int_equal(ev.arg, SHUTDOWN_reboot);
	expect_port_event(&d0, exc);
	assert_int_equal(evtchn_client_getinfo(&d0, gid, &info), gid);
	assert_true(info.flags & EVTCHND_DOMF_SHUTDOWN);
	assert_false(info.flags & EVTCHND_DOMF_CRASHED);
	assert_int_equal(info.shutdown_reason, SHUTDOWN_reboot);

	/* A guest shuts itself down: crash. */
	assert_int_equal(evtchn_client_unmask(&d0, exc), 0);
	assert_int_equal(evtchn_client_shutdown(&h, DOMID_SELF, SHUTDOWN_crash),
			 0);
	assert_int_equal(wait_event(&h, &ev, 2000), 1);
	assert_int_equal(ev.type, EVTCHND_EV_SHUTDOWN);
	assert_int_equal(ev.arg, SHUTDOWN_crash);
	expect_port_event(&d0, exc);
	assert_int_equal(evtchn_client_getinfo(&d0, hid, &info), hid);
	assert_true(info.flags & EVTCHND_DOMF_CRASHED);
	assert_int_equal(info.shutdown_reason, SHUTDOWN_crash);

	/* dom0 destroys g: its owner hears of it, its connection stays. */
	assert_int_equal(evtchn_client_unmask(&d0, exc), 0);
	assert_int_equal(evtchn_client_destroy(&g, 0), -EPERM);
	assert_int_equal(evtchn_client_destroy(&d0, 0), -EPERM);
	assert_int_equal(evtchn_client_destroy(&d0, gid), 0);
	assert_int_equal(wait_event(&g, &ev, 2000), 1);
	assert_int_equal(ev.type, EVTCHND_EV_DESTROY);
	expect_port_event(&d0, exc);
	assert_int_equal(evtchn_client_alloc_unbound(&g, 0), -ESRCH);
	assert_int_equal(evtchn_client_getinfo(&d0, gid, &info), hid);
	assert_int_equal(evtchn_client_destroy(&d0, gid), -ESRCH);

	evtchn_client_close(&g);
	evtchn_client_close(&h);
	wait_gone(&d0, hid);
	evtchn_client_close(&d0);
}

/* Many events at once overflow the event socket; none is lost. */
static void test_event_backlog(void **state)
{
	enum { N = 1500 };
	static bool seen[EVTCHND_MAX_PORTS];
	struct evtchnd_event ev;
	struct evtchn_client g, d0;
	int got = 0, gid;

	(void)state;
	memset(seen, 0, sizeof(seen));
	gid = create_domain(&g, 0, "ipis");
	assert_true(gid > 0);
	for (int i = 1; i <= N; i++)
		assert_int_equal(evtchn_client_bind_ipi(&g, i % 2), i);
	for (int i = 1; i <= N; i++)
		assert_int_equal(evtchn_client_send(&g, i), 0);
	while (got < N && wait_event(&g, &ev, 2000) == 1) {
		assert_int_equal(ev.type, EVTCHND_EV_PORT);
		assert_true(ev.port >= 1 && ev.port <= N);
		assert_false(seen[ev.port]);
		seen[ev.port] = true;
		got++;
	}
	assert_int_equal(got, N);
	expect_no_event(&g);
	evtchn_client_close(&g);
	assert_int_equal(evtchn_client_connect(&d0, 0), 0);
	wait_gone(&d0, gid);
	evtchn_client_close(&d0);
	check_fresh_client();
}

/* A raw connection to evtchnd, no HELLO. */
static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(rundir_file(sa.sun_path, sizeof(sa.sun_path),
				     EVTCHND_SOCK_NAME),
			 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads one reply; returns its ret (checking seq), or 1 on EOF. */
static int raw_reply(int fd, uint32_t seq)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct evtchnd_reply rep;
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 2000), 1);
	n = recv(fd, &rep, sizeof(rep), 0);
	if (n == 0)
		return 1;
	assert_int_equal(n, sizeof(rep));
	assert_int_equal(rep.seq, seq);
	return rep.ret;
}

static void test_before_hello(void **state)
{
	struct evtchnd_req req = {.op = EVTCHND_OP_ALLOC_UNBOUND, .seq = 7};
	int fd = raw_connect();

	(void)state;
	raw_send(fd, &req, sizeof(req));
	assert_int_equal(raw_reply(fd, 7), -EPERM);
	assert_int_equal(raw_reply(fd, 0), 1); /* dropped */
	close(fd);

	/* Wrong size before HELLO: -EINVAL and dropped as well. */
	fd = raw_connect();
	raw_send(fd, &req, 12);
	assert_int_equal(raw_reply(fd, 7), -EINVAL);
	assert_int_equal(raw_reply(fd, 0), 1);
	close(fd);
	check_fresh_client();
}

static void test_hello_without_fd(void **state)
{
	struct evtchnd_req req = {
		.op = EVTCHND_OP_HELLO,
		.seq = 1,
		.version = EVTCHND_PROTO_VERSION,
	};
	int fd = raw_connect();

	(void)state;
	raw_send(fd, &req, sizeof(req));
	assert_int_equal(raw_reply(fd, 1), -EINVAL);
	/* Bad version, still no HELLO done. */
	req.seq = 2;
	req.version = 99;
	raw_send(fd, &req, sizeof(req));
	assert_int_equal(raw_reply(fd, 2), -EPROTONOSUPPORT);
	close(fd);
	check_fresh_client();
}

static void test_bad_messages(void **state)
{
	struct evtchnd_req req = {.seq = 1000};
	struct evtchn_client c;
	char big[sizeof(req) + 100];
	static const uint32_t bad_ops[] = {0, EVTCHND_OP_MAX, 999, 0xffffffff};

	(void)state;
	assert_int_equal(evtchn_client_connect(&c, 0), 0);
	/* Wrong sizes: -EINVAL, the connection stays usable. */
	raw_send(c.sock, &req, 4);
	assert_int_equal(raw_reply(c.sock, 0), -EINVAL);
	raw_send(c.sock, &req, sizeof(req) - 1);
	assert_int_equal(raw_reply(c.sock, 1000), -EINVAL);
	memset(big, 0, sizeof(big));
	memcpy(big, &req, sizeof(req));
	raw_send(c.sock, big, sizeof(big));
	assert_int_equal(raw_reply(c.sock, 1000), -EINVAL);
	raw_send(c.sock, big, 1);
	assert_int_equal(raw_reply(c.sock, 0), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		req.op = bad_ops[i];
		req.seq = 2000 + i;
		raw_send(c.sock, &req, sizeof(req));
		assert_int_equal(raw_reply(c.sock, req.seq), -ENOSYS);
	}
	/* A second HELLO is refused. */
	req.op = EVTCHND_OP_HELLO;
	req.seq = 3000;
	raw_send(c.sock, &req, sizeof(req));
	assert_int_equal(raw_reply(c.sock, 3000), -EISCONN);
	assert_true(evtchn_client_alloc_unbound(&c, 0) > 0);
	evtchn_client_close(&c);
	check_fresh_client();
}

static void test_garbage(void **state)
{
	struct evtchn_client g;
	unsigned char buf[512];
	int fd;

	(void)state;
	srand(12345);
	/* Pre-HELLO garbage: answered once, then dropped. */
	for (int round = 0; round < 20; round++) {
		size_t len = 1 + rand() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = rand();
		fd = raw_connect();
		raw_send(fd, buf, len);
		assert_true(raw_reply(fd, *(uint32_t *)(buf + 4)) < 0 ||
			    len < 8);
		close(fd);
	}
	/* Garbage from a helloed guest: each message gets a reply. */
	assert_true(create_domain(&g, 0, "garbage") > 0);
	for (int round = 0; round < 500; round++) {
		struct evtchnd_req *req = (struct evtchnd_req *)buf;
		size_t len = round % 3 ? sizeof(*req) : rand() % sizeof(buf);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = rand();
		if (round % 2)
			req->op = 1 + rand() % (EVTCHND_OP_MAX - 1);
		if (round % 4 == 1)
			req->port = rand() % 8;
		if (len == 0)
			len = 1;
		req->seq = round;
		raw_send(g.sock, buf, len);
		assert_int_not_equal(raw_reply(g.sock, len >= 8 ? round : 0),
				     1);
	}
	evtchn_client_close(&g);
	check_fresh_client();
}

static void test_killed_client(void **state)
{
	int status;

	(void)state;
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct evtchn_client c;
			struct evtchnd_req req = {
				.op = EVTCHND_OP_BIND_VIRQ,
				.arg = VIRQ_DOM_EXC,
			};

			if (i == 2 ? create_domain(&c, 0, "killed") < 0
				   : evtchn_client_connect(&c, 0) < 0)
				_exit(1);
			if (i == 1)
				req.op = EVTCHND_OP_ALLOC_UNBOUND;
			send(c.sock, &req, sizeof(req), MSG_NOSIGNAL);
			raise(SIGKILL);
			_exit(2);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		check_fresh_client();
	}
}

/*
 * A dom0 client dies while bound to a guest's port, and a new one (a
 * restarted backend) asks for that port before evtchnd has seen the
 * hang-up: evtchnd is stopped while the request and then the hang-up
 * arrive (in which order it then takes them varies, hence 10 rounds).
 * The bind must succeed, as on Xen, where a dead process's ports are
 * closed before it is gone.
 */
static void test_rebind_after_death(void **state)
{
	struct evtchn_client old, new, g;
	struct evtchnd_req req = {.op = EVTCHND_OP_BIND_INTERDOMAIN};
	struct evtchnd_reply rep;
	int gid, gp;

	(void)state;
	gid = create_domain(&g, 0, "rebind");
	assert_true(gid >= 1);
	gp = evtchn_client_alloc_unbound(&g, 0);
	assert_true(gp > 0);
	assert_int_equal(evtchn_client_connect(&old, 0), 0);
	assert_true(evtchn_client_bind_interdomain(&old, gid, gp) > 0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(evtchn_client_connect(&new, 0), 0);
		req.seq = i;
		req.dom = gid;
		req.port = gp;
		assert_int_equal(kill(daemon_pid, SIGSTOP), 0);
		assert_int_equal(
			send(new.sock, &req, sizeof(req), MSG_NOSIGNAL),
			sizeof(req));
		sleep_ms(20);
		evtchn_client_close(&old);
		sleep_ms(20);
		assert_int_equal(kill(daemon_pid, SIGCONT), 0);
		assert_int_equal(recv(new.sock, &rep, sizeof(rep), 0),
				 sizeof(rep));
		assert_int_equal(rep.seq, i);
		assert_true(rep.ret > 0);
		old = new; /* it dies next */
	}
	evtchn_client_close(&old);
	evtchn_client_close(&g);
	check_fresh_client();
}

static void test_never_reads(void **state)
{
	struct evtchnd_req req = {.op = EVTCHND_OP_DOMAIN_GETINFO};
	struct evtchn_client c;
	bool dropped = false;
	time_t end = time(NULL) + 20;

	(void)state;
	assert_int_equal(evtchn_client_connect(&c, 0), 0);
	fcntl(c.sock, F_SETFL, O_NONBLOCK);
	while (!dropped && time(NULL) < end) {
		ssize_t n = send(c.sock, &req, sizeof(req), MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			sleep_ms(1);
		else if (n < 0)
			dropped = true;
		req.seq++;
		/* Meanwhile others are served. */
		if (req.seq % 1000 == 0)
			check_fresh_client();
	}
	assert_true(dropped);
	evtchn_client_close(&c);
	check_fresh_client();
}

static void test_second_instance(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(evtchnd_bin, "evtchnd", "-f", "--pidfile", "/dev/null",
		      (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	check_fresh_client();
}

static void find_binary(const char *argv0)
{
	const char *build = getenv("BUILD");
	char self[PATH_MAX];

	if (build && *build) {
		snprintf(evtchnd_bin, sizeof(evtchnd_bin), "%s/evtchnd/evtchnd",
			 build);
		return;
	}
	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(evtchnd_bin, sizeof(evtchnd_bin), "%s/../../evtchnd/evtchnd",
		 dirname(self));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xsd_port),
		cmocka_unit_test(test_not_running),
		cmocka_unit_test(test_interdomain),
		cmocka_unit_test(test_dom_exc),
		cmocka_unit_test(test_getinfo),
		cmocka_unit_test(test_shutdown_destroy),
		cmocka_unit_test(test_event_backlog),
		cmocka_unit_test(test_before_hello),
		cmocka_unit_test(test_hello_without_fd),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_killed_client),
		cmocka_unit_test(test_rebind_after_death),
		cmocka_unit_test(test_never_reads),
		cmocka_unit_test(test_second_instance),
	};

	(void)argc;
	find_binary(argv[0]);
	if (access(evtchnd_bin, X_OK)) {
		fprintf(stderr, "%s: not found\n", evtchnd_bin);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
