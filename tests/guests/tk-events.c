// SPDX-License-Identifier: MIT
/*
 * Event channels: a loopback interdomain channel through evtchnd, IPIs to
 * ourselves, mask/unmask, status of each kind, close, bind_vcpu,
 * SCHEDOP_poll, and Xen's errors for bad ports, vCPUs and pointers.
 */
#include "evtlib.h"

static uint32_t status_of(unsigned port, evtchn_status_t *st)
{
	st->dom = DOMID_SELF;
	st->port = port;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, st), 0);
	return st->status;
}

static long poll_ports(evtchn_port_t *ports, unsigned n, uint64_t timeout)
{
	struct sched_poll sp = {.nr_ports = n, .timeout = timeout};

	set_xen_guest_handle(sp.ports, ports);
	return sched_op(SCHEDOP_poll, &sp);
}

void test_main(void)
{
	struct evtchn_alloc_unbound au = {.dom = DOMID_SELF,
					  .remote_dom = DOMID_SELF};
	struct evtchn_bind_interdomain bi;
	struct evtchn_bind_ipi bipi = {.vcpu = 0};
	struct evtchn_bind_virq bv = {.virq = VIRQ_DEBUG, .vcpu = 0};
	struct evtchn_send snd;
	struct evtchn_close cl;
	struct evtchn_unmask um;
	struct evtchn_bind_vcpu bvc;
	evtchn_status_t st;
	evtchn_port_t pp[130];
	unsigned a, b, ipi, dbg, n;
	uint64_t t0, t;

	events_setup();

	/* loopback: a waits for ourselves, b binds to it */
	CHECK_EQ(evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	a = au.port;
	CHECK_EQ(status_of(a, &st), EVTCHNSTAT_unbound);
	CHECK(st.u.unbound.dom > 0 && st.u.unbound.dom < DOMID_FIRST_RESERVED);
	bi.remote_dom = DOMID_SELF;
	bi.remote_port = a;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_interdomain, &bi), 0);
	b = bi.local_port;
	CHECK(a != b && a > 0 && b > 0);
	/* Xen marks the new end pending at once */
	CHECK(port_pending(b));
	CHECK_EQ(status_of(a, &st), EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.port, b);
	CHECK_EQ(st.vcpu, 0);
	CHECK_EQ(status_of(b, &st), EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.port, a);

	events_on(); /* delivers b */
	CHECK_EQ(evt_count[b], 1);
	snd.port = b;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK(WAIT_FOR(evt_count[a] == 1, 5000 * MS));
	snd.port = a;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK(WAIT_FOR(evt_count[b] == 2, 5000 * MS));

	/* IPI to ourselves: raised inside emu, delivered on return */
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_ipi, &bipi), 0);
	ipi = bipi.port;
	CHECK_EQ(status_of(ipi, &st), EVTCHNSTAT_ipi);
	CHECK_EQ(st.vcpu, 0);
	snd.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK_EQ(evt_count[ipi], 1);

	/* masked: pending but no upcall; unmask raises it */
	port_mask(ipi, true);
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK(port_pending(ipi));
	CHECK_EQ(evt_count[ipi], 1);
	um.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ(evt_count[ipi], 2);
	CHECK(!port_pending(ipi));
	/* unmask of a port that is not pending: nothing happens */
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ(evt_count[ipi], 2);
	/* masked interdomain event, then unmask */
	port_mask(a, true);
	snd.port = b;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK(port_pending(a));
	CHECK_EQ(evt_count[a], 1);
	um.port = a;
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ(evt_count[a], 2);

	/* virq status; bind_virq twice -> EEXIST */
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	dbg = bv.port;
	CHECK_EQ(status_of(dbg, &st), EVTCHNSTAT_virq);
	CHECK_EQ(st.u.virq, VIRQ_DEBUG);
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), -17);
	snd.port = dbg;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), -22);

	/* bind_vcpu: interdomain yes, IPI and per-vCPU virq no */
	bvc.port = a;
	bvc.vcpu = 0;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bvc), 0);
	bvc.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -22);
	bvc.port = dbg;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -22);
	bvc.port = a;
	bvc.vcpu = 7;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -2);

	/* SCHEDOP_poll: already pending -> at once */
	events_off();
	port_mask(ipi, true);
	snd.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	pp[0] = ipi;
	CHECK_EQ(poll_ports(pp, 1, 0), 0);
	/* a masked port that the timer raises wakes the poller */
	{
		struct evtchn_bind_virq tv = {.virq = VIRQ_TIMER};
		unsigned tp;

		CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &tv), 0);
		tp = tv.port;
		CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
		port_mask(tp, true);
		sh->evtchn_pending[tp / 64] &= ~(1ULL << (tp % 64));
		t0 = now();
		CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, t0 + 5 * MS, 0, 0,
				   0, 0),
			 0);
		pp[0] = tp;
		CHECK_EQ(poll_ports(pp, 1, t0 + 1000 * MS), 0);
		t = now();
		printf("  poll woke by the timer after %lu us\n",
		       (t - t0) / 1000);
		CHECK(port_pending(tp));
		CHECK(t - t0 >= 4 * MS && t - t0 < 500 * MS);
		/* and the timeout alone */
		sh->evtchn_pending[tp / 64] &= ~(1ULL << (tp % 64));
		t0 = now();
		CHECK_EQ(poll_ports(pp, 1, t0 + 5 * MS), 0);
		t = now();
		printf("  poll timed out after %lu us\n", (t - t0) / 1000);
		CHECK(t - t0 >= 4 * MS && t - t0 < 500 * MS);
		CHECK(!port_pending(tp));
		/* a timeout in the past returns at once */
		CHECK_EQ(poll_ports(pp, 1, 1), 0);
	}
	CHECK_EQ(poll_ports(pp, 129, 1), -22);
	pp[0] = 5000;
	CHECK_EQ(poll_ports(pp, 1, 1), -22);
	CHECK_EQ(poll_ports((void *)0x10, 1, 1), -14);
	events_on();
	/* the IPI sent while masked comes with the unmask */
	n = evt_count[ipi];
	um.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ(evt_count[ipi], n + 1);

	/* close: the peer falls back to unbound */
	cl.port = a;
	CHECK_EQ(evtchn_op(EVTCHNOP_close, &cl), 0);
	CHECK_EQ(status_of(a, &st), EVTCHNSTAT_closed);
	CHECK_EQ(status_of(b, &st), EVTCHNSTAT_unbound);
	CHECK_EQ(evtchn_op(EVTCHNOP_close, &cl), -22);
	snd.port = b; /* unbound: silently dropped */
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	cl.port = dbg;
	CHECK_EQ(evtchn_op(EVTCHNOP_close, &cl), 0);
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), 0); /* free again */

	/* bad ports, vCPUs, domains, pointers, commands */
	snd.port = 5000;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), -22);
	snd.port = 4000; /* in range, but no bucket allocated */
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), -22);
	cl.port = 5000;
	CHECK_EQ(evtchn_op(EVTCHNOP_close, &cl), -22);
	cl.port = 0;
	CHECK_EQ(evtchn_op(EVTCHNOP_close, &cl), -22);
	um.port = 5000;
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, &um), -22);
	st.dom = DOMID_SELF;
	st.port = 5000;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, &st), -22);
	st.dom = 0;
	st.port = 1;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, &st), -1);
	bvc.port = 5000;
	bvc.vcpu = 0;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -22);
	bipi.vcpu = 5;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_ipi, &bipi), -2);
	bv.virq = 99;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), -22);
	bv.virq = VIRQ_TIMER;
	bv.vcpu = 9;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), -2);
	bv.virq = VIRQ_CONSOLE; /* global: only vCPU 0 */
	bv.vcpu = 1;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), -22);
	au.dom = 0;
	CHECK_EQ(evtchn_op(EVTCHNOP_alloc_unbound, &au), -1);
	bi.remote_dom = DOMID_SELF;
	bi.remote_port = 4000;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_interdomain, &bi), -22);
	bi.remote_dom = 1234;
	bi.remote_port = 1;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_interdomain, &bi), -3);
	CHECK_EQ(evtchn_op(EVTCHNOP_send, (void *)0x10), -14);
	CHECK_EQ(
		evtchn_op(EVTCHNOP_alloc_unbound, (void *)0xffff800000000000UL),
		-14);
	CHECK_EQ(evtchn_op(EVTCHNOP_init_control, &st), -38);
	CHECK_EQ(evtchn_op(EVTCHNOP_expand_array, &st), -38);
	CHECK_EQ(evtchn_op(EVTCHNOP_set_priority, &st), -38);
	CHECK_EQ(evtchn_op(99, &st), -38);
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_pirq, &st), -1);
	{
		struct sched_remote_shutdown rs = {.domain_id = 0};

		CHECK_EQ(sched_op(SCHEDOP_remote_shutdown, &rs), -1);
	}

	/* the IPI still works after all that */
	n = evt_count[ipi];
	snd.port = ipi;
	CHECK_EQ(evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK_EQ(evt_count[ipi], n + 1);
	finish();
}
