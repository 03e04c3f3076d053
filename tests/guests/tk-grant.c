// SPDX-License-Identifier: MIT
/*
 * grant_table_op: size, version, setup of the domain's own table, and the
 * two entries the domain builder wrote (console and xenstore rings,
 * granted to dom0) seen through a mapping of the first grant frame.
 */
#include <xen/grant_table.h>

#include "lib.h"

#define VIRT_BASE 0xffffffff80000000UL
#define XEN_START 0xffff800000000000UL
#define PTE_FLAGS 0x67 /* P RW US A D */
#define IN_USE	  (GTF_reading | GTF_writing)

static grant_entry_v1_t table[512] __attribute__((aligned(4096)));

static long gnttab(unsigned cmd, void *arg, unsigned count)
{
	return hypercall(__HYPERVISOR_grant_table_op, cmd, (uint64_t)arg, count,
			 0, 0);
}

static long setup(domid_t dom, uint32_t n, xen_pfn_t *frames, int16_t *st)
{
	struct gnttab_setup_table s = {
		.dom = dom, .nr_frames = n, .status = 99};
	long rc;

	set_xen_guest_handle(s.frame_list, frames);
	rc = gnttab(GNTTABOP_setup_table, &s, 1);
	*st = s.status;
	return rc;
}

static void test_size_and_version(void)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	struct gnttab_get_version gv = {.dom = DOMID_SELF};
	struct gnttab_set_version sv = {.version = 2};

	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0);
	CHECK_EQ(q.status, GNTST_okay);
	CHECK_EQ(q.nr_frames, 1); /* Xen starts a table with one frame */
	CHECK(q.max_nr_frames >= 4);
	q.dom = 0;
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0);
	CHECK_EQ(q.status, GNTST_permission_denied);
	q.dom = DOMID_IO;
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0);
	CHECK_EQ(q.status, GNTST_bad_domain);
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 2), -22);
	CHECK_EQ(gnttab(GNTTABOP_query_size, (void *)XEN_START, 1), -14);

	CHECK_EQ(gnttab(GNTTABOP_get_version, &gv, 1), 0);
	CHECK_EQ(gv.version, 1);
	gv.dom = DOMID_IO;
	CHECK_EQ(gnttab(GNTTABOP_get_version, &gv, 1), -3);
	/* no v2 here: Xen answers as before set_version existed */
	CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), -38);
	CHECK_EQ(sv.version, 1);
	sv.version = 1;
	CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), 0);
	sv.version = 3;
	CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), -22);
	CHECK_EQ(sv.version, 1);
	CHECK_EQ(gnttab(GNTTABOP_set_version, (void *)0x10, 1), -14);
}

/* pvgrub calls it at start: Xen answers with a status, not ENOSYS */
static void test_dump_table(void)
{
	struct gnttab_dump_table d = {.dom = DOMID_SELF, .status = 99};

	CHECK_EQ(gnttab(GNTTABOP_dump_table, &d, 1), 0);
	CHECK_EQ(d.status, GNTST_okay);
	d.dom = DOMID_IO;
	CHECK_EQ(gnttab(GNTTABOP_dump_table, &d, 1), 0);
	CHECK_EQ(d.status, GNTST_bad_domain);
	CHECK_EQ(gnttab(GNTTABOP_dump_table, &d, 2), -22);
	CHECK_EQ(gnttab(GNTTABOP_dump_table, (void *)0x10, 1), -14);
}

