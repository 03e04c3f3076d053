// SPDX-License-Identifier: MIT
/* grant_table_op: the guest's own grant table (setup, size, version). */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_grant_table_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		       uint64_t count, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)cmd, (void)arg, (void)count, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
