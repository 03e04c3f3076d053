// SPDX-License-Identifier: MIT
/* The hypercall table: number -> handler.  Only dispatch lives here. */
#include "hypercall.h"

static const struct {
	const char *name;
	hypercall_fn fn;
} hypercalls[EMU_NR_HYPERCALLS] = {
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
};

long do_hypercall(struct emu_cpu *cpu, struct regs *regs)
{
	uint64_t nr = regs->rax;

	if (nr >= EMU_NR_HYPERCALLS || !hypercalls[nr].fn) {
		count_inc(cpu, hypercall_unknown);
		return -XEN_ENOSYS;
	}
	cpu->page->counters.hypercalls[nr]++;
	cpu->regs = regs;
	return hypercalls[nr].fn(cpu, regs->rdi, regs->rsi, regs->rdx,
				 regs->r10, regs->r8);
}
