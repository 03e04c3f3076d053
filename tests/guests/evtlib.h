/* SPDX-License-Identifier: MIT */
/*
 * Event channel helpers for tk-events and tk-timer: an event callback
 * (asm entry from Xen's bounce frame, C handler doing the 2-level scan as
 * Linux does), pvclock system time, and hypercall wrappers.
 */
#ifndef TESTGUEST_EVTLIB_H
#define TESTGUEST_EVTLIB_H

#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>

#include "lib.h"

#define MS	  1000000ULL
#define XEN_ETIME 62

/* { RCX, R11, RIP, CS, RFLAGS, RSP, SS } -> struct trapframe -> iret */
asm(".text\n"
    ".globl evt_entry\n"
    "evt_entry:\n"
    "	popq %rcx\n	popq %r11\n	pushq $0\n	pushq $0x100\n"
    "	pushq %rdi\n	pushq %rsi\n	pushq %rdx\n	pushq %rcx\n"
    "	pushq %rax\n	pushq %r8\n	pushq %r9\n	pushq %r10\n"
    "	pushq %r11\n	pushq %rbx\n	pushq %rbp\n	pushq %r12\n"
    "	pushq %r13\n	pushq %r14\n	pushq %r15\n"
    "	movq %rsp, %rdi\n	call evt_handler\n	jmp trap_return\n");
extern char evt_entry[];

static struct vcpu_info *vi;
static shared_info_t *sh;
static volatile unsigned evt_count[4096];
static volatile unsigned evt_total;
static volatile uint64_t evt_time; /* system time of the last event */
static volatile uint64_t evt_cs;   /* CS slot of the last bounce frame */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t now(void)
{
	volatile struct vcpu_time_info *t = &vi->time;
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

void evt_handler(struct trapframe *tf);
void evt_handler(struct trapframe *tf)
{
	uint64_t sel;

	evt_cs = tf->cs;
	vi->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned w = __builtin_ctzll(sel);
		uint64_t pend = sh->evtchn_pending[w] & ~sh->evtchn_mask[w];

		sel &= sel - 1;
		while (pend) {
			unsigned b = __builtin_ctzll(pend);

			pend &= pend - 1;
			__atomic_fetch_and(&sh->evtchn_pending[w], ~(1ULL << b),
					   __ATOMIC_SEQ_CST);
			evt_count[w * 64 + b]++;
			evt_total++;
			evt_time = now();
		}
	}
}

static inline long evtchn_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg, 0,
			 0, 0);
}

static inline long vcpu_op(unsigned cmd, unsigned vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (uint64_t)arg, 0, 0);
}

static inline long sched_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, cmd, (uint64_t)arg, 0, 0, 0);
}

static inline void events_setup(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event,
		.address = (uint64_t)evt_entry,
	};

	sh = shared_info_page();
	vi = &sh->vcpu_info[0];
	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&cb, 0, 0, 0),
		 0);
}

/* As Linux's local_irq_enable: unmask, then get what is pending. */
static inline void events_on(void)
{
	vi->evtchn_upcall_mask = 0;
	asm volatile("" ::: "memory");
	if (vi->evtchn_upcall_pending)
		hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
}

static inline void events_off(void)
{
	vi->evtchn_upcall_mask = 1;
	asm volatile("" ::: "memory");
}

/* Spins (ring 3 runs natively) until cond or the time limit. */
#define WAIT_FOR(cond, ns)                                                     \
	({                                                                     \
		uint64_t _end = now() + (ns);                                  \
		while (!(cond) && now() < _end)                                \
			;                                                      \
		(cond);                                                        \
	})

static inline bool port_pending(unsigned p)
{
	return (sh->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

static inline void port_mask(unsigned p, bool on)
{
	if (on)
		__atomic_fetch_or(&sh->evtchn_mask[p / 64], 1ULL << (p % 64),
				  __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&sh->evtchn_mask[p / 64],
				   ~(1ULL << (p % 64)), __ATOMIC_SEQ_CST);
}

#endif
