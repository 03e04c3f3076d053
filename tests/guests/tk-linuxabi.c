// SPDX-License-Identifier: MIT
/*
 * What Linux needs beyond the hypercalls proper: set/get_debugreg with
 * Xen's checks, the Xen CPUID leaves and Xen's PV feature policy, port
 * I/O as Xen does it for a domain without I/O ports (allowed by the
 * virtual IOPL only; the PCI address latch; PIT channel 2 counts), CR4
 * reads and writes (TSD/DE kept, other bits dropped), and registering the
 * pirq EOI page.
 */
#include <xen/arch-x86/cpuid.h>
#include <xen/physdev.h>

#include "lib.h"

extern char trap_13[];

static unsigned gp_hits;

void trap_handler(struct trapframe *tf)
{
	if (tf->vector == 13) {
		uint8_t op = *(const uint8_t *)tf->rip;

		gp_hits++;
		/* in/out: with an immediate port (e4-e7) or through %dx */
		tf->rip += (op & 0xfc) == 0xe4 ? 2 : 1;
	}
}

static void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("ud2a; .ascii \"xen\"; cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "0"(leaf), "2"(sub));
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(uint8_t v, uint16_t port)
{
	asm volatile("outb %0, %w1" : : "a"(v), "Nd"(port));
}

static void outl(uint32_t v, uint16_t port)
{
	asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

static long set_iopl(unsigned iopl)
{
	struct physdev_set_iopl s = {.iopl = iopl};

	return hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
			 (uint64_t)&s, 0, 0, 0);
}

static void test_debugreg(void)
{
	long get = __HYPERVISOR_get_debugreg, set = __HYPERVISOR_set_debugreg;

	/* the reset values: DR6 and DR7 read as their fixed bits */
	CHECK_EQ(hypercall(get, 6, 0, 0, 0, 0), 0xffff0ff0);
	CHECK_EQ(hypercall(get, 7, 0, 0, 0, 0), 0x400);
	CHECK_EQ(hypercall(set, 0, 0x1000, 0, 0, 0), 0);
	CHECK_EQ(hypercall(get, 0, 0, 0, 0, 0), 0x1000);
	CHECK_EQ(hypercall(set, 3, 0xffffffff80001000UL, 0, 0, 0), 0);
	CHECK_EQ(hypercall(get, 3, 0, 0, 0, 0), (long)0xffffffff80001000UL);
	/* no breakpoints on Xen's (emu's) addresses */
	CHECK_EQ(hypercall(set, 1, 0xffff830000000000UL, 0, 0, 0), -1);
	/* DR6: reserved bits forced; high half refused */
	CHECK_EQ(hypercall(set, 6, 0, 0, 0, 0), 0);
	CHECK_EQ(hypercall(get, 6, 0, 0, 0, 0), 0xffff0ff0);
	CHECK_EQ(hypercall(set, 6, 1UL << 32, 0, 0, 0), -22);
	/* DR7: GD is privileged, I/O breakpoints need CR4.DE */
	CHECK_EQ(hypercall(set, 7, 1 << 13, 0, 0, 0), -1);
	CHECK_EQ(hypercall(set, 7, 0x1 | (2 << 16), 0, 0, 0), -1);
	CHECK_EQ(hypercall(set, 7, 0, 0, 0, 0), 0);
	CHECK_EQ(hypercall(get, 7, 0, 0, 0, 0), 0x400);
	/* DR4/5 alias DR6/7 without CR4.DE; 8 and up do not exist */
	CHECK_EQ(hypercall(get, 4, 0, 0, 0, 0), 0xffff0ff0);
	CHECK_EQ(hypercall(get, 8, 0, 0, 0, 0), -19);
	CHECK_EQ(hypercall(set, 8, 0, 0, 0, 0), -19);
	CHECK_EQ(hypercall(set, 0, 0, 0, 0, 0), 0);
}

static void test_cpuid(void)
{
	uint32_t r[4];

	xen_cpuid(0x40000000, 0, r);
	CHECK_EQ(r[1], XEN_CPUID_SIGNATURE_EBX);
	CHECK_EQ(r[2], XEN_CPUID_SIGNATURE_ECX);
	CHECK_EQ(r[3], XEN_CPUID_SIGNATURE_EDX);
	CHECK(r[0] >= 0x40000002 && r[0] <= 0x40000005);
	xen_cpuid(0x40000001, 0, r);
	CHECK_EQ(r[0], (4 << 16) | 17);
	xen_cpuid(0x40000002, 0, r);
	CHECK_EQ(r[0], 1);
	CHECK_EQ(r[1], 0x40000000);
	xen_cpuid(0x40000100, 0, r); /* not KVM's or anyone else's */
	CHECK_EQ(r[1], 0);
	/* Xen's PV policy: no PSE, PGE, VME, MTRR, 1G pages, VMX, PCID */
	xen_cpuid(1, 0, r);
	CHECK_EQ(r[3] & ((1 << 1) | (1 << 3) | (1 << 12) | (1 << 13)), 0);
	CHECK_EQ(r[2] & ((1 << 5) | (1 << 17)), 0);
	CHECK(r[2] & (1u << 31)); /* a hypervisor */
	xen_cpuid(0x80000001, 0, r);
	CHECK_EQ(r[3] & (1 << 26), 0);
}

static void test_port_io(void)
{
	uint8_t a, b;
	unsigned i;

	/* IOPL 0: in/out are a #GP, as on Xen */
	gp_hits = 0;
	CHECK_EQ(set_iopl(0), 0);
	(void)inb(0x80);
	outb(0, 0x80);
	CHECK_EQ(gp_hits, 2);
	/* IOPL 1 covers a PV kernel (ring 1 for Xen) */
	CHECK_EQ(set_iopl(1), 0);
	CHECK_EQ(inb(0x80), 0xff); /* no device behind it */
	CHECK_EQ(gp_hits, 2);
	outl(0x80001234, 0xcf8);
	CHECK_EQ(inl(0xcf8), 0x80001234);
	CHECK_EQ(inl(0xcfc), 0xffffffff); /* no PCI for a domU */
	/* PIT channel 2: gate on, mode 0, count 0xffff: it counts down */
	outb((inb(0x61) & ~0x02) | 0x01, 0x61);
	outb(0xb0, 0x43);
	outb(0xff, 0x42);
	outb(0xff, 0x42);
	(void)inb(0x42);
	a = inb(0x42);
	for (i = 0; i < 100000; i++) {
		(void)inb(0x42);
		b = inb(0x42);
		if (b != a)
			break;
	}
	CHECK(i < 100000);
	CHECK(b < a);
	CHECK_EQ(set_iopl(4), -22);
}

static uint8_t eoi_page[4096] __attribute__((aligned(4096)));

static long pirq_eoi(uint64_t gmfn)
{
	struct physdev_pirq_eoi_gmfn g = {.gmfn = gmfn};

	return hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2,
			 (uint64_t)&g, 0, 0, 0);
}

