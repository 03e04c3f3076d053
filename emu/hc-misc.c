// SPDX-License-Identifier: MIT
/* vm_assist, physdev_op (a domU without devices), multicall. */
#include <xen/physdev.h>

#include "hypercall.h"
#include "mm.h"

/* What Xen 4.17 accepts from a 64-bit PV guest (NATIVE_VM_ASSIST_VALID). */
#define VM_ASSIST_VALID                                                        \
	((1ULL << VMASST_TYPE_4gb_segments) |                                  \
	 (1ULL << VMASST_TYPE_4gb_segments_notify) |                           \
	 (1ULL << VMASST_TYPE_writable_pagetables) |                           \
	 (1ULL << VMASST_TYPE_pae_extended_cr3) |                              \
	 (1ULL << VMASST_TYPE_architectural_iopl) |                            \
	 (1ULL << VMASST_TYPE_runstate_update_flag) |                          \
	 (1ULL << VMASST_TYPE_m2p_strict))

/*
 * Xen gives a domU 16 static plus 32 extra pirqs; none can be bound here,
 * as a domU without devices has nothing to map them to.
 */
#define DOMU_NR_PIRQS 48

/* Entries handled per entry into emu before the multicall continues. */
#define MULTICALL_BATCH 64

uint64_t vm_assist_bits;
static uint64_t warned;

