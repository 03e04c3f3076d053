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
};

long do_hypercall(struct emu_cpu *cpu, struct regs *regs)
{
	uint64_t nr = regs->rax;

	if (nr >= EMU_NR_HYPERCALLS || !hypercalls[nr].fn) {
		count_inc(cpu, hypercall_unknown);
		return -XEN_ENOSYS;
	}
	cpu->page->counters.hypercalls[nr]++;
	return hypercalls[nr].fn(cpu, regs->rdi, regs->rsi, regs->rdx,
				 regs->r10, regs->r8);
}
