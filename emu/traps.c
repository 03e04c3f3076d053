// SPDX-License-Identifier: MIT
/*
 * Exceptions and interrupts.  A fault inside emu is either a guest-memory
 * copy that hit a bad guest pointer (recovered) or a bug in emu (the
 * domain is crashed with the registers).  Guest exceptions go to the
 * guest's trap table; a few instructions a PV kernel relies on trapping
 * are emulated first: `int $N` (which some KVM hosts report as #UD or #GP
 * instead of delivering it), Xen's forced-emulation CPUID prefix.
 */
#include "apic.h"
#include "emu.h"
#include "m2p.h"

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "?9",  "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static bool has_error_code(unsigned vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 ||
	       vec == 21 || vec == 29 || vec == 30;
}

/*
 * `int $n` as the guest registered it.  As Xen permits a software
 * interrupt: DPL 3 from user mode, at least 1 from kernel mode, so a
 * kernel's `int $14` is a #GP, not a page fault without its error code
 * (the hypercall-fuzzing guest's int $10 and $11 broke its own frames).
 */
static void soft_int(struct emu_cpu *cpu, struct regs *regs, unsigned n)
{
	const struct guest_trap *t = &cpu->traps[n];
	unsigned dpl = t->flags & 3;

	/* the IDT gates of 3 and 4 are DPL 3 on Xen: theirs goes unchecked */
	if (t->address &&
	    (n == 3 || n == 4 || dpl >= (cpu->kernel_mode ? 1U : 3U))) {
		regs->rip += 2;
		regs->vector = n;
		bounce(cpu, regs, t->address,
		       (t->flags & 4) ? TBF_INTERRUPT : 0, 0);
		return;
	}
	/* as if the IDT gate's DPL refused it */
	bounce_exception(cpu, regs, 13, true, (n << 3) | 2);
}

