// SPDX-License-Identifier: MIT
/*
 * set_debugreg / get_debugreg: the guest's debug registers, checked as Xen
 * does for a 64-bit PV vCPU (its virtual CR4.DE is clear, so DR4/DR5
 * alias DR6/DR7 and I/O breakpoints are refused) and loaded into the real
 * ones, so hardware breakpoints and watchpoints hit guest code.  The guest
 * reads back what it wrote: Linux uses the get_debugreg result as the
 * register itself, so it must never be an error for DR0-DR7.
 */
#include "hypercall.h"

#define XEN_ENODEV 19

#define DR6_DEFAULT	0xffff0ff0ULL /* reserved-as-1 and active-low bits */
#define DR6_ZEROS	0x00001000ULL /* reserved-as-0 */
#define DR6_BP_MASK	0x0000000fULL /* B0-B3 */
#define DR7_DEFAULT	0x00000400ULL
#define DR7_ZEROS	0x0000d800ULL
#define DR7_GD		0x00002000ULL
#define DR7_ACTIVE_MASK 0x000000ffULL /* L0-3, G0-3 */
#define DR7_IO		2	      /* R/W field: I/O breakpoint */

static void load_dr(unsigned reg, uint64_t val)
{
	switch (reg) {
	case 0:
		asm volatile("mov %0, %%db0" : : "r"(val));
		break;
	case 1:
		asm volatile("mov %0, %%db1" : : "r"(val));
		break;
	case 2:
		asm volatile("mov %0, %%db2" : : "r"(val));
		break;
	case 3:
		asm volatile("mov %0, %%db3" : : "r"(val));
		break;
	case 6:
		asm volatile("mov %0, %%db6" : : "r"(val));
		break;
	case 7:
		asm volatile("mov %0, %%db7" : : "r"(val));
		break;
	}
}

long hc_set_debugreg(struct emu_cpu *cpu, uint64_t reg, uint64_t value,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	/*
	 * Xen takes reg as an int: the upper half is ignored, and the index
	 * must be the truncated one (the fuzzing guest's 1 << 32 wrote far
	 * past dr[]).
	 */
	unsigned r = (uint32_t)reg;

	(void)a3, (void)a4, (void)a5;
	switch (r) {
	case 0 ... 3:
		if (!guest_range_ok(value, 0))
			return -XEN_EPERM; /* no breakpoints on emu */
		cpu->dr[r] = value;
		load_dr(r, value);
		return 0;
	case 4:
	case 6:
		if (value != (uint32_t)value)
			return -XEN_EINVAL;
		cpu->dr6 = (value | DR6_DEFAULT) & ~DR6_ZEROS;
		load_dr(6, cpu->dr6);
		return 0;
	case 5:
	case 7:
		if (value != (uint32_t)value)
			return -XEN_EINVAL;
		value = (value & ~DR7_ZEROS) | DR7_DEFAULT;
		if (value & DR7_GD)
			return -XEN_EPERM;
		/* I/O breakpoints need CR4.DE, which a PV guest lacks */
		for (unsigned i = 16; i < 32; i += 4)
			if ((value & DR7_ACTIVE_MASK) &&
			    ((value >> i) & 3) == DR7_IO)
				return -XEN_EPERM;
		cpu->dr7 = value;
		load_dr(7, value);
		return 0;
	default:
		return -XEN_ENODEV;
	}
}

long hc_get_debugreg(struct emu_cpu *cpu, uint64_t reg, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	unsigned r = (uint32_t)reg; /* an int for Xen, as above */

	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (r) {
	case 0 ... 3:
		return cpu->dr[r];
	case 4:
	case 6:
		return cpu->dr6 ? cpu->dr6 : DR6_DEFAULT;
	case 5:
	case 7:
		return cpu->dr7 ? cpu->dr7 : DR7_DEFAULT;
	default:
		return -XEN_ENODEV;
	}
}

/*
 * A #DB (from the guest, or from emu touching a watched guest address):
 * the status bits go to the guest's DR6 as Xen merges them, and the real
 * DR6 is reset so the next #DB reports only its own causes.
 */
void debugreg_trap(struct emu_cpu *cpu)
{
	uint64_t hw, dr6 = cpu->dr6 ? cpu->dr6 : DR6_DEFAULT;

	asm volatile("mov %%db6, %0" : "=r"(hw));
	load_dr(6, DR6_DEFAULT);
	dr6 ^= DR6_DEFAULT;
	dr6 &= ~DR6_BP_MASK;
	dr6 |= (hw ^ DR6_DEFAULT) & ~DR6_ZEROS;
	cpu->dr6 = dr6 ^ DR6_DEFAULT;
}
