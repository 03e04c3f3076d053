// SPDX-License-Identifier: MIT
/*
 * What CPUID shows a PV guest (through Xen's forced-emulation prefix),
 * as Xen's default PV policy: the feature bits Xen offers PV guests by
 * default (pv-features.awk reads them from Xen's public cpufeatureset.h:
 * no PSE, PGE, 1G pages, VMX, MONITOR, PCID, ...), and the hypervisor
 * leaves (0x40000000-0x4fffffff): Xen's signature, version,
 * hypercall-page MSR, time and PV leaves at 0x40000000, zeroes elsewhere.
 * KVM's own leaves (the host's "KVMKVMKVM" signature) must not show
 * through, or Linux takes the KVM paths (kvmclock) instead of Xen's.
 */
#include <xen/arch-x86/cpuid.h>

#include "emu.h"
#include "gen/pv-features.h"

#define XEN_MSR_BASE	 0x40000000u
#define CPUID_RDTSCP_BIT (1u << 27) /* leaf 0x80000001 edx */

/* TSC frequency from this vCPU's pvclock parameters, as Linux's. */
static uint32_t tsc_khz(struct emu_cpu *cpu)
{
	const volatile struct vcpu_time_info *t = &cpu->vcpu_info->time;
	uint64_t khz;
	int8_t shift = t->tsc_shift;

	if (!t->tsc_to_system_mul)
		return 0;
	khz = (1000000ULL << 32) / t->tsc_to_system_mul;
	if (shift < 0)
		khz <<= -shift;
	else
		khz >>= shift;
	return khz;
}

static unsigned fls64(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

static void xen_leaves(struct emu_cpu *cpu, uint32_t leaf, uint32_t subleaf,
		       uint32_t r[4])
{
	uint32_t a, b, c, d;

	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case XEN_CPUID_LEAF(0):
		r[0] = XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES);
		r[1] = XEN_CPUID_SIGNATURE_EBX;
		r[2] = XEN_CPUID_SIGNATURE_ECX;
		r[3] = XEN_CPUID_SIGNATURE_EDX;
		break;
	case XEN_CPUID_LEAF(1):
		r[0] = (4 << 16) | 17; /* as XENVER_version */
		break;
	case XEN_CPUID_LEAF(2):
		r[0] = 1; /* hypercall pages */
		r[1] = XEN_MSR_BASE;
		r[2] = XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;
		break;
	case XEN_CPUID_LEAF(3):
		/* time: native TSC (no vtsc), safe, rdtscp as the host */
		if (subleaf == 0) {
			a = 0x80000001;
			asm volatile("cpuid"
				     : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
			r[0] = (1u << 1) |
			       ((d & CPUID_RDTSCP_BIT) ? 1u << 2 : 0);
			r[2] = tsc_khz(cpu);
		} else if (subleaf == 2) {
			r[0] = tsc_khz(cpu);
		}
		break;
	case XEN_CPUID_LEAF(5):
		/* PV: machine address width */
		if (subleaf == 0)
			r[1] = fls64(boot->total_pages - 1) + 12;
		break;
	default:
		break; /* leaf 4 is for HVM; the rest is empty */
	}
}

/* r holds the host's answer for leaf/subleaf; leaves it as Xen would. */
void cpuid_pv_policy(struct emu_cpu *cpu, uint32_t leaf, uint32_t subleaf,
		     uint32_t r[4])
{
	enum { A, B, C, D };

	switch (leaf) {
	case 1:
		r[C] &= PV_FEATURES_1;
		r[D] &= PV_FEATURES_0;
		break;
	case 7:
		if (subleaf == 0) {
			r[B] &= PV_FEATURES_5;
			r[C] &= PV_FEATURES_6;
			r[D] &= PV_FEATURES_9;
		} else if (subleaf == 1) {
			r[A] &= PV_FEATURES_10;
		}
		break;
	case 0xd:
		if (subleaf == 1)
			r[A] &= PV_FEATURES_4;
		break;
	case 0x80000001:
		r[C] &= PV_FEATURES_3;
		r[D] &= PV_FEATURES_2;
		break;
	case 0x80000007:
		r[D] &= PV_FEATURES_7;
		break;
	case 0x80000008:
		r[B] &= PV_FEATURES_8;
		break;
	default:
		if ((leaf >> 28) == 4)
			xen_leaves(cpu, leaf, subleaf, r);
		break;
	}
}
