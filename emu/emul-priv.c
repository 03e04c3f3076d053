// SPDX-License-Identifier: MIT
/*
 * Privileged instructions a PV kernel executes in ring 3 and expects the
 * hypervisor to emulate (Xen's emulate_privileged_op for 64-bit PV): the
 * segment-base MSRs (Linux's startup_xen writes MSR_GS_BASE first thing)
 * and a few read-only MSRs, cli/sti (the event mask), wbinvd, clts, reads
 * of the control registers.
 * Anything else is a #GP for the guest, as on Xen.
 */
#include "emu.h"
#include "mm.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_IA32_SPEC_CTRL	0x48
#define MSR_IA32_PRED_CMD	0x49
#define MSR_IA32_UCODE_REV	0x8b
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_CR_PAT		0x277
#define MSR_EFER		0xc0000080
#define MSR_TSC_AUX		0xc0000103
#define XEN_PV_PAT		0x0007010600070106ULL

static bool has_rdtscp(void)
{
	uint32_t a = 0x80000001, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return d & (1u << 27);
}

static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

static bool emul_rdmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		/* in kernel mode GS_BASE is the kernel's, KERNEL_GS the user's */
		*val = rdmsr(msr);
		return true;
	case MSR_EFER:
		*val = rdmsr(MSR_EFER);
		return true;
	case MSR_TSC_AUX:
		if (!has_rdtscp())
			return false;
		*val = rdmsr(MSR_TSC_AUX);
		return true;
	case MSR_IA32_TSC: {
		uint32_t lo, hi;

		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		*val = lo | (uint64_t)hi << 32;
		return true;
	}
	case MSR_IA32_MISC_ENABLE:
		/* fast strings; BTS and PEBS unavailable */
		*val = 1 | (1 << 11) | (1 << 12);
		return true;
	case MSR_IA32_CR_PAT:
		*val = XEN_PV_PAT;
		return true;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_UCODE_REV:
		*val = 0;
		return true;
	default:
		(void)cpu;
		return false;
	}
}

static bool emul_wrmsr(struct emu_cpu *cpu, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!canonical(val) || !guest_range_ok(val, 0))
			return false;
		wrmsr(msr, val);
		return true;
	case MSR_IA32_CR_PAT:
		return val == XEN_PV_PAT;
	case MSR_TSC_AUX:
		/* what rdtscp/rdpid return: Linux puts its CPU number here */
		if (!has_rdtscp() || (val >> 32))
			return false;
		wrmsr(MSR_TSC_AUX, val);
		return true;
	case MSR_IA32_UCODE_REV:
		/* Linux's microcode revision probe: Xen ignores a domU's */
		return true;
	case MSR_IA32_SPEC_CTRL:
	case MSR_IA32_PRED_CMD:
		/* not offered in CPUID; tolerate the harmless zero writes */
		return val == 0;
	default:
		(void)cpu;
		return false;
	}
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The guest's CR4 as Xen shows it: Xen's PAE/OSFXSR/OSXMMEXCPT plus the
 * bits a PV guest may choose (TSD, DE); PGE/PSE/PCE are never its own. */
#define PV_CR4_VISIBLE 0x620ULL
#define PV_CR4_GUEST   (X86_CR4_TSD | X86_CR4_DE)

uint64_t guest_cr4(const struct emu_cpu *cpu)
{
	return PV_CR4_VISIBLE | (cpu->cr4 & PV_CR4_GUEST);
}

static bool write_cr(struct emu_cpu *cpu, unsigned cr, uint64_t val)
{
	switch (cr) {
	case 0:
		/* as Xen: only TS may change, as fpu_taskswitch */
		if ((val ^ (0x80050033 | (cpu->fpu_ts ? 8 : 0))) & ~8ULL)
			return false;
		cpu->fpu_ts = val & 8;
		set_ts(cpu->fpu_ts);
		return true;
	case 2:
		cpu->vcpu_info->arch.cr2 = val;
		return true;
	case 4:
		/* other bits are dropped, not refused (Xen's fixup) */
		if ((val ^ cpu->cr4) & X86_CR4_TSD)
			set_cr4_tsd(val & X86_CR4_TSD);
		cpu->cr4 = val & PV_CR4_GUEST;
		return true;
	default:
		return false; /* CR3 goes through mmuext_op */
	}
}

