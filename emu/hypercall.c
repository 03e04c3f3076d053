// SPDX-License-Identifier: MIT
/*
 * The syscall entry (entry64.S): a hypercall from the guest kernel,
 * dispatched through the table of handlers, or a system call from guest
 * user mode, bounced to the guest kernel.  Every hypercall passes here, so
 * the common path is kept short: on hosts that emulate ring 0 each
 * instruction costs about a microsecond.
 */
#include "hypercall.h"

/* entry64.S indexes it too: 16 bytes an entry, the handler at 8 */
const struct hypercall_entry hypercalls[EMU_NR_HYPERCALLS] = {
	[__HYPERVISOR_console_io] = { "console_io", hc_console_io },
	[__HYPERVISOR_sched_op] = { "sched_op", hc_sched_op },
	[__HYPERVISOR_xen_version] = { "xen_version", hc_xen_version },
	[__HYPERVISOR_set_trap_table] = { "set_trap_table", hc_set_trap_table },
	[__HYPERVISOR_set_callbacks] = { "set_callbacks", hc_set_callbacks },
	[__HYPERVISOR_callback_op] = { "callback_op", hc_callback_op },
	[__HYPERVISOR_stack_switch] = { "stack_switch", hc_stack_switch },
	[__HYPERVISOR_fpu_taskswitch] = { "fpu_taskswitch", hc_fpu_taskswitch },
	[__HYPERVISOR_set_segment_base] = { "set_segment_base",
					    hc_set_segment_base },
	[__HYPERVISOR_iret] = { "iret", hc_iret },
	[__HYPERVISOR_mmu_update] = { "mmu_update", hc_mmu_update },
	[__HYPERVISOR_mmuext_op] = { "mmuext_op", hc_mmuext_op },
	[__HYPERVISOR_update_va_mapping] = { "update_va_mapping",
					     hc_update_va_mapping },
	[__HYPERVISOR_memory_op] = { "memory_op", hc_memory_op },
	[__HYPERVISOR_grant_table_op] = { "grant_table_op", hc_grant_table_op },
	[__HYPERVISOR_vm_assist] = { "vm_assist", hc_vm_assist },
	[__HYPERVISOR_physdev_op] = { "physdev_op", hc_physdev_op },
	[__HYPERVISOR_multicall] = { "multicall", hc_multicall },
	[__HYPERVISOR_event_channel_op] = { "event_channel_op",
					    hc_event_channel_op },
	[__HYPERVISOR_vcpu_op] = { "vcpu_op", hc_vcpu_op },
	[__HYPERVISOR_set_timer_op] = { "set_timer_op", hc_set_timer_op },
	[__HYPERVISOR_set_gdt] = { "set_gdt", hc_set_gdt },
	[__HYPERVISOR_update_descriptor] = { "update_descriptor",
					     hc_update_descriptor },
	[__HYPERVISOR_set_debugreg] = { "set_debugreg", hc_set_debugreg },
	[__HYPERVISOR_get_debugreg] = { "get_debugreg", hc_get_debugreg },
};

long hypercall_dispatch(struct emu_cpu *cpu, uint64_t nr, uint64_t a1,
			uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (nr >= EMU_NR_HYPERCALLS || !hypercalls[nr].fn) {
		count_inc(cpu, hypercall_unknown);
		return -XEN_ENOSYS;
	}
	cpu->page->counters.hypercalls[nr]++;
	return hypercalls[nr].fn(cpu, a1, a2, a3, a4, a5);
}

/* xenner -loglevel debug: the first failures, to see what a new guest
 * needs (each costs an exit).  Also called from entry64.S. */
void hypercall_failed(struct emu_cpu *cpu, struct regs *regs, uint64_t nr)
{
	long rc = regs->rax;

	if (!boot->debug || nr == __HYPERVISOR_iret || boot->debug >= 200)
		return;
	boot->debug++;
	printk(cpu, "(emu) hypercall %lu(%lx, %lx) = %ld at %lx\n", nr,
	       regs->rdi, regs->rsi, rc, regs->rip);
}

void emu_syscall(struct regs *regs, struct emu_cpu *cpu)
{
	uint64_t nr = regs->rax;
	long rc;

	if (unlikely(!cpu->kernel_mode)) {
		count_inc(cpu, syscall_bounces);
		bounce(cpu, regs, cpu->syscall_cb,
		       cpu->syscall_masks_events ? TBF_INTERRUPT : 0, 0);
		regs->rflags &= ~(uint64_t)X86_EFLAGS_DF;
		return_to_guest(cpu, regs);
		return;
	}
	/* (entry64.S dispatches numbers with a handler itself: here come
	 * the unknown ones, which hypercall_dispatch counts and refuses) */
	cpu->regs = regs;
	rc = hypercall_dispatch(cpu, nr, regs->rdi, regs->rsi, regs->rdx,
				regs->r10, regs->r8);
	regs->rax = rc;
	if (unlikely(rc < 0))
		hypercall_failed(cpu, regs, nr);
	return_to_guest(cpu, regs);
}
