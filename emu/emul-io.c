// SPDX-License-Identifier: MIT
/*
 * Port I/O of a PV guest, as Xen does for a domain that was granted no
 * I/O ports: allowed when the vCPU's virtual IOPL covers the caller
 * (PHYSDEVOP_set_iopl; a PV kernel counts as ring 1 unless it asked for
 * VMASST_TYPE_architectural_iopl), otherwise a #GP.  Allowed accesses
 * reach no hardware: reads return all ones, writes are dropped, except
 * the PCI address latch (0xcf8, dword) and the CMOS index (0x70), which
 * read back what was written, and PIT channel 2 (pit.c).  Linux sets
 * IOPL 1 at start of day and probes PCI config space and the like through
 * here.
 */
#include <xen/xen.h>

#include "emu.h"
#include "hypercall.h"
#include "pit.h"

#define PCI_CONF_ADDR 0xcf8
#define CMOS_INDEX    0x70

static uint32_t pci_cf8; /* domain-wide, as in Xen */
static uint8_t cmos_idx;

static bool io_allowed(struct emu_cpu *cpu)
{
	unsigned cpl = 3;

	if (cpu->kernel_mode)
		cpl = (vm_assist_bits &
		       (1ULL << VMASST_TYPE_architectural_iopl))
			      ? 0
			      : 1;
	return cpl <= cpu->iopl;
}

static uint32_t io_read(struct emu_cpu *cpu, unsigned port, unsigned bytes)
{
	uint32_t data = 0;

	if (port == PCI_CONF_ADDR && bytes == 4)
		return __atomic_load_n(&pci_cf8, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < bytes; i++) {
		uint8_t b = 0xff;

		if (port + i == CMOS_INDEX)
			b = cmos_idx;
		else if (pit_port(port + i))
			b = pit_read(cpu, port + i);

		data |= (uint32_t)b << (8 * i);
	}
	return data;
}

static void io_write(struct emu_cpu *cpu, unsigned port, unsigned bytes,
		     uint32_t data)
{
	if (port == PCI_CONF_ADDR && bytes == 4) {
		__atomic_store_n(&pci_cf8, data, __ATOMIC_RELAXED);
		return;
	}
	for (unsigned i = 0; i < bytes; i++) {
		if (port + i == CMOS_INDEX)
			cmos_idx = data >> (8 * i);
		else if (pit_port(port + i))
			pit_write(cpu, port + i, data >> (8 * i));
	}
}

/*
 * in/out with an immediate port or %dx, with an optional operand-size
 * prefix.  Returns false for anything else (string I/O included: Xen
 * allows it, but no PV guest of ours needs it).
 */
bool emulate_port_io(struct emu_cpu *cpu, struct regs *regs)
{
	uint8_t insn[3];
	unsigned len = 1, bytes = 4, port, op;
	uint32_t val;

	if (copy_from_guest(insn, regs->rip, sizeof(insn)))
		return false;
	op = insn[0];
	if (op == 0x66) {
		bytes = 2;
		op = insn[1];
		len = 2;
	}
	switch (op) {
	case 0xe4:
	case 0xe5:
	case 0xe6:
	case 0xe7:
		port = insn[len];
		len++;
		break;
	case 0xec:
	case 0xed:
	case 0xee:
	case 0xef:
		port = (uint16_t)regs->rdx;
		break;
	default:
		return false;
	}
	if (!(op & 1))
		bytes = 1;
	if (!io_allowed(cpu))
		return false; /* the caller gives the guest its #GP */
	if (op & 2) {
		io_write(cpu, port, bytes, regs->rax);
	} else {
		val = io_read(cpu, port, bytes);
		if (bytes == 4)
			regs->rax = val; /* zero-extends, as the CPU */
		else if (bytes == 2)
			regs->rax = (regs->rax & ~0xffffULL) | (uint16_t)val;
		else
			regs->rax = (regs->rax & ~0xffULL) | (uint8_t)val;
	}
	regs->rip += len;
	return true;
}
