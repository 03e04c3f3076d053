// SPDX-License-Identifier: MIT
/*
 * event_channel_op with Xen 4.17's semantics for a domU, 2-level ABI only
 * (the FIFO ops fail with ENOSYS, so guests fall back to 2-level).  Port
 * numbers are evtchnd's: allocating, binding, closing and status go to
 * xenner (one exit each); unmask, bind_vcpu and sends on IPI ports stay in
 * emu; sends on other ports go to evtchnd.
 */
#include <xen/event_channel.h>

#include "evtchn.h"
#include "hypercall.h"
#include "time.h"
#include "xenner/evtchnd-proto.h"

#ifndef EVTCHNOP_reset_cont /* only for newer interface versions */
#define EVTCHNOP_reset_cont 14
#endif

/* Asks xenner to run one evtchnd operation for this domain. */
static long host_op(struct emu_cpu *cpu, uint32_t op, uint32_t dom,
		    uint32_t port, uint32_t vcpu, uint32_t arg,
		    struct emu_evtchn_req *out)
{
	struct emu_evtchn_req *r = (struct emu_evtchn_req *)cpu->page->data;
	long ret;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->dom = dom;
	r->port = port;
	r->vcpu = vcpu;
	r->arg = arg;
	ret = emu_exit(cpu, EMU_REQ_EVTCHN);
	if (out)
		*out = *r;
	return ret;
}

/* A port evtchnd gave us must fit emu's table. */
static long new_port(struct emu_cpu *cpu, long port, unsigned state,
		     unsigned vcpu, unsigned virq)
{
	if (port <= 0)
		return port ? port : -XEN_EINVAL;
	if (port >= EMU_NR_PORTS)
		emu_crash(cpu, "emu: evtchnd returned port %ld", port);
	evtchn_port_bound(port, state, vcpu, virq);
	return port;
}

static bool is_self(uint32_t dom)
{
	return dom == DOMID_SELF || dom == boot->domid;
}

static bool virq_is_global(unsigned virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return false;
	default:
		return true;
	}
}

static long op_alloc_unbound(struct emu_cpu *cpu, evtchn_alloc_unbound_t *a)
{
	long port;

	if (!is_self(a->dom))
		return -XEN_EPERM;
	port = host_op(cpu, EVTCHND_OP_ALLOC_UNBOUND,
		       a->remote_dom == DOMID_SELF ? boot->domid
						   : a->remote_dom,
		       0, 0, 0, NULL);
	port = new_port(cpu, port, EMU_PORT_REMOTE, 0, 0);
	if (port > 0)
		a->port = port;
	return port < 0 ? port : 0;
}

static long op_bind_interdomain(struct emu_cpu *cpu,
				evtchn_bind_interdomain_t *b)
{
	long port = host_op(cpu, EVTCHND_OP_BIND_INTERDOMAIN,
			    b->remote_dom == DOMID_SELF ? boot->domid
							: b->remote_dom,
			    b->remote_port, 0, 0, NULL);

	port = new_port(cpu, port, EMU_PORT_REMOTE, 0, 0);
	if (port > 0)
		b->local_port = port;
	return port < 0 ? port : 0;
}