long hc_vm_assist(struct emu_cpu *cpu, uint64_t cmd, uint64_t type, uint64_t a3,
		  uint64_t a4, uint64_t a5)
{
	uint64_t bit;

	(void)cpu, (void)a3, (void)a4, (void)a5;
	/* Xen takes both as unsigned int */
	if ((uint32_t)type >= 64 || !((VM_ASSIST_VALID >> (uint32_t)type) & 1))
		return -XEN_EINVAL;
	bit = 1ULL << (uint32_t)type;
	switch ((uint32_t)cmd) {
	case VMASST_CMD_enable:
		__atomic_fetch_or(&vm_assist_bits, bit, __ATOMIC_RELAXED);
		return 0;
	case VMASST_CMD_disable:
		__atomic_fetch_and(&vm_assist_bits, ~bit, __ATOMIC_RELAXED);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* Ops only a privileged domain may use: Xen's XSM refuses a domU. */
static const uint8_t privileged_arg_size[] = {
	[PHYSDEVOP_apic_read] = sizeof(struct physdev_apic),
	[PHYSDEVOP_apic_write] = sizeof(struct physdev_apic),
	[PHYSDEVOP_alloc_irq_vector] = sizeof(struct physdev_irq),
	[PHYSDEVOP_free_irq_vector] = sizeof(struct physdev_irq),
	[PHYSDEVOP_map_pirq] = sizeof(struct physdev_map_pirq),
	[PHYSDEVOP_unmap_pirq] = sizeof(struct physdev_unmap_pirq),
	[PHYSDEVOP_manage_pci_add] = sizeof(struct physdev_manage_pci),
	[PHYSDEVOP_manage_pci_remove] = sizeof(struct physdev_manage_pci),
	[PHYSDEVOP_restore_msi] = sizeof(struct physdev_restore_msi),
	[PHYSDEVOP_manage_pci_add_ext] = sizeof(struct physdev_manage_pci_ext),
	[PHYSDEVOP_setup_gsi] = sizeof(struct physdev_setup_gsi),
	[PHYSDEVOP_pci_mmcfg_reserved] =
		sizeof(struct physdev_pci_mmcfg_reserved),
	[PHYSDEVOP_pci_device_add] = sizeof(struct physdev_pci_device_add),
	[PHYSDEVOP_pci_device_remove] = sizeof(struct physdev_pci_device),
	[PHYSDEVOP_restore_msi_ext] = sizeof(struct physdev_pci_device),
	[PHYSDEVOP_dbgp_op] = sizeof(struct physdev_dbgp_op),
	[PHYSDEVOP_prepare_msix] = sizeof(struct physdev_pci_device),
	[PHYSDEVOP_release_msix] = sizeof(struct physdev_pci_device),
};

static long irq_status_query(uint64_t arg)
{
	struct physdev_irq_status_query q;

	if (copy_from_guest(&q, arg, sizeof(q)))
		return -XEN_EFAULT;
	if (q.irq >= DOMU_NR_PIRQS)
		return -XEN_EINVAL;
	q.flags = XENIRQSTAT_needs_eoi; /* what Xen tells every PV guest */
	return copy_to_guest(arg, &q, sizeof(q)) ? -XEN_EFAULT : 0;
}

/*
 * The page where Xen marks pirqs that need an EOI: registered once per
 * domain (Linux does at boot), a writable page of the domain's own.  No
 * pirq is ever bound here, so its bits stay clear.
 */
static long pirq_eoi_gmfn(uint64_t arg)
{
	static uint64_t eoi_map_mfn = ~0ULL; /* none yet */
	struct physdev_pirq_eoi_gmfn info;
	uint64_t none = ~0ULL;

	if (copy_from_guest(&info, arg, sizeof(info)))
		return -XEN_EFAULT;
	if (info.gmfn >= boot->nr_pages ||
	    *frame_type(info.gmfn) != FRAME_NONE)
		return -XEN_EINVAL;
	if (!__atomic_compare_exchange_n(&eoi_map_mfn, &none, info.gmfn, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -XEN_EBUSY;
	return 0;
}

long hc_physdev_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg, uint64_t a3,
		   uint64_t a4, uint64_t a5)
{
	uint8_t buf[256]; /* any size in privileged_arg_size */

	(void)a3, (void)a4, (void)a5;
	switch ((uint32_t)cmd) {
	case PHYSDEVOP_set_iopl: {
		struct physdev_set_iopl s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -XEN_EFAULT;
		if (s.iopl > 3)
			return -XEN_EINVAL;
		cpu->iopl = s.iopl;
		return 0;
	}
	case PHYSDEVOP_irq_status_query:
		return irq_status_query(arg);
	case PHYSDEVOP_eoi: {
		struct physdev_eoi eoi;

		/* no pirq is bound, so Xen finds none to EOI */
		return copy_from_guest(&eoi, arg, sizeof(eoi)) ? -XEN_EFAULT
							       : -XEN_EINVAL;
	}
	case PHYSDEVOP_IRQ_UNMASK_NOTIFY:
		return 0; /* no pirqs to unmask */
	case PHYSDEVOP_pirq_eoi_gmfn_v1:
	case PHYSDEVOP_pirq_eoi_gmfn_v2:
		return pirq_eoi_gmfn(arg);
	default:
		break;
	}
	if ((uint32_t)cmd < sizeof(privileged_arg_size) &&
	    privileged_arg_size[(uint32_t)cmd]) {
		/* Xen reads the argument before it refuses */
		if (copy_from_guest(buf, arg,
				    privileged_arg_size[(uint32_t)cmd]))
			return -XEN_EFAULT;
		return -XEN_EPERM;
	}
	/* not done: get_free_pirq, set_iobitmap */
	warn_unimplemented(cpu, &warned, "physdev_op", (uint32_t)cmd);
	return -XEN_ENOSYS;
}

/* Re-enters the multicall at the remaining entries, as Xen's preemption. */
static long multicall_continue(struct emu_cpu *cpu, uint64_t calls,
			       uint32_t left)
{
	cpu->regs->rdi = calls;
	cpu->regs->rsi = left;
	cpu->regs->rip -= 2; /* the syscall instruction */
	return __HYPERVISOR_multicall;
}

long hc_multicall(struct emu_cpu *cpu, uint64_t calls, uint64_t count,
		  uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t n = count, i;
	struct multicall_entry mc;

	(void)a3, (void)a4, (void)a5;
	if (!guest_range_ok(calls, (uint64_t)n * sizeof(mc)))
		return -XEN_EFAULT;
	for (i = 0; i < n; i++, calls += sizeof(mc)) {
		if (i == MULTICALL_BATCH)
			return multicall_continue(cpu, calls, n - i);
		if (copy_from_guest(&mc, calls, sizeof(mc)))
			return -XEN_EFAULT;
		if (mc.op == __HYPERVISOR_multicall)
			mc.result = -XEN_EINVAL; /* Xen refuses re-entry */
		else
			mc.result = hypercall_dispatch(cpu, mc.op, mc.args[0],
						       mc.args[1], mc.args[2],
						       mc.args[3], mc.args[4]);
		if (copy_to_guest(
			    calls + offsetof(struct multicall_entry, result),
			    &mc.result, sizeof(mc.result)))
			return -XEN_EFAULT;
		/* iret switched context: Xen ends the multicall there */
		if (mc.op == __HYPERVISOR_iret)
			return mc.result;
	}
	return 0;
}
