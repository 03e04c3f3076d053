/* SPDX-License-Identifier: MIT */
/* emu's counters: summing the vCPUs' and printing them (xenner, xenner-stats). */
#ifndef XENNER_EMU_STATS_H
#define XENNER_EMU_STATS_H

#include <stdio.h>

#include "xenner/emu-abi.h"

void emu_counters_add(struct emu_counters *sum, const struct emu_counters *c);
/* Emu entries: hypercalls, syscall bounces, exceptions and interrupts. */
uint64_t emu_counters_entries(const struct emu_counters *c);
void emu_counters_print(FILE *out, unsigned domid,
			const struct emu_counters *c);
const char *emu_hypercall_name(unsigned nr);
const char *emu_exit_name(unsigned req);

#endif
