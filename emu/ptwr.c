// SPDX-License-Identifier: MIT
/*
 * Writable page tables (VMASST_TYPE_writable_pagetables): a PV kernel
 * writes entries of its pinned, read-only page tables directly (Linux's
 * ptep_get_and_clear is an xchg) and Xen emulates the write after checking
 * the new entry.  emu does the same for the instructions kernels use on
 * page-table entries: 8-byte mov, mov of a sign-extended imm32, xchg and
 * lock cmpxchg.  Anything else is an ordinary page fault for the guest.
 */
#include "hypercall.h"
#include "mm.h"

#define MAX_INSN 15

struct insn {
	bool rex_w, lock;
	unsigned reg;	  /* ModRM.reg with REX.R */
	unsigned opcode;  /* 0x89, 0xc7, 0x87 or 0x0fb1 */
	int64_t imm;
	unsigned len;
};

/* Length of a ModRM memory operand with its SIB and displacement. */
static int modrm_len(const uint8_t *p, unsigned avail)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7, len = 1;

	if (mod == 3)
		return -1; /* a register: not a memory write */
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

static bool decode(const uint8_t *p, unsigned avail, struct insn *in)
{
	unsigned i = 0, rex = 0;
	int ml;

	memset(in, 0, sizeof(*in));
	if (i < avail && p[i] == 0xf0) {
		in->lock = true;
		i++;
	}
	if (i < avail && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	in->rex_w = rex & 8;
	if (!in->rex_w || i >= avail)
		return false; /* page-table entries are written 8 bytes wide */
	in->opcode = p[i++];
	if (in->opcode == 0x0f) {
		if (i >= avail || p[i] != 0xb1)
			return false;
		in->opcode = 0x0fb1;
		i++;
	} else if (in->opcode != 0x89 && in->opcode != 0x87 &&
		   in->opcode != 0xc7) {
		return false;
	}
	if (i >= avail)
		return false;
	in->reg = ((p[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	if (in->opcode == 0xc7 && (p[i] & 0x38))
		return false;
	ml = modrm_len(p + i, avail - i);
	if (ml < 0)
		return false;
	i += ml;
	if (in->opcode == 0xc7) {
		int32_t imm;

		if (i + 4 > avail)
			return false;
		memcpy(&imm, p + i, 4);
		in->imm = imm;
		i += 4;
	}
	in->len = i;
	return true;
}

static uint64_t *gpr(struct regs *regs, unsigned n)
{
	uint64_t *const r[16] = {
		&regs->rax, &regs->rcx, &regs->rdx, &regs->rbx,
		&regs->rsp, &regs->rbp, &regs->rsi, &regs->rdi,
		&regs->r8,  &regs->r9,	&regs->r10, &regs->r11,
		&regs->r12, &regs->r13, &regs->r14, &regs->r15,
	};

	return r[n];
}

bool ptwr_emulate(struct emu_cpu *cpu, struct regs *regs, uint64_t addr)
{
	uint64_t *l1e, *target, val, mfn;
	uint8_t code[MAX_INSN];
	struct insn in;
	unsigned level;

	if (!cpu->kernel_mode || (regs->error & 3) != 3 || (addr & 7) ||
	    !(vm_assist_bits & (1ULL << VMASST_TYPE_writable_pagetables)))
		return false;
	l1e = walk_l1(read_cr3(), addr);
	if (!l1e || (*l1e & PTE_RW))
		return false;
	mfn = (*l1e & PTE_ADDR) >> 12;
	if (mfn >= boot->nr_pages)
		return false;
	if (copy_from_guest(code, regs->rip, sizeof(code)) &&
	    copy_from_guest(code, regs->rip, 8))
		return false; /* an instruction at the end of a mapping */
	if (!decode(code, sizeof(code), &in))
		return false;
	target = maddr_to_virt(mfn * PAGE_SIZE + (addr & 0xfff));
	val = in.opcode == 0xc7 ? (uint64_t)in.imm : *gpr(regs, in.reg);
	level = *frame_type(mfn) >= FRAME_L1 && *frame_type(mfn) <= FRAME_L4
			? *frame_type(mfn)
			: 1;
	if (level == 4 && l4_slot_reserved((addr & 0xfff) / 8))
		return false;
	if (check_pte(val, level))
		return false;
	val = pv_adjust_pte(val);
	switch (in.opcode) {
	case 0x89:
	case 0xc7:
		__atomic_store_n(target, val, __ATOMIC_SEQ_CST);
		break;
	case 0x87:
		*gpr(regs, in.reg) = __atomic_exchange_n(target, val,
							 __ATOMIC_SEQ_CST);
		break;
	case 0x0fb1: {
		uint64_t expected = regs->rax;

		if (__atomic_compare_exchange_n(target, &expected, val, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			regs->rflags |= 0x40; /* ZF */
		else {
			regs->rflags &= ~0x40ULL;
			regs->rax = expected;
		}
		break;
	}
	}
	if (*frame_type(mfn) == FRAME_NONE)
		*frame_type(mfn) = FRAME_L1;
	regs->rip += in.len;
	count_inc(cpu, ptwr_emulations);
	return true;
}
