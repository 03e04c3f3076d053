// SPDX-License-Identifier: MIT
/*
 * Time and timers: pvclock in vcpu_info (KVM's kvmclock), the wall clock in
 * shared_info, set_timer_op and the vCPU timer ops raising VIRQ_TIMER
 * through the event callback, SCHEDOP_block waking on the timer, runstate,
 * moving vcpu_info, and Xen's errors for bad values.
 */
#include "evtlib.h"

static char vi_page[4096] __attribute__((aligned(4096)));
static struct vcpu_runstate_info runstate;

static void test_clock(void)
{
	uint64_t t0, t1, c0, c1, prev, hz, wc;

	printf("  pvclock: version %u system_time %lu mul %u shift %d "
	       "flags %x\n",
	       vi->time.version, vi->time.system_time,
	       vi->time.tsc_to_system_mul, vi->time.tsc_shift, vi->time.flags);
	CHECK(vi->time.version != 0 && (vi->time.version & 1) == 0);
	CHECK(vi->time.tsc_to_system_mul != 0);
	t0 = now();
	c0 = rdtsc();
	while (rdtsc() - c0 < 50000000)
		;
	t1 = now();
	c1 = rdtsc();
	CHECK(t1 > t0);
	hz = (c1 - c0) * 1000 / ((t1 - t0) / 1000000 + 1);
	printf("  TSC runs at about %lu MHz by pvclock\n", hz / 1000000);
	CHECK(hz > 100000000ULL && hz < 10000000000ULL);
	prev = now();
	for (int i = 0; i < 10000; i++) {
		uint64_t n = now();

		if (n < prev) {
			CHECK(n >= prev);
			break;
		}
		prev = n;
	}
	wc = sh->wc_sec | (uint64_t)sh->wc_sec_hi << 32;
	printf("  wall clock at boot: %lu s (version %u)\n", wc,
	       sh->wc_version);
	CHECK((sh->wc_version & 1) == 0);
	CHECK(wc >= 1704067200ULL); /* 2024-01-01 */
	CHECK(wc < 4102444800ULL);  /* 2100-01-01 */
}

