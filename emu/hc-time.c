// SPDX-License-Identifier: MIT
/* set_timer_op: the vCPU's singleshot timer, which raises VIRQ_TIMER. */
#include "hypercall.h"
#include "time.h"

long hc_set_timer_op(struct emu_cpu *cpu, uint64_t timeout, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	int64_t t = timeout, offset;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!t) {
		cpu->singleshot = 0;
		timer_program(cpu);
		return 0;
	}
	offset = t - (int64_t)time_now(cpu);
	/*
	 * As Xen: a negative timeout or one more than 2^50 ns (13 days)
	 * ahead is a wrapped Linux jiffy value; fire in 100 ms instead.
	 */
	if (t < 0 || (offset > 0 && (uint32_t)(offset >> 50) != 0))
		t = time_now(cpu) + MILLISECS(100);
	cpu->singleshot = t;
	timer_check(cpu); /* a deadline in the past fires at once */
	return 0;
}
