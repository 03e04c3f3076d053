// SPDX-License-Identifier: MIT
/* Xen's public headers default to an ancient interface version. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <stdint.h>

#include <xen/xen.h>

#include "xenner/emu-stats.h"

_Static_assert(sizeof(struct emu_counters) % sizeof(uint64_t) == 0,
	       "emu_counters holds only 64-bit counters");

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

const char *emu_exit_name(unsigned req)
{
	return req < EMU_REQ_MAX && exit_names[req] ? exit_names[req] : "?";
}

const char *emu_hypercall_name(unsigned nr)
{
	return nr < EMU_NR_HYPERCALLS && hypercall_names[nr]
		       ? hypercall_names[nr]
		       : "?";
}

void emu_counters_add(struct emu_counters *sum, const struct emu_counters *c)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *s = (const uint64_t *)c;

	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

uint64_t emu_counters_entries(const struct emu_counters *c)
{
	uint64_t n = c->hypercall_unknown + c->syscall_bounces + c->interrupts;

	for (unsigned i = 0; i < EMU_NR_HYPERCALLS; i++)
		n += c->hypercalls[i];
	for (unsigned i = 0; i < 32; i++)
		n += c->exceptions[i];
	return n;
}

static void line(FILE *out, const char *what, uint64_t v)
{
	fprintf(out, "  %-34s %12llu\n", what, (unsigned long long)v);
}

void emu_counters_print(FILE *out, unsigned domid,
			const struct emu_counters *c)
{
	fprintf(out, "domain %u counters\n", domid);
	for (unsigned n = 0; n < EMU_NR_HYPERCALLS; n++)
		if (c->hypercalls[n])
			fprintf(out, "  hypercall %-24s %12llu\n",
				emu_hypercall_name(n),
				(unsigned long long)c->hypercalls[n]);
	line(out, "hypercall (unknown)", c->hypercall_unknown);
	for (unsigned n = 0; n < 32; n++)
		if (c->exceptions[n])
			fprintf(out, "  exception %-24u %12llu\n", n,
				(unsigned long long)c->exceptions[n]);
	line(out, "syscall bounces", c->syscall_bounces);
	line(out, "interrupts", c->interrupts);
	line(out, "  of them LAPIC timer", c->timer_interrupts);
	line(out, "  of them event kicks", c->event_interrupts);
	line(out, "events delivered (upcalls)", c->events_delivered);
	line(out, "VIRQ_TIMER raised", c->timer_fires);
	line(out, "events raised in emu", c->events_raised);
	line(out, "blocks (halted)", c->blocks);
	line(out, "page-table writes emulated", c->ptwr_emulations);
	line(out, "M2P at Xen's address refused", c->m2p_xen_slot_refused);
	line(out, "  reads of it emulated", c->m2p_reads_emulated);
	line(out, "irets to the failsafe callback", c->failsafe);
	line(out, "interrupts in sti's shadow", c->early_wakes);
	line(out, "emu entries", emu_counters_entries(c));
	for (unsigned n = 1; n < EMU_REQ_MAX; n++) {
		char what[48];

		snprintf(what, sizeof(what), "exit %s", emu_exit_name(n));
		line(out, what, c->exits[n]);
	}
}