void test_main(void)
{
	struct evtchn_bind_virq bv = {.virq = VIRQ_TIMER, .vcpu = 0};
	struct vcpu_set_singleshot_timer ss;
	struct vcpu_set_periodic_timer per;
	struct vcpu_register_runstate_memory_area ra;
	struct vcpu_register_vcpu_info ri;
	uint64_t deadline, t;
	unsigned port, n;
	int64_t lat;

	events_setup();
	test_clock();

	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	port = bv.port;
	CHECK(port > 0 && port < 4096);
	/* Xen starts PV vCPUs with a 100 Hz tick */
	events_on();
	CHECK(WAIT_FOR(evt_count[port] >= 2, 5000 * MS));
	CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	WAIT_FOR(0, 15 * MS);
	n = evt_count[port];
	WAIT_FOR(0, 30 * MS);
	CHECK_EQ(evt_count[port], n);

	/* set_timer_op in 10 ms: the upcall comes through the callback */
	n = evt_count[port];
	deadline = now() + 10 * MS;
	CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0), 0);
	CHECK(WAIT_FOR(evt_count[port] == n + 1, 5000 * MS));
	lat = (int64_t)(evt_time - deadline);
	printf("  set_timer_op: event %ld us after the deadline\n", lat / 1000);
	CHECK(lat > -50000); /* Xen's timer slop */
	CHECK(lat < 5000 * (int64_t)MS); /* sanity, not a timing test */
	CHECK_EQ(evt_cs & 3, 0); /* interrupted in guest kernel mode */

	/* SCHEDOP_block unmasks and sleeps until the timer */
	events_off();
	n = evt_count[port];
	deadline = now() + 5 * MS;
	CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0), 0);
	CHECK_EQ(sched_op(SCHEDOP_block, NULL), 0);
	t = now();
	CHECK_EQ(evt_count[port], n + 1);
	CHECK(t + 50000 >= deadline);
	printf("  block: woke %ld us after the deadline\n",
	       (int64_t)(t - deadline) / 1000);
	CHECK_EQ(vi->evtchn_upcall_mask, 0);

	/* singleshot: in the past with VCPU_SSHOTTMR_future -> -ETIME */
	n = evt_count[port];
	ss.timeout_abs_ns = now() - MS;
	ss.flags = VCPU_SSHOTTMR_future;
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), -XEN_ETIME);
	CHECK_EQ(evt_count[port], n);
	/* without the flag it fires at once */
	ss.flags = 0;
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	CHECK_EQ(evt_count[port], n + 1);
	/* a stopped one never fires */
	ss.timeout_abs_ns = now() + 5 * MS;
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	WAIT_FOR(0, 20 * MS);
	CHECK_EQ(evt_count[port], n + 1);
	/* set_timer_op(0) stops it too */
	CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, now() + 5 * MS, 0, 0, 0,
			   0),
		 0);
	CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, 0, 0, 0, 0, 0), 0);
	WAIT_FOR(0, 20 * MS);
	CHECK_EQ(evt_count[port], n + 1);

	/* periodic at 2 ms */
	per.period_ns = 2 * MS;
	n = evt_count[port];
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0);
	WAIT_FOR(0, 30 * MS);
	printf("  periodic 2 ms: %u ticks in 30 ms\n", evt_count[port] - n);
	/* no timing assertions: it ticks, and never faster than asked */
	CHECK(evt_count[port] - n >= 1);
	CHECK(evt_count[port] - n <= 16);
	CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	WAIT_FOR(0, 5 * MS);
	n = evt_count[port];
	WAIT_FOR(0, 20 * MS);
	CHECK_EQ(evt_count[port], n);

	/* bad values */
	per.period_ns = 100000;
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &per), -22);
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss), -2);
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 99, &ss), -2);
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)0x10), -14);
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0,
			 (void *)0xffff800000001000UL),
		 -14);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), -2);
	CHECK_EQ(vcpu_op(12345, 0, NULL), -38);

	/* runstate: we blocked above */
	ra.addr.v = &runstate;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra), 0);
	CHECK_EQ(runstate.state, RUNSTATE_running);
	/* (how long depends on how busy the host was: not a timing test) */
	CHECK(runstate.time[RUNSTATE_blocked] > 0);
	CHECK(runstate.time[RUNSTATE_running] > 0);
	ra.addr.p = 0xffff800000000000UL;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra), -14);
	CHECK_EQ(vcpu_op(VCPUOP_get_runstate_info, 0, (void *)0x10), -14);

	/* vcpu_info moves to our page; KVM's clock follows it */
	ri.mfn = ((uint64_t)vi_page - 0xffffffff80000000UL) >> 12;
	ri.offset = 4096 - 32;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &ri), -22);
	ri.offset = 128;
	ri.rsvd = 0;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), -2);
	ri.mfn = (start_info->pt_base - 0xffffffff80000000UL) >> 12;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &ri), -22);
	ri.mfn = ((uint64_t)vi_page - 0xffffffff80000000UL) >> 12;
	events_off();
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &ri), 0);
	vi = (struct vcpu_info *)(vi_page + 128);
	CHECK_EQ(vi->evtchn_upcall_pending, 1);
	CHECK_EQ(vi->evtchn_upcall_mask, 1);
	CHECK(vi->time.tsc_to_system_mul != 0);
	t = now();
	CHECK(t > deadline);
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &ri), -22);
	n = evt_count[port];
	events_on();
	deadline = now() + 3 * MS;
	CHECK_EQ(hypercall(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0), 0);
	CHECK(WAIT_FOR(evt_count[port] == n + 1, 5000 * MS));
	finish();
}
