// SPDX-License-Identifier: MIT
/* sched_op: yield, shutdown (block and poll come with event channels). */
#include <xen/sched.h>

#include "hypercall.h"

long hc_sched_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		 uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct sched_shutdown sd;

	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_shutdown:
		if (copy_from_guest(&sd, arg, sizeof(sd)))
			return -XEN_EFAULT;
		if (sd.reason > SHUTDOWN_MAX)
			return -XEN_EINVAL;
		cpu->page->arg0 = sd.reason;
		emu_exit(cpu, EMU_REQ_SHUTDOWN);
		/* The host stops the domain; a return means it refused. */
		return -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}
