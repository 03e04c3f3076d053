/* SPDX-License-Identifier: MIT */
/*
 * More than one vCPU: bringing secondary vCPUs up (VCPUOP_initialise/up),
 * taking any vCPU down, and TLB flushes that reach the other vCPUs.
 *
 * xenner runs every vCPU's thread from the start; a vCPU that is down
 * (all secondary vCPUs at boot) waits in emu with sti;hlt ("parked") and
 * runs no guest code until VCPUOP_up.  IPIs are x2APIC fixed interrupts:
 * EMU_VEC_EVENT wakes a parked vCPU, EMU_VEC_FLUSH asks for a TLB flush.
 */
#ifndef EMU_SMP_H
#define EMU_SMP_H

#include "emu.h"

#define SMP_ALL_VCPUS (~0ULL)

/* vCPU 0's start of day: the other vCPUs' software state. */
void smp_boot(struct emu_cpu *cpu);
/* A secondary vCPU's first entry: parks until it is brought up, then
 * fills regs from its VCPUOP_initialise context. */
void smp_ap_boot(struct emu_cpu *cpu, struct regs *regs);

/* VCPUOP_initialise, _up, _down for vCPU v (Xen's return values). */
long smp_initialise(struct emu_cpu *cpu, struct emu_cpu *v, uint64_t arg);
long smp_up(struct emu_cpu *cpu, struct emu_cpu *v);
long smp_down(struct emu_cpu *cpu, struct emu_cpu *v);

/* return_to_guest() found cpu->up clear: wait until it is set again. */
void smp_stopped(struct emu_cpu *cpu, struct regs *regs);

/*
 * Flushes the TLBs of the other running vCPUs in mask (bit n = vCPU n;
 * the caller does its own) and returns once they have, as Xen does; the
 * wait is bounded.  Only called with more than one vCPU.
 */
void smp_flush_tlbs(struct emu_cpu *cpu, uint64_t mask);
/* EMU_VEC_FLUSH: serves the flushes other vCPUs asked for. */
void smp_flush_serve(struct emu_cpu *cpu);

/* hc-desc.c: checks (and fixes up) a GDT's descriptors; maps it for v. */
int gdt_check(const uint64_t *mfns, uint64_t entries);
void gdt_map(struct emu_cpu *v, const uint64_t *mfns, uint64_t entries);
/*
 * Would iretq load sel (RPL 3) as CS (code) or SS (data) on this vCPU?
 * Read from the GDT in software: no host has to fault for emu to know.
 */
bool gdt_sel_usable(struct emu_cpu *cpu, uint16_t sel, bool code);
/* hc-mmu.c: validates mfn as an L4 (on the host) and gives it emu's slots. */
int mmu_pin_root(struct emu_cpu *cpu, uint64_t mfn);

#endif
