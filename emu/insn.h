/* SPDX-License-Identifier: MIT */
/*
 * The little x86 decoding emu does on guest instructions it emulates
 * (ptwr.c's page-table writes, m2p.c's M2P reads): a ModRM memory
 * operand's length and the general registers by number.
 */
#ifndef EMU_INSN_H
#define EMU_INSN_H

#include "regs.h"

#define MAX_INSN 15

/*
 * Length of a ModRM memory operand with its SIB and displacement, or -1
 * for a register operand or one longer than avail.
 */
static inline int modrm_len(const uint8_t *p, unsigned avail)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7, len = 1;

	if (mod == 3)
		return -1;
	if (rm == 4) {
		if (avail < 2)
			return -1;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4; /* rip-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len <= avail ? (int)len : -1;
}

/* Register n (0-15, REX extension included) of the frame. */
static inline uint64_t *gpr(struct regs *regs, unsigned n)
{
	uint64_t *const r[16] = {
		&regs->rax, &regs->rcx, &regs->rdx, &regs->rbx,
		&regs->rsp, &regs->rbp, &regs->rsi, &regs->rdi,
		&regs->r8,  &regs->r9,	&regs->r10, &regs->r11,
		&regs->r12, &regs->r13, &regs->r14, &regs->r15,
	};

	return r[n & 15];
}

#endif
