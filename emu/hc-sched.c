// SPDX-License-Identifier: MIT
/*
 * sched_op: yield, block, poll, shutdown.  Blocking halts the vCPU in
 * ring 0 with interrupts on (emu_halt) until the LAPIC timer or a kick
 * from xenner or another vCPU; the interrupt handlers set the event bits
 * and the loop looks at them again.
 */
#include <xen/event_channel.h>
#include <xen/sched.h>

#include "evtchn.h"
#include "hypercall.h"
#include "time.h"

#define POLL_MAX_PORTS 128

static bool events_need_delivery(struct emu_cpu *cpu)
{
	const volatile struct vcpu_info *vi = cpu->vcpu_info;

	return vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask;
}

static long block(struct emu_cpu *cpu)
{
	cpu->vcpu_info->evtchn_upcall_mask = 0;
	asm volatile("lock addl $0, (%%rsp)" ::: "memory");
	if (events_need_delivery(cpu))
		return 0;
	count_inc(cpu, blocks);
	runstate_set(cpu, RUNSTATE_blocked);
	cpu->page->diag_halt = emu_diag_stamp(cpu->page);
	while (!events_need_delivery(cpu))
		emu_halt();
	cpu->page->diag_wake = emu_diag_stamp(cpu->page);
	runstate_set(cpu, RUNSTATE_running);
	return 0;
}

static bool any_pending(const evtchn_port_t *ports, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (evtchn_is_pending(ports[i]))
			return true;
	return false;
}

static long poll(struct emu_cpu *cpu, uint64_t arg)
{
	struct sched_poll sp;
	evtchn_port_t ports[POLL_MAX_PORTS];
	uint64_t handle;

	if (copy_from_guest(&sp, arg, sizeof(sp)))
		return -XEN_EFAULT;
	if (sp.nr_ports > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	memcpy(&handle, &sp.ports, sizeof(handle));
	if (copy_from_guest(ports, handle, sp.nr_ports * sizeof(ports[0])))
		return -XEN_EFAULT;
	if (events_need_delivery(cpu))
		return 0;
	for (unsigned i = 0; i < sp.nr_ports; i++)
		if (ports[i] >= EMU_NR_PORTS)
			return -XEN_EINVAL;
	if (any_pending(ports, sp.nr_ports))
		return 0;
	if (sp.timeout && sp.timeout <= time_now(cpu))
		return 0;

	count_inc(cpu, blocks);
	cpu->page->polling = 1;
	cpu->poll_deadline = sp.timeout;
	timer_program(cpu);
	runstate_set(cpu, RUNSTATE_blocked);
	asm volatile("lock addl $0, (%%rsp)" ::: "memory");
	while (!events_need_delivery(cpu) && !any_pending(ports, sp.nr_ports) &&
	       !(sp.timeout && !cpu->poll_deadline))
		emu_halt();
	cpu->page->polling = 0;
	cpu->poll_deadline = 0;
	timer_program(cpu);
	runstate_set(cpu, RUNSTATE_running);
	return 0;
}

/*
 * SHUTDOWN_suspend, as Linux's HYPERVISOR_suspend: the start_info frame
 * in the third argument.  xenner saves the domain during the exit and
 * answers 1 when it runs on in place (cancelled, checkpoint); a restored
 * domain returns from here with 0, in a new domain whose event channels
 * the guest binds again (docs/save-restore.md).
 */
static long suspend(struct emu_cpu *cpu, uint64_t start_info_mfn)
{
	int64_t rc;

	cpu->page->arg1 = start_info_mfn;
	rc = emu_exit(cpu, EMU_REQ_SHUTDOWN);
	if (rc == 0) {
		evtchn_new_domain();
		time_wall_clock_set();
	}
	return rc;
}

long hc_sched_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg, uint64_t a3,
		 uint64_t a4, uint64_t a5)
{
	struct sched_shutdown sd;
	struct sched_remote_shutdown rsd;

	(void)a4;
	(void)a5;
	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_block:
		return block(cpu);
	case SCHEDOP_poll:
		return poll(cpu, arg);
	case SCHEDOP_shutdown:
		if (copy_from_guest(&sd, arg, sizeof(sd)))
			return -XEN_EFAULT;
		if (sd.reason > SHUTDOWN_MAX)
			return -XEN_EINVAL;
		cpu->page->arg0 = sd.reason;
		if (sd.reason == SHUTDOWN_suspend)
			return suspend(cpu, a3);
		emu_exit(cpu, EMU_REQ_SHUTDOWN);
		/* The host stops the domain; a return means it refused. */
		return -XEN_EINVAL;
	case SCHEDOP_shutdown_code:
		/* kept by Xen for a later shutdown; xenner has no use */
		if (copy_from_guest(&sd, arg, sizeof(sd)))
			return -XEN_EFAULT;
		return 0;
	case SCHEDOP_remote_shutdown:
		if (copy_from_guest(&rsd, arg, sizeof(rsd)))
			return -XEN_EFAULT;
		return -XEN_EPERM; /* a domU may not, not even itself */
	default:
		return -XEN_ENOSYS;
	}
}
