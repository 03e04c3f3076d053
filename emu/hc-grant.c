// SPDX-License-Identifier: MIT
/*
 * grant_table_op: the guest's own grant table.  Its frames are fixed
 * (boot->gnttab_first_pfn on, written by the domain builder), so setup
 * only reports them; only version 1 exists.  Mapping or copying other
 * domains' grants from inside this guest is not supported yet: backends
 * live in dom0 on the host.
 */
#include <xen/grant_table.h>

#include "hypercall.h"

/* Xen's internal split of cmd: continuation bits above the op. */
#define GNTTABOP_CMD_MASK 0xfffU

/* Frames the guest has set up; Xen starts a table with one frame. */
static uint32_t nr_frames = 1;
static uint64_t warned;

/* Xen's answer as a GNTST_* status for ops that report one. */
static int16_t domain_status(domid_t dom)
{
	switch (domid_target(dom)) {
	case 0:
		return GNTST_okay;
	case -XEN_EPERM:
		return GNTST_permission_denied;
	default:
		return GNTST_bad_domain;
	}
}

static void grow(uint32_t n)
{
	uint32_t cur = __atomic_load_n(&nr_frames, __ATOMIC_RELAXED);

	while (n > cur &&
	       !__atomic_compare_exchange_n(&nr_frames, &cur, n, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static long setup_table(uint64_t uop, uint32_t count)
{
	struct gnttab_setup_table op;
	uint64_t list;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	list = (uint64_t)op.frame_list.p;
	if (!guest_range_ok(list, (uint64_t)op.nr_frames * sizeof(xen_pfn_t)))
		return -XEN_EFAULT;
	op.status = domain_status(op.dom);
	if (op.status == GNTST_okay && op.nr_frames > boot->gnttab_max_frames)
		op.status = GNTST_general_error;
	if (op.status == GNTST_okay) {
		grow(op.nr_frames);
		for (uint32_t i = 0; i < op.nr_frames; i++) {
			xen_pfn_t pfn = boot->gnttab_first_pfn + i;

			if (copy_to_guest(list + i * sizeof(pfn), &pfn,
					  sizeof(pfn)))
				op.status = GNTST_bad_virt_addr;
		}
	}
	return copy_to_guest(uop + offsetof(struct gnttab_setup_table, status),
			     &op.status, sizeof(op.status))
		       ? -XEN_EFAULT
		       : 0;
}

static long query_size(uint64_t uop, uint32_t count)
{
	struct gnttab_query_size op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	op.status = domain_status(op.dom);
	if (op.status == GNTST_okay) {
		op.nr_frames = __atomic_load_n(&nr_frames, __ATOMIC_RELAXED);
		op.max_nr_frames = boot->gnttab_max_frames;
	}
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/*
 * Xen prints the table on its own console; pvgrub asks for it at start.
 * There is nothing here to print it to that the guest could not read
 * itself, so only the status is Xen's.
 */
static long dump_table(uint64_t uop, uint32_t count)
{
	struct gnttab_dump_table op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	op.status = domain_status(op.dom);
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Version 2 is not offered: Xen then answers as before set_version. */
static long set_version(uint64_t uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (op.version == 1)
		rc = 0;
	else if (op.version == 2)
		rc = -XEN_ENOSYS;
	else
		rc = -XEN_EINVAL;
	op.version = 1;
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : rc;
}

static long get_version(uint64_t uop)
{
	struct gnttab_get_version op;
	int rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	rc = domid_target(op.dom);
	if (rc)
		return rc;
	op.version = 1;
	return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

long hc_grant_table_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t uop,
		       uint64_t count, uint64_t a4, uint64_t a5)
{
	uint32_t op = cmd & GNTTABOP_CMD_MASK;

	(void)a4, (void)a5;
	/* Xen takes both as unsigned int; only cache_flush has opaque bits */
	if ((int32_t)count < 0)
		return -XEN_EINVAL;
	if ((uint32_t)cmd != op && op != GNTTABOP_cache_flush)
		return -XEN_EINVAL;
	switch (op) {
	case GNTTABOP_setup_table:
		return setup_table(uop, count);
	case GNTTABOP_query_size:
		return query_size(uop, count);
	case GNTTABOP_dump_table:
		return dump_table(uop, count);
	case GNTTABOP_set_version:
		return set_version(uop);
	case GNTTABOP_get_version:
		return get_version(uop);
	default:
		warn_unimplemented(cpu, &warned, "grant_table_op", op);
		return -XEN_ENOSYS;
	}
}
