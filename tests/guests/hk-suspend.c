// SPDX-License-Identifier: MIT
/*
 * A helper kernel for tests/e2e/xenner-save.sh, not run by
 * guest-kernels.sh: a guest that suspends as Linux does.  It counts, keeps
 * a 1 MiB pattern and a node in xenstore, binds VIRQ_TIMER, and follows
 * control/shutdown = suspend: acknowledges, scribbles over start_info's
 * ports and shared_info (Linux canonicalises them), then
 * SCHEDOP_shutdown(SHUTDOWN_suspend) with its start_info frame in rdx.
 * Back with 1 (cancelled, checkpoint) it puts start_info back and counts
 * on; back with 0 it checks that it is a new domain whose start_info the
 * toolstack rewrote, that its memory, counter, clock and xenstore node
 * survived and that VIRQ_TIMER binds again, then powers off (with
 * "migrating" on its command line the new domain may have the old id: a
 * migration to another dom0).  With
 * "nosuspend" on its command line it never answers; it ends by itself
 * after secs=N seconds (default 60).
 */
#include "xslib.h"

#define PATTERN_SIZE (1 << 20)

static uint8_t pattern[PATTERN_SIZE];
static volatile uint64_t counter;

static uint8_t pattern_byte(unsigned i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

static bool cmdline_has(const char *word)
{
	const char *p = (const char *)start_info->cmd_line;
	unsigned wl = strlen(word);

	for (; *p; p++)
		if ((p == (const char *)start_info->cmd_line || p[-1] == ' ') &&
		    !memcmp(p, word, wl) && (p[wl] == ' ' || !p[wl]))
			return true;
	return false;
}

static long bind_timer(void)
{
	struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};
	long rc = evtchn_op(EVTCHNOP_bind_virq, &b);

	return rc ? rc : (long)b.port;
}

static unsigned read_domid(void)
{
	char buf[64];
	unsigned v = 0;

	if (xs_request(XS_READ, "domid", NULL, buf, sizeof(buf)) != XS_READ)
		return ~0u;
	for (char *p = buf; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* The suspend itself; returns what the hypercall returned. */
static long suspend(void)
{
	struct sched_shutdown sd = {.reason = SHUTDOWN_suspend};
	/* linked at Linux's VIRT_BASE: pfn 0 there, identity p2m */
	uint64_t si_mfn = ((uint64_t)start_info - 0xffffffff80000000ULL) >> 12;
	uint32_t store = start_info->store_evtchn;
	uint32_t console = start_info->console.domU.evtchn;
	uint64_t shinfo = start_info->shared_info;
	long rc;

	/* as Linux's pre-suspend: these are the toolstack's to rewrite */
	start_info->store_evtchn = 0;
	start_info->console.domU.evtchn = 0;
	start_info->shared_info = 0;
	rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&sd,
		       si_mfn, 0, 0);
	if (rc != 0) {
		start_info->store_evtchn = store;
		start_info->console.domU.evtchn = console;
		start_info->shared_info = shinfo;
		return rc;
	}
	CHECK(start_info->store_evtchn != 0);
	CHECK(start_info->console.domU.evtchn != 0);
	CHECK_EQ(start_info->shared_info, shinfo);
	return rc;
}

static void check_resumed(uint64_t count, uint64_t t0, unsigned old_domid)
{
	char buf[128];
	unsigned bad = 0;
	unsigned new_domid;

	printf("hk-suspend: resumed in a new domain\n");
	CHECK_EQ(counter, count);
	for (unsigned i = 0; i < PATTERN_SIZE; i++)
		bad += pattern[i] != pattern_byte(i);
	CHECK_EQ(bad, 0);
	CHECK(now() >= t0);
	new_domid = read_domid();
	printf("hk-suspend: domid %u, was %u\n", new_domid, old_domid);
	CHECK(new_domid != ~0u);
	/* another host's toolstack may give it the same number */
	if (!cmdline_has("migrating"))
		CHECK(new_domid != old_domid);
	CHECK_EQ(xs_request(XS_READ, "data/hk-suspend", NULL, buf, sizeof(buf)),
		 XS_READ);
	CHECK(!memcmp(buf, "before", 7));
	/* a new domain: the old VIRQ binding is gone, binding works */
	CHECK(bind_timer() > 0);
	for (unsigned i = 0; i < 1000; i++)
		counter++;
	CHECK_EQ(counter, count + 1000);
}

void test_main(void)
{
	uint64_t end = 0, next_poll = 0;
	unsigned old_domid;
	char buf[128];

	events_setup();
	xs = (void *)xs_page;
	cons = (void *)cons_page;
	map(xs, start_info->store_mfn);
	map(cons, start_info->console.domU.mfn);
	for (unsigned i = 0; i < PATTERN_SIZE; i++)
		pattern[i] = pattern_byte(i);
	CHECK(bind_timer() > 0);
	CHECK_EQ(xs_request(XS_WRITE, "data/hk-suspend", "before", buf,
			    sizeof(buf)),
		 XS_WRITE);
	old_domid = read_domid();
	end = now() + cmdline_num("secs", 60) * 1000 * MS;
	printf("hk-suspend: counting in domain %u\n", old_domid);
	while (now() < end) {
		uint64_t count, t0;
		long rc;

		counter++;
		if (now() < next_poll)
			continue;
		next_poll = now() + 50 * MS;
		if (cmdline_has("nosuspend") ||
		    xs_request(XS_READ, "control/shutdown", NULL, buf,
			       sizeof(buf)) != XS_READ ||
		    memcmp(buf, "suspend", 8))
			continue;
		/* acknowledge, as Linux's watch does */
		xs_request(XS_WRITE, "control/shutdown", "", buf, sizeof(buf));
		count = counter;
		t0 = now();
		printf("hk-suspend: suspending at count %lu\n", count);
		rc = suspend();
		if (rc == 1) {
			printf("hk-suspend: suspend cancelled: running on\n");
			continue;
		}
		if (rc != 0) {
			printf("FAIL: suspend returned %ld\n", rc);
			CHECK(false);
			return;
		}
		check_resumed(count, t0, old_domid);
		return;
	}
	printf("hk-suspend: %lu seconds are over\n", cmdline_num("secs", 60));
	CHECK(true);
}