static void test_pirq_eoi(void)
{
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	uint64_t pfn = ((uint64_t)eoi_page - 0xffffffff80000000UL) >> 12;

	CHECK_EQ(pirq_eoi(start_info->nr_pages + 10), -22);
	CHECK_EQ(pirq_eoi(p2m[pfn]), 0);
	CHECK_EQ(pirq_eoi(p2m[pfn]), -16); /* once per domain */
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v));
}

static void test_cr4(void)
{
	uint64_t cr4 = read_cr4();
	uint32_t lo, hi;

	CHECK_EQ(cr4 & 0x80, 0); /* no PGE for a PV guest */
	CHECK(cr4 & 0x20);	 /* PAE */
	/* PGE is dropped, TSD kept: rdtsc still works in kernel mode */
	write_cr4(cr4 | 0x80 | 0x4);
	CHECK_EQ(read_cr4(), cr4 | 0x4);
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	CHECK(lo | hi);
	write_cr4(cr4);
	CHECK_EQ(read_cr4(), cr4);
}

void test_main(void)
{
	struct trap_info table[] = {
		{13, 0, FLAT_KERNEL_CS, (unsigned long)trap_13},
		{0, 0, 0, 0},
	};

	CHECK_EQ(hypercall(__HYPERVISOR_set_trap_table, (uint64_t)table, 0, 0,
			   0, 0),
		 0);
	test_debugreg();
	test_cpuid();
	test_port_io();
	test_cr4();
	test_pirq_eoi();
	finish();
}
