// SPDX-License-Identifier: MIT
/*
 * libxengnttab shim against fake domains: mappings share memory with the
 * vmcore, every bad grant fails with its documented errno (see
 * libxenctrl/gnttab.c) and leaves the grant table as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "shim-test-dom.h"

#define RW   (PROT_READ | PROT_WRITE)
#define PAGE 4096

struct fixture {
	struct vmcore vc; /* domain 1 */
	xengnttab_handle *h;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (test_rundir_setup() || test_dom_create(&f.vc, 1))
		return -1;
	f.h = xengnttab_open(NULL, 0);
	if (!f.h)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	xengnttab_close(f->h);
	test_dom_destroy(&f->vc);
	test_rundir_teardown();
	return 0;
}

static void test_map_shares_memory(void **state)
{
	struct fixture *f = *state;
	uint8_t *p;

	test_grant(&f->vc, 5, GTF_permit_access, 0, 10);
	p = xengnttab_map_grant_ref(f->h, 1, 5, RW);
	assert_non_null(p);
	assert_int_equal(test_grant_flags(&f->vc, 5),
			 GTF_permit_access | GTF_reading | GTF_writing);
	memcpy(p, "from dom0", 10);
	assert_memory_equal(test_frame(&f->vc, 10), "from dom0", 10);
	memcpy(test_frame(&f->vc, 10) + 100, "from guest", 11);
	assert_memory_equal(p + 100, "from guest", 11);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
	assert_int_equal(test_grant_flags(&f->vc, 5), GTF_permit_access);
}

static void test_map_readonly(void **state)
{
	struct fixture *f = *state;
	uint8_t *p, *q;

	test_grant(&f->vc, 6, GTF_permit_access | GTF_readonly, 0, 11);
	memcpy(test_frame(&f->vc, 11), "ro", 3);
	p = xengnttab_map_grant_ref(f->h, 1, 6, PROT_READ);
	assert_non_null(p);
	assert_string_equal((char *)p, "ro");
	assert_int_equal(test_grant_flags(&f->vc, 6),
			 GTF_permit_access | GTF_readonly | GTF_reading);

	/* A second mapping keeps GTF_reading until both are gone. */
	q = xengnttab_map_grant_ref(f->h, 1, 6, PROT_READ);
	assert_non_null(q);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
	assert_true(test_grant_flags(&f->vc, 6) & GTF_reading);
	assert_int_equal(xengnttab_unmap(f->h, q, 1), 0);
	assert_int_equal(test_grant_flags(&f->vc, 6),
			 GTF_permit_access | GTF_readonly);

	/* Write access to a read-only grant: EACCES, flags untouched. */
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 6, RW));
	assert_int_equal(errno, EACCES);
	assert_int_equal(test_grant_flags(&f->vc, 6),
			 GTF_permit_access | GTF_readonly);
}

static void test_map_bad_grants(void **state)
{
	struct fixture *f = *state;

	test_grant(&f->vc, 7, GTF_permit_access, 3, 12); /* for domain 3 */
	test_grant(&f->vc, 8, GTF_invalid, 0, 12);	 /* not granted */
	test_grant(&f->vc, 9, GTF_permit_access, 0, TEST_NR_PAGES);
	test_grant(&f->vc, 10, GTF_permit_access, 0, 0xffffffff);

	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 512, RW));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 0xffffffff, PROT_READ));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 7, RW));
	assert_int_equal(errno, EPERM);
	assert_int_equal(test_grant_flags(&f->vc, 7), GTF_permit_access);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 8, PROT_READ));
	assert_int_equal(errno, EPERM);
	assert_int_equal(test_grant_flags(&f->vc, 8), 0);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 9, RW));
	assert_int_equal(errno, EFAULT);
	assert_int_equal(test_grant_flags(&f->vc, 9), GTF_permit_access);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 10, PROT_READ));
	assert_int_equal(errno, EFAULT);
	/* No such domain. */
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 42, 5, RW));
	assert_int_equal(errno, ESRCH);
}

