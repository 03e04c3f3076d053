// SPDX-License-Identifier: MIT
/* vcpu_op: vcpu_info placement, runstate, timers, SMP bring-up. */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_vcpu_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t vcpuid,
		uint64_t arg, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)cmd, (void)vcpuid, (void)arg, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
