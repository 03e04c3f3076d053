// SPDX-License-Identifier: MIT
/*
 * Everything emu needs before its first instruction, built here on the host
 * where it costs nothing (in ring 0 every instruction may be emulated):
 * per-vCPU GDT and TSS, the IDT, the stacks with their emu_cpu pointers,
 * emu's page tables for its three PML4 slots, and the (identity) M2P.
 */
#include <errno.h>
#include <string.h>

#include "xenner.h"
#include "xenner/log.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_US	0x004ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL
#define PTE_PS	0x080ULL
#define PTE_G	0x100ULL
#define PTE_NX	(1ULL << 63)
#define SZ_2M	(2ULL << 20)

/* emu's view of a vCPU's private page (emu/emu.h, first fields). */
struct emu_cpu_head {
	uint64_t syscall_rsp;
	uint64_t stack_top;
	uint32_t id;
	uint8_t kernel_mode;
	uint64_t page;
};

uint64_t emu_gdt_va(unsigned cpu)
{
	return EMU_VA + EMU_OFF_GDT + cpu * EMU_GDT_PAGES * 4096ULL;
}

uint64_t emu_tss_va(unsigned cpu)
{
	return emu_gdt_va(cpu) + (EMU_GDT_PAGES - 1) * 4096ULL;
}

uint64_t emu_cpu_va(unsigned cpu)
{
	return EMU_VA + EMU_OFF_VCPU + cpu * EMU_VCPU_AREA;
}

/* 16 bytes below the top: the emu_cpu pointer sits in the last 8. */
uint64_t emu_stack_top(unsigned cpu, bool ist)
{
	return EMU_VA + EMU_OFF_STACKS + (2 * cpu + 1 + ist) * EMU_STACK_SIZE -
	       16;
}

/*
 * A third, small stack per vCPU for double faults, after all the others:
 * a #DF on a broken stack then still reaches emu, which reports it with
 * the registers, instead of becoming a triple fault (after which KVM on
 * VMX/SVM resets the vCPU and nothing shows where it died).
 */
_Static_assert(EMU_OFF_STACKS + 3 * EMU_MAX_VCPUS * EMU_STACK_SIZE <=
		       EMU_OFF_PT,
	       "emu's stacks");

static uint64_t emu_df_stack_top(unsigned cpu)
{
	return EMU_VA + EMU_OFF_STACKS +
	       (2 * EMU_MAX_VCPUS + cpu + 1) * EMU_STACK_SIZE - 16;
}

static void *va(struct xenner *x, uint64_t emu_va)
{
	return x->emu + (emu_va - EMU_VA);
}

static uint64_t gdt_desc(uint32_t flags_hi)
{
	/* base 0, limit 0xfffff, G; flags_hi holds the access byte etc. */
	return 0x000000000000ffffULL | (uint64_t)flags_hi << 32;
}