static void test_map_refs_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	uint32_t refs[3] = {20, 21, 22};
	uint32_t doms[3] = {1, 1, 1};
	uint8_t *p;

	test_grant(&f->vc, 20, GTF_permit_access, 0, 20);
	test_grant(&f->vc, 21, GTF_permit_access, 0, 21);
	test_grant(&f->vc, 22, GTF_permit_access, 2, 22); /* not ours */
	errno = 0;
	assert_null(xengnttab_map_grant_refs(f->h, 3, doms, refs, RW));
	assert_int_equal(errno, EPERM);
	assert_int_equal(test_grant_flags(&f->vc, 20), GTF_permit_access);
	assert_int_equal(test_grant_flags(&f->vc, 21), GTF_permit_access);

	/* Contiguous range, frames in the order of the refs. */
	test_grant(&f->vc, 22, GTF_permit_access, 0, 19);
	test_frame(&f->vc, 19)[0] = 'c';
	test_frame(&f->vc, 20)[0] = 'a';
	test_frame(&f->vc, 21)[0] = 'b';
	p = xengnttab_map_domain_grant_refs(f->h, 3, 1, refs, RW);
	assert_non_null(p);
	assert_int_equal(p[0], 'a');
	assert_int_equal(p[PAGE], 'b');
	assert_int_equal(p[2 * PAGE], 'c');
	/* Unmap needs the exact start and count. */
	errno = 0;
	assert_int_equal(xengnttab_unmap(f->h, p, 2), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(xengnttab_unmap(f->h, p + PAGE, 1), -1);
	assert_int_equal(errno, EINVAL);
	p[1] = 'x'; /* still mapped */
	assert_int_equal(test_frame(&f->vc, 20)[1], 'x');
	assert_int_equal(xengnttab_unmap(f->h, p, 3), 0);
	assert_int_equal(test_grant_flags(&f->vc, 22), GTF_permit_access);
	errno = 0;
	assert_int_equal(xengnttab_unmap(f->h, p, 3), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xengnttab_map_domain_grant_refs(f->h, 0, 1, refs, RW));
	assert_int_equal(errno, EINVAL);
}

static void test_max_grants(void **state)
{
	struct fixture *f = *state;
	uint32_t refs[2] = {30, 31};
	uint8_t *p;

	test_grant(&f->vc, 30, GTF_permit_access, 0, 30);
	test_grant(&f->vc, 31, GTF_permit_access, 0, 31);
	assert_int_equal(xengnttab_set_max_grants(f->h, 1), 0);
	errno = 0;
	assert_null(xengnttab_map_domain_grant_refs(f->h, 2, 1, refs, RW));
	assert_int_equal(errno, EINVAL);
	p = xengnttab_map_grant_ref(f->h, 1, 30, RW);
	assert_non_null(p);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 1, 31, RW));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
	p = xengnttab_map_grant_ref(f->h, 1, 31, RW);
	assert_non_null(p);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
}

static void test_unmap_notify_clear_byte(void **state)
{
	struct fixture *f = *state;
	uint8_t *p;

	test_grant(&f->vc, 40, GTF_permit_access, 0, 40);
	p = xengnttab_map_grant_ref_notify(f->h, 1, 40, RW, 100, -1);
	assert_non_null(p);
	p[100] = 0xff;
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
	assert_int_equal(test_frame(&f->vc, 40)[100], 0);
	/* Offset outside the page, or on a read-only mapping: EINVAL. */
	errno = 0;
	assert_null(xengnttab_map_grant_ref_notify(f->h, 1, 40, RW, PAGE, -1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(
		xengnttab_map_grant_ref_notify(f->h, 1, 40, PROT_READ, 0, -1));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(test_grant_flags(&f->vc, 40), GTF_permit_access);
}

static void test_truncated_vmcore(void **state)
{
	struct fixture *f = *state;
	struct vmcore vc2;
	uint8_t *p;

	/* Domain 2: valid at first open, then cut down to 16 pages. */
	assert_int_equal(test_dom_create(&vc2, 2), 0);
	test_grant(&vc2, 1, GTF_permit_access, 0, 5);
	test_grant(&vc2, 2, GTF_permit_access, 0, 40);
	p = xengnttab_map_grant_ref(f->h, 2, 1, RW);
	assert_non_null(p);
	assert_int_equal(truncate(vc2.path, VMCORE_RAM_OFFSET + 16 * PAGE), 0);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 2, 2, RW));
	assert_int_equal(errno, EFAULT);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
	assert_int_equal(test_grant_flags(&vc2, 1), GTF_permit_access);
	test_dom_destroy(&vc2);

	/* Domain 3: truncated before anyone opens it: invalid vmcore. */
	assert_int_equal(test_dom_create(&vc2, 3), 0);
	test_grant(&vc2, 1, GTF_permit_access, 0, 5);
	assert_int_equal(truncate(vc2.path, VMCORE_RAM_OFFSET + 16 * PAGE), 0);
	errno = 0;
	assert_null(xengnttab_map_grant_ref(f->h, 3, 1, RW));
	assert_int_equal(errno, EINVAL);
	test_dom_destroy(&vc2);

	/* Domain 1 is not disturbed. */
	test_grant(&f->vc, 5, GTF_permit_access, 0, 10);
	p = xengnttab_map_grant_ref(f->h, 1, 5, RW);
	assert_non_null(p);
	assert_int_equal(xengnttab_unmap(f->h, p, 1), 0);
}

