// SPDX-License-Identifier: MIT
/* vm_assist, physdev_op, multicall. */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_vm_assist(struct emu_cpu *cpu, uint64_t cmd, uint64_t type,
		  uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)cmd, (void)type, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}

/* Not written yet: fails loudly with ENOSYS. */
long hc_physdev_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		   uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)cmd, (void)arg, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}

/* Not written yet: fails loudly with ENOSYS. */
long hc_multicall(struct emu_cpu *cpu, uint64_t calls, uint64_t count,
		  uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)calls, (void)count, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
