/* SPDX-License-Identifier: MIT */
/*
 * Xen system time and the vCPU timers.  KVM's pvclock has the layout of
 * Xen's vcpu_time_info, so KVM keeps vcpu_info->time up to date itself;
 * its wall clock has the layout of shared_info's wc_version/sec/nsec.
 */
#ifndef EMU_TIME_H
#define EMU_TIME_H

#include "emu.h"

/* Xen fires timers this early at most (its default timer_slop). */
#define TIMER_SLOP_NS 50000ULL
#define MILLISECS(ms) ((uint64_t)(ms)*1000000ULL)

/* Points KVM's clocks at this vCPU's vcpu_info (again after a move). */
void time_set_area(struct emu_cpu *cpu);
void time_init(struct emu_cpu *cpu);
void time_wall_clock_set(void);
/* System time in ns, as the guest computes it from vcpu_info->time. */
uint64_t time_now(struct emu_cpu *cpu);

/* Sets the LAPIC for the earliest of the vCPU's timers. */
void timer_program(struct emu_cpu *cpu);
/* Raises VIRQ_TIMER for expired timers, then re-programs. */
void timer_check(struct emu_cpu *cpu);
void timer_interrupt(struct emu_cpu *cpu);

/* Runstate bookkeeping (RUNSTATE_*), copied to the guest's area. */
void runstate_set(struct emu_cpu *cpu, int state);
void runstate_snapshot(struct emu_cpu *cpu, struct vcpu_runstate_info *out);

#endif