static void test_setup(xen_pfn_t *frames)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	xen_pfn_t more[64];
	int16_t st;

	CHECK_EQ(setup(DOMID_SELF, 4, frames, &st), 0);
	CHECK_EQ(st, GNTST_okay);
	/* Xen-owned frames, after shared_info, consecutive here */
	CHECK(frames[0] >= start_info->nr_pages);
	CHECK(frames[0] != start_info->shared_info >> 12);
	for (unsigned i = 1; i < 4; i++)
		CHECK_EQ(frames[i], frames[0] + i);
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0);
	CHECK_EQ(q.nr_frames, 4);
	/* asking for fewer never shrinks the table */
	CHECK_EQ(setup(DOMID_SELF, 2, more, &st), 0);
	CHECK_EQ(st, GNTST_okay);
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0);
	CHECK_EQ(q.nr_frames, 4);
	CHECK(q.max_nr_frames <= 64);
	CHECK_EQ(setup(DOMID_SELF, q.max_nr_frames + 1, more, &st), 0);
	CHECK_EQ(st, GNTST_general_error);
	CHECK_EQ(setup(0, 1, more, &st), 0);
	CHECK_EQ(st, GNTST_permission_denied);
	CHECK_EQ(setup(DOMID_IO, 1, more, &st), 0);
	CHECK_EQ(st, GNTST_bad_domain);
	/* a frame list that faults: a status, not an error */
	CHECK_EQ(setup(DOMID_SELF, 1, (void *)0x10, &st), 0);
	CHECK_EQ(st, GNTST_bad_virt_addr);
	CHECK_EQ(setup(DOMID_SELF, 1, (void *)XEN_START, &st), -14);
	{
		struct gnttab_setup_table s = {.dom = DOMID_SELF,
					       .nr_frames = 1};

		set_xen_guest_handle(s.frame_list, more);
		CHECK_EQ(gnttab(GNTTABOP_setup_table, &s, 2), -22);
		CHECK_EQ(gnttab(GNTTABOP_setup_table, &s, 0), -22);
		CHECK_EQ(gnttab(GNTTABOP_setup_table, (void *)XEN_START, 1),
			 -14);
	}
}

static void test_entries(xen_pfn_t frame0)
{
	uint64_t own = ((uint64_t)table - VIRT_BASE) >> 12;

	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)table,
			   frame0 << 12 | PTE_FLAGS, UVMF_INVLPG, 0, 0),
		 0);
	/* while dom0 has it mapped, the reading/writing bits are set too */
	CHECK_EQ(table[GNTTAB_RESERVED_CONSOLE].flags & ~IN_USE,
		 GTF_permit_access);
	CHECK_EQ(table[GNTTAB_RESERVED_CONSOLE].domid, 0);
	CHECK_EQ(table[GNTTAB_RESERVED_CONSOLE].frame,
		 start_info->console.domU.mfn);
	CHECK_EQ(table[GNTTAB_RESERVED_XENSTORE].flags & ~IN_USE,
		 GTF_permit_access);
	CHECK_EQ(table[GNTTAB_RESERVED_XENSTORE].domid, 0);
	CHECK_EQ(table[GNTTAB_RESERVED_XENSTORE].frame, start_info->store_mfn);
	/* the rest is the guest's to fill */
	CHECK_EQ(table[8].flags, 0);
	table[8].frame = 1234;
	CHECK_EQ(table[8].frame, 1234);
	table[8].frame = 0;
	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)table,
			   own << 12 | PTE_FLAGS, UVMF_INVLPG, 0, 0),
		 0);
}

static void test_refused(void)
{
	struct gnttab_map_grant_ref map = {.ref = 0, .dom = 0};
	struct gnttab_query_size q = {.dom = DOMID_SELF};

	/* this guest cannot map or copy other domains' grants (yet) */
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &map, 1), -38);
	CHECK_EQ(gnttab(GNTTABOP_copy, &map, 1), -38);
	CHECK_EQ(gnttab(GNTTABOP_get_status_frames, &map, 1), -38);
	CHECK_EQ(gnttab(99, &map, 1), -38);
	/* continuation bits in cmd, and a negative count */
	CHECK_EQ(gnttab(GNTTABOP_query_size | 1 << 12, &q, 1), -22);
	CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 0x80000000), -22);
}

void test_main(void)
{
	xen_pfn_t frames[4] = {0};

	test_size_and_version();
	test_dump_table();
	test_setup(frames);
	test_entries(frames[0]);
	test_refused();
}
