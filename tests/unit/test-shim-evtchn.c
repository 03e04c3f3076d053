// SPDX-License-Identifier: MIT
/*
 * libxenevtchn and libxenctrl shims against a real evtchnd (started here
 * in a private run directory): binding, delivery, ownership of ports,
 * xc_domain_getinfo's "next domain" walk, xc_evtchn_status, shutdown and
 * destroy with VIRQ_DOM_EXC.  Skips if evtchnd was not built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenctrl.h>
#include <xenevtchn.h>

#include "shim-test-dom.h"
#include "xenner/evtchn-client.h"

static char evtchnd_bin[PATH_MAX];
static pid_t evtchnd_pid;

struct fixture {
	xenevtchn_handle *xce;
	xc_interface *xch;
	struct evtchn_client guest;
	uint32_t domid;
};

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

static int start_evtchnd(void)
{
	char sock[PATH_MAX];

	snprintf(sock, sizeof(sock), "%s/evtchnd.sock",
		 getenv("XENNER_RUNDIR"));
	evtchnd_pid = fork();
	if (evtchnd_pid == 0) {
		execl(evtchnd_bin, "evtchnd", "-f", "--loglevel", "warn",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (!access(sock, F_OK))
			return 0;
		usleep(20000);
	}
	return -1;
}

static int setup(void **state)
{
	static struct fixture f;
	struct evtchnd_dominfo info = {
		.nr_vcpus = 2,
		.nr_pages = 100,
		.max_pages = 200,
		.uuid = {0xde, 0xad},
		.name = "guest",
	};
	int ret;

	memset(&f, 0, sizeof(f));
	if (test_rundir_setup() || start_evtchnd())
		return -1;
	f.xce = xenevtchn_open(NULL, 0);
	f.xch = xc_interface_open(NULL, NULL, 0);
	ret = evtchn_client_create_domain(&f.guest, &info);
	if (!f.xce || !f.xch || ret <= 0)
		return -1;
	f.domid = ret;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	evtchn_client_close(&f->guest);
	xenevtchn_close(f->xce);
	xc_interface_close(f->xch);
	kill(evtchnd_pid, SIGTERM);
	waitpid(evtchnd_pid, NULL, 0);
	test_rundir_teardown();
	return 0;
}

static void test_getinfo(void **state)
{
	struct fixture *f = *state;
	xc_dominfo_t info[4];
	xc_domaininfo_t dl;

	/* Starting at 1 finds the guest, as xenconsoled's walk expects. */
	assert_int_equal(xc_domain_getinfo(f->xch, 1, 1, info), 1);
	assert_int_equal(info[0].domid, f->domid);
	assert_int_equal(info[0].nr_pages, 100);
	assert_int_equal(info[0].max_memkb, 800);
	assert_int_equal(info[0].nr_online_vcpus, 2);
	assert_int_equal(info[0].max_vcpu_id, 1);
	assert_int_equal(info[0].handle[0], 0xde);
	assert_false(info[0].dying || info[0].shutdown || info[0].crashed);
	/* Domain 0 and the guest, nothing more. */
	assert_int_equal(xc_domain_getinfo(f->xch, 0, 4, info), 2);
	assert_int_equal(info[0].domid, 0);
	assert_int_equal(info[1].domid, f->domid);
	errno = 0;
	assert_int_equal(xc_domain_getinfo(f->xch, f->domid + 1, 1, info), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(xc_domain_getinfolist(f->xch, 1, 1, &dl), 1);
	assert_int_equal(dl.domain, f->domid);
	assert_int_equal(dl.tot_pages, 100);
}

