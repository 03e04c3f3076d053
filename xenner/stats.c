// SPDX-License-Identifier: MIT
/* emu's counters, summed over the vCPUs. */
#include <stdint.h>
#include <stdio.h>

#include <xen/xen.h>

#include "xenner.h"

static const char *const hypercall_names[EMU_NR_HYPERCALLS] = {
	[__HYPERVISOR_set_trap_table] = "set_trap_table",
	[__HYPERVISOR_mmu_update] = "mmu_update",
	[__HYPERVISOR_set_gdt] = "set_gdt",
	[__HYPERVISOR_stack_switch] = "stack_switch",
	[__HYPERVISOR_set_callbacks] = "set_callbacks",
	[__HYPERVISOR_fpu_taskswitch] = "fpu_taskswitch",
	[__HYPERVISOR_sched_op_compat] = "sched_op_compat",
	[__HYPERVISOR_platform_op] = "platform_op",
	[__HYPERVISOR_set_debugreg] = "set_debugreg",
	[__HYPERVISOR_get_debugreg] = "get_debugreg",
	[__HYPERVISOR_update_descriptor] = "update_descriptor",
	[__HYPERVISOR_memory_op] = "memory_op",
	[__HYPERVISOR_multicall] = "multicall",
	[__HYPERVISOR_update_va_mapping] = "update_va_mapping",
	[__HYPERVISOR_set_timer_op] = "set_timer_op",
	[__HYPERVISOR_event_channel_op_compat] = "event_channel_op_compat",
	[__HYPERVISOR_xen_version] = "xen_version",
	[__HYPERVISOR_console_io] = "console_io",
	[__HYPERVISOR_physdev_op_compat] = "physdev_op_compat",
	[__HYPERVISOR_grant_table_op] = "grant_table_op",
	[__HYPERVISOR_vm_assist] = "vm_assist",
	[__HYPERVISOR_update_va_mapping_otherdomain] = "update_va_mapping_otherdomain",
	[__HYPERVISOR_iret] = "iret",
	[__HYPERVISOR_vcpu_op] = "vcpu_op",
	[__HYPERVISOR_set_segment_base] = "set_segment_base",
	[__HYPERVISOR_mmuext_op] = "mmuext_op",
	[__HYPERVISOR_xsm_op] = "xsm_op",
	[__HYPERVISOR_nmi_op] = "nmi_op",
	[__HYPERVISOR_sched_op] = "sched_op",
	[__HYPERVISOR_callback_op] = "callback_op",
	[__HYPERVISOR_xenoprof_op] = "xenoprof_op",
	[__HYPERVISOR_event_channel_op] = "event_channel_op",
	[__HYPERVISOR_physdev_op] = "physdev_op",
	[__HYPERVISOR_hvm_op] = "hvm_op",
	[__HYPERVISOR_sysctl] = "sysctl",
	[__HYPERVISOR_domctl] = "domctl",
};

static const char *const exit_names[EMU_REQ_MAX] = {
	[EMU_REQ_CONSOLE_WRITE] = "console_write",
	[EMU_REQ_SHUTDOWN] = "shutdown",
	[EMU_REQ_PANIC] = "panic",
	[EMU_REQ_EVTCHN] = "evtchn",
	[EMU_REQ_PIN] = "pin (page-table walk)",
};

void stats_print(struct xenner *x, FILE *out)
{
	struct emu_counters sum = { 0 };
	uint64_t entries = 0;

	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		const struct emu_counters *c = &x->vcpus[i].page->counters;

		for (unsigned n = 0; n < EMU_NR_HYPERCALLS; n++)
			sum.hypercalls[n] += c->hypercalls[n];
		for (unsigned n = 0; n < 32; n++)
			sum.exceptions[n] += c->exceptions[n];
		for (unsigned n = 0; n < EMU_REQ_MAX; n++)
			sum.exits[n] += c->exits[n];
		sum.hypercall_unknown += c->hypercall_unknown;
		sum.syscall_bounces += c->syscall_bounces;
		sum.interrupts += c->interrupts;
		sum.events_delivered += c->events_delivered;
		sum.timer_interrupts += c->timer_interrupts;
		sum.event_interrupts += c->event_interrupts;
		sum.timer_fires += c->timer_fires;
		sum.events_raised += c->events_raised;
		sum.blocks += c->blocks;
		sum.ptwr_emulations += c->ptwr_emulations;
	}
	fprintf(out, "xenner: domain %u counters\n", x->domid);
	for (unsigned n = 0; n < EMU_NR_HYPERCALLS; n++) {
		entries += sum.hypercalls[n];
		if (sum.hypercalls[n])
			fprintf(out, "  hypercall %-24s %12llu\n",
				hypercall_names[n] ? hypercall_names[n] : "?",
				(unsigned long long)sum.hypercalls[n]);
	}
	entries += sum.hypercall_unknown + sum.syscall_bounces +
		   sum.interrupts;
	fprintf(out, "  hypercall %-24s %12llu\n", "(unknown)",
		(unsigned long long)sum.hypercall_unknown);
	for (unsigned n = 0; n < 32; n++) {
		entries += sum.exceptions[n];
		if (sum.exceptions[n])
			fprintf(out, "  exception %-24u %12llu\n", n,
				(unsigned long long)sum.exceptions[n]);
	}
	fprintf(out, "  %-34s %12llu\n", "syscall bounces",
		(unsigned long long)sum.syscall_bounces);
	fprintf(out, "  %-34s %12llu\n", "interrupts",
		(unsigned long long)sum.interrupts);
	fprintf(out, "  %-34s %12llu\n", "events delivered",
		(unsigned long long)sum.events_delivered);
	fprintf(out, "  %-34s %12llu\n", "  of them LAPIC timer",
		(unsigned long long)sum.timer_interrupts);
	fprintf(out, "  %-34s %12llu\n", "  of them event kicks",
		(unsigned long long)sum.event_interrupts);
	fprintf(out, "  %-34s %12llu\n", "VIRQ_TIMER raised",
		(unsigned long long)sum.timer_fires);
	fprintf(out, "  %-34s %12llu\n", "events raised in emu",
		(unsigned long long)sum.events_raised);
	fprintf(out, "  %-34s %12llu\n", "blocks (halted)",
		(unsigned long long)sum.blocks);
	fprintf(out, "  %-34s %12llu\n", "page-table writes emulated",
		(unsigned long long)sum.ptwr_emulations);
	fprintf(out, "  %-34s %12llu\n", "emu entries",
		(unsigned long long)entries);
	for (unsigned n = 1; n < EMU_REQ_MAX; n++)
		fprintf(out, "  exit %-29s %12llu\n", exit_names[n],
			(unsigned long long)sum.exits[n]);
}
