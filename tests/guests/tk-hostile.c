// SPDX-License-Identifier: MIT
/*
 * A hostile (or buggy) guest: every hypercall family with pointers into
 * Xen's range, unmapped or non-canonical pointers, huge counts and bad
 * sub-ops gets Xen's error and the domain keeps running.  Also the small
 * families (xen_version, vm_assist, physdev_op, multicall) done right.
 */
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/vcpu.h>

#include "lib.h"

#define XEN_START  0xffff800000000000UL
#define XEN_END	   0xffff880000000000UL
#define NONCANON   0x0000900000000000UL
#define UNMAPPED   0x1000UL
#define EFAULT	   (-14)
#define EINVAL	   (-22)
#define ENOSYS	   (-38)
#define MC_ENTRIES 100

static const uint64_t bad_ptrs[] = {XEN_START, XEN_END - 8, NONCANON, UNMAPPED,
				    ~0UL - 7};

static long hc(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	return hypercall(nr, a1, a2, a3, a4, 0);
}

/* Each family, given a bad pointer where it reads its argument. */
static void bad_pointers(uint64_t p)
{
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_extraversion, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_get_features, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_console_io, CONSOLEIO_write, 8, p, 0), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, p, 0, 0), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_set_trap_table, p, 0, 0, 0), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_callback_op, CALLBACKOP_register, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_mmu_update, p, 1, 0, DOMID_SELF), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_mmuext_op, p, 1, 0, DOMID_SELF), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_memory_op, XENMEM_memory_map, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, p, 0, 0),
		 EFAULT);
	CHECK_EQ(
		hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, p, 0, 0),
		EFAULT);
	/* reservations answer with the extents done */
	CHECK_EQ(hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, p, 0,
		    0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, p, 1, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, p, 1, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, p, 1, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, p, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_multicall, p, 1, 0, 0), EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, p, 0,
		    0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, p, 0),
		 EFAULT);
}

static void huge_counts(void)
{
	struct mmu_update u = {.ptr = 1, .val = 0};

	CHECK_EQ(
		hc(__HYPERVISOR_mmu_update, UNMAPPED, 1UL << 40, 0, DOMID_SELF),
		EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_mmuext_op, UNMAPPED, ~0UL, 0, DOMID_SELF),
		 EFAULT);
	/* the count is 32 bits in Xen: 1 << 32 is none at all */
	CHECK_EQ(hc(__HYPERVISOR_multicall, (uint64_t)&u, 1UL << 32, 0, 0), 0);
	CHECK_EQ(hc(__HYPERVISOR_multicall, UNMAPPED, 0xffffffff, 0, 0),
		 EFAULT);
	CHECK_EQ(hc(__HYPERVISOR_multicall, (uint64_t)&u, 0xffffffff, 0, 0),
		 EFAULT); /* runs past the address space */
	CHECK_EQ(hc(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
		    (uint64_t)&u, 0xffffffff, 0),
		 EINVAL);
}

static void version(void)
{
	xen_capabilities_info_t caps;
	xen_commandline_t cmdline;
	xen_domain_handle_t handle;
	struct xen_platform_parameters pp;
	struct xen_compile_info ci;
	struct xen_feature_info fi = {.submap_idx = 0};
	xen_changeset_info_t cs;

	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_capabilities,
		    (uint64_t)caps, 0, 0),
		 0);
	CHECK(!memcmp(caps, "xen-3.0-x86_64", 14));
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_platform_parameters,
		    (uint64_t)&pp, 0, 0),
		 0);
	CHECK_EQ(pp.virt_start, XEN_START);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0), 4096);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_pagesize, (uint64_t)&pp, 0,
		    0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_compile_info,
		    (uint64_t)&ci, 0, 0),
		 0);
	CHECK(ci.compiler[0] != 0);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_changeset, (uint64_t)cs, 0,
		    0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_guest_handle,
		    (uint64_t)handle, 0, 0),
		 0);
	/* a domU is denied Xen's command line and build id */
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_commandline,
		    (uint64_t)cmdline, 0, 0),
		 0);
	CHECK(!memcmp(cmdline, "<denied>", 9));
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_build_id, 0, 0, 0), -1);

	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_get_features,
		    (uint64_t)&fi, 0, 0),
		 0);
	CHECK(fi.submap & (1U << XENFEAT_mmu_pt_update_preserve_ad));
	CHECK(fi.submap & (1U << XENFEAT_highmem_assist));
	CHECK(!(fi.submap & (1U << XENFEAT_auto_translated_physmap)));
	CHECK(!(fi.submap & (1U << XENFEAT_dom0)));
	CHECK(fi.submap & (1U << XENFEAT_gnttab_map_avail_bits));
	CHECK(!(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb)));
	/* this one follows vm_assist */
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
		    VMASST_TYPE_pae_extended_cr3, 0, 0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_get_features,
		    (uint64_t)&fi, 0, 0),
		 0);
	CHECK(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb));
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_disable,
		    VMASST_TYPE_pae_extended_cr3, 0, 0),
		 0);
	fi.submap_idx = 1;
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_get_features,
		    (uint64_t)&fi, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_xen_version, 99, 0, 0, 0), ENOSYS);
}

