/* SPDX-License-Identifier: MIT */
/* The register frame every entry into emu saves; offsets used by entry64.S. */
#ifndef EMU_REGS_H
#define EMU_REGS_H

#define R_R15	 0
#define R_R14	 8
#define R_R13	 16
#define R_R12	 24
#define R_RBP	 32
#define R_RBX	 40
#define R_R11	 48
#define R_R10	 56
#define R_R9	 64
#define R_R8	 72
#define R_RAX	 80
#define R_RCX	 88
#define R_RDX	 96
#define R_RSI	 104
#define R_RDI	 112
#define R_VECTOR 120
#define R_ERROR	 128
#define R_RIP	 136
#define R_CS	 144
#define R_RFLAGS 152
#define R_RSP	 160
#define R_SS	 168
#define REGS_SIZE 176

/* Pseudo vector numbers for entries that are not exceptions. */
#define VEC_SYSCALL 0x100

/* struct emu_cpu fields the entry code uses. */
#define CPU_SYSCALL_RSP 0
#define CPU_STACK_TOP	8
#define CPU_KERNEL_MODE 20
#define CPU_PAGE	24
#define CPU_REGS	32
#define CPU_VCPU_INFO	40
#define CPU_UP		48
/* struct emu_vcpu_page: counters.hypercalls[] */
#define VCPU_PAGE_HYPERCALLS 32

#ifndef __ASSEMBLER__
#include <stdint.h>

struct regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct regs) == REGS_SIZE, "entry64.S frame");
_Static_assert(__builtin_offsetof(struct regs, rip) == R_RIP, "rip");
#endif
#endif
