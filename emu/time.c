// SPDX-License-Identifier: MIT
/*
 * Time: KVM's kvmclock writes Xen's vcpu_time_info and wall clock layouts,
 * so emu only tells KVM where they live.  The guest's timers (singleshot,
 * periodic, and SCHEDOP_poll's timeout) share the LAPIC TSC-deadline
 * timer, set for the earliest; converting ns to TSC uses the same pvclock
 * parameters the guest uses, so both agree on when a deadline is.
 */
#include <xen/xen.h>

#include "apic.h"
#include "evtchn.h"
#include "time.h"

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

struct pvclock {
	uint64_t tsc, system_time;
	uint32_t mul;
	int8_t shift;
};

static inline uint64_t virt_to_maddr(const void *p)
{
	return (uint64_t)p - EMU_PHYSMAP_VA;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void time_set_area(struct emu_cpu *cpu)
{
	/* bit 0: enable; KVM writes the struct at once and on changes */
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW,
	      virt_to_maddr(&cpu->vcpu_info->time) | 1);
}

void time_wall_clock_set(void)
{
	/* KVM writes the wall clock at system time 0 into shared_info */
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, virt_to_maddr(&shared_info->wc_version));
}

void time_init(struct emu_cpu *cpu)
{
	time_set_area(cpu);
	/* written once, as Xen does at boot (and again after a restore) */
	if (cpu->id == 0)
		time_wall_clock_set();
	/* PV vCPUs start with Xen's 100 Hz tick (until the guest stops it) */
	cpu->periodic_period = MILLISECS(10);
	cpu->runstate.state = RUNSTATE_running;
	cpu->runstate.state_entry_time = time_now(cpu);
}

static void pvclock_read(struct emu_cpu *cpu, struct pvclock *pc)
{
	volatile struct vcpu_time_info *t = &cpu->vcpu_info->time;
	uint32_t v;

	do {
		v = t->version;
		asm volatile("" ::: "memory");
		pc->tsc = t->tsc_timestamp;
		pc->system_time = t->system_time;
		pc->mul = t->tsc_to_system_mul;
		pc->shift = t->tsc_shift;
		asm volatile("" ::: "memory");
	} while ((v & 1) || v != t->version);
}

/* (a * mul) >> 32 with a 128-bit product */
static inline uint64_t mul_frac(uint64_t a, uint32_t mul)
{
	uint64_t lo, hi;

	asm("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"((uint64_t)mul));
	return hi << 32 | lo >> 32;
}

uint64_t time_now(struct emu_cpu *cpu)
{
	struct pvclock pc;
	uint64_t d;

	pvclock_read(cpu, &pc);
	d = rdtsc() - pc.tsc;
	if (pc.shift < 0)
		d >>= -pc.shift;
	else
		d <<= pc.shift;
	return pc.system_time + mul_frac(d, pc.mul);
}

/* The TSC value at which system time reaches ns (rounded up). */
static uint64_t ns_to_tsc(struct emu_cpu *cpu, uint64_t ns)
{
	struct pvclock pc;
	uint64_t d, q, r;

	pvclock_read(cpu, &pc);
	if (ns <= pc.system_time || !pc.mul)
		return pc.tsc;
	d = ns - pc.system_time;
	if ((d >> 32) >= pc.mul)
		return ~0ULL; /* beyond any TSC: never */
	asm("divq %4"
	    : "=a"(q), "=d"(r)
	    : "a"(d << 32), "d"(d >> 32), "rm"((uint64_t)pc.mul));
	q += r != 0;
	if (pc.shift > 0)
		q = (q >> pc.shift) + 1;
	else if (pc.shift < 0)
		q = q >> (64 + pc.shift) ? ~0ULL >> 1 : q << -pc.shift;
	return pc.tsc + q < pc.tsc ? ~0ULL : pc.tsc + q;
}

static bool periodic_on(struct emu_cpu *cpu)
{
	return cpu->periodic_period && cpu->virq_port[VIRQ_TIMER];
}

void timer_program(struct emu_cpu *cpu)
{
	uint64_t t = cpu->singleshot;

	if (periodic_on(cpu)) {
		if (!cpu->periodic_next)
			cpu->periodic_next =
				time_now(cpu) + cpu->periodic_period;
		if (!t || cpu->periodic_next < t)
			t = cpu->periodic_next;
	}
	if (cpu->poll_deadline && (!t || cpu->poll_deadline < t))
		t = cpu->poll_deadline;
	/* in the vCPU page, where xenner's dumps read it */
	if (t == cpu->page->timer_armed_ns)
		return;
	cpu->page->timer_armed_ns = t;
	apic_set_deadline(t ? ns_to_tsc(cpu, t) : 0);
}

void timer_check(struct emu_cpu *cpu)
{
	uint64_t now = time_now(cpu) + TIMER_SLOP_NS;
	bool fire = false;

	if (cpu->singleshot && cpu->singleshot <= now) {
		cpu->singleshot = 0;
		fire = true;
	}
	if (periodic_on(cpu) && cpu->periodic_next &&
	    cpu->periodic_next <= now) {
		cpu->periodic_next += cpu->periodic_period;
		if (cpu->periodic_next <= now) /* missed ticks are dropped */
			cpu->periodic_next = now + cpu->periodic_period;
		fire = true;
	}
	if (cpu->poll_deadline && cpu->poll_deadline <= now)
		cpu->poll_deadline = 0; /* the poll loop sees it */
	if (fire) {
		count_inc(cpu, timer_fires);
		evtchn_raise_virq(cpu, cpu, VIRQ_TIMER);
	}
	timer_program(cpu);
}

void timer_interrupt(struct emu_cpu *cpu)
{
	cpu->page->timer_armed_ns = 0; /* a TSC deadline fires once */
	timer_check(cpu);
}

void runstate_snapshot(struct emu_cpu *cpu, struct vcpu_runstate_info *out)
{
	uint64_t now = time_now(cpu);

	*out = cpu->runstate;
	if (now > out->state_entry_time)
		out->time[out->state] += now - out->state_entry_time;
	out->state_entry_time = now;
}

void runstate_set(struct emu_cpu *cpu, int state)
{
	runstate_snapshot(cpu, &cpu->runstate);
	cpu->runstate.state = state;
	if (cpu->runstate_va)
		copy_to_guest(cpu->runstate_va, &cpu->runstate,
			      sizeof(cpu->runstate));
}
