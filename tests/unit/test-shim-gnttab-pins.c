// SPDX-License-Identifier: MIT
/*
 * Grant pins outlive the process (include/xenner/gntpin.h): a backend
 * killed with SIGKILL leaves GTF_reading/GTF_writing set only until the
 * next xengnttab_open, which releases its pins; pins of live processes on
 * the same refs keep their flags; a slot whose pid was reused is dead; a
 * process killed holding the table's lock does not block the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "shim-test-dom.h"
#include "xenner/gntpin.h"

#define RW (PROT_READ | PROT_WRITE)
#define PA GTF_permit_access
#define RD GTF_reading
#define WR GTF_writing

static struct vmcore vc; /* domain 1 */

static int setup(void **state)
{
	(void)state;
	memset(&vc, 0, sizeof(vc));
	if (test_rundir_setup() || test_dom_create(&vc, 1))
		return -1;
	for (uint32_t ref = 5; ref < 10; ref++)
		test_grant(&vc, ref, PA, 0, 10 + ref);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_dom_destroy(&vc);
	test_rundir_teardown();
	return 0;
}

struct map_req {
	uint32_t ref;
	int prot;
};

/*
 * Forks a process that maps reqs (through its own handle), says so on a
 * pipe and waits to be killed.  Returns its pid.
 */
