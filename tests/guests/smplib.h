/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the SMP test kernels (tk-smp, tk-crash-smp): a second vCPU
 * started from a vcpu_guest_context, per-vCPU data through the kernel GS
 * base, and hypercall wrappers.
 */
#ifndef TESTGUEST_SMPLIB_H
#define TESTGUEST_SMPLIB_H

#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#include "lib.h"

#define VIRT_BASE 0xffffffff80000000UL
#define MS	  1000000ULL

static inline uint64_t virt_to_mfn(const void *va)
{
	return ((uint64_t)va - VIRT_BASE) >> 12;
}

static inline long vcpu_op(unsigned cmd, unsigned vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (uint64_t)arg, 0, 0);
}

static inline long evtchn_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg, 0,
			 0, 0);
}

static inline long sched_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, cmd, (uint64_t)arg, 0, 0, 0);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* System time from a vCPU's pvclock (each vCPU reads its own). */
static inline uint64_t pvclock_now(const struct vcpu_info *vi)
{
	const volatile struct vcpu_time_info *t = &vi->time;
	uint32_t v, mul;
	uint64_t tsc, st, d, lo, hi;
	int8_t shift;

	do {
		v = t->version;
		asm volatile("" ::: "memory");
		tsc = t->tsc_timestamp;
		st = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		asm volatile("" ::: "memory");
	} while ((v & 1) || v != t->version);
	d = rdtsc() - tsc;
	d = shift < 0 ? d >> -shift : d << shift;
	asm("mulq %3" : "=a"(lo), "=d"(hi) : "a"(d), "rm"((uint64_t)mul));
	return st + (hi << 32 | lo >> 32);
}

/* The page tables we run on, as Xen's ctrlreg[3] wants them. */
static inline uint64_t current_cr3(void)
{
	return xen_pfn_to_cr3(virt_to_mfn((void *)start_info->pt_base));
}

/*
 * A context that starts a vCPU in kernel mode at rip on stack sp, with
 * Xen's flat selectors and no GDT of its own.
 */
static inline void context_init(struct vcpu_guest_context *c, void *rip,
				void *sp)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = (uint64_t)rip;
	c->user_regs.rsp = (uint64_t)sp;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = 0x1000; /* IOPL 1, as Linux passes */
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = (uint64_t)sp;
	c->ctrlreg[3] = current_cr3();
}

#endif
