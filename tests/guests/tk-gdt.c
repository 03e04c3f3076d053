// SPDX-License-Identifier: MIT
/*
 * Descriptor tables: set_gdt with the guest's own GDT frame, loading a
 * data selector from it, update_descriptor, Xen's descriptor checks (DPL
 * forced to 3, system descriptors and conforming code refused), the
 * reserved FLAT selectors staying usable.
 */
#include "lib.h"

static uint64_t gdt[512] __attribute__((aligned(4096)));

#define DATA_DPL0 0x00cf93000000ffffULL /* flat data, DPL 0 */
#define TSS_DESC  0x00008b000000ffffULL /* a system descriptor */
#define CONFORM	  0x00cf9f000000ffffULL /* conforming code */

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
