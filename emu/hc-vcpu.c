// SPDX-License-Identifier: MIT
/*
 * vcpu_op: timers, vcpu_info placement, runstate; SMP bring-up
 * (initialise/up/down) is smp.c's.
 */
#include <xen/vcpu.h>

#include "evtchn.h"
#include "hypercall.h"
#include "mm.h"
#include "smp.h"
#include "time.h"

#define XEN_ETIME	62
#define STIME_DELTA_MAX ((int64_t)(~0ULL >> 1))

static long register_vcpu_info(struct emu_cpu *cpu, struct emu_cpu *v,
			       uint64_t arg)
{
	struct vcpu_register_vcpu_info info;
	struct vcpu_info *old, *new;

	if (copy_from_guest(&info, arg, sizeof(info)))
		return -XEN_EFAULT;
	if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -XEN_EINVAL;
	/* once, for oneself or (as Xen) for a vCPU that is down */
	if (v->vcpu_info_registered || (v != cpu && v->up))
		return -XEN_EINVAL;
	/* a writable page of the guest's own RAM */
	if (info.mfn >= boot->nr_pages || *frame_type(info.mfn) != FRAME_NONE)
		return -XEN_EINVAL;
	old = vcpu_info_of(v);
	new = maddr_to_virt(info.mfn * PAGE_SIZE + info.offset);
	memcpy(new, old, sizeof(*new));
	v->vcpu_info = new;
	v->vcpu_info_mfn = info.mfn;
	v->vcpu_info_registered = true;
	v->page->vcpu_info_maddr = info.mfn * PAGE_SIZE + info.offset;
	asm volatile("lock addl $0, (%%rsp)" ::: "memory");
	/* as Xen: anything set in the old place meanwhile is not lost */
	new->evtchn_pending_sel = ~0UL;
	new->evtchn_upcall_pending = 1;
	if (v == cpu)
		time_set_area(v); /* else when v comes up (smp.c) */
	return 0;
}

static long register_runstate(struct emu_cpu *cpu, struct emu_cpu *v,
			      uint64_t arg)
{
	struct vcpu_register_runstate_memory_area area;
	struct vcpu_runstate_info rs;

	if (copy_from_guest(&area, arg, sizeof(area)))
		return -XEN_EFAULT;
	if (area.addr.p && !guest_range_ok(area.addr.p, sizeof(rs)))
		return -XEN_EFAULT;
	v->runstate_va = area.addr.p;
	if (v->runstate_va) {
		runstate_snapshot(v == cpu ? cpu : v, &rs);
		copy_to_guest(v->runstate_va, &rs, sizeof(rs));
	}
	return 0;
}

static long set_singleshot(struct emu_cpu *cpu, uint64_t arg)
{
	struct vcpu_set_singleshot_timer set;

	if (copy_from_guest(&set, arg, sizeof(set)))
		return -XEN_EFAULT;
	if ((set.flags & VCPU_SSHOTTMR_future) &&
	    set.timeout_abs_ns < time_now(cpu))
		return -XEN_ETIME;
	cpu->singleshot = set.timeout_abs_ns ? set.timeout_abs_ns : 1;
	timer_check(cpu); /* in the past: fires at once */
	return 0;
}

static long set_periodic(struct emu_cpu *cpu, struct emu_cpu *v, uint64_t arg)
{
	struct vcpu_set_periodic_timer set;

	if (copy_from_guest(&set, arg, sizeof(set)))
		return -XEN_EFAULT;
	if (set.period_ns < MILLISECS(1) ||
	    set.period_ns > (uint64_t)STIME_DELTA_MAX)
		return -XEN_EINVAL;
	v->periodic_period = set.period_ns;
	v->periodic_next = 0;
	if (v == cpu)
		timer_program(cpu);
	return 0;
}

long hc_vcpu_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t vcpuid,
		uint64_t arg, uint64_t a4, uint64_t a5)
{
	struct vcpu_runstate_info rs;
	struct emu_cpu *v;

	(void)a4, (void)a5;
	if (vcpuid >= boot->nr_vcpus)
		return -XEN_ENOENT;
	v = emu_cpu_of(vcpuid);
	switch (cmd) {
	case VCPUOP_initialise:
		return smp_initialise(cpu, v, arg);
	case VCPUOP_up:
		return smp_up(cpu, v);
	case VCPUOP_down:
		return smp_down(cpu, v);
	case VCPUOP_is_up:
		return v->up;
	case VCPUOP_get_runstate_info:
		if (v == cpu)
			runstate_snapshot(cpu, &rs);
		else
			rs = v->runstate;
		return copy_to_guest(arg, &rs, sizeof(rs)) ? -XEN_EFAULT : 0;
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(cpu, v, arg);
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(cpu, v, arg);
	case VCPUOP_set_periodic_timer:
		return set_periodic(cpu, v, arg);
	case VCPUOP_stop_periodic_timer:
		v->periodic_period = 0;
		v->periodic_next = 0;
		if (v == cpu)
			timer_program(cpu);
		return 0;
	case VCPUOP_set_singleshot_timer:
		if (v != cpu)
			return -XEN_EINVAL;
		return set_singleshot(cpu, arg);
	case VCPUOP_stop_singleshot_timer:
		if (v != cpu)
			return -XEN_EINVAL;
		cpu->singleshot = 0;
		timer_program(cpu);
		return 0;
	case VCPUOP_get_physid:
		return -XEN_EINVAL; /* only for the hardware domain */
	default:
		/* time memory area, send_nmi */
		return -XEN_ENOSYS;
	}
}
