// SPDX-License-Identifier: MIT
/* libxenforeignmemory shim against a fake domain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <xenforeignmemory.h>

#include "shim-test-dom.h"

#define RW   (PROT_READ | PROT_WRITE)
#define PAGE 4096

struct fixture {
	struct vmcore vc; /* domain 1 */
	xenforeignmemory_handle *h;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (test_rundir_setup() || test_dom_create(&f.vc, 1))
		return -1;
	f.h = xenforeignmemory_open(NULL, 0);
	if (!f.h)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	xenforeignmemory_close(f->h);
	test_dom_destroy(&f->vc);
	test_rundir_teardown();
	return 0;
}

static void test_map_shares_memory(void **state)
{
	struct fixture *f = *state;
	xen_pfn_t pfns[3] = {7, 8, 3};
	int err[3] = {1, 1, 1};
	uint8_t *p;

	test_frame(&f->vc, 8)[5] = 'g';
	p = xenforeignmemory_map(f->h, 1, RW, 3, pfns, err);
	assert_non_null(p);
	assert_int_equal(err[0] | err[1] | err[2], 0);
	assert_int_equal(p[PAGE + 5], 'g');
	p[2 * PAGE] = 'h';
	assert_int_equal(test_frame(&f->vc, 3)[0], 'h');
	assert_int_equal(xenforeignmemory_unmap(f->h, p, 3), 0);

	/* map2 without err[] and with the last page of RAM. */
	pfns[0] = TEST_NR_PAGES - 1;
	p = xenforeignmemory_map2(f->h, 1, NULL, PROT_READ, 0, 1, pfns, NULL);
	assert_non_null(p);
	assert_int_equal(xenforeignmemory_unmap(f->h, p, 1), 0);
}

static void test_map_out_of_range(void **state)
{
	struct fixture *f = *state;
	xen_pfn_t pfns[3] = {2, TEST_NR_PAGES, 4};
	int err[3];
	uint8_t *p;

	/* With err[]: the call succeeds, the bad page is reported. */
	test_frame(&f->vc, 4)[0] = 'x';
	p = xenforeignmemory_map(f->h, 1, RW, 3, pfns, err);
	assert_non_null(p);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], -EINVAL);
	assert_int_equal(err[2], 0);
	assert_int_equal(p[2 * PAGE], 'x');
	assert_int_equal(xenforeignmemory_unmap(f->h, p, 3), 0);

	/* Without err[]: the whole call fails with that errno. */
	errno = 0;
	assert_null(xenforeignmemory_map(f->h, 1, RW, 3, pfns, NULL));
	assert_int_equal(errno, EINVAL);
	pfns[1] = (xen_pfn_t)-1;
	errno = 0;
	assert_null(xenforeignmemory_map(f->h, 1, RW, 3, pfns, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xenforeignmemory_map(f->h, 1, RW, 0, pfns, NULL));
	assert_int_equal(errno, EINVAL);
	/* No such domain. */
	errno = 0;
	assert_null(xenforeignmemory_map(f->h, 9, RW, 1, pfns, err));
	assert_int_equal(errno, ESRCH);
}

static void test_restrict_and_resources(void **state)
{
	struct fixture *f = *state;
	xen_pfn_t pfn = 2;
	void *addr;

	assert_int_equal(xenforeignmemory_restrict(f->h, 5), 0);
	errno = 0;
	assert_null(xenforeignmemory_map(f->h, 1, RW, 1, &pfn, NULL));
	assert_int_equal(errno, EPERM);
	errno = 0;
	assert_int_equal(xenforeignmemory_restrict(f->h, 1), -1);
	assert_int_equal(errno, EPERM);
	errno = 0;
	assert_null(xenforeignmemory_map_resource(f->h, 1, 0, 0, 0, 1, &addr,
						  RW, 0));
	assert_int_equal(errno, EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_shares_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_out_of_range, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restrict_and_resources,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
