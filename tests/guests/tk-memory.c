// SPDX-License-Identifier: MIT
/*
 * memory_op: the E820 map, the M2P (read from the guest through the
 * address Xen reports and at Xen's fixed address, read-only), reservations,
 * ballooning a page out and back, and the sub-ops a domU gets refused.
 */
#include <xen/memory.h>

#include "lib.h"

#define VIRT_BASE   0xffffffff80000000UL
#define XEN_START   0xffff800000000000UL
#define XEN_END	    0xffff880000000000UL
#define PTE_FLAGS   0x67 /* P RW US A D */
#define MEMOP_SHIFT 6	 /* start_extent in cmd */

extern char trap_14[];
static unsigned faults;
static uint64_t fault_rip;
static char window[4096] __attribute__((aligned(4096)));

void trap_handler(struct trapframe *tf)
{
	faults++;
	fault_rip = tf->rip;
	tf->rip += 3; /* movq %rdx, (%rax) or movq (%rax), %rdx */
}

static long memop(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (uint64_t)arg, 0, 0, 0);
}

static long reservation(unsigned cmd, xen_pfn_t *list, uint64_t n,
			unsigned order, domid_t dom)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = dom,
	};

	set_xen_guest_handle(r.extent_start, list);
	return memop(cmd, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return memop(XENMEM_current_reservation, &self);
}

static long map_window(uint64_t pfn)
{
	return hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)window,
			 pfn << 12 | PTE_FLAGS, UVMF_INVLPG, 0, 0);
}

static void test_memory_map(void)
{
	struct {
		uint64_t addr, size;
		uint32_t type;
	} __attribute__((packed)) e820[4];
	struct xen_memory_map map = {.nr_entries = 4};

	memset(e820, 0xff, sizeof(e820));
	set_xen_guest_handle(map.buffer, e820);
	CHECK_EQ(memop(XENMEM_memory_map, &map), 0);
	CHECK_EQ(map.nr_entries, 1);
	CHECK_EQ(e820[0].addr, 0);
	CHECK_EQ(e820[0].size, start_info->nr_pages * 4096);
	CHECK_EQ(e820[0].type, 1);
	CHECK_EQ(e820[1].type, 0xffffffff); /* untouched */
	map.nr_entries = 0;
	CHECK_EQ(memop(XENMEM_memory_map, &map), 0);
	CHECK_EQ(map.nr_entries, 0);
	map.nr_entries = 1;
	set_xen_guest_handle(map.buffer, (void *)0x10);
	CHECK_EQ(memop(XENMEM_memory_map, &map), -14);
	CHECK_EQ(memop(XENMEM_memory_map, (void *)XEN_START), -14);
}

static void test_m2p(void)
{
	struct xen_machphys_mapping m;
	struct xen_machphys_mfn_list l = {.max_extents = 4};
	xen_pfn_t chunks[4] = {0};
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t n = start_info->nr_pages;
	uint64_t pfns[] = {0, 1, n / 2, n - 1, start_info->store_mfn};
	volatile uint64_t *m2p;

	CHECK_EQ(memop(XENMEM_machphys_mapping, &m), 0);
	CHECK(m.v_start >= XEN_START && m.v_end <= XEN_END);
	CHECK(m.v_end > m.v_start);
	CHECK(m.max_mfn + 1 >= n);
	CHECK((m.v_end - m.v_start) / 8 >= m.max_mfn + 1);
	m2p = (volatile uint64_t *)m.v_start;
	for (unsigned i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		uint64_t mfn = p2m[pfns[i]];

		CHECK(mfn <= m.max_mfn);
		CHECK_EQ(m2p[mfn], pfns[i]);
	}
	/* the M2P is read-only to the guest: the write faults */
	faults = 0;
	asm volatile("movq %%rdx, (%%rax)"
		     :
		     : "a"(&m2p[p2m[1]]), "d"(0x1234UL)
		     : "memory");
	CHECK_EQ(faults, 1);
	CHECK_EQ(m2p[p2m[1]], 1);
	CHECK_EQ(shared_info_vcpu0()->arch.cr2, (uint64_t)&m2p[p2m[1]]);

	set_xen_guest_handle(l.extent_start, chunks);
	CHECK_EQ(memop(XENMEM_machphys_mfn_list, &l), 0);
	CHECK(l.nr_extents >= 1 && l.nr_extents <= 4);
	CHECK(chunks[0] != 0);
	if (l.nr_extents > 1)
		CHECK_EQ(chunks[1], chunks[0] + 512);
	l.max_extents = 0;
	CHECK_EQ(memop(XENMEM_machphys_mfn_list, &l), 0);
	CHECK_EQ(l.nr_extents, 0);
}

