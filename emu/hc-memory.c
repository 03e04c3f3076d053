// SPDX-License-Identifier: MIT
/*
 * memory_op: the memory map, where the M2P is, reservations, ballooning.
 *
 * The domain's RAM is fixed at start of day (pfn == mfn), so ballooning
 * only marks frames as given back (FRAME_BALLOONED) and keeps the count;
 * populate_physmap and increase_reservation can give back exactly those
 * frames, named by the guest (Linux passes the pfn it ballooned out; Xen
 * would ignore it and pick any free frame).  The memory stays in the
 * host's mapping: returning it to the host is future work.
 */
#include <xen/memory.h>

#include "hypercall.h"
#include "m2p.h"
#include "mm.h"

/* Xen's internal encoding of a continuation in cmd (xen/hypercall.h). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK	   ((1U << MEMOP_EXTENT_SHIFT) - 1)
#define MEMOP_MAX_ORDER	   9 /* Xen's CONFIG_DOMU_MAX_ORDER */
#define E820_RAM	   1

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static uint64_t ballooned; /* frames given back, domain-wide */
static uint64_t warned;	   /* unimplemented sub-ops already reported */

/* Moves the frames of one extent from one state to the other. */
static bool balloon(uint64_t gfn, unsigned order, uint8_t from, uint8_t to)
{
	uint64_t n = 1ULL << order, j;

	if (gfn >= boot->nr_pages || n > boot->nr_pages - gfn)
		return false;
	for (j = 0; j < n; j++) {
		uint8_t old = from;

		if (!__atomic_compare_exchange_n(frame_type(gfn + j), &old, to,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			break;
		/* Xen sets the M2P of a populated frame (identity here) */
		if (to == FRAME_NONE)
			((uint64_t *)(EMU_VA + EMU_OFF_M2P))[gfn + j] = gfn + j;
	}
	/* as in Xen, frames done before a failure stay done */
	if (to == FRAME_BALLOONED)
		__atomic_add_fetch(&ballooned, j, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&ballooned, j, __ATOMIC_RELAXED);
	return j == n;
}

/* increase/decrease_reservation, populate_physmap: extents done. */
static long reservation(unsigned op, uint64_t start, uint64_t arg)
{
	struct xen_memory_reservation r;
	uint64_t list, i;
	unsigned bits;

	if (copy_from_guest(&r, arg, sizeof(r)) ||
	    r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
	    start >= r.nr_extents || domid_target(r.domid))
		return start;
	bits = XENMEMF_get_address_bits(r.mem_flags);
	if (r.extent_order > MEMOP_MAX_ORDER || (bits && bits <= 12) ||
	    (r.mem_flags & XENMEMF_populate_on_demand))
		return start;
	list = (uint64_t)r.extent_start.p;
	if (!guest_range_ok(list, r.nr_extents * sizeof(xen_pfn_t)))
		return start;
	for (i = start; i < r.nr_extents; i++) {
		xen_pfn_t gfn;

		if (copy_from_guest(&gfn, list + i * sizeof(gfn), sizeof(gfn)))
			break;
		if (op == XENMEM_decrease_reservation) {
			if (!balloon(gfn, r.extent_order, FRAME_NONE,
				     FRAME_BALLOONED))
				break;
			continue;
		}
		if (!balloon(gfn, r.extent_order, FRAME_BALLOONED, FRAME_NONE))
			break;
		/* "inform the domain of the new page's machine address" */
		if (copy_to_guest(list + i * sizeof(gfn), &gfn, sizeof(gfn)))
			break;
	}
	return i;
}

/* current/maximum_reservation, maximum_gpfn */
static long reservation_info(unsigned op, uint64_t arg)
{
	domid_t domid;
	uint64_t max_pfn;
	int rc;

	if (copy_from_guest(&domid, arg, sizeof(domid)))
		return -XEN_EFAULT;
	rc = domid_target(domid);
	if (rc)
		return rc;
	switch (op) {
	case XENMEM_current_reservation:
		return boot->nr_pages -
		       __atomic_load_n(&ballooned, __ATOMIC_RELAXED);
	case XENMEM_maximum_reservation:
		return boot->nr_pages;
	default:
		/* as Xen: a PV guest tells its size in shared_info */
		max_pfn = shared_info->arch.max_pfn;
		return (max_pfn ? max_pfn : 1) - 1;
	}
}

/* The E820 the toolstack would have set: all of RAM, from 0. */
static long memory_map(uint64_t arg)
{
	struct xen_memory_map map;
	struct e820_entry ram = {
		.addr = 0,
		.size = boot->nr_pages * PAGE_SIZE,
		.type = E820_RAM,
	};

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -XEN_EFAULT;
	if (map.nr_entries > 1)
		map.nr_entries = 1;
	if ((map.nr_entries &&
	     copy_to_guest((uint64_t)map.buffer.p, &ram, sizeof(ram))) ||
	    copy_to_guest(arg, &map, sizeof(map)))
		return -XEN_EFAULT;
	return 0;
}

static long machphys_mapping(uint64_t arg)
{
	struct xen_machphys_mapping m = {
		.v_start = m2p_va,
		.v_end = m2p_va + boot->m2p_pages * PAGE_SIZE,
		.max_mfn = boot->total_pages - 1,
	};

	return copy_to_guest(arg, &m, sizeof(m)) ? -XEN_EFAULT : 0;
}

/* The frames holding the M2P, one per 2 MiB of it (emu's own memory). */
static long machphys_mfn_list(uint64_t arg)
{
	struct xen_machphys_mfn_list l;
	uint64_t chunks = (boot->m2p_pages + 511) / 512, i;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -XEN_EFAULT;
	for (i = 0; i < chunks && i < l.max_extents; i++) {
		xen_pfn_t mfn = (EMU_GPA + EMU_OFF_M2P) / PAGE_SIZE + i * 512;

		if (copy_to_guest((uint64_t)l.extent_start.p + i * sizeof(mfn),
				  &mfn, sizeof(mfn)))
			return -XEN_EFAULT;
	}
	l.nr_extents = i;
	return copy_to_guest(arg, &l, sizeof(l)) ? -XEN_EFAULT : 0;
}

/* No virtual NUMA configured: what Xen answers for such a domain. */
static long vnumainfo(uint64_t arg)
{
	struct xen_vnuma_topology_info t;
	int rc;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -XEN_EFAULT;
	if (t.pad)
		return -XEN_EINVAL;
	rc = domid_target(t.domid);
	return rc ? rc : -XEN_EOPNOTSUPP;
}

long hc_memory_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg, uint64_t a3,
		  uint64_t a4, uint64_t a5)
{
	unsigned op = cmd & MEMOP_CMD_MASK;
	uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;

	(void)a3, (void)a4, (void)a5;
	switch (op) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(op, start, arg);
	case XENMEM_maximum_ram_page:
		return start ? -XEN_EINVAL : (long)boot->total_pages;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return start ? -XEN_EINVAL : reservation_info(op, arg);
	case XENMEM_get_vnumainfo:
		return start ? -XEN_EINVAL : vnumainfo(arg);
	case XENMEM_memory_map:
		return memory_map(arg);
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	default:
		warn_unimplemented(cpu, &warned, "memory_op", op);
		return -XEN_ENOSYS;
	}
}
