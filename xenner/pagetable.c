// SPDX-License-Identifier: MIT
/*
 * Validating a guest page-table tree when the guest pins it or loads it
 * (EMU_REQ_PIN), as Xen validates on pin: every present entry must point
 * into the domain, and is made user-accessible (pv_adjust_pte) because the
 * PV kernel runs in ring 3.  Done here rather than in emu because a tree
 * has hundreds of thousands of entries and emu's instructions may be
 * emulated one by one.  Frame types go to emu's frame_info (1-4 = L1-L4).
 */
#include <errno.h>

#include "xenner.h"
#include "xenner/log.h"

#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_PS	 0x080ULL

static int walk(struct xenner *x, uint64_t mfn, unsigned level)
{
	uint64_t *t = (uint64_t *)(x->ram + mfn * 4096);
	uint8_t *type = x->emu + x->frame_info_off;
	int rc;

	type[mfn] = level;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i], child;

		if (level == 4 && i >= 256 && i < 272)
			continue; /* Xen's slots: emu fills them */
		if (!(e & PV_PTE_PRESENT))
			continue;
		child = (e & PTE_ADDR) >> 12;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t pages = level == 1 ? 1 : level == 2 ? 512
								    : 512 * 512;

			if (child >= x->total_pages ||
			    pages > x->total_pages - child)
				return -EINVAL;
		} else {
			if (child >= x->nr_pages)
				return -EINVAL;
			rc = walk(x, child, level - 1);
			if (rc)
				return rc;
		}
		if (pv_adjust_pte_level(e, level) != e)
			t[i] = pv_adjust_pte_level(e, level);
	}
	return 0;
}

int pagetable_validate(struct xenner *x, uint64_t mfn, unsigned level)
{
	int rc;

	if (level < 1 || level > 4 || mfn >= x->nr_pages)
		return -EINVAL;
	rc = walk(x, mfn, level);
	if (rc)
		log_debug("domain %u: page table %#llx (L%u) refers outside "
			  "the domain",
			  x->domid, (unsigned long long)mfn, level);
	return rc;
}
