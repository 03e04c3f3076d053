// SPDX-License-Identifier: MIT
/*
 * Hypercall ABI: raw syscall and hypercall-page entry, argument and return
 * registers, unknown hypercalls, bad guest pointers, the start_info the
 * domain builder wrote.
 */
#include "lib.h"

void test_main(void)
{
	xen_extraversion_t extra;
	long v;

	/* start of day */
	CHECK(!memcmp(start_info->magic, "xen-3.0-x86_64", 14));
	CHECK(start_info->nr_pages > 0);
	CHECK(start_info->pt_base != 0);

	/* version, through both entry mechanisms */
	v = hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
	CHECK_EQ(v, (4 << 16) | 17);
	CHECK_EQ(hypercall_via_page(__HYPERVISOR_xen_version, XENVER_version,
				    0, 0),
		 v);
	CHECK_EQ(hypercall(__HYPERVISOR_xen_version, XENVER_extraversion,
			   (uint64_t)extra, 0, 0, 0),
		 0);
	CHECK(extra[0] == '.');

	/* errors */
	CHECK_EQ(hypercall(63, 0, 0, 0, 0, 0), -38);		/* ENOSYS */
	CHECK_EQ(hypercall(1000000, 0, 0, 0, 0, 0), -38);
	CHECK_EQ(hypercall(__HYPERVISOR_xen_version, 12345, 0, 0, 0, 0), -38);
	/* a pointer into Xen's range, a non-canonical one, an unmapped one */
	CHECK_EQ(hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 16,
			   0xffff810000000000ULL, 0, 0),
		 -14);
	CHECK_EQ(hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 16,
			   0x0000900000000000ULL, 0, 0),
		 -14);
	CHECK_EQ(hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 16,
			   0x1000, 0, 0),
		 -14);
	CHECK_EQ(hypercall(__HYPERVISOR_xen_version, XENVER_extraversion,
			   0x10, 0, 0, 0),
		 -14);
	/* a length that wraps around */
	CHECK_EQ(hypercall(__HYPERVISOR_console_io, CONSOLEIO_write,
			   ~0ULL, (uint64_t)extra, 0, 0),
		 -14);
	/* callee-saved registers survive a hypercall */
	{
		register uint64_t r12 asm("r12") = 0x1212;
		register uint64_t r15 asm("r15") = 0x1515;

		hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0,
			  0);
		asm volatile("" : "+r"(r12), "+r"(r15));
		CHECK_EQ(r12, 0x1212);
		CHECK_EQ(r15, 0x1515);
	}
}
