// SPDX-License-Identifier: MIT
/*
 * The page-table hypercalls: build an L3/L2/L1 for a new virtual range
 * from free frames with mmu_update, pin it, hook it into the L4, use it,
 * remap with update_va_mapping (also batched in a multicall), unmap and
 * take the #PF; Xen's L4 slots, frames beyond RAM, the done count,
 * clear/copy page, the M2P update and the user base pointer.
 */
#include <xen/memory.h>

#include "lib.h"

#define VIRT_BASE 0xffffffff80000000UL
#define XEN_START 0xffff800000000000UL
#define VA	  0xffffc00000000000UL /* L4 slot 384, unused */
#define L4_SLOT	  384
#define PT_FLAGS  0x27 /* P RW US A */
#define PTE_FLAGS 0x67 /* P RW US A D */
#define PTE_PAT	  0x80

extern char trap_14[];
static struct trapframe last;
static unsigned faults;

void trap_handler(struct trapframe *tf)
{
	last = *tf;
	faults++;
	tf->rip += 3; /* mov (%rax), %rdx */
}

static uint64_t peek(uint64_t va)
{
	uint64_t v = 0xbad;

	asm volatile("mov (%%rax), %%rdx" : "+d"(v) : "a"(va) : "memory");
	return v;
}

static long mmu_update(uint64_t ptr, uint64_t val, uint32_t *done)
{
	struct mmu_update u = {.ptr = ptr, .val = val};

	return hypercall(__HYPERVISOR_mmu_update, (uint64_t)&u, 1,
			 (uint64_t)done, DOMID_SELF, 0);
}

static long mmuext(unsigned cmd, uint64_t arg1, uint64_t arg2)
{
	struct mmuext_op op = {.cmd = cmd};

	op.arg1.mfn = arg1;
	op.arg2.src_mfn = arg2;
	return hypercall(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0,
			 DOMID_SELF, 0);
}

static long uvm(uint64_t va, uint64_t pte)
{
	return hypercall(__HYPERVISOR_update_va_mapping, va, pte, UVMF_INVLPG,
			 0, 0);
}

static uint64_t pte_ptr(uint64_t table, unsigned idx)
{
	return table << 12 | idx * 8;
}

