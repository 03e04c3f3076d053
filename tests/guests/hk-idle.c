// SPDX-License-Identifier: MIT
/*
 * A helper kernel for host-side tests (not run by guest-kernels.sh): idles
 * for about three seconds, blocking between ticks of Xen's 100 Hz periodic
 * timer, then powers off.  Long enough to be looked at from outside.
 */
#include "evtlib.h"

void test_main(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER };
	uint64_t end;

	events_setup();
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	events_on();
	printf("idling\n");
	end = now() + 3000 * MS;
	while (now() < end)
		CHECK_EQ(sched_op(SCHEDOP_block, NULL), 0);
	CHECK(evt_count[bv.port] > 0);
}
