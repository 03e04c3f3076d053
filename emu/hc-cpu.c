// SPDX-License-Identifier: MIT
/*
 * The hypercalls that set a vCPU's guest-visible CPU state: trap table,
 * callbacks, kernel stack, lazy FPU, segment bases, and iret (the way back
 * from a bounce frame, and into user mode).
 */
#include <xen/callback.h>

#include "hypercall.h"
#include "smp.h"

long hc_set_trap_table(struct emu_cpu *cpu, uint64_t traps, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct trap_info ti;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!traps) {
		memset(cpu->traps, 0, sizeof(cpu->traps));
		return 0;
	}
	for (;; traps += sizeof(ti)) {
		if (copy_from_guest(&ti, traps, sizeof(ti)))
			return -XEN_EFAULT;
		if (!ti.address)
			return 0;
		if (!guest_range_ok(ti.address, 1))
			return -XEN_EINVAL;
		cpu->traps[ti.vector].address = ti.address;
		cpu->traps[ti.vector].cs = ti.cs;
		cpu->traps[ti.vector].flags = ti.flags;
	}
}

static long set_callback(struct emu_cpu *cpu, unsigned type, uint64_t addr,
			 unsigned flags)
{
	bool mask = flags & CALLBACKF_mask_events;

	if (addr && !guest_range_ok(addr, 1))
		return -XEN_EINVAL;
	switch (type) {
	case CALLBACKTYPE_event:
		cpu->event_cb = addr;
		return 0;
	case CALLBACKTYPE_failsafe:
		cpu->failsafe_cb = addr;
		cpu->failsafe_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall:
		cpu->syscall_cb = addr;
		cpu->syscall_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall32:
		cpu->syscall32_cb = addr;
		return 0;
	case CALLBACKTYPE_sysenter:
		cpu->sysenter_cb = addr;
		return 0;
	case CALLBACKTYPE_nmi:
		cpu->nmi_cb = addr;
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

long hc_set_callbacks(struct emu_cpu *cpu, uint64_t event, uint64_t failsafe,
		      uint64_t syscall, uint64_t a4, uint64_t a5)
{
	long rc;

	(void)a4, (void)a5;
	rc = set_callback(cpu, CALLBACKTYPE_event, event, 0);
	if (!rc)
		rc = set_callback(cpu, CALLBACKTYPE_failsafe, failsafe, 0);
	if (!rc)
		rc = set_callback(cpu, CALLBACKTYPE_syscall, syscall, 0);
	return rc;
}

long hc_callback_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct callback_register reg;
	struct callback_unregister unreg;

	(void)a3, (void)a4, (void)a5;
	switch (cmd) {
	case CALLBACKOP_register:
		if (copy_from_guest(&reg, arg, sizeof(reg)))
			return -XEN_EFAULT;
		return set_callback(cpu, reg.type, reg.address, reg.flags);
	case CALLBACKOP_unregister:
		if (copy_from_guest(&unreg, arg, sizeof(unreg)))
			return -XEN_EFAULT;
		if (unreg.type == CALLBACKTYPE_event ||
		    unreg.type == CALLBACKTYPE_failsafe)
			return -XEN_EINVAL; /* as Xen: those stay */
		return set_callback(cpu, unreg.type, 0, 0);
	default:
		return -XEN_ENOSYS;
	}
}

long hc_stack_switch(struct emu_cpu *cpu, uint64_t ss, uint64_t sp,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)ss, (void)a3, (void)a4, (void)a5;
	cpu->kernel_sp = sp;
	return 0;
}

long hc_fpu_taskswitch(struct emu_cpu *cpu, uint64_t set, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	cpu->fpu_ts = set;
	set_ts(set);
	return 0;
}

/*
 * User %gs from the guest's GDT or LDT, as Xen does it: the CPU checks the
 * selector (RPL forced to 3), a refused one loads the null selector.  The
 * flat selector first clears the base on CPUs whose null selector leaves
 * it (AMD without NullSelectClearsBase; Linux's X86_BUG_NULL_SEG).
 */
static void load_user_gs(uint32_t sel)
{
	if (sel > 3)
		sel |= 3;
	asm volatile("swapgs");
	if (sel <= 3)
		emu_load_gs(FLAT_RING3_DS_SEL);
	if (emu_load_gs(sel))
		emu_load_gs(0);
	asm volatile("swapgs");
}

long hc_set_segment_base(struct emu_cpu *cpu, uint64_t which, uint64_t base,
			 uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)a3, (void)a4, (void)a5;
	/* Hypercalls come from kernel mode: GS_BASE is the kernel's. */
	switch (which) {
	case SEGBASE_FS:
		if (!guest_range_ok(base, 0))
			return -XEN_EINVAL;
		wrmsr(MSR_FS_BASE, base);
		return 0;
	case SEGBASE_GS_USER:
		if (!guest_range_ok(base, 0))
			return -XEN_EINVAL;
		wrmsr(MSR_KERNEL_GS_BASE, base);
		return 0;
	case SEGBASE_GS_KERNEL:
		if (!guest_range_ok(base, 0))
			return -XEN_EINVAL;
		wrmsr(MSR_GS_BASE, base);
		return 0;
	case SEGBASE_GS_USER_SEL:
		load_user_gs(base & 0xffff);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

long hc_iret(struct emu_cpu *cpu, uint64_t a1, uint64_t a2, uint64_t a3,
	     uint64_t a4, uint64_t a5)
{
	struct regs *regs = cpu->regs;
	struct iret_context ic;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (copy_from_guest(&ic, regs->rsp, sizeof(ic)))
		emu_crash(cpu, "emu: iret: cannot read the iret context at "
			       "%lx",
			  regs->rsp);
	if ((ic.cs & 3) == 3) {
		if (!cpu->cr3_user)
			emu_crash(cpu, "emu: iret to user mode without user "
				       "page tables");
		if (cpu->kernel_mode)
			toggle_guest_mode(cpu);
	}
	regs->rip = ic.rip;
	regs->cs = ic.cs | 3;
	regs->rflags = (ic.rflags & ~(uint64_t)(X86_EFLAGS_IOPL |
						X86_EFLAGS_VM)) |
		       X86_EFLAGS_IF;
	regs->rsp = ic.rsp;
	regs->ss = ic.ss | 3;
	if (!(ic.flags & VGCF_in_syscall)) {
		regs->r11 = ic.r11;
		regs->rcx = ic.rcx;
	}
	cpu->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
	/* where Xen's own iretq would fault, checked before emu's can */
	if (!guest_range_ok(ic.rip, 1) || !guest_range_ok(ic.rsp, 0) ||
	    !gdt_sel_usable(cpu, regs->cs, true) ||
	    !gdt_sel_usable(cpu, regs->ss, false))
		bounce_failsafe(cpu, regs);
	return ic.rax;
}
