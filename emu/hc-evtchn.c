// SPDX-License-Identifier: MIT
/* event_channel_op: 2-level event channels. */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_event_channel_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
			 uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)cmd, (void)arg, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
