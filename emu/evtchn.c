// SPDX-License-Identifier: MIT
/*
 * Setting and unmasking events with Xen's 2-level semantics.  xenner sets
 * the same bits for events that come from evtchnd (with atomic operations
 * on the same memory) and kicks the vCPU with EMU_VEC_EVENT; emu does it
 * for VIRQ_TIMER and IPIs.  A vCPU is kicked only when its upcall flag goes
 * from 0 to 1 (or it is polling), as Xen's vcpu_mark_events_pending.
 */
#include "apic.h"
#include "evtchn.h"
#include "time.h"

struct emu_port *const emu_ports = (struct emu_port *)(EMU_VA + EMU_OFF_PORTS);
/* Xen allocates ports in buckets of 64; the first exists from the start */
#define PORT_BUCKET 64
uint32_t evtchn_valid_ports = PORT_BUCKET;

struct emu_cpu *emu_cpu_of(unsigned id)
{
	return (struct emu_cpu *)(EMU_VA + EMU_OFF_VCPU + id * EMU_VCPU_AREA);
}

struct vcpu_info *vcpu_info_of(struct emu_cpu *c)
{
	/* a vCPU that has not started still has its shared_info slot */
	return c->vcpu_info ? c->vcpu_info : &shared_info->vcpu_info[c->id];
}

void evtchn_kick(struct emu_cpu *cpu, struct emu_cpu *target)
{
	if (target != cpu) {
		target->page->diag_kick = emu_diag_stamp(target->page);
		apic_send_ipi(target->id, EMU_VEC_EVENT);
	}
}

static void mark_events_pending(struct emu_cpu *cpu, struct emu_cpu *target,
				unsigned port)
{
	struct vcpu_info *vi = vcpu_info_of(target);

	if (!test_and_set_bit(port / 64, &vi->evtchn_pending_sel) &&
	    !xchg8(&vi->evtchn_upcall_pending, 1)) {
		target->page->diag_raise = emu_diag_stamp(target->page);
		target->page->diag_raise_by = cpu->id;
		target->page->diag_raise_port = port;
		evtchn_kick(cpu, target);
	} else if (target->page->polling)
		evtchn_kick(cpu, target);
}

void evtchn_set_pending(struct emu_cpu *cpu, unsigned port)
{
	struct emu_cpu *target = emu_cpu_of(emu_ports[port].vcpu);

	count_inc(cpu, events_raised);
	if (test_and_set_bit(port, shared_info->evtchn_pending))
		return;
	if (!test_bit(port, shared_info->evtchn_mask))
		mark_events_pending(cpu, target, port);
	else if (target->page->polling)
		evtchn_kick(cpu, target); /* pollers wake even when masked */
}

void evtchn_raise_virq(struct emu_cpu *cpu, struct emu_cpu *target,
		       unsigned virq)
{
	unsigned port = target->virq_port[virq];

	if (port)
		evtchn_set_pending(cpu, port);
}

void evtchn_unmask(struct emu_cpu *cpu, unsigned port)
{
	struct emu_cpu *target = emu_cpu_of(emu_ports[port].vcpu);

	if (test_and_clear_bit(port, shared_info->evtchn_mask) &&
	    test_bit(port, shared_info->evtchn_pending))
		mark_events_pending(cpu, target, port);
}

bool evtchn_is_pending(unsigned port)
{
	return test_bit(port, shared_info->evtchn_pending);
}

void evtchn_port_bound(unsigned port, unsigned state, unsigned vcpu,
		       unsigned virq)
{
	struct emu_port *p = &emu_ports[port];

	p->vcpu = vcpu;
	p->virq = virq;
	p->virq_vcpu = vcpu;
	p->state = state;
	if (port >= evtchn_valid_ports)
		evtchn_valid_ports = (port + PORT_BUCKET) & ~(PORT_BUCKET - 1);
}

void evtchn_port_freed(unsigned port)
{
	struct emu_port *p = &emu_ports[port];

	if (p->state == EMU_PORT_VIRQ) {
		struct emu_cpu *c = emu_cpu_of(p->virq_vcpu);

		if (p->virq < NR_VIRQS && c->virq_port[p->virq] == port)
			c->virq_port[p->virq] = 0;
	}
	p->state = EMU_PORT_FREE;
	p->vcpu = 0;
	/* Xen clears a freed port's pending bit; the mask stays */
	test_and_clear_bit(port, shared_info->evtchn_pending);
}

void evtchn_vcpu_init(struct emu_cpu *cpu)
{
	cpu->page->vcpu_info_maddr = (uint64_t)cpu->vcpu_info - EMU_PHYSMAP_VA;
	apic_init();
	time_init(cpu);
	/* xenner's own ports (store, console) are below PORT_BUCKET */
}

void evtchn_new_domain(void)
{
	evtchn_valid_ports = PORT_BUCKET;
	for (unsigned i = 0; i < boot->nr_vcpus; i++) {
		struct emu_cpu *c = emu_cpu_of(i);

		memset(c->virq_port, 0, sizeof(c->virq_port));
		c->vcpu_info_registered = false;
	}
	for (unsigned p = 1; p < EMU_NR_PORTS; p++)
		if (emu_ports[p].state != EMU_PORT_FREE &&
		    p >= evtchn_valid_ports)
			evtchn_valid_ports =
				(p + PORT_BUCKET) & ~(PORT_BUCKET - 1);
}
