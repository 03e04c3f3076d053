// SPDX-License-Identifier: MIT
/*
 * Where the guest finds the read-only M2P.  Xen maps it at
 * MACH2PHYS_VIRT_START (PML4 slot 256), and small PV kernels (Mini-OS,
 * this project's test kernels) read it there without asking.  Some KVM
 * hosts (kvm_pvm) refuse ring-3 reads of slot 256 even where it is mapped
 * user-readable, so emu maps the M2P in slots 256 and 257, finds out with
 * one ring-3 read at boot which of them this host serves, reports that one
 * through XENMEM_machphys_mapping (Linux asks), and where slot 256 is
 * refused, emulates the guest's loads from it on the #PF they raise.
 */
#include "emu.h"
#include "insn.h"
#include "m2p.h"

uint64_t m2p_va = MACH2PHYS_VIRT_START;
bool m2p_probing;
static bool xen_slot_refused;
static struct regs probe_saved; /* vCPU 0's real first entry */

/*
 * vCPU 0's first entry goes to the probe, a ring-3 read of slot 256 in
 * emu's user page (entry64.S) that ends in #UD (read) or #PF (refused);
 * m2p_probe_trap() then starts the guest from the saved frame.
 */
void m2p_probe_start(struct regs *regs)
{
	probe_saved = *regs;
	regs->rip = (uint64_t)m2p_probe_read;
	regs->rdi = MACH2PHYS_VIRT_START;
	m2p_probing = true;
}

bool m2p_probe_trap(struct emu_cpu *cpu, struct regs *regs, unsigned vec)
{
	if (regs->rip == (uint64_t)m2p_probe_read && vec == 14) {
		xen_slot_refused = true;
		m2p_va = EMU_M2P_VA;
		cpu->page->counters.m2p_xen_slot_refused = 1;
	} else if (regs->rip != (uint64_t)m2p_probe_read + M2P_PROBE_LOAD_LEN ||
		   vec != 6) {
		return false;
	}
	m2p_probing = false;
	*regs = probe_saved;
	return true;
}

/* mov r/m -> reg (8b, 32 or 64 bits): how C code reads an M2P entry. */
static bool decode_load(const uint8_t *p, unsigned avail, unsigned *reg,
			unsigned *size, unsigned *len)
{
	unsigned i = 0, rex = 0;
	int ml;

	/* segment overrides: cr2 is the linear address either way */
	while (i < avail && i < 4 &&
	       (p[i] == 0x2e || p[i] == 0x3e || p[i] == 0x26 ||
		p[i] == 0x36 || p[i] == 0x64 || p[i] == 0x65))
		i++;
	if (i < avail && (p[i] & 0xf0) == 0x40)
		rex = p[i++];
	if (i + 1 >= avail || p[i] != 0x8b)
		return false;
	i++;
	*reg = ((p[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	ml = modrm_len(p + i, avail - i);
	if (ml < 0)
		return false;
	*size = (rex & 8) ? 8 : 4;
	*len = i + ml;
	return true;
}

/* What the slots map: the M2P in 2 MiB pages, zeroes after its end. */
static uint64_t mapped_bytes(void)
{
	return (boot->m2p_pages * PAGE_SIZE + (2 << 20) - 1) &
	       ~((2ULL << 20) - 1);
}

bool m2p_read_fault(struct emu_cpu *cpu, struct regs *regs, uint64_t cr2)
{
	uint64_t off = cr2 - MACH2PHYS_VIRT_START, val = 0;
	uint8_t code[MAX_INSN];
	unsigned reg, size, len;

	if (!xen_slot_refused || off >= mapped_bytes() ||
	    (regs->error & 0x12)) /* a write or a fetch: a real fault */
		return false;
	if (copy_from_guest(code, regs->rip, sizeof(code)) &&
	    copy_from_guest(code, regs->rip, 8))
		return false;
	if (!decode_load(code, sizeof(code), &reg, &size, &len) ||
	    off + size > mapped_bytes())
		return false;
	memcpy(&val, (const uint8_t *)(EMU_VA + EMU_OFF_M2P) + off, size);
	*gpr(regs, reg) = val; /* a 32-bit load zero-extends */
	regs->rip += len;
	count_inc(cpu, m2p_reads_emulated);
	return true;
}
