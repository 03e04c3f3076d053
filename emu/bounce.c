// SPDX-License-Identifier: MIT
/*
 * How the guest sees traps, events and the kernel/user switch, following
 * Xen's x86_64 PV ABI: a bounce frame
 *   { RCX, R11, [DS, ES, FS, GS,] [ERRCODE,] RIP, CS, RFLAGS, RSP, SS }
 * on the guest kernel stack (kernel_sp when coming from user mode), CS
 * with RPL 0 when the guest was in kernel mode, the saved upcall mask in
 * bits 32-39 of the CS slot and folded into RFLAGS.IF.
 */
#include "emu.h"
#include "smp.h"

shared_info_t *shared_info;

void toggle_guest_mode(struct emu_cpu *cpu)
{
	uint64_t cr3;

	/* GS_BASE holds the active mode's base, KERNEL_GS_BASE the other. */
	asm volatile("swapgs");
	cpu->kernel_mode = !cpu->kernel_mode;
	cr3 = cpu->kernel_mode ? cpu->cr3_kernel : cpu->cr3_user;
	if (cr3 && cr3 != read_cr3())
		write_cr3(cr3);
}

static uint16_t read_sel(int which)
{
	uint16_t v = 0;

	switch (which) {
	case 0: asm volatile("mov %%ds, %0" : "=r"(v)); break;
	case 1: asm volatile("mov %%es, %0" : "=r"(v)); break;
	case 2: asm volatile("mov %%fs, %0" : "=r"(v)); break;
	case 3: asm volatile("mov %%gs, %0" : "=r"(v)); break;
	}
	return v;
}

void bounce(struct emu_cpu *cpu, struct regs *regs, uint64_t handler,
	    unsigned flags, uint64_t error_code)
{
	/* built from the top down: each optional part is one branch */
	uint64_t frame[11], *f = frame + 11, sp, cs = regs->cs;
	uint8_t *mask = &cpu->vcpu_info->evtchn_upcall_mask, saved;
	size_t len;

	if (unlikely(!handler))
		emu_crash(cpu, "emu: guest has no handler registered for "
			       "vector %lu at rip %lx",
			  regs->vector, regs->rip);
	if (cpu->kernel_mode) {
		sp = regs->rsp;
		cs &= ~3ULL; /* tells the guest it was in kernel mode */
	} else {
		toggle_guest_mode(cpu);
		sp = cpu->kernel_sp;
	}
	sp &= ~0xfULL;
	saved = *mask;
	if (flags & TBF_INTERRUPT)
		*mask = 1;

	*--f = regs->ss;
	*--f = regs->rsp;
	*--f = (regs->rflags & ~(uint64_t)X86_EFLAGS_IF) |
	       (saved ? 0 : X86_EFLAGS_IF);
	*--f = (cs & 0xffff) | (uint64_t)saved << 32;
	*--f = regs->rip;
	if (flags & TBF_EXCEPTION_ERRCODE)
		*--f = error_code;
	if (unlikely(flags & TBF_FAILSAFE))
		for (int i = 3; i >= 0; i--)
			*--f = read_sel(i); /* gs, fs, es, ds: ds lowest */
	*--f = regs->r11;
	*--f = regs->rcx;
	len = (frame + 11 - f) * sizeof(*f);
	sp -= len;
	if (unlikely(copy_to_guest(sp, f, len)))
		emu_crash(cpu, "emu: cannot write a bounce frame to the guest "
			       "stack at %lx (vector %lu, rip %lx)",
			  sp, regs->vector, regs->rip);

	regs->rflags &= ~(uint64_t)(X86_EFLAGS_AC | X86_EFLAGS_VM |
				    X86_EFLAGS_RF | X86_EFLAGS_NT |
				    X86_EFLAGS_TF);
	regs->ss = FLAT_KERNEL_SS;
	regs->rsp = sp;
	regs->cs = FLAT_KERNEL_CS;
	regs->rip = handler;
}

void bounce_exception(struct emu_cpu *cpu, struct regs *regs, unsigned vec,
		      bool has_error, uint64_t error_code)
{
	const struct guest_trap *t = &cpu->traps[vec];
	unsigned flags = has_error ? TBF_EXCEPTION_ERRCODE : 0;

	if (!t->address)
		emu_crash(cpu,
			  "emu: guest exception %u (error %lx) at rip %lx "
			  "rsp %lx cr2 %lx with no handler in its trap table",
			  vec, error_code, regs->rip, regs->rsp,
			  vec == 14 ? cpu->vcpu_info->arch.cr2 : 0);
	if (t->flags & 4)
		flags |= TBF_INTERRUPT;
	bounce(cpu, regs, t->address, flags, error_code);
}

/*
 * Xen gives the guest's failsafe callback a context its iretq could not
 * return to (a bad CS, SS, RIP or RSP), with the data selectors in the
 * frame.  Linux sees them unchanged, calls it a bad IRET and raises #GP
 * for the task: an unprivileged process that sigreturns to a
 * non-canonical RIP or a bogus CS gets SIGSEGV; the domain lives on.
 * A RIP or RSP in Xen's own range goes here too, where on Xen the
 * first fetch or push would fault (#PF): the task gets its signal
 * either way, and emu never returns into its own range.
 */
void bounce_failsafe(struct emu_cpu *cpu, struct regs *regs)
{
	if (!cpu->failsafe_cb)
		emu_crash(cpu,
			  "emu: iret to rip %lx cs %lx rsp %lx ss %lx, which "
			  "the CPU refuses, and no failsafe callback",
			  regs->rip, regs->cs, regs->rsp, regs->ss);
	count_inc(cpu, failsafe);
	bounce(cpu, regs, cpu->failsafe_cb,
	       TBF_FAILSAFE | (cpu->failsafe_masks_events ? TBF_INTERRUPT : 0),
	       0);
}

void return_to_guest_slow(struct emu_cpu *cpu, struct regs *regs)
{
	struct vcpu_info *vi;

	if (!cpu->up)
		smp_stopped(cpu, regs); /* VCPUOP_down from another vCPU */
	vi = cpu->vcpu_info;
	if (vi->evtchn_upcall_mask || !vi->evtchn_upcall_pending ||
	    !cpu->event_cb)
		return;
	count_inc(cpu, events_delivered);
	bounce(cpu, regs, cpu->event_cb, TBF_INTERRUPT, 0);
}
