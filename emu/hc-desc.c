// SPDX-License-Identifier: MIT
/*
 * set_gdt, update_descriptor: the guest's GDT.  Each vCPU's GDT area has
 * 16 pages: 0-13 show the guest's frames (read-only; the zero page where
 * it has none), 14 holds Xen's reserved selectors (0xe000 on), 15 the TSS.
 * Descriptors are checked as Xen does for a 64-bit PV guest: code and data
 * run at DPL 3, no system descriptors, accessed bit preset because the
 * CPU cannot set it in a read-only GDT.
 */
#include "hypercall.h"
#include "mm.h"
#include "smp.h"

#define GDT_GUEST_PAGES (EMU_GDT_FIRST_RESERVED / 4096) /* 14 */
#define GDT_GUEST_ENTRIES (EMU_GDT_FIRST_RESERVED / 8)	/* 7168 */

#define DESC_S	      (1ULL << 44) /* code or data */
#define DESC_P	      (1ULL << 47)
#define DESC_DPL      (3ULL << 45)
#define DESC_CODE     (1ULL << 43)
#define DESC_CONFORM  (1ULL << 42)
#define DESC_ACCESSED (1ULL << 40)
#define DESC_WRITABLE (1ULL << 41) /* data */
#define DESC_L	      (1ULL << 53)
#define DESC_D	      (1ULL << 54)

/* Where vCPU cpu's GDT area is mapped in emu. */
static uint64_t gdt_va(const struct emu_cpu *cpu)
{
	return EMU_VA + EMU_OFF_GDT + cpu->id * EMU_GDT_PAGES * PAGE_SIZE;
}

static uint64_t *gdt_ptes(struct emu_cpu *cpu)
{
	return (uint64_t *)(EMU_VA + boot->emu_l1_off) +
	       ((gdt_va(cpu) - EMU_VA) >> 12);
}

/* Xen's rules for a 64-bit PV guest. */
static bool descriptor_ok(uint64_t v)
{
	if (!(v & DESC_P))
		return true;
	if (!(v & DESC_S))
		return false; /* no LDT, TSS or gate descriptors */
	return (v & (DESC_CODE | DESC_CONFORM)) != (DESC_CODE | DESC_CONFORM);
}

/* What the CPU needs of a present one in a read-only GDT. */
static uint64_t descriptor_fixup(uint64_t v)
{
	return v & DESC_P ? v | DESC_DPL | DESC_ACCESSED : v;
}

static bool check_descriptor(uint64_t *d)
{
	if (!descriptor_ok(*d))
		return false;
	*d = descriptor_fixup(*d);
	return true;
}

/*
 * All frames are checked before any is fixed up: a refused set_gdt must
 * leave the guest's frames as they were (the hypercall-fuzzing guest
 * gave its own text and saw it change).
 */
int gdt_check(const uint64_t *mfns, uint64_t entries)
{
	unsigned nr = (entries + 511) / 512;

	if (entries > GDT_GUEST_ENTRIES)
		return -XEN_EINVAL;
	for (unsigned i = 0; i < nr; i++) {
		const uint64_t *d;

		if (mfns[i] >= boot->nr_pages)
			return -XEN_EINVAL;
		d = maddr_to_virt(mfns[i] * PAGE_SIZE);
		for (unsigned e = 0; e < 512 && i * 512 + e < entries; e++)
			if (!descriptor_ok(
				    __atomic_load_n(&d[e], __ATOMIC_RELAXED)))
				return -XEN_EINVAL;
	}
	for (unsigned i = 0; i < nr; i++) {
		uint64_t *d = maddr_to_virt(mfns[i] * PAGE_SIZE);

		for (unsigned e = 0; e < 512 && i * 512 + e < entries; e++)
			d[e] = descriptor_fixup(d[e]);
	}
	return 0;
}

void gdt_map(struct emu_cpu *v, const uint64_t *mfns, uint64_t entries)
{
	uint64_t *ptes = gdt_ptes(v);
	unsigned nr = (entries + 511) / 512;

	for (unsigned i = 0; i < GDT_GUEST_PAGES; i++) {
		uint64_t maddr = i < nr ? mfns[i] * PAGE_SIZE
					: EMU_GPA + EMU_OFF_ZERO;

		ptes[i] = maddr | PTE_P | PTE_A;
		invlpg(gdt_va(v) + i * PAGE_SIZE); /* v's own TLB: see smp.c */
	}
}

long hc_set_gdt(struct emu_cpu *cpu, uint64_t frames, uint64_t entries,
		uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t mfns[GDT_GUEST_PAGES];
	unsigned nr = (entries + 511) / 512;
	int rc;

	(void)a3, (void)a4, (void)a5;
	if (entries > GDT_GUEST_ENTRIES)
		return -XEN_EINVAL;
	if (nr && copy_from_guest(mfns, frames, nr * sizeof(mfns[0])))
		return -XEN_EFAULT;
	rc = gdt_check(mfns, entries);
	if (rc)
		return rc;
	gdt_map(cpu, mfns, entries);
	return 0;
}

long hc_update_descriptor(struct emu_cpu *cpu, uint64_t maddr, uint64_t desc,
			  uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)a3, (void)a4, (void)a5;
	if (maddr & 7 || maddr / PAGE_SIZE >= boot->nr_pages)
		return -XEN_EINVAL;
	if (!check_descriptor(&desc))
		return -XEN_EINVAL;
	*(uint64_t *)maddr_to_virt(maddr) = desc;
	return 0;
}

bool gdt_sel_usable(struct emu_cpu *cpu, uint16_t sel, bool code)
{
	const uint64_t *gdt = (const uint64_t *)gdt_va(cpu);
	const uint64_t need = DESC_P | DESC_S | DESC_DPL;
	uint64_t d;

	/* null, or the LDT, which emu does not give (MMUEXT_SET_LDT) */
	if (sel < 4 || (sel & 4))
		return false;
	/* the GDT's limit covers all EMU_GDT_PAGES: any index reads */
	d = __atomic_load_n(&gdt[sel >> 3], __ATOMIC_RELAXED);
	if ((d & need) != need)
		return false;
	if (code)
		return (d & DESC_CODE) && !(d & DESC_CONFORM) &&
		       (d & (DESC_L | DESC_D)) != (DESC_L | DESC_D);
	return !(d & DESC_CODE) && (d & DESC_WRITABLE);
}