static void test_grant_copy(void **state)
{
	struct fixture *f = *state;
	char buf[64] = "to the guest";
	xengnttab_grant_copy_segment_t seg[7];

	test_grant(&f->vc, 50, GTF_permit_access, 0, 50);
	test_grant(&f->vc, 51, GTF_permit_access | GTF_readonly, 0, 51);
	test_grant(&f->vc, 52, GTF_permit_access, 4, 52);
	test_grant(&f->vc, 53, GTF_permit_access, 0, TEST_NR_PAGES + 1);
	memcpy(test_frame(&f->vc, 51) + 8, "from the guest", 15);

	memset(seg, 0, sizeof(seg));
	/* 0: local -> grant 50 at offset 16. */
	seg[0].source.virt = buf;
	seg[0].dest.foreign.ref = 50;
	seg[0].dest.foreign.offset = 16;
	seg[0].dest.foreign.domid = 1;
	seg[0].len = 13;
	seg[0].flags = GNTCOPY_dest_gref;
	/* 1: read-only grant 51 -> local. */
	seg[1].source.foreign.ref = 51;
	seg[1].source.foreign.offset = 8;
	seg[1].source.foreign.domid = 1;
	seg[1].dest.virt = buf + 32;
	seg[1].len = 15;
	seg[1].flags = GNTCOPY_source_gref;
	/* 2: write into the read-only grant. */
	seg[2] = seg[0];
	seg[2].dest.foreign.ref = 51;
	/* 3: grant of another domain. */
	seg[3] = seg[1];
	seg[3].source.foreign.ref = 52;
	/* 4: bad ref. */
	seg[4] = seg[1];
	seg[4].source.foreign.ref = 600;
	/* 5: no such domain. */
	seg[5] = seg[1];
	seg[5].source.foreign.domid = 77;
	/* 6: frame outside the domain. */
	seg[6] = seg[1];
	seg[6].source.foreign.ref = 53;

	assert_int_equal(xengnttab_grant_copy(f->h, 7, seg), 0);
	assert_int_equal(seg[0].status, GNTST_okay);
	assert_memory_equal(test_frame(&f->vc, 50) + 16, "to the guest", 13);
	assert_int_equal(seg[1].status, GNTST_okay);
	assert_string_equal(buf + 32, "from the guest");
	assert_int_equal(seg[2].status, GNTST_general_error);
	assert_int_equal(seg[3].status, GNTST_general_error);
	assert_int_equal(seg[4].status, GNTST_bad_gntref);
	assert_int_equal(seg[5].status, GNTST_bad_domain);
	assert_int_equal(seg[6].status, GNTST_bad_page);
	/* Copies leave no pin behind. */
	assert_int_equal(test_grant_flags(&f->vc, 50), GTF_permit_access);
	assert_int_equal(test_grant_flags(&f->vc, 51),
			 GTF_permit_access | GTF_readonly);

	/* Segments gntdev rejects fail the whole call, nothing copied. */
	memset(test_frame(&f->vc, 50), 0, PAGE);
	seg[1] = seg[0];
	seg[1].dest.foreign.offset = PAGE - 4; /* crosses the page */
	seg[1].status = 99;
	errno = 0;
	assert_int_equal(xengnttab_grant_copy(f->h, 2, seg), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(test_frame(&f->vc, 50)[16], 0);
	seg[1] = seg[0];
	seg[1].flags = 0; /* local -> local */
	errno = 0;
	assert_int_equal(xengnttab_grant_copy(f->h, 2, seg), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_unsupported(void **state)
{
	uint32_t fd;

	(void)state;
	errno = 0;
	assert_null(xengntshr_open(NULL, 0));
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_int_equal(
		xengnttab_dmabuf_exp_from_refs(NULL, 1, 0, 0, NULL, &fd), -1);
	assert_int_equal(errno, EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_shares_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_readonly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_bad_grants, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_refs_all_or_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_grants, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmap_notify_clear_byte,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_vmcore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_grant_copy, setup,
						teardown),
		cmocka_unit_test(test_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
