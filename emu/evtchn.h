/* SPDX-License-Identifier: MIT */
/*
 * Xen's 2-level event channel ABI inside emu: pending/mask bits in
 * shared_info, the selector and upcall flag in vcpu_info.  Port numbers
 * come from evtchnd (through xenner); emu keeps a small table per port so
 * that VIRQ_TIMER and IPIs are raised here without an exit.
 */
#ifndef EMU_EVTCHN_H
#define EMU_EVTCHN_H

#include "emu.h"

extern struct emu_port *const emu_ports;
/* Ports below this are valid in Xen's sense (allocated buckets). */
extern uint32_t evtchn_valid_ports;

struct emu_cpu *emu_cpu_of(unsigned id);
struct vcpu_info *vcpu_info_of(struct emu_cpu *c);

/* Marks port pending for its vCPU (Xen's evtchn_2l_set_pending). */
void evtchn_set_pending(struct emu_cpu *cpu, unsigned port);
void evtchn_raise_virq(struct emu_cpu *cpu, struct emu_cpu *target,
		       unsigned virq);
/* Xen's evtchn_2l_unmask. */
void evtchn_unmask(struct emu_cpu *cpu, unsigned port);
bool evtchn_is_pending(unsigned port);
/* Makes another vCPU look at its event bits (no-op for ourselves). */
void evtchn_kick(struct emu_cpu *cpu, struct emu_cpu *target);
/* Records a port xenner/evtchnd allocated for us. */
void evtchn_port_bound(unsigned port, unsigned state, unsigned vcpu,
		       unsigned virq);
void evtchn_port_freed(unsigned port);
/* Resumed in a new domain (restore): forgets the old domain's VIRQ
 * bindings and vcpu_info registrations; xenner emptied the port table
 * but for the new domain's ports. */
void evtchn_new_domain(void);
/* Per-vCPU start of day: APIC, clocks, what xenner reads. */
void evtchn_vcpu_init(struct emu_cpu *cpu);

static inline bool test_and_set_bit(unsigned nr, volatile uint64_t *addr)
{
	bool old;

	asm volatile("lock btsq %2, %1"
		     : "=@ccc"(old), "+m"(addr[nr / 64])
		     : "r"((uint64_t)(nr % 64))
		     : "memory");
	return old;
}

static inline bool test_and_clear_bit(unsigned nr, volatile uint64_t *addr)
{
	bool old;

	asm volatile("lock btrq %2, %1"
		     : "=@ccc"(old), "+m"(addr[nr / 64])
		     : "r"((uint64_t)(nr % 64))
		     : "memory");
	return old;
}

static inline bool test_bit(unsigned nr, const volatile uint64_t *addr)
{
	return (addr[nr / 64] >> (nr % 64)) & 1;
}

static inline uint8_t xchg8(volatile uint8_t *p, uint8_t v)
{
	asm volatile("xchgb %0, %1" : "+q"(v), "+m"(*p) : : "memory");
	return v;
}

#endif
