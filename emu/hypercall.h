/* SPDX-License-Identifier: MIT */
/* Hypercall handlers, one file per family (hc-*.c). */
#ifndef EMU_HYPERCALL_H
#define EMU_HYPERCALL_H

#include "emu.h"

/* Xen's errno values, as the guest sees them. */
#define XEN_EPERM  1
#define XEN_ENOENT 2
#define XEN_EFAULT 14
#define XEN_EINVAL 22
#define XEN_ESRCH  3
#define XEN_ENOMEM 12
#define XEN_EBUSY  16
#define XEN_EEXIST 17
#define XEN_ENOSPC 28
#define XEN_ENOSYS 38
#define XEN_EOPNOTSUPP 95

typedef long (*hypercall_fn)(struct emu_cpu *cpu, uint64_t a1, uint64_t a2,
			     uint64_t a3, uint64_t a4, uint64_t a5);

struct hypercall_entry {
	const char *name;
	hypercall_fn fn;
};
_Static_assert(sizeof(struct hypercall_entry) == 16, "entry64.S");
extern const struct hypercall_entry hypercalls[EMU_NR_HYPERCALLS];
/* A hypercall returned an error (in regs->rax): logged when debugging. */
void hypercall_failed(struct emu_cpu *cpu, struct regs *regs, uint64_t nr);

long hc_console_io(struct emu_cpu *cpu, uint64_t cmd, uint64_t count,
		   uint64_t buf, uint64_t a4, uint64_t a5);
long hc_sched_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		 uint64_t a3, uint64_t a4, uint64_t a5);
long hc_xen_version(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5);

long hc_set_trap_table(struct emu_cpu *cpu, uint64_t traps, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5);
long hc_set_callbacks(struct emu_cpu *cpu, uint64_t event, uint64_t failsafe,
		      uint64_t syscall, uint64_t a4, uint64_t a5);
long hc_callback_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5);
long hc_stack_switch(struct emu_cpu *cpu, uint64_t ss, uint64_t sp,
		     uint64_t a3, uint64_t a4, uint64_t a5);
long hc_fpu_taskswitch(struct emu_cpu *cpu, uint64_t set, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5);
long hc_set_segment_base(struct emu_cpu *cpu, uint64_t which, uint64_t base,
			 uint64_t a3, uint64_t a4, uint64_t a5);
long hc_mmu_update(struct emu_cpu *cpu, uint64_t reqs, uint64_t count,
		   uint64_t done_ptr, uint64_t foreigndom, uint64_t a5);
long hc_mmuext_op(struct emu_cpu *cpu, uint64_t ops, uint64_t count,
		  uint64_t done_ptr, uint64_t foreigndom, uint64_t a5);
long hc_update_va_mapping(struct emu_cpu *cpu, uint64_t va, uint64_t val,
			  uint64_t flags, uint64_t a4, uint64_t a5);
/* Owned by the families' files; stubs until they are written. */
long hc_memory_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		  uint64_t a3, uint64_t a4, uint64_t a5);
long hc_grant_table_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		       uint64_t count, uint64_t a4, uint64_t a5);
long hc_vm_assist(struct emu_cpu *cpu, uint64_t cmd, uint64_t type,
		  uint64_t a3, uint64_t a4, uint64_t a5);
long hc_physdev_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		   uint64_t a3, uint64_t a4, uint64_t a5);
long hc_multicall(struct emu_cpu *cpu, uint64_t calls, uint64_t count,
		  uint64_t a3, uint64_t a4, uint64_t a5);
long hc_event_channel_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
			 uint64_t a3, uint64_t a4, uint64_t a5);
long hc_vcpu_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t vcpuid,
		uint64_t arg, uint64_t a4, uint64_t a5);
long hc_set_timer_op(struct emu_cpu *cpu, uint64_t timeout, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5);
long hc_set_gdt(struct emu_cpu *cpu, uint64_t frames, uint64_t entries,
		uint64_t a3, uint64_t a4, uint64_t a5);
long hc_update_descriptor(struct emu_cpu *cpu, uint64_t maddr, uint64_t desc,
			  uint64_t a3, uint64_t a4, uint64_t a5);

/* For multicall: the same dispatch a syscall gets. */
long hypercall_dispatch(struct emu_cpu *cpu, uint64_t nr, uint64_t a1,
			uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/*
 * May this domain act on domid?  0 for itself; dom0 always exists, so it
 * gets Xen's XSM refusal; other domains are unknown here.
 */
static inline int domid_target(uint16_t domid)
{
	if (domid == DOMID_SELF || domid == boot->domid)
		return 0;
	return domid == 0 ? -XEN_EPERM : -XEN_ESRCH;
}

/* One console line per unimplemented sub-op (op < 64) of a family. */
static inline void warn_unimplemented(struct emu_cpu *cpu, uint64_t *seen,
				      const char *family, unsigned op)
{
	uint64_t bit = 1ULL << (op & 63);

	if (!(__atomic_fetch_or(seen, bit, __ATOMIC_RELAXED) & bit))
		printk(cpu, "emu: %s %u is not implemented\n", family, op);
}

/* hc-misc.c: VMASST_TYPE_* bits the guest enabled, domain-wide. */
extern uint64_t vm_assist_bits;

/* hc-debugreg.c */
long hc_set_debugreg(struct emu_cpu *cpu, uint64_t reg, uint64_t value,
		     uint64_t a3, uint64_t a4, uint64_t a5);
long hc_get_debugreg(struct emu_cpu *cpu, uint64_t reg, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5);

long hc_iret(struct emu_cpu *cpu, uint64_t a1, uint64_t a2, uint64_t a3,
	     uint64_t a4, uint64_t a5);

#endif