void test_main(void)
{
	struct trap_info traps[] = {
		{14, 0, FLAT_KERNEL_CS, (unsigned long)trap_14},
		{0, 0, 0, 0},
	};
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t n = start_info->nr_pages;
	uint64_t l4 = p2m[(start_info->pt_base - VIRT_BASE) >> 12];
	/* free frames at the top of RAM, beyond the boot image */
	uint64_t l3 = p2m[n - 8], l2 = p2m[n - 7], l1 = p2m[n - 6];
	uint64_t d = p2m[n - 5], e = p2m[n - 4];
	struct mmuext_op clear[5];
	struct mmu_update u[3];
	struct multicall_entry mc[3];
	struct xen_machphys_mapping m2p;
	uint64_t frames[5] = {l3, l2, l1, d, e};
	uint32_t done = 99;

	CHECK_EQ(hypercall(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0,
			   0, 0),
		 0);

	/* clear the new tables and pages in one batch */
	for (unsigned i = 0; i < 5; i++) {
		clear[i].cmd = MMUEXT_CLEAR_PAGE;
		clear[i].arg1.mfn = frames[i];
	}
	CHECK_EQ(hypercall(__HYPERVISOR_mmuext_op, (uint64_t)clear, 5,
			   (uint64_t)&done, DOMID_SELF, 0),
		 0);
	CHECK_EQ(done, 5);

	/* L3 -> L2 -> L1, pinned bottom-up, then hooked into the L4 */
	CHECK_EQ(mmu_update(pte_ptr(l3, 0), l2 << 12 | PT_FLAGS, NULL), 0);
	CHECK_EQ(mmu_update(pte_ptr(l2, 0), l1 << 12 | PT_FLAGS, NULL), 0);
	CHECK_EQ(mmuext(MMUEXT_PIN_L1_TABLE, l1, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_PIN_L2_TABLE, l2, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_PIN_L3_TABLE, l3, 0), 0);
	CHECK_EQ(mmu_update(pte_ptr(l1, 0), d << 12 | PTE_FLAGS, NULL), 0);
	CHECK_EQ(mmu_update(pte_ptr(l4, L4_SLOT), l3 << 12 | PT_FLAGS, NULL),
		 0);
	CHECK_EQ(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);

	/* memory there works; copy_page copies it */
	CHECK_EQ(peek(VA), 0); /* cleared */
	*(volatile uint64_t *)VA = 0x1111;
	CHECK_EQ(mmuext(MMUEXT_COPY_PAGE, e, d), 0);
	CHECK_EQ(uvm(VA + 4096, e << 12 | PTE_FLAGS), 0);
	CHECK_EQ(peek(VA + 4096), 0x1111);
	*(volatile uint64_t *)(VA + 4096) = 0x2222;

	/* swap the two pages in one multicall, as Linux batches them */
	memset(mc, 0, sizeof(mc));
	mc[0].op = mc[1].op = __HYPERVISOR_update_va_mapping;
	mc[0].args[0] = VA;
	mc[0].args[1] = e << 12 | PTE_FLAGS;
	mc[1].args[0] = VA + 4096;
	mc[1].args[1] = d << 12 | PTE_FLAGS;
	mc[2].op = __HYPERVISOR_mmuext_op;
	mc[2].args[0] = (uint64_t)&clear[0];
	mc[2].args[1] = 1;
	mc[2].args[3] = DOMID_SELF;
	clear[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	mc[0].result = mc[1].result = mc[2].result = 77;
	CHECK_EQ(hypercall(__HYPERVISOR_multicall, (uint64_t)mc, 3, 0, 0, 0),
		 0);
	CHECK_EQ(mc[0].result, 0);
	CHECK_EQ(mc[1].result, 0);
	CHECK_EQ(mc[2].result, 0);
	CHECK_EQ(peek(VA), 0x2222);
	CHECK_EQ(peek(VA + 4096), 0x1111);

	/* unmapped: the access faults, with cr2 and a not-present code */
	faults = 0;
	CHECK_EQ(uvm(VA, 0), 0);
	CHECK_EQ(peek(VA), 0xbad);
	CHECK_EQ(faults, 1);
	CHECK_EQ(last.vector, 14);
	CHECK_EQ(last.error & 1, 0);
	CHECK_EQ(shared_info_vcpu0()->arch.cr2, VA);

	/* Xen's L4 slots are not the guest's; nor are frames beyond RAM */
	CHECK_EQ(mmu_update(pte_ptr(l4, 256), l3 << 12 | PT_FLAGS, NULL), -22);
	CHECK_EQ(mmu_update(pte_ptr(l4, 271), 0, NULL), -22);
	CHECK_EQ(mmu_update(pte_ptr(l1, 2), (n + 1000) << 12 | PTE_FLAGS, NULL),
		 -22);
	CHECK_EQ(uvm(VA, (n + 1000) << 12 | PTE_FLAGS), -22);
	CHECK_EQ(mmu_update(pte_ptr(n + 5, 0), 0, NULL), -22);
	CHECK_EQ(mmu_update(pte_ptr(l1, 0) + 4, 0, NULL), -22); /* unaligned */
	CHECK_EQ(uvm(XEN_START, 0), -22);
	/* a PAT bit in an L1 entry is not a superpage (last frame of RAM) */
	CHECK_EQ(mmu_update(pte_ptr(l1, 3),
			    p2m[n - 1] << 12 | PTE_PAT | PTE_FLAGS, NULL),
		 0);
	CHECK_EQ(mmu_update(pte_ptr(l1, 3), 0, NULL), 0);
	/* the done count stops at the failing request */
	u[0] = (struct mmu_update){pte_ptr(l1, 4), d << 12 | PTE_FLAGS};
	u[1] = (struct mmu_update){pte_ptr(l4, 260), 0};
	u[2] = (struct mmu_update){pte_ptr(l1, 5), d << 12 | PTE_FLAGS};
	done = 99;
	CHECK_EQ(hypercall(__HYPERVISOR_mmu_update, (uint64_t)u, 3,
			   (uint64_t)&done, DOMID_SELF, 0),
		 -22);
	CHECK_EQ(done, 1);
	CHECK_EQ(peek(VA + 4 * 4096), 0x1111);
	CHECK_EQ(mmu_update(pte_ptr(l1, 4), 0, NULL), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_mmu_update, (uint64_t)u, 1, 0, 0, 0),
		 -1); /* foreign domain */

	/* the M2P follows MMU_MACHPHYS_UPDATE */
	CHECK_EQ(hypercall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping,
			   (uint64_t)&m2p, 0, 0, 0),
		 0);
	CHECK_EQ(mmu_update(e << 12 | MMU_MACHPHYS_UPDATE, 12345, NULL), 0);
	CHECK_EQ(((volatile uint64_t *)m2p.v_start)[e], 12345);
	CHECK_EQ(mmu_update(e << 12 | MMU_MACHPHYS_UPDATE, n - 4, NULL), 0);
	CHECK_EQ(((volatile uint64_t *)m2p.v_start)[e], n - 4);

	/* the user page tables */
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, l4, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, n + 1000, 0), -22);

	/* odds and ends */
	CHECK_EQ(mmuext(MMUEXT_INVLPG_LOCAL, XEN_START, 0), -22);
	CHECK_EQ(mmuext(MMUEXT_CLEAR_PAGE, n + 1000, 0), -22);
	CHECK_EQ(mmuext(99, 0, 0), -38);

	/* take it all down again */
	CHECK_EQ(mmu_update(pte_ptr(l4, L4_SLOT), 0, NULL), 0);
	CHECK_EQ(mmuext(MMUEXT_UNPIN_TABLE, l3, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_UNPIN_TABLE, l2, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_UNPIN_TABLE, l1, 0), 0);
	CHECK_EQ(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	faults = 0;
	CHECK_EQ(peek(VA + 4096), 0xbad);
	CHECK_EQ(faults, 1);
}