/* ud2a; .ascii "xen"; cpuid: Xen emulates the CPUID for the guest. */
static bool forced_cpuid(struct emu_cpu *cpu, struct regs *regs)
{
	static const uint8_t sig[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
	uint8_t insn[7];
	uint32_t a, b, c, d;

	if (copy_from_guest(insn, regs->rip, sizeof(insn)) ||
	    memcmp(insn, sig, sizeof(sig)))
		return false;
	a = regs->rax;
	c = regs->rcx;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	{
		uint32_t r[4] = { a, b, c, d };

		cpuid_pv_policy(cpu, regs->rax, regs->rcx, r);
		a = r[0], b = r[1], c = r[2], d = r[3];
	}
	switch ((uint32_t)regs->rax) {
	case 1:
		/* no VMX, no x2APIC/TSC-deadline/XSAVE/OSXSAVE, not
		 * a hypervisor-aware CPU (Xen clears these too) */
		c &= ~((1u << 3) | (1u << 5) | (1u << 17) | (1u << 21) |
		       (1u << 24) | (1u << 26) | (1u << 27));
		c |= 1u << 31; /* running on a hypervisor */
		/* no MTRR, MCE, MCA, APIC, ACPI, PSE36, DS/TM */
		d &= ~((1u << 12) | (1u << 7) | (1u << 14) | (1u << 9) |
		       (1u << 22) | (1u << 17) | (1u << 21) | (1u << 29));
		break;
	case 7:
		if ((uint32_t)regs->rcx == 0) {
			/* FSGSBASE, TSC_ADJUST, INVPCID, RTM */
			b &= ~((1u << 0) | (1u << 1) | (1u << 10) | (1u << 11));
			/* speculation controls: their MSRs are not emulated */
			d &= ~((1u << 26) | (1u << 27) | (1u << 29) |
			       (1u << 31));
		}
		break;
	case 0x80000008:
		b &= ~((1u << 12) | (1u << 14) | (1u << 15) | (1u << 17) |
		       (1u << 24) | (1u << 25) | (1u << 26));
		break;
	default:
		break;
	}
	regs->rax = a;
	regs->rbx = b;
	regs->rcx = c;
	regs->rdx = d;
	regs->rip += sizeof(sig);
	return true;
}

static bool is_int_insn(struct regs *regs, unsigned *n)
{
	uint8_t insn[2];

	if (copy_from_guest(insn, regs->rip, 2) || insn[0] != 0xcd)
		return false;
	*n = insn[1];
	return true;
}

static void guest_exception(struct regs *regs, struct emu_cpu *cpu,
			    unsigned vec)
{
	unsigned n;

	switch (vec) {
	case 13:
		/* (a syscall stub's #GP never gets here: entry64.S) */
		if (is_int_insn(regs, &n)) {
			soft_int(cpu, regs, n);
			return;
		}
		if (emulate_privileged(cpu, regs))
			return;
		break;
	case 6:
		if (unlikely(m2p_probing) && m2p_probe_trap(cpu, regs, vec))
			return;
		if (forced_cpuid(cpu, regs))
			return;
		if (is_int_insn(regs, &n)) {
			soft_int(cpu, regs, n);
			return;
		}
		break;
	case 1:
		debugreg_trap(cpu);
		break;
	case 7:
		/* emu never uses the FPU: TS is only ever the guest's */
		set_ts(false);
		if (!cpu->fpu_ts)
			return;
		cpu->fpu_ts = false;
		break;
	case 14: {
		uint64_t cr2 = read_cr2();

		if (unlikely(m2p_probing) && m2p_probe_trap(cpu, regs, vec))
			return;
		if (cr2 - MACH2PHYS_VIRT_START < MACH2PHYS_VIRT_END -
							 MACH2PHYS_VIRT_START &&
		    m2p_read_fault(cpu, regs, cr2))
			return;
		if (ptwr_emulate(cpu, regs, cr2))
			return;
		cpu->vcpu_info->arch.cr2 = cr2;
		break;
	}
	default:
		break;
	}
	bounce_exception(cpu, regs, vec, has_error_code(vec), regs->error);
}

void emu_trap(struct regs *regs, struct emu_cpu *cpu)
{
	unsigned vec = regs->vector;

	if (vec < 32)
		cpu->page->counters.exceptions[vec]++;
	else
		apic_interrupt(cpu, vec); /* counts; timers raise VIRQ_TIMER */

	if (unlikely(vec == 8)) /* on its own stack (IST2): say where */
		emu_crash(cpu, "emu: double fault (rip %lx cs %lx rsp %lx cr2 "
			       "%lx): an exception could not be delivered",
			  regs->rip, regs->cs, regs->rsp, read_cr2());
	if ((regs->cs & 3) == 0) {
		if (vec == 14 && regs->rip == (uint64_t)emu_copy_insn) {
			regs->rip = (uint64_t)emu_copy_fault;
			return;
		}
		if ((vec == 11 || vec == 12 || vec == 13) &&
		    regs->rip == (uint64_t)emu_load_gs_insn) {
			regs->rip = (uint64_t)emu_load_gs_fault;
			return;
		}
		if (vec >= 32) {
			if (regs->rip == (uint64_t)emu_halt_insn) {
				/* taken in sti's shadow (entry64.S) */
				count_inc(cpu, early_wakes);
				regs->rip++;
			}
			return; /* the interrupted emu code returns to the guest */
		}
		if (vec == 1) {
			/* emu touched a guest watchpoint: the guest's */
			debugreg_trap(cpu);
			return;
		}
		emu_crash(cpu, "emu: %s in emu at rip %lx err %lx cr2 %lx rsp %lx",
			  vector_names[vec] ? vector_names[vec] : "exception",
			  regs->rip, regs->error, read_cr2(), regs->rsp);
	}
	if (vec < 32)
		guest_exception(regs, cpu, vec);
	return_to_guest(cpu, regs);
}
