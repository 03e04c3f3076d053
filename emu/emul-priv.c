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
#define XEN_PV_PAT		0x0007010600070106ULL

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
	case 0x20: { /* mov %crN, %reg (mod == 3 only) */
		unsigned cr = (insn[2] >> 3) & 7, reg = insn[2] & 7;
		uint64_t *gpr[8] = { &regs->rax, &regs->rcx, &regs->rdx,
				     &regs->rbx, &regs->rsp, &regs->rbp,
				     &regs->rsi, &regs->rdi };

		if ((insn[2] >> 6) != 3)
			return false;
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
			val = 0x6a0;
			break;
		default:
			return false;
		}
		*gpr[reg] = val;
		regs->rip += 3;
		return true;
	}
	default:
		return false;
	}
}