static void build_cpu(struct xenner *x, unsigned cpu)
{
	uint64_t *gdt = va(x, emu_gdt_va(cpu) + EMU_GDT_FIRST_RESERVED);
	uint8_t *tss = va(x, emu_tss_va(cpu));
	uint64_t tss_va = emu_tss_va(cpu);
	struct emu_cpu_head *c = va(x, emu_cpu_va(cpu));
	uint64_t rsp0 = emu_stack_top(cpu, false);
	uint64_t ist1 = emu_stack_top(cpu, true);
	uint64_t ist2 = emu_df_stack_top(cpu);
	uint16_t iomap = 0x68; /* no I/O permission map */

	gdt[(EMU_CS - EMU_GDT_FIRST_RESERVED) / 8] = gdt_desc(0x00af9b00);
	gdt[(EMU_DS - EMU_GDT_FIRST_RESERVED) / 8] = gdt_desc(0x00cf9300);
	gdt[(FLAT_RING3_CS32_SEL & ~7) / 8 - EMU_GDT_FIRST_RESERVED / 8] =
		gdt_desc(0x00cffb00);
	gdt[(FLAT_RING3_DS_SEL & ~7) / 8 - EMU_GDT_FIRST_RESERVED / 8] =
		gdt_desc(0x00cff300);
	gdt[(FLAT_RING3_CS64_SEL & ~7) / 8 - EMU_GDT_FIRST_RESERVED / 8] =
		gdt_desc(0x00affb00);
	/* 64-bit TSS descriptor: busy, as KVM_SET_SREGS loads it. */
	gdt[(EMU_TSS_SEL - EMU_GDT_FIRST_RESERVED) / 8] =
		0x67 | (tss_va & 0xffffff) << 16 | 0x8bULL << 40 |
		((tss_va >> 24) & 0xff) << 56;
	gdt[(EMU_TSS_SEL - EMU_GDT_FIRST_RESERVED) / 8 + 1] = tss_va >> 32;

	/* The 64-bit TSS has its 8-byte fields at 4-byte offsets. */
	memset(tss, 0, 0x68);
	memcpy(tss + 4, &rsp0, 8);
	memcpy(tss + 0x24, &ist1, 8);
	memcpy(tss + 0x2c, &ist2, 8);
	memcpy(tss + 0x66, &iomap, 2);

	*(uint64_t *)va(x, emu_stack_top(cpu, false) + 8) = emu_cpu_va(cpu);
	*(uint64_t *)va(x, emu_stack_top(cpu, true) + 8) = emu_cpu_va(cpu);
	*(uint64_t *)va(x, emu_df_stack_top(cpu) + 8) = emu_cpu_va(cpu);

	memset(c, 0, sizeof(*c));
	c->stack_top = emu_stack_top(cpu, false);
	c->id = cpu;
	c->page = emu_cpu_va(cpu) + EMU_VCPU_PAGE_OFF;
	x->vcpus[cpu].page = va(x, c->page);
}

static void build_idt(struct xenner *x)
{
	uint8_t *idt = x->emu + EMU_OFF_IDT;

	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = x->emu_hdr.trap_stubs + v * EMU_TRAP_STUB_SIZE;
		uint8_t *e = idt + 16 * v;
		/* int3 and into may be used from ring 3; the rest may not */
		uint8_t type = (v == 3 || v == 4) ? 0xee : 0x8e;

		memset(e, 0, 16);
		*(uint16_t *)(e + 0) = a;
		*(uint16_t *)(e + 2) = EMU_CS;
		/* external interrupts on IST1, double faults on IST2 */
		e[4] = v >= 32 ? 1 : v == 8 ? 2 : 0;
		e[5] = type;
		*(uint16_t *)(e + 6) = a >> 16;
		*(uint32_t *)(e + 8) = a >> 32;
	}
}

/* A bump allocator of page-table pages inside EMU_OFF_PT. */
struct pt_alloc {
	struct xenner *x;
	uint64_t next;
};

static uint64_t *pt_new(struct pt_alloc *pa, uint64_t *gpa)
{
	uint64_t off = pa->next;

	if (off + 4096 > EMU_OFF_M2P)
		return NULL;
	pa->next += 4096;
	memset(pa->x->emu + off, 0, 4096);
	*gpa = EMU_GPA + off;
	return (uint64_t *)(pa->x->emu + off);
}

/*
 * Maps [0, size) of a slot with 2 MiB pages to gpa..; returns the L4
 * entry (pointing to a new L3), or 0 if out of page-table space.
 */
static uint64_t map_slot(struct pt_alloc *pa, uint64_t gpa, uint64_t size,
			 uint64_t flags)
{
	uint64_t l3_gpa, l2_gpa, *l3, *l2 = NULL;

	l3 = pt_new(pa, &l3_gpa);
	if (!l3)
		return 0;
	for (uint64_t off = 0; off < size; off += SZ_2M) {
		unsigned i3 = off >> 30, i2 = (off >> 21) & 511;

		if (!l3[i3]) {
			l2 = pt_new(pa, &l2_gpa);
			if (!l2)
				return 0;
			l3[i3] = l2_gpa | PTE_P | PTE_RW | PTE_US | PTE_A;
		}
		l2[i2] = (gpa + off) | flags | PTE_P | PTE_PS | PTE_A | PTE_D;
	}
	return l3_gpa | PTE_P | PTE_A | (flags & (PTE_RW | PTE_US));
}