/*
 * Xen's fixed M2P address (MACH2PHYS_VIRT_START), which Mini-OS-style
 * kernels read without asking: the same entries there with 64- and 32-bit
 * loads into any register, read-only, and nothing mapped past its end (the
 * M2P is mapped in 2 MiB pages).  Some KVM hosts refuse ring-3 reads of
 * that slot; emu then emulates the loads (and reports another address).
 */
static void test_m2p_fixed(void)
{
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	volatile uint64_t *m2p = (volatile uint64_t *)MACH2PHYS_VIRT_START;
	uint64_t n = start_info->nr_pages;
	uint64_t pfns[] = {0, 1, n / 2, n - 1, start_info->store_mfn};
	struct xen_machphys_mapping m;
	uint64_t end, got;

	CHECK_EQ(memop(XENMEM_machphys_mapping, &m), 0);
	CHECK(m.v_start == MACH2PHYS_VIRT_START ||
	      m.v_start == MACH2PHYS_VIRT_START + (1UL << 39));
	for (unsigned i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		uint64_t mfn = p2m[pfns[i]];
		uint32_t lo;

		CHECK_EQ(m2p[mfn], pfns[i]);
		asm volatile("mov %[m], %%r9\n\tmov %[i], %%r10\n\t"
			     "movq (%%r9,%%r10,8), %%r13\n\t"
			     "movl 4(%%r9,%%r10,8), %%r12d\n\t"
			     "movq %%r13, %[got]\n\tmovl %%r12d, %[lo]"
			     : [got] "=r"(got), [lo] "=r"(lo)
			     : [m] "r"(m2p), [i] "r"(mfn)
			     : "r9", "r10", "r12", "r13");
		CHECK_EQ(got, pfns[i]);
		CHECK_EQ(lo, 0); /* the upper half of a small pfn */
	}
	faults = 0;
	asm volatile("movq %%rdx, (%%rax)"
		     :
		     : "a"(&m2p[p2m[1]]), "d"(0x1234UL)
		     : "memory");
	CHECK_EQ(faults, 1);
	CHECK_EQ(m2p[p2m[1]], 1);
	CHECK_EQ(shared_info_vcpu0()->arch.cr2, (uint64_t)&m2p[p2m[1]]);
	end = MACH2PHYS_VIRT_START +
	      (((m.v_end - m.v_start) + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	got = 0x77;
	asm volatile("movq (%%rax), %%rdx" : "+d"(got) : "a"(end) : "memory");
	CHECK_EQ(faults, 2);
	CHECK_EQ(got, 0x77);
	CHECK_EQ(shared_info_vcpu0()->arch.cr2, end);
	got = 0x77;
	asm volatile("movq (%%rax), %%rdx"
		     : "+d"(got)
		     : "a"(end - 8)
		     : "memory");
	CHECK_EQ(faults, 2);
	CHECK_EQ(got, 0); /* the last word of the mapping */
}

static void test_reservations(void)
{
	domid_t dom = DOMID_SELF;
	uint64_t n = start_info->nr_pages;
	struct xen_vnuma_topology_info numa = {.domid = DOMID_SELF};

	CHECK(memop(XENMEM_maximum_ram_page, NULL) >= (long)n);
	CHECK_EQ(memop(XENMEM_maximum_ram_page | 1 << MEMOP_SHIFT, NULL), -22);
	CHECK_EQ(memop(XENMEM_current_reservation, &dom), n);
	CHECK_EQ(memop(XENMEM_maximum_reservation, &dom), n);
	/* a PV guest reports its size in shared_info, as Linux does */
	CHECK_EQ(memop(XENMEM_maximum_gpfn, &dom), 0);
	shared_info_page()->arch.max_pfn = n;
	CHECK_EQ(memop(XENMEM_maximum_gpfn, &dom), n - 1);
	CHECK_EQ(memop(XENMEM_current_reservation | 1 << MEMOP_SHIFT, &dom),
		 -22);
	dom = 0;
	CHECK_EQ(memop(XENMEM_current_reservation, &dom), -1); /* EPERM */
	dom = DOMID_IO;
	CHECK_EQ(memop(XENMEM_maximum_reservation, &dom), -3); /* ESRCH */
	CHECK_EQ(memop(XENMEM_current_reservation, (void *)0x10), -14);
	/* no virtual NUMA for this domain */
	CHECK_EQ(memop(XENMEM_get_vnumainfo, &numa), -95);
	numa.pad = 1;
	CHECK_EQ(memop(XENMEM_get_vnumainfo, &numa), -22);
	/* what a domU does not get */
	CHECK_EQ(memop(XENMEM_exchange, &numa), -38);
	CHECK_EQ(memop(XENMEM_acquire_resource, &numa), -38);
	CHECK_EQ(memop(63, &numa), -38);
}

static void test_balloon(void)
{
	uint64_t n = start_info->nr_pages, top = n - 1;
	uint64_t own = ((uint64_t)window - VIRT_BASE) >> 12;
	uint64_t si = start_info->shared_info >> 12;
	xen_pfn_t list[2] = {top, top};
	struct xen_machphys_mapping m;

	/* the last frame is beyond the boot image: give it back */
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 0,
			     DOMID_SELF),
		 1);
	CHECK_EQ(current_pages(), n - 1);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 0,
			     DOMID_SELF),
		 0);
	CHECK_EQ(map_window(top), -22); /* no longer the domain's */
	/* only a ballooned frame comes back */
	list[0] = top - 1;
	CHECK_EQ(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF),
		 0);
	list[0] = top;
	list[1] = 0;
	CHECK_EQ(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF),
		 1);
	CHECK_EQ(list[0], top); /* the machine frame, written back */
	CHECK_EQ(current_pages(), n);
	CHECK_EQ(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF),
		 0);
	CHECK_EQ(memop(XENMEM_machphys_mapping, &m), 0);
	CHECK_EQ(((uint64_t *)m.v_start)[top], top);
	/* usable again */
	CHECK_EQ(map_window(top), 0);
	window[0] = 0x5a;
	CHECK_EQ(window[0], 0x5a);
	CHECK_EQ(map_window(own), 0);

	/* a list stops at the first bad extent; extents done are counted */
	list[0] = top;
	list[1] = top;
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 2, 0,
			     DOMID_SELF),
		 1);
	CHECK_EQ(reservation(XENMEM_increase_reservation, list, 2, 0,
			     DOMID_SELF),
		 1);
	CHECK_EQ(current_pages(), n);
	/* start_extent in cmd: only the rest is done */
	list[0] = top;
	list[1] = top - 1;
	CHECK_EQ(reservation(XENMEM_decrease_reservation | 1 << MEMOP_SHIFT,
			     list, 2, 0, DOMID_SELF),
		 2);
	CHECK_EQ(current_pages(), n - 1);
	CHECK_EQ(reservation(XENMEM_populate_physmap | 1 << MEMOP_SHIFT, list,
			     2, 0, DOMID_SELF),
		 2);
	CHECK_EQ(current_pages(), n);
	/* an order-1 extent */
	list[0] = n - 4;
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 1,
			     DOMID_SELF),
		 1);
	CHECK_EQ(current_pages(), n - 2);
	CHECK_EQ(reservation(XENMEM_populate_physmap, list, 1, 1, DOMID_SELF),
		 1);
	CHECK_EQ(current_pages(), n);

	/* refused: not RAM, past RAM, too big, foreign, bad lists */
	list[0] = si;
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 0,
			     DOMID_SELF),
		 0);
	list[0] = n - 1;
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 1,
			     DOMID_SELF),
		 0);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 10,
			     DOMID_SELF),
		 0);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1, 0, 0), 0);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, (void *)0x10, 1, 0,
			     DOMID_SELF),
		 0);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, (void *)XEN_START, 1,
			     0, DOMID_SELF),
		 0);
	CHECK_EQ(reservation(XENMEM_decrease_reservation, list, 1ULL << 40, 0,
			     DOMID_SELF),
		 0);
	CHECK_EQ(reservation(XENMEM_increase_reservation, NULL, 1, 0,
			     DOMID_SELF),
		 0);
	CHECK_EQ(memop(XENMEM_decrease_reservation, (void *)XEN_START), 0);
	CHECK_EQ(current_pages(), n);
}

void test_main(void)
{
	struct trap_info traps[] = {
		{14, 0, FLAT_KERNEL_CS, (unsigned long)trap_14},
		{0, 0, 0, 0},
	};

	CHECK_EQ(hypercall(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0,
			   0, 0),
		 0);
	test_memory_map();
	test_m2p();
	test_m2p_fixed();
	test_reservations();
	test_balloon();
}