static void test_interdomain(void **state)
{
	struct fixture *f = *state;
	xc_evtchn_status_t st = {.dom = DOMID_SELF};
	struct evtchnd_event ev;
	int gport, lport;

	gport = evtchn_client_alloc_unbound(&f->guest, 0);
	assert_true(gport > 0);
	lport = xenevtchn_bind_interdomain(f->xce, f->domid, gport);
	assert_true(lport > 0);

	st.port = lport;
	assert_int_equal(xc_evtchn_status(f->xch, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, f->domid);
	assert_int_equal(st.u.interdomain.port, gport);
	st = (xc_evtchn_status_t){.dom = f->domid, .port = gport};
	assert_int_equal(xc_evtchn_status(f->xch, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, 0);

	/* Xen marks a freshly bound interdomain port pending (lost events). */
	assert_true(readable(xenevtchn_fd(f->xce), 2000));
	assert_int_equal(xenevtchn_pending(f->xce), lport);
	assert_int_equal(xenevtchn_unmask(f->xce, lport), 0);

	/* Guest -> dom0: one pending port, then nothing until unmask. */
	errno = 0;
	assert_int_equal(xenevtchn_pending(f->xce), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(evtchn_client_send(&f->guest, gport), 0);
	assert_true(readable(xenevtchn_fd(f->xce), 2000));
	assert_int_equal(xenevtchn_pending(f->xce), lport);
	assert_int_equal(xenevtchn_unmask(f->xce, lport), 0);

	/* Dom0 -> guest. */
	assert_int_equal(xenevtchn_notify(f->xce, lport), 0);
	assert_true(readable(f->guest.event_fd, 2000));
	assert_int_equal(evtchn_client_read_event(&f->guest, &ev), 1);
	assert_int_equal(ev.type, EVTCHND_EV_PORT);
	assert_int_equal(ev.port, gport);

	/* Ports are the handle's: others fail with ENOTCONN. */
	errno = 0;
	assert_int_equal(xenevtchn_notify(f->xce, lport + 100), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(xenevtchn_unbind(f->xce, lport), 0);
	errno = 0;
	assert_int_equal(xenevtchn_unbind(f->xce, lport), -1);
	assert_int_equal(errno, ENOTCONN);
	/* The guest's end falls back to unbound. */
	st = (xc_evtchn_status_t){.dom = f->domid, .port = gport};
	assert_int_equal(xc_evtchn_status(f->xch, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);

	/* Restricted handles may only bind to their domain. */
	assert_int_equal(xenevtchn_restrict(f->xce, f->domid + 1), 0);
	errno = 0;
	assert_int_equal(xenevtchn_bind_interdomain(f->xce, f->domid, gport),
			 -1);
	assert_int_equal(errno, EPERM);
}

static void test_shutdown_destroy(void **state)
{
	struct fixture *f = *state;
	xc_dominfo_t info;
	int virq;

	virq = xenevtchn_bind_virq(f->xce, VIRQ_DOM_EXC);
	assert_true(virq > 0);
	assert_int_equal(xc_domain_shutdown(f->xch, f->domid, SHUTDOWN_crash),
			 0);
	assert_int_equal(xc_domain_getinfo(f->xch, f->domid, 1, &info), 1);
	assert_true(info.crashed);
	assert_false(info.shutdown);
	assert_true(readable(xenevtchn_fd(f->xce), 2000));
	assert_int_equal(xenevtchn_pending(f->xce), virq);
	assert_int_equal(xenevtchn_unmask(f->xce, virq), 0);

	assert_int_equal(xc_domain_destroy(f->xch, f->domid), 0);
	assert_true(readable(xenevtchn_fd(f->xce), 2000));
	assert_int_equal(xenevtchn_pending(f->xce), virq);
	if (xc_domain_getinfo(f->xch, f->domid, 1, &info) == 1 &&
	    info.domid == f->domid)
		assert_true(info.dying);
}

static void test_unsupported(void **state)
{
	struct fixture *f = *state;
	unsigned long v;

	errno = 0;
	assert_int_equal(xc_get_hvm_param(f->xch, f->domid, 1, &v), -1);
	assert_int_equal(errno, EOPNOTSUPP);
}

/* fdopen takes over only a handle inherited across exec (no FD_CLOEXEC);
 * the fixture's handle was opened here, with it (the e2e test
 * xenstored-live-update.sh covers the exec). */
static void test_fdopen_needs_inherited(void **state)
{
	struct fixture *f = *state;

	errno = 0;
	assert_null(xenevtchn_fdopen(NULL, xenevtchn_fd(f->xce), 0));
	assert_int_equal(errno, EBADF);
}

static void test_no_evtchnd(void **state)
{
	char *saved = strdup(getenv("XENNER_RUNDIR"));

	(void)state;
	setenv("XENNER_RUNDIR", "/nonexistent/xenner", 1);
	errno = 0;
	assert_null(xenevtchn_open(NULL, 0));
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	assert_null(xc_interface_open(NULL, NULL, 0));
	setenv("XENNER_RUNDIR", saved, 1);
	free(saved);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_getinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interdomain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsupported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fdopen_needs_inherited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_evtchnd, setup,
						teardown),
	};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argc;
	(void)argv;
	if (n < 0)
		return 1;
	self[n] = '\0';
	/* $BUILD/tests/unit/<us> -> $BUILD/evtchnd/evtchnd */
	snprintf(evtchnd_bin, sizeof(evtchnd_bin), "%s/../../evtchnd/evtchnd",
		 dirname(self));
	if (access(evtchnd_bin, X_OK)) {
		printf("SKIP evtchnd not built (%s)\n", evtchnd_bin);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