/*
 * The first EMU_SPLIT_END of emu's memory in 4K pages: the syscall stubs'
 * page alone is user-executable (see emu/entry64.S), and emu remaps the
 * pages of each vCPU's GDT to the guest's GDT frames (emu/hc-desc.c).
 */
static int split_low(struct xenner *x, struct pt_alloc *pa)
{
	uint64_t *l3 = (uint64_t *)GPA_TO_EMU(x, x->boot->emu_l4e[1] &
					      0x000ffffffffff000ULL);
	uint64_t *l2 = (uint64_t *)GPA_TO_EMU(x, l3[0] & 0x000ffffffffff000ULL);
	uint64_t user = (x->emu_hdr.syscall_stubs - EMU_VA) >> 12;
	unsigned tables = EMU_SPLIT_END / SZ_2M;

	x->boot->emu_l1_off = pa->next;
	for (unsigned t = 0; t < tables; t++) {
		uint64_t l1_gpa, *l1 = pt_new(pa, &l1_gpa);

		if (!l1)
			return -ENOMEM;
		for (unsigned i = 0; i < 512; i++) {
			uint64_t page = t * 512 + i;

			l1[i] = (EMU_GPA + page * 4096) | PTE_P | PTE_A | PTE_D;
			l1[i] |= page == user ? PTE_US : PTE_RW | PTE_G;
		}
		l2[t] = l1_gpa | PTE_P | PTE_RW | PTE_US | PTE_A;
	}
	/* Until the guest loads a GDT, its part is the zero page. */
	for (unsigned cpu = 0; cpu < x->cfg.nr_vcpus; cpu++) {
		uint64_t *pte = (uint64_t *)(x->emu + x->boot->emu_l1_off) +
				((emu_gdt_va(cpu) - EMU_VA) >> 12);

		for (unsigned i = 0; i < EMU_GDT_FIRST_RESERVED / 4096; i++)
			pte[i] = (EMU_GPA + EMU_OFF_ZERO) | PTE_P | PTE_A;
	}
	x->boot->emu_l4e[1] |= PTE_US;
	return 0;
}

int emu_tables_build(struct xenner *x)
{
	struct pt_alloc pa = { x, EMU_OFF_PT };
	uint64_t *m2p = (uint64_t *)(x->emu + EMU_OFF_M2P);
	uint64_t ram = (x->total_pages * 4096 + SZ_2M - 1) & ~(SZ_2M - 1);
	uint64_t *idle_l4;

	for (unsigned cpu = 0; cpu < x->cfg.nr_vcpus; cpu++)
		build_cpu(x, cpu);
	build_idt(x);
	/* pfn == mfn: the M2P is the identity */
	for (uint64_t mfn = 0; mfn < x->total_pages; mfn++)
		m2p[mfn] = mfn;

	x->boot->emu_l4e[0] = map_slot(&pa, EMU_GPA + EMU_OFF_M2P,
				       x->boot->m2p_pages * 4096,
				       PTE_US | PTE_NX);
	x->boot->emu_l4e[1] = map_slot(&pa, EMU_GPA, x->emu_size,
				       PTE_RW | PTE_G);
	if (x->boot->emu_l4e[1] && split_low(x, &pa))
		x->boot->emu_l4e[1] = 0;
	x->boot->emu_l4e[2] = map_slot(&pa, 0, ram, PTE_RW | PTE_NX);
	idle_l4 = pt_new(&pa, &x->boot->idle_cr3);
	if (!x->boot->emu_l4e[0] || !x->boot->emu_l4e[1] ||
	    !x->boot->emu_l4e[2] || !idle_l4) {
		log_err("emu page tables do not fit (%llu pages of RAM)",
			(unsigned long long)x->total_pages);
		return -ENOMEM;
	}
	idle_l4[EMU_L4_SLOT_M2P_XEN] = x->boot->emu_l4e[0];
	idle_l4[EMU_L4_SLOT_M2P] = x->boot->emu_l4e[0];
	idle_l4[EMU_L4_SLOT_EMU] = x->boot->emu_l4e[1];
	idle_l4[EMU_L4_SLOT_PHYSMAP] = x->boot->emu_l4e[2];
	return 0;
}