static pid_t child_mapping(const struct map_req *reqs, int n)
{
	int pfd[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		xengnttab_handle *h = xengnttab_open(NULL, 0);

		close(pfd[0]);
		for (int i = 0; h && i < n; i++)
			if (!xengnttab_map_grant_ref(h, 1, reqs[i].ref,
						     reqs[i].prot))
				_exit(1);
		c = h ? 'y' : 'n';
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	assert_int_equal(c, 'y');
	return pid;
}

/* Kills pid with SIGKILL and waits until it is a zombie (not reaped). */
static void kill_to_zombie(pid_t pid)
{
	assert_int_equal(kill(pid, SIGKILL), 0);
	for (int i = 0; i < 500 && gntpin_proc_start(pid); i++)
		usleep(10000);
	assert_int_equal(gntpin_proc_start(pid), 0);
}

static void reap(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* Opens and closes a handle: what a restarted backend does first. */
static void reopen(void)
{
	xengnttab_handle *h = xengnttab_open(NULL, 0);

	assert_non_null(h);
	xengnttab_close(h);
}

static void open_table(struct gntpin *t)
{
	struct stat st;

	assert_int_equal(stat(vc.path, &st), 0);
	assert_int_equal(gntpin_open(t, 1, st.st_dev, st.st_ino, true), 0);
}

static int used_slots(void)
{
	struct gntpin t;
	int n = 0;

	open_table(&t);
	for (int i = 0; i < GNTPIN_SLOTS; i++)
		n += t.f->owner[i].pid != 0;
	gntpin_close(&t);
	return n;
}

static void test_killed_backend_released(void **state)
{
	const struct map_req a[] = {{5, RW}, {6, RW}, {7, PROT_READ}};
	const struct map_req b[] = {{6, PROT_READ}, {7, PROT_READ}};
	pid_t pa, pb;

	(void)state;
	pa = child_mapping(a, 3);
	pb = child_mapping(b, 2);
	assert_int_equal(test_grant_flags(&vc, 5), PA | RD | WR);
	assert_int_equal(test_grant_flags(&vc, 6), PA | RD | WR);
	assert_int_equal(test_grant_flags(&vc, 7), PA | RD);
	assert_int_equal(used_slots(), 2);

	/* A dies without unmapping: its flags stay until someone looks. */
	kill_to_zombie(pa);
	assert_int_equal(test_grant_flags(&vc, 5), PA | RD | WR);
	reopen();
	/* Only A held 5; B still reads 6 and 7, nobody writes 6. */
	assert_int_equal(test_grant_flags(&vc, 5), PA);
	assert_int_equal(test_grant_flags(&vc, 6), PA | RD);
	assert_int_equal(test_grant_flags(&vc, 7), PA | RD);
	assert_int_equal(used_slots(), 1);
	reap(pa);

	kill_to_zombie(pb);
	reap(pb);
	reopen();
	assert_int_equal(test_grant_flags(&vc, 6), PA);
	assert_int_equal(test_grant_flags(&vc, 7), PA);
	assert_int_equal(used_slots(), 0);
}

static void test_pins_across_processes(void **state)
{
	const struct map_req a[] = {{8, PROT_READ}};
	xengnttab_handle *h = xengnttab_open(NULL, 0);
	uint8_t *p;
	pid_t pa;

	(void)state;
	assert_non_null(h);
	p = xengnttab_map_grant_ref(h, 1, 8, RW);
	assert_non_null(p);
	pa = child_mapping(a, 1);
	/* Our last unmap leaves the flag another process still needs. */
	assert_int_equal(xengnttab_unmap(h, p, 1), 0);
	assert_int_equal(test_grant_flags(&vc, 8), PA | RD);
	/* A second handle of this process shares our (now empty) slot. */
	p = xengnttab_map_grant_ref(h, 1, 9, PROT_READ);
	assert_non_null(p);
	kill_to_zombie(pa);
	reap(pa);
	xengnttab_close(xengnttab_open(NULL, 0));
	assert_int_equal(test_grant_flags(&vc, 8), PA);
	/* ... and our own live pin survived the release. */
	assert_int_equal(test_grant_flags(&vc, 9), PA | RD);
	xengnttab_close(h);
	assert_int_equal(test_grant_flags(&vc, 9), PA);
	assert_int_equal(used_slots(), 0);
}

static void test_reused_pid_is_dead(void **state)
{
	int32_t me = getpid();
	struct gntpin t;

	(void)state;
	open_table(&t);
	/* Our pid, another start time: the process that had it is gone. */
	t.f->owner[3] = (struct gntpin_owner){
		.pid = me, .held = 1, .start = gntpin_proc_start(me) + 1};
	t.f->count[3][5] = (struct gntpin_count){1, 1};
	test_grant(&vc, 5, PA | RD | WR, 0, 15);
	/* A pid that does not exist. */
	t.f->owner[4] =
		(struct gntpin_owner){.pid = INT32_MAX, .held = 1, .start = 1};
	t.f->count[4][6] = (struct gntpin_count){1, 0};
	test_grant(&vc, 6, PA | RD, 0, 16);
	gntpin_close(&t);
	reopen();
	assert_int_equal(test_grant_flags(&vc, 5), PA);
	assert_int_equal(test_grant_flags(&vc, 6), PA);
	assert_int_equal(used_slots(), 0);
}

static void test_replaced_domain_table(void **state)
{
	xengnttab_handle *h = xengnttab_open(NULL, 0), *h2;
	struct gntpin t;
	struct stat st;
	void *p;

	(void)state;
	assert_non_null(h);
	assert_non_null(xengnttab_map_grant_ref(h, 1, 5, RW));
	assert_int_equal(stat(vc.path, &st), 0);
	/* Domain 1 dies while we hold a grant; a new domain 1 comes. */
	test_dom_destroy(&vc);
	/* A release finds no vmcore: the table of the dead domain goes. */
	assert_int_equal(gntpin_open(&t, 1, 0, 0, false), -ENOENT);
	assert_int_equal(test_dom_create(&vc, 1), 0);
	/* A table for a vmcore that is not the domain's is not made. */
	assert_int_equal(gntpin_open(&t, 1, st.st_dev, st.st_ino, true),
			 -ESTALE);
	test_grant(&vc, 5, PA, 0, 15);
	h2 = xengnttab_open(NULL, 0);
	assert_non_null(h2);
	p = xengnttab_map_grant_ref(h2, 1, 5, RW);
	assert_non_null(p);
	assert_int_equal(test_grant_flags(&vc, 5), PA | RD | WR);
	/* The old domain's pin does not keep the new domain's flag. */
	xengnttab_close(h);
	assert_int_equal(test_grant_flags(&vc, 5), PA | RD | WR);
	xengnttab_close(h2);
	assert_int_equal(test_grant_flags(&vc, 5), PA);
}

static void test_lock_holder_killed(void **state)
{
	xengnttab_handle *h;
	struct gntpin t;
	pid_t pid;
	void *p;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		open_table(&t);
		gntpin_lock(&t);
		raise(SIGKILL); /* dies inside a change */
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	/* The next locker takes over the lock its holder left. */
	h = xengnttab_open(NULL, 0);
	assert_non_null(h);
	p = xengnttab_map_grant_ref(h, 1, 5, RW);
	assert_non_null(p);
	assert_int_equal(test_grant_flags(&vc, 5), PA | RD | WR);
	xengnttab_close(h);
	assert_int_equal(test_grant_flags(&vc, 5), PA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_killed_backend_released,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pins_across_processes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_pid_is_dead, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replaced_domain_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_holder_killed, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
