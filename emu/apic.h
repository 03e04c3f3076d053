/* SPDX-License-Identifier: MIT */
/*
 * The vCPU's local APIC in x2APIC mode (all MSRs, no MMIO page): the
 * TSC-deadline timer behind the guest's timers, EOI, and IPIs that kick
 * another vCPU to look at its event bits.
 */
#ifndef EMU_APIC_H
#define EMU_APIC_H

#include <stdint.h>

void apic_init(void);
void apic_eoi(void);
/* Fires EMU_VEC_TIMER once the TSC reaches tsc; 0 disarms. */
void apic_set_deadline(uint64_t tsc);
void apic_send_ipi(unsigned apic_id, unsigned vector);
/* The vCPU's interrupt entry (vectors >= 32), from emu_trap. */
struct emu_cpu;
void apic_interrupt(struct emu_cpu *cpu, unsigned vector);

#endif
