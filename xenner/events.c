// SPDX-License-Identifier: MIT
/*
 * Event channels, host side.  emu asks for port operations with
 * EMU_REQ_EVTCHN and xenner runs them against evtchnd as the domain's
 * owner.  Events evtchnd sends for the domain's ports are set in the
 * guest's shared_info/vcpu_info with Xen's 2-level rules and the vCPU is
 * kicked with an MSI on EMU_VEC_EVENT; then the port is re-armed in
 * evtchnd (the guest's own mask bit does the masking).
 *
 * The event socket is drained by whichever thread gets there: the main
 * thread when it polls readable, a vCPU thread right after its request,
 * so that a send to one of the domain's own ports is pending before the
 * hypercall returns, as on Xen.
 */
#include <stdint.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/xen.h>

#include "xenner.h"
#include "xenner/log.h"

#define XEN_EINVAL 22

static struct emu_port *ports(struct xenner *x)
{
	return (struct emu_port *)(x->emu + EMU_OFF_PORTS);
}

void events_init(struct xenner *x)
{
	struct emu_port *p = ports(x);
	uint32_t mine[] = {x->store_port, x->console_port};

	/* the ports xenner allocated before boot, for emu's checks */
	for (unsigned i = 0; i < 2; i++)
		if (mine[i] && mine[i] < EMU_NR_PORTS)
			p[mine[i]].state = EMU_PORT_REMOTE;
}

/* evtchnd's errno values are Linux's; the guest wants Xen's. */
static int64_t xen_errno(int rc)
{
	switch (rc) {
	case -EPERM:
	case -ENOENT:
	case -ESRCH:
	case -ENOMEM:
	case -EBUSY:
	case -EEXIST:
	case -EINVAL:
	case -ENOSPC:
	case -ENOSYS:
		return rc; /* same numbers on x86 */
	default:
		return rc < 0 ? -XEN_EINVAL : rc;
	}
}

static shared_info_t *shared_info_of(struct xenner *x)
{
	return (shared_info_t *)(x->ram + x->boot->shared_info_pfn * 4096);
}

static struct vcpu_info *vcpu_info_at(struct xenner *x, unsigned vcpu,
				      shared_info_t *si)
{
	uint64_t ma = __atomic_load_n(&x->vcpus[vcpu].page->vcpu_info_maddr,
				      __ATOMIC_ACQUIRE);

	/* emu publishes it; still, never write outside guest RAM */
	if (!ma || ma + sizeof(struct vcpu_info) > x->nr_pages * 4096ULL)
		return &si->vcpu_info[vcpu];
	return (struct vcpu_info *)(x->ram + ma);
}

const struct vcpu_info *events_vcpu_info(struct xenner *x, unsigned vcpu)
{
	return vcpu_info_at(x, vcpu, shared_info_of(x));
}

static void kick(struct xenner *x, unsigned vcpu)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | vcpu << 12,
		.data = EMU_VEC_EVENT,
	};

	if (ioctl(x->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		log_warn("KVM_SIGNAL_MSI to vcpu%u: %s", vcpu, strerror(errno));
}

/*
 * Xen's 2-level set_pending, from the host side.  self: the vCPU whose
 * request is being answered (it looks at its bits on the way back to the
 * guest, so it needs no interrupt), or -1.
 */
static void deliver(struct xenner *x, uint32_t port, int self)
{
	shared_info_t *si = shared_info_of(x);
	unsigned vcpu = __atomic_load_n(&ports(x)[port].vcpu, __ATOMIC_RELAXED);
	uint64_t bit = 1ULL << (port % 64), selbit = 1ULL << (port / 64);
	struct emu_vcpu_page *p;
	struct vcpu_info *vi;
	bool do_kick;

	if (vcpu >= x->cfg.nr_vcpus)
		vcpu = 0;
	p = x->vcpus[vcpu].page;
	if (__atomic_fetch_or(&si->evtchn_pending[port / 64], bit,
			      __ATOMIC_SEQ_CST) &
	    bit)
		return;
	do_kick = __atomic_load_n(&x->vcpus[vcpu].page->polling,
				  __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&si->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) &
	      bit)) {
		vi = vcpu_info_at(x, vcpu, si);
		if (!(__atomic_fetch_or(&vi->evtchn_pending_sel, selbit,
					__ATOMIC_SEQ_CST) &
		      selbit) &&
		    !__atomic_exchange_n(&vi->evtchn_upcall_pending, 1,
					 __ATOMIC_SEQ_CST)) {
			do_kick = true;
			p->diag_raise = emu_diag_stamp(p);
			p->diag_raise_by = self == (int)vcpu
						   ? EMU_DIAG_HOST_SELF
						   : EMU_DIAG_HOST;
			p->diag_raise_port = port;
		}
	}
	if (do_kick && (int)vcpu != self) {
		p->diag_kick = emu_diag_stamp(p);
		kick(x, vcpu);
	}
}

