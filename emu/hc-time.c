// SPDX-License-Identifier: MIT
/* set_timer_op: the one-shot timer that raises VIRQ_TIMER. */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_set_timer_op(struct emu_cpu *cpu, uint64_t timeout, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)timeout, (void)a2, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