static long op_bind_virq(struct emu_cpu *cpu, evtchn_bind_virq_t *b)
{
	struct emu_cpu *target;
	long port;

	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (virq_is_global(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	if (b->vcpu >= boot->nr_vcpus)
		return -XEN_ENOENT;
	target = emu_cpu_of(b->vcpu);
	if (target->virq_port[b->virq])
		return -XEN_EEXIST;
	port = host_op(cpu, EVTCHND_OP_BIND_VIRQ, DOMID_SELF, 0, b->vcpu,
		       b->virq, NULL);
	port = new_port(cpu, port, EMU_PORT_VIRQ, b->vcpu, b->virq);
	if (port < 0)
		return port;
	target->virq_port[b->virq] = port;
	b->port = port;
	if (b->virq == VIRQ_TIMER && target == cpu)
		timer_program(cpu); /* the periodic tick may start now */
	return 0;
}

static long op_bind_ipi(struct emu_cpu *cpu, evtchn_bind_ipi_t *b)
{
	long port;

	if (b->vcpu >= boot->nr_vcpus)
		return -XEN_ENOENT;
	port = host_op(cpu, EVTCHND_OP_BIND_IPI, DOMID_SELF, 0, b->vcpu, 0,
		       NULL);
	port = new_port(cpu, port, EMU_PORT_IPI, b->vcpu, 0);
	if (port < 0)
		return port;
	b->port = port;
	return 0;
}

static long op_close(struct emu_cpu *cpu, evtchn_close_t *c)
{
	long rc;

	if (c->port >= evtchn_valid_ports)
		return -XEN_EINVAL;
	rc = host_op(cpu, EVTCHND_OP_CLOSE, DOMID_SELF, c->port, 0, 0, NULL);
	if (!rc)
		evtchn_port_freed(c->port);
	return rc;
}

static long op_send(struct emu_cpu *cpu, evtchn_send_t *s)
{
	if (s->port >= evtchn_valid_ports)
		return -XEN_EINVAL;
	switch (emu_ports[s->port].state) {
	case EMU_PORT_IPI:
		evtchn_set_pending(cpu, s->port);
		return 0;
	case EMU_PORT_VIRQ:
		return -XEN_EINVAL;
	default:
		/* interdomain (even to ourselves), unbound: evtchnd */
		return host_op(cpu, EVTCHND_OP_SEND, DOMID_SELF, s->port, 0, 0,
			       NULL);
	}
}

static long op_status(struct emu_cpu *cpu, evtchn_status_t *s)
{
	struct emu_evtchn_req r;
	const struct emu_port *p;
	long rc;

	if (!is_self(s->dom))
		return -XEN_EPERM;
	if (s->port >= evtchn_valid_ports)
		return -XEN_EINVAL;
	rc = host_op(cpu, EVTCHND_OP_STATUS, boot->domid, s->port, 0, 0, &r);
	if (rc < 0)
		return rc;
	p = &emu_ports[s->port];
	s->status = r.status;
	/* emu, not evtchnd, knows where bind_vcpu sent the port */
	s->vcpu = p->state != EMU_PORT_FREE ? p->vcpu : r.st_vcpu;
	memset(&s->u, 0, sizeof(s->u));
	switch (r.status) {
	case EVTCHNSTAT_unbound:
		s->u.unbound.dom = r.remote_dom;
		break;
	case EVTCHNSTAT_interdomain:
		s->u.interdomain.dom = r.remote_dom;
		s->u.interdomain.port = r.remote_port;
		break;
	case EVTCHNSTAT_virq:
		s->u.virq = r.virq;
		break;
	default:
		break;
	}
	return 0;
}

static long op_bind_vcpu(struct emu_cpu *cpu, evtchn_bind_vcpu_t *b)
{
	struct emu_port *p;

	(void)cpu;
	if (b->vcpu >= boot->nr_vcpus)
		return -XEN_ENOENT;
	if (b->port >= evtchn_valid_ports)
		return -XEN_EINVAL;
	p = &emu_ports[b->port];
	switch (p->state) {
	case EMU_PORT_VIRQ:
		if (!virq_is_global(p->virq))
			return -XEN_EINVAL;
		/* fall through */
	case EMU_PORT_REMOTE:
		/* xenner routes evtchnd's events by this byte */
		p->vcpu = b->vcpu;
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

static long op_unmask(struct emu_cpu *cpu, evtchn_unmask_t *u)
{
	if (u->port >= evtchn_valid_ports)
		return -XEN_EINVAL;
	evtchn_unmask(cpu, u->port);
	return 0;
}

static long op_reset(struct emu_cpu *cpu, evtchn_reset_t *r)
{
	long rc;

	if (!is_self(r->dom))
		return -XEN_EPERM;
	rc = host_op(cpu, EVTCHND_OP_RESET, boot->domid, 0, 0, 0, NULL);
	if (rc)
		return rc;
	for (unsigned p = 1; p < evtchn_valid_ports; p++)
		if (emu_ports[p].state != EMU_PORT_FREE)
			evtchn_port_freed(p);
	return 0;
}

#define OP(nr, fn, type, out)                                                  \
	[nr] = {(long (*)(struct emu_cpu *, void *))(fn), sizeof(type), out}

static const struct {
	long (*fn)(struct emu_cpu *cpu, void *arg);
	uint16_t size;
	bool copy_back;
} ops[] = {
	OP(EVTCHNOP_alloc_unbound, op_alloc_unbound, evtchn_alloc_unbound_t, 1),
	OP(EVTCHNOP_bind_interdomain, op_bind_interdomain,
	   evtchn_bind_interdomain_t, 1),
	OP(EVTCHNOP_bind_virq, op_bind_virq, evtchn_bind_virq_t, 1),
	OP(EVTCHNOP_bind_ipi, op_bind_ipi, evtchn_bind_ipi_t, 1),
	OP(EVTCHNOP_close, op_close, evtchn_close_t, 0),
	OP(EVTCHNOP_send, op_send, evtchn_send_t, 0),
	OP(EVTCHNOP_status, op_status, evtchn_status_t, 1),
	OP(EVTCHNOP_bind_vcpu, op_bind_vcpu, evtchn_bind_vcpu_t, 0),
	OP(EVTCHNOP_unmask, op_unmask, evtchn_unmask_t, 0),
	OP(EVTCHNOP_reset, op_reset, evtchn_reset_t, 0),
	OP(EVTCHNOP_reset_cont, op_reset, evtchn_reset_t, 0),
};

long hc_event_channel_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
			 uint64_t a3, uint64_t a4, uint64_t a5)
{
	union {
		evtchn_alloc_unbound_t alloc_unbound;
		evtchn_bind_interdomain_t bind_interdomain;
		evtchn_bind_virq_t bind_virq;
		evtchn_status_t status;
		evtchn_reset_t reset;
	} u;
	long rc;

	(void)a3, (void)a4, (void)a5;
	if (cmd == EVTCHNOP_bind_pirq)
		return -XEN_EPERM; /* no physical IRQs for a domU */
	if (cmd >= sizeof(ops) / sizeof(ops[0]) || !ops[cmd].fn)
		return -XEN_ENOSYS; /* also the FIFO ABI's ops */
	if (copy_from_guest(&u, arg, ops[cmd].size))
		return -XEN_EFAULT;
	rc = ops[cmd].fn(cpu, &u);
	if (!rc && ops[cmd].copy_back && copy_to_guest(arg, &u, ops[cmd].size))
		rc = -XEN_EFAULT;
	return rc;
}
