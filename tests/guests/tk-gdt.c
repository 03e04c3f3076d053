// SPDX-License-Identifier: MIT
/*
 * Descriptor tables: set_gdt with the guest's own GDT frame, loading a
 * data selector from it, update_descriptor, Xen's descriptor checks (DPL
 * forced to 3, system descriptors and conforming code refused), the
 * reserved FLAT selectors staying usable; the user %gs selector loaded
 * through set_segment_base (any selector of the GDT; a refused one gives
 * the null selector, as Xen: the call still succeeds).
 */
#include "lib.h"

static uint64_t gdt[512] __attribute__((aligned(4096)));

#define DATA_DPL0 0x00cf93000000ffffULL /* flat data, DPL 0 */
#define TSS_DESC  0x00008b000000ffffULL /* a system descriptor */
#define CONFORM	  0x00cf9f000000ffffULL /* conforming code */

static uint64_t rdmsr(uint32_t msr) /* emulated for the PV kernel */
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

#define MSR_KERNEL_GS_BASE 0xc0000102

static uint16_t load_user_gs(uint16_t sel)
{
	uint16_t now;

	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL,
			   sel, 0, 0, 0), 0);
	/* one %gs selector for both modes: kernel mode sees the user's */
	asm volatile("mov %%gs, %0" : "=r"(now));
	return now;
}

/*
 * Linux's load_gs_index: the guest's own data descriptor, one that is not
 * present, one past the GDT's end, an LDT one (no LDT): each refused one
 * leaves the null selector, and every load clears the user base.
 */
static void test_user_gs(void)
{
	uint16_t sel;

	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER,
			   0x123456000, 0, 0, 0), 0);
	CHECK_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0x123456000);
	sel = load_user_gs(0x10); /* RPL 0 is fixed up to 3 */
	CHECK(sel == 0x13 || sel == 0);
	CHECK_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0);
	CHECK_EQ(load_user_gs(6 * 8 + 3), 0);  /* not present */
	CHECK_EQ(load_user_gs(100 * 8 + 3), 0); /* past the limit */
	CHECK_EQ(load_user_gs(2 * 8 + 7), 0);  /* the LDT's */
	sel = load_user_gs(0xe02b);
	CHECK(sel == 0xe02b || sel == 0);
	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER,
			   0x5000, 0, 0, 0), 0);
	CHECK_EQ(load_user_gs(0), 0);
	CHECK_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0); /* even on AMD */
}

static uint64_t gdt_mfn(void)
{
	return ((uint64_t)gdt - 0xffffffff80000000UL) >> 12;
}

/* Page tables are Xen's business: make our GDT page read-only first. */
static void map_readonly(void *va)
{
	uint64_t mfn = ((uint64_t)va - 0xffffffff80000000UL) >> 12;

	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)va,
			   (mfn << 12) | 0x25 /* P US A */, UVMF_INVLPG, 0, 0),
		 0);
}

void test_main(void)
{
	uint64_t frames[1] = { gdt_mfn() };
	uint16_t sel;

	gdt[2] = DATA_DPL0;
	map_readonly(gdt);
	CHECK_EQ(hypercall(__HYPERVISOR_set_gdt, (uint64_t)frames, 16, 0, 0,
			   0), 0);
	/* DPL was raised to 3 (and the accessed bit preset) */
	CHECK_EQ(gdt[2], DATA_DPL0 | (3ULL << 45) | (1ULL << 40));

	/*
	 * Selector 0x13 (index 2, RPL 3) loads without a fault (the kernel
	 * has no trap table: a fault would crash it).  kvm_pvm reads data
	 * selectors of ring-3 code back as 0; real hardware gives 0x13.
	 */
	asm volatile("mov %1, %%es\n mov %%es, %0" : "=r"(sel) : "r"(0x13));
	CHECK(sel == 0x13 || sel == 0);
	if (!sel)
		printf("NOTE: this KVM host reads ring-3 selectors back as 0\n");
	asm volatile("mov %0, %%es" : : "r"(0));
	test_user_gs();

	/* update_descriptor: checks and writes into the GDT frame */
	CHECK_EQ(hypercall(__HYPERVISOR_update_descriptor,
			   gdt_mfn() << 12 | 3 * 8, DATA_DPL0, 0, 0, 0), 0);
	CHECK_EQ(gdt[3] & (3ULL << 45), 3ULL << 45);
	CHECK_EQ(hypercall(__HYPERVISOR_update_descriptor,
			   gdt_mfn() << 12 | 4 * 8, TSS_DESC, 0, 0, 0), -22);
	CHECK_EQ(hypercall(__HYPERVISOR_update_descriptor,
			   gdt_mfn() << 12 | 4 * 8, CONFORM, 0, 0, 0), -22);
	CHECK_EQ(gdt[4], 0);
	CHECK_EQ(hypercall(__HYPERVISOR_update_descriptor,
			   gdt_mfn() << 12 | 4 * 8 | 4, DATA_DPL0, 0, 0, 0),
		 -22); /* misaligned */
	CHECK_EQ(hypercall(__HYPERVISOR_update_descriptor, 1ULL << 40,
			   DATA_DPL0, 0, 0, 0), -22); /* not our frame */

	/* set_gdt: too many entries, a bad frame, a bad descriptor */
	CHECK_EQ(hypercall(__HYPERVISOR_set_gdt, (uint64_t)frames, 8000, 0, 0,
			   0), -22);
	frames[0] = 1ULL << 30;
	CHECK_EQ(hypercall(__HYPERVISOR_set_gdt, (uint64_t)frames, 16, 0, 0,
			   0), -22);
	CHECK_EQ(hypercall(__HYPERVISOR_set_gdt, 0x1000, 16, 0, 0, 0), -14);

	/* the reserved flat selectors still work after all this */
	asm volatile("mov %1, %%es\n mov %%es, %0" : "=r"(sel) : "r"(0xe02b));
	CHECK(sel == 0xe02b || sel == 0);
	CHECK_EQ(hypercall(__HYPERVISOR_set_gdt, 0, 0, 0, 0, 0), 0);
}
