/* SPDX-License-Identifier: MIT */
/* The M2P's address for the guest (m2p.c). */
#ifndef EMU_M2P_H
#define EMU_M2P_H

#include "emu.h"

/* The M2P as XENMEM_machphys_mapping reports it. */
extern uint64_t m2p_va;
/* vCPU 0's boot probe of slot 256 is under way. */
extern bool m2p_probing;

/* entry64.S: the probe's ring-3 load (M2P_PROBE_LOAD_LEN bytes), then ud2 */
#define M2P_PROBE_LOAD_LEN 3
extern char m2p_probe_read[];

void m2p_probe_start(struct regs *regs);
/* The probe's #UD or #PF: records the result, restores the real entry. */
bool m2p_probe_trap(struct emu_cpu *cpu, struct regs *regs, unsigned vec);
/* A guest load from Xen's M2P address that this host refused: emulated. */
bool m2p_read_fault(struct emu_cpu *cpu, struct regs *regs, uint64_t cr2);

#endif
