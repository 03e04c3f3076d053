// SPDX-License-Identifier: MIT
/*
 * Writable page tables (VMASST_TYPE_writable_pagetables): a PV kernel
 * writes entries of its pinned, read-only page tables directly (Linux's
 * ptep_get_and_clear is an xchg) and Xen emulates the write after checking
 * the new entry.  emu does the same for the instructions kernels use on
 * page-table entries: 8-byte mov, mov of a sign-extended imm32, xchg,
 * lock cmpxchg, and (lock) and/or of the entry or of one of its bytes
 * (Linux's clear_bit(_PAGE_BIT_RW) in ptep_set_wrprotect is a lock andb).
 * Anything else is an ordinary page fault for the guest.
 */
#include "hypercall.h"
#include "insn.h"
#include "mm.h"

struct insn {
	bool rex_w, lock;
	unsigned reg;	  /* ModRM.reg with REX.R */
	unsigned opcode;  /* 0x89, 0xc7, 0x87, 0x0fb1, or an and/or: */
	unsigned alu;	  /* ALU_AND/ALU_OR for 0x80/0x81/0x83/0x09/0x21 */
	bool byte;	  /* 0x80: one byte of the entry */
	bool alu_reg;	  /* 0x09/0x21: the operand is a register */
	int64_t imm;
	unsigned len;
};

enum { ALU_NONE, ALU_OR, ALU_AND };

static bool decode(const uint8_t *p, unsigned avail, struct insn *in)
{
	unsigned i = 0, rex = 0, sub, imm_len = 0;
	int ml;

	memset(in, 0, sizeof(*in));
	/* lock, and segment overrides that mean nothing in 64-bit mode */
	for (; i < avail && i < 4; i++) {
		if (p[i] == 0xf0)
			in->lock = true;
		else if (p[i] != 0x2e && p[i] != 0x3e && p[i] != 0x26 &&
			 p[i] != 0x36)
			break;
	}
	if (i < avail && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	in->rex_w = rex & 8;
	if (i >= avail)
		return false;
	in->opcode = p[i++];
	switch (in->opcode) {
	case 0x0f:
		if (i >= avail || p[i] != 0xb1)
			return false;
		in->opcode = 0x0fb1;
		i++;
		break;
	case 0x80: /* and/or r/m8, imm8 */
		in->byte = true;
		imm_len = 1;
		break;
	case 0x81: /* and/or r/m64, imm32 */
		imm_len = 4;
		break;
	case 0x83: /* and/or r/m64, imm8 */
		imm_len = 1;
		break;
	case 0x09:
		in->alu = ALU_OR;
		in->alu_reg = true;
		break;
	case 0x21:
		in->alu = ALU_AND;
		in->alu_reg = true;
		break;
	case 0xc7:
		imm_len = 4;
		break;
	case 0x89:
	case 0x87:
		break;
	default:
		return false;
	}
	/* page-table entries are written 8 bytes wide, or a byte at a time */
	if ((!in->rex_w && !in->byte) || i >= avail)
		return false;
	in->reg = ((p[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	sub = (p[i] >> 3) & 7;
	if (in->opcode == 0xc7 && sub)
		return false;
	if (in->opcode == 0x80 || in->opcode == 0x81 || in->opcode == 0x83) {
		if (sub != 1 && sub != 4)
			return false;
		in->alu = sub == 1 ? ALU_OR : ALU_AND;
	}
	ml = modrm_len(p + i, avail - i);
	if (ml < 0)
		return false;
	i += ml;
	if (imm_len) {
		if (i + imm_len > avail)
			return false;
		if (imm_len == 4) {
			int32_t imm;

			memcpy(&imm, p + i, 4);
			in->imm = imm;
		} else {
			in->imm = in->byte ? p[i] : (int8_t)p[i];
		}
		i += imm_len;
	}
	in->len = i;
	return true;
}

/* Arithmetic flags of an and/or result (CF and OF are cleared). */
static void alu_flags(struct regs *regs, uint64_t res, bool byte)
{
	uint64_t f = regs->rflags & ~0x8d5ULL; /* CF PF AF ZF SF OF */

	if (byte)
		res &= 0xff;
	if (!res)
		f |= 0x40;
	if (res >> (byte ? 7 : 63))
		f |= 0x80;
	if (!(__builtin_popcount((unsigned)(res & 0xff)) & 1))
		f |= 0x04;
	regs->rflags = f;
}

/*
 * and/or on the entry (or a byte of it): the new entry is checked whole,
 * and written only if the entry did not change meanwhile (the CPU sets
 * accessed/dirty bits); a few retries, as the lock prefix promises.
 */
static bool alu_update(const struct insn *in, struct regs *regs,
		       uint64_t *target, uint64_t addr, unsigned level)
{
	unsigned shift = in->byte ? (addr & 7) * 8 : 0;
	uint64_t op = in->alu_reg ? *gpr(regs, in->reg) : (uint64_t)in->imm;
	uint64_t old, new, res;

	if (in->byte)
		op = (op & 0xff) << shift;
	for (int tries = 0; tries < 8; tries++) {
		old = __atomic_load_n(target, __ATOMIC_SEQ_CST);
		if (in->alu == ALU_OR)
			new = old | op;
		else if (in->byte)
			new = old & (op | ~(0xffULL << shift));
		else
			new = old & op;
		if (check_pte(new, level))
			return false;
		res = in->byte ? new >> shift : new;
		new = pv_adjust_pte_level(new, level);
		if (__atomic_compare_exchange_n(target, &old, new, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			alu_flags(regs, res, in->byte);
			return true;
		}
	}
	return false;
}

bool ptwr_emulate(struct emu_cpu *cpu, struct regs *regs, uint64_t addr)
{
	uint64_t *l1e, *target, val, mfn;
	uint8_t code[MAX_INSN];
	struct insn in;
	unsigned level;

	if (!cpu->kernel_mode || (regs->error & 3) != 3 ||
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
	if (!decode(code, sizeof(code), &in) || (!in.byte && (addr & 7)))
		return false;
	target = maddr_to_virt(mfn * PAGE_SIZE + (addr & 0xff8));
	val = in.opcode == 0xc7 ? (uint64_t)in.imm : *gpr(regs, in.reg);
	level = pt_level(*frame_type(mfn), 1);
	if (level == 4 && l4_slot_reserved((addr & 0xfff) / 8))
		return false;
	if (in.alu) {
		if (!alu_update(&in, regs, target, addr, level))
			return false;
		goto done;
	}
	if (check_pte(val, level))
		return false;
	val = pv_adjust_pte_level(val, level);
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
done:
	if (*frame_type(mfn) == FRAME_NONE)
		*frame_type(mfn) = FRAME_L1;
	regs->rip += in.len;
	count_inc(cpu, ptwr_emulations);
	return true;
}
