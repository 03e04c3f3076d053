/* SPDX-License-Identifier: MIT */
/* Guest page tables as emu sees them: frame types, walks, PTE checks. */
#ifndef EMU_MM_H
#define EMU_MM_H

#include "emu.h"

#define PTE_P	  0x001ULL
#define PTE_RW	  0x002ULL
#define PTE_US	  0x004ULL
#define PTE_A	  0x020ULL
#define PTE_D	  0x040ULL
#define PTE_PS	  0x080ULL
#define PTE_ADDR  0x000ffffffffff000ULL

/* What emu knows a frame is used for (one byte per frame). */
enum frame_type {
	FRAME_NONE = 0,
	FRAME_L1,
	FRAME_L2,
	FRAME_L3,
	FRAME_L4, /* pinned or loaded as a base pointer */
	FRAME_BALLOONED, /* given back (hc-memory.c): not the domain's now */
};

static inline uint8_t *frame_type(uint64_t mfn)
{
	return (uint8_t *)(EMU_VA + boot->frame_info_off + mfn);
}
/* The page-table level a frame's type says (FRAME_Ln == n), else def. */
static inline unsigned pt_level(unsigned type, unsigned def)
{
	return type >= FRAME_L1 && type <= FRAME_L4 ? type : def;
}

/* Gives an L4 frame emu's slots; the guest may not change them. */
void install_emu_slots(uint64_t l4_mfn);
static inline bool l4_slot_reserved(unsigned slot)
{
	return slot >= 256 && slot < 272;
}
/*
 * The level-1 entry mapping va in the page tables at cr3 (machine
 * address), or NULL if there is none (or va is mapped by a superpage).
 */
uint64_t *walk_l1(uint64_t cr3, uint64_t va);
/*
 * Is val an acceptable entry for a guest page table?  (Xen errno or 0)
 * Inline: it runs for every PTE the guest writes through emu.
 */
static inline int check_pte(uint64_t val, unsigned level)
{
	uint64_t mfn = (val & PTE_ADDR) >> 12;
	uint64_t count = 1;

	if (!(val & PTE_P))
		return 0;
	if ((val & PTE_PS) && (level == 2 || level == 3))
		count = level == 2 ? 512 : 512 * 512;
	if (mfn >= boot->total_pages || count > boot->total_pages - mfn)
		return -22; /* EINVAL */
	if (count == 1 && *frame_type(mfn) == FRAME_BALLOONED)
		return -22;
	return 0;
}
void flush_tlb_local(void);
void invlpg(uint64_t va);

#endif