static void vm_assist(void)
{
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
		    VMASST_TYPE_writable_pagetables, 0, 0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
		    VMASST_TYPE_runstate_update_flag, 0, 0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
		    VMASST_TYPE_m2p_strict, 0, 0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_disable,
		    VMASST_TYPE_m2p_strict, 0, 0),
		 0);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 6, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 31, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 64, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, ~0UL, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_vm_assist, 7, VMASST_TYPE_writable_pagetables,
		    0, 0),
		 ENOSYS);
}

static void physdev(void)
{
	struct physdev_set_iopl iopl = {.iopl = 1};
	struct physdev_irq_status_query q = {.irq = 5};
	struct physdev_map_pirq map = {.domid = DOMID_SELF};
	struct physdev_eoi eoi = {.irq = 5};
	struct physdev_get_free_pirq fp = {.type = 0};

	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
		    (uint64_t)&iopl, 0, 0),
		 0);
	iopl.iopl = 4;
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
		    (uint64_t)&iopl, 0, 0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_irq_status_query,
		    (uint64_t)&q, 0, 0),
		 0);
	CHECK_EQ(q.flags, XENIRQSTAT_needs_eoi);
	q.irq = 100000;
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_irq_status_query,
		    (uint64_t)&q, 0, 0),
		 EINVAL);
	/* a domU has no devices and no privilege */
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_eoi, (uint64_t)&eoi, 0,
		    0),
		 EINVAL);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, (uint64_t)&map,
		    0, 0),
		 -1);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_pci_device_add,
		    (uint64_t)&map, 0, 0),
		 -1);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, PHYSDEVOP_get_free_pirq,
		    (uint64_t)&fp, 0, 0),
		 ENOSYS);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, 12345, (uint64_t)&fp, 0, 0),
		 ENOSYS);
}

static void multicall(void)
{
	static struct multicall_entry mc[MC_ENTRIES];
	unsigned ok = 0;

	/* more entries than emu handles per entry: it continues them */
	for (unsigned i = 0; i < MC_ENTRIES; i++) {
		mc[i].op = __HYPERVISOR_xen_version;
		mc[i].args[0] = XENVER_version;
		mc[i].result = 1;
	}
	mc[10].op = __HYPERVISOR_multicall; /* no re-entry */
	mc[10].args[0] = (uint64_t)mc;
	mc[10].args[1] = 1;
	mc[20].op = 63;			     /* no such hypercall */
	mc[30].op = __HYPERVISOR_console_io; /* a bad pointer inside */
	mc[30].args[0] = CONSOLEIO_write;
	mc[30].args[1] = 8;
	mc[30].args[2] = XEN_START;
	mc[40].op = 1000000;
	CHECK_EQ(hc(__HYPERVISOR_multicall, (uint64_t)mc, MC_ENTRIES, 0, 0), 0);
	CHECK_EQ(mc[10].result, EINVAL);
	CHECK_EQ(mc[20].result, ENOSYS);
	CHECK_EQ(mc[30].result, EFAULT);
	CHECK_EQ(mc[40].result, ENOSYS);
	for (unsigned i = 0; i < MC_ENTRIES; i++)
		ok += mc[i].result == ((4 << 16) | 17);
	CHECK_EQ(ok, MC_ENTRIES - 4);
	CHECK_EQ(hc(__HYPERVISOR_multicall, (uint64_t)mc, 0, 0, 0), 0);
}

static void bad_ops(void)
{
	CHECK_EQ(hc(__HYPERVISOR_memory_op, 40, 0, 0, 0), ENOSYS);
	CHECK_EQ(hc(__HYPERVISOR_grant_table_op, 4000, 0, 1, 0), ENOSYS);
	CHECK_EQ(hc(__HYPERVISOR_physdev_op, ~0UL, 0, 0, 0), ENOSYS);
	CHECK_EQ(hc(__HYPERVISOR_mmuext_op, UNMAPPED, 0, 0, DOMID_SELF), 0);
	CHECK_EQ(hc(64, 0, 0, 0, 0), ENOSYS);
	CHECK_EQ(hc(~0U, 0, 0, 0, 0), ENOSYS);
}

void test_main(void)
{
	for (unsigned i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++)
		bad_pointers(bad_ptrs[i]);
	huge_counts();
	bad_ops();
	version();
	vm_assist();
	physdev();
	multicall();
	/* still alive and well */
	CHECK_EQ(hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0),
		 (4 << 16) | 17);
}
