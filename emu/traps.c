// SPDX-License-Identifier: MIT
/*
 * Exceptions and interrupts.  A fault inside emu is either a guest-memory
 * copy that hit a bad guest pointer (recovered) or a bug in emu (the
 * domain is crashed with the registers).  Guest exceptions are bounced to
 * the guest's trap table (not yet: for now they crash the domain with a
 * clear message).
 */
#include "emu.h"

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "?9",  "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static uint64_t read_cr2(void)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	return cr2;
}

extern char syscall_stubs[];

static bool is_syscall_stub(uint64_t rip)
{
	uint64_t off = rip - (uint64_t)syscall_stubs;

	return off < EMU_MAX_VCPUS * EMU_SYSCALL_STUB_SIZE &&
	       off % EMU_SYSCALL_STUB_SIZE == 0;
}

void emu_trap(struct regs *regs, struct emu_cpu *cpu)
{
	uint64_t vec = regs->vector;
	const char *name = vec < 32 && vector_names[vec] ? vector_names[vec]
							  : "irq";

	if (vec < 32)
		cpu->page->counters.exceptions[vec]++;
	else
		count_inc(cpu, interrupts);

	if ((regs->cs & 3) == 0) {
		if (vec == 14 && regs->rip == (uint64_t)emu_copy_insn) {
			regs->rip = (uint64_t)emu_copy_fault;
			return;
		}
		emu_crash(cpu,
			  "emu: %s in emu at rip %lx err %lx cr2 %lx "
			  "rsp %lx",
			  name, regs->rip, regs->error, read_cr2(), regs->rsp);
	}
	if (vec >= 32)
		return;
	if (vec == 13 && is_syscall_stub(regs->rip)) {
		/* kvm_pvm ran the LSTAR stub in ring 3: see entry64.S */
		cpu->page->counters.exceptions[13]--;
		regs->rip = regs->rcx;
		regs->rflags = regs->r11;
		regs->cs = FLAT_RING3_CS64_SEL;
		regs->ss = FLAT_RING3_DS_SEL;
		regs->vector = VEC_SYSCALL;
		regs->error = 0;
		emu_syscall(regs, cpu);
		return;
	}
	emu_crash(cpu,
		  "emu: guest %s (vector %lu) at rip %lx err %lx cr2 %lx "
		  "rsp %lx: exception delivery to the guest is not "
		  "implemented yet",
		  name, vec, regs->rip, regs->error,
		  vec == 14 ? read_cr2() : 0, regs->rsp);
}

void emu_syscall(struct regs *regs, struct emu_cpu *cpu)
{
	if (cpu->kernel_mode) {
		regs->rax = do_hypercall(cpu, regs);
		return;
	}
	emu_crash(cpu, "emu: guest user syscall at rip %lx: bouncing to the "
		       "guest kernel is not implemented yet",
		  regs->rip);
}