/* mov to/from CRn, register operand only; rex from an 0x4X prefix */
static bool emul_mov_cr(struct emu_cpu *cpu, struct regs *regs, bool write,
			uint8_t modrm, uint8_t rex)
{
	uint64_t *gpr[16] = { &regs->rax, &regs->rcx, &regs->rdx, &regs->rbx,
			      &regs->rsp, &regs->rbp, &regs->rsi, &regs->rdi,
			      &regs->r8,  &regs->r9,  &regs->r10, &regs->r11,
			      &regs->r12, &regs->r13, &regs->r14, &regs->r15 };
	unsigned cr = (modrm >> 3) & 7, reg = (modrm & 7) | (rex & 1) << 3;
	uint64_t val;

	if ((modrm >> 6) != 3 || (rex & 4))
		return false; /* CR8-15 (REX.R) do not exist for PV */
	if (write) {
		if (!write_cr(cpu, cr, *gpr[reg]))
			return false;
	} else {
		switch (cr) {
		case 0:
			val = 0x80050033 | (cpu->fpu_ts ? 8 : 0);
			break;
		case 2:
			val = cpu->vcpu_info->arch.cr2;
			break;
		case 3:
			val = cpu->kernel_mode ? cpu->cr3_kernel : cpu->cr3_user;
			break;
		case 4:
			val = guest_cr4(cpu);
			break;
		default:
			return false;
		}
		*gpr[reg] = val;
	}
	regs->rip += rex ? 4 : 3;
	return true;
}

/* Returns true if the instruction at rip was emulated (rip advanced). */
bool emulate_privileged(struct emu_cpu *cpu, struct regs *regs)
{
	uint8_t insn[3];
	uint64_t val;

	if (emulate_port_io(cpu, regs))
		return true;
	if (!cpu->kernel_mode || copy_from_guest(insn, regs->rip, 3))
		return false;
	if (insn[0] == 0xfa || insn[0] == 0xfb) {
		/* cli/sti: the event mask, as Xen does for the kernel */
		cpu->vcpu_info->evtchn_upcall_mask = insn[0] == 0xfa;
		regs->rip += 1;
		return true;
	}
	if ((insn[0] & 0xf0) == 0x40 && insn[1] == 0x0f) {
		/* REX: only mov to/from a control register with r8-r15 */
		uint8_t rest[2];

		if (copy_from_guest(rest, regs->rip + 2, 2) ||
		    (rest[0] != 0x20 && rest[0] != 0x22))
			return false;
		return emul_mov_cr(cpu, regs, rest[0] == 0x22, rest[1],
				   insn[0]);
	}
	if (insn[0] != 0x0f)
		return false;
	switch (insn[1]) {
	case 0x30: /* wrmsr */
		if (!emul_wrmsr(cpu, regs->rcx,
				(uint32_t)regs->rax | regs->rdx << 32))
			return false;
		regs->rip += 2;
		return true;
	case 0x32: /* rdmsr */
		if (!emul_rdmsr(cpu, regs->rcx, &val))
			return false;
		regs->rax = (uint32_t)val;
		regs->rdx = val >> 32;
		regs->rip += 2;
		return true;
	case 0x09: /* wbinvd: guest RAM is ordinary host memory */
		regs->rip += 2;
		return true;
	case 0x06: /* clts */
		cpu->fpu_ts = false;
		set_ts(false);
		regs->rip += 2;
		return true;
	case 0x20: /* mov %crN, %reg */
	case 0x22: /* mov %reg, %crN */
		return emul_mov_cr(cpu, regs, insn[1] == 0x22, insn[2], 0);
	case 0x31: /* rdtsc: faults in ring 3 when the guest set CR4.TSD */
		val = rdtsc();
		regs->rax = (uint32_t)val;
		regs->rdx = val >> 32;
		regs->rip += 2;
		return true;
	default:
		return false;
	}
}