/* Called with evc_lock held. */
static void drain_locked(struct xenner *x, int self)
{
	struct evtchnd_event ev;
	int st;

	while (evtchn_client_read_event(&x->evc, &ev) > 0) {
		switch (ev.type) {
		case EVTCHND_EV_PORT:
			if (ev.port == 0 || ev.port >= EMU_NR_PORTS)
				break;
			deliver(x, ev.port, self);
			/* re-arm: the guest's mask bit masks from now on */
			evtchn_client_unmask(&x->evc, ev.port);
			break;
		case EVTCHND_EV_DESTROY:
			log_info("domain %u destroyed from dom0", x->domid);
			vcpus_stop(x, XENNER_EXIT_KILLED);
			break;
		case EVTCHND_EV_SHUTDOWN:
			/* our own SCHEDOP_shutdown comes back here too */
			if (atomic_load(&x->stopping))
				break;
			st = shutdown_status(ev.arg);
			log_info("domain %u shut down from dom0 (reason %u)",
				 x->domid, ev.arg);
			vcpus_stop(x, st < 0 ? XENNER_EXIT_KILLED : st);
			break;
		default:
			break;
		}
	}
}

void events_drain(struct xenner *x)
{
	pthread_mutex_lock(&x->evc_lock);
	drain_locked(x, -1);
	pthread_mutex_unlock(&x->evc_lock);
}

static int run_op(struct xenner *x, struct emu_evtchn_req *r)
{
	struct evtchnd_status st;
	int rc;

	switch (r->op) {
	case EVTCHND_OP_ALLOC_UNBOUND:
		return evtchn_client_alloc_unbound(&x->evc, r->dom);
	case EVTCHND_OP_BIND_INTERDOMAIN:
		return evtchn_client_bind_interdomain(&x->evc, r->dom, r->port);
	case EVTCHND_OP_BIND_VIRQ:
		return evtchn_client_bind_virq(&x->evc, r->arg, r->vcpu);
	case EVTCHND_OP_BIND_IPI:
		return evtchn_client_bind_ipi(&x->evc, r->vcpu);
	case EVTCHND_OP_SEND:
		return evtchn_client_send(&x->evc, r->port);
	case EVTCHND_OP_CLOSE:
		return evtchn_client_close_port(&x->evc, r->port);
	case EVTCHND_OP_STATUS:
		/* only the domain's own ports: emu checked the domain */
		rc = evtchn_client_status(&x->evc, x->domid, r->port, &st);
		if (rc >= 0) {
			r->status = st.status;
			r->st_vcpu = st.vcpu;
			r->remote_dom = st.remote_dom;
			r->remote_port = st.remote_port;
			r->virq = st.virq;
		}
		return rc;
	case EVTCHND_OP_RESET:
		return evtchn_client_reset(&x->evc, x->domid);
	default:
		return -EINVAL;
	}
}

void events_request(struct vcpu *v)
{
	struct xenner *x = v->x;
	struct emu_evtchn_req r;
	int rc;

	/* a private copy: emu (the guest's side) may change the page */
	memcpy(&r, v->page->data, sizeof(r));
	pthread_mutex_lock(&x->evc_lock);
	rc = run_op(x, &r);
	drain_locked(x, v->id);
	pthread_mutex_unlock(&x->evc_lock);
	if (rc == -EPIPE || rc == -ECONNRESET)
		log_err("domain %u: evtchnd went away", x->domid);
	else if (rc < 0)
		log_debug("domain %u: evtchnd op %u: %s", x->domid, r.op,
			  strerror(-rc));
	memcpy(v->page->data, &r, sizeof(r));
	v->page->result = xen_errno(rc);
}
