// SPDX-License-Identifier: MIT
/*
 * Guest page tables.  The guest owns them (they live in its RAM); emu
 * checks every entry it writes on the guest's behalf: frames must be the
 * domain's, and Xen's slots of an L4 belong to emu.
 *
 * Known relaxation against Xen: emu does not track page-table types
 * through the whole hierarchy, so a guest that maps its own page tables
 * writable can edit them directly.  That can only confuse this domain's
 * own hypervisor inside its VM; the host boundary is KVM's.
 */
#include "hypercall.h"
#include "mm.h"

void install_emu_slots(uint64_t l4_mfn)
{
	uint64_t *l4 = maddr_to_virt(l4_mfn * PAGE_SIZE);

	/* only when needed: with shadow paging, every write to a live L4
	 * costs a fault in KVM and may unshadow the whole tree */
	if (l4[EMU_L4_SLOT_M2P_XEN] != boot->emu_l4e[0])
		l4[EMU_L4_SLOT_M2P_XEN] = boot->emu_l4e[0];
	if (l4[EMU_L4_SLOT_M2P] != boot->emu_l4e[0])
		l4[EMU_L4_SLOT_M2P] = boot->emu_l4e[0];
	if (l4[EMU_L4_SLOT_EMU] != boot->emu_l4e[1])
		l4[EMU_L4_SLOT_EMU] = boot->emu_l4e[1];
	if (l4[EMU_L4_SLOT_PHYSMAP] != boot->emu_l4e[2])
		l4[EMU_L4_SLOT_PHYSMAP] = boot->emu_l4e[2];
	*frame_type(l4_mfn) = FRAME_L4;
}

uint64_t *walk_l1(uint64_t cr3, uint64_t va)
{
	uint64_t *t = maddr_to_virt(cr3 & PTE_ADDR);

	for (unsigned shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_P) || (e & PTE_PS) ||
		    !mfn_valid((e & PTE_ADDR) >> 12))
			return NULL;
		t = maddr_to_virt(e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

void flush_tlb_local(void)
{
	write_cr3(read_cr3());
}

void invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
