// SPDX-License-Identifier: MIT
/*
 * A helper kernel for the toolstack tests (tests/e2e/xm-*.sh), not run by
 * guest-kernels.sh: a guest that cooperates like Linux does.  It says
 * hello on its PV console ring, echoes what it reads there, follows
 * control/shutdown in xenstore (poweroff, halt, reboot, crash) and ends by
 * itself after secs=N seconds (default 30) with end=poweroff|reboot|crash
 * from its command line.  quiet=N: for the first N seconds it only
 * blocks (timer ticks), so that its vCPU does not leave KVM.
 */
#include "xslib.h"

static void cons_write(const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		if (!WAIT_FOR(cons->out_prod - cons->out_cons <
				      sizeof(cons->out),
			      1000 * MS))
			return; /* nobody reads: drop */
		cons->out[MASK_XENCONS_IDX(cons->out_prod, cons->out)] = s[i];
		__atomic_store_n(&cons->out_prod, cons->out_prod + 1,
				 __ATOMIC_RELEASE);
	}
	notify(start_info->console.domU.evtchn);
}

static void cons_echo(void)
{
	char buf[64];
	unsigned n = 0;

	while (cons->in_cons !=
		       __atomic_load_n(&cons->in_prod, __ATOMIC_ACQUIRE) &&
	       n < sizeof(buf)) {
		buf[n++] = cons->in[MASK_XENCONS_IDX(cons->in_cons, cons->in)];
		__atomic_store_n(&cons->in_cons, cons->in_cons + 1,
				 __ATOMIC_RELEASE);
	}
	if (n) {
		notify(start_info->console.domU.evtchn);
		cons_write(buf, n);
	}
}

/* The value of "key=" on the command line, or def. */

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

static unsigned reason_of(const char *s)
{
	if (!memcmp(s, "reboot", 7))
		return SHUTDOWN_reboot;
	if (!memcmp(s, "crash", 6))
		return SHUTDOWN_crash;
	if (!memcmp(s, "poweroff", 9) || !memcmp(s, "halt", 5))
		return SHUTDOWN_poweroff;
	return ~0u;
}

void test_main(void)
{
	struct evtchn_bind_virq bv = {.virq = VIRQ_TIMER};
	char buf[256], line[160];
	unsigned reason = SHUTDOWN_poweroff, tick = 0;
	uint64_t end, quiet_end;

	events_setup();
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	events_on();
	xs = (void *)xs_page;
	cons = (void *)cons_page;
	map(xs, start_info->store_mfn);
	map(cons, start_info->console.domU.mfn);
	if (xs_request(XS_READ, "name", NULL, buf, sizeof(buf)) != XS_READ)
		buf[0] = '\0';
	snprintf(line, sizeof(line), "hk-xm: %s is up (%s)\r\n", buf,
		 (const char *)start_info->cmd_line);
	cons_write(line, strlen(line));
	printf("%s", line);
	if (cmdline_has("end=reboot"))
		reason = SHUTDOWN_reboot;
	else if (cmdline_has("end=crash"))
		reason = SHUTDOWN_crash;
	end = now() + cmdline_num("secs", 30) * 1000 * MS;
	quiet_end = now() + cmdline_num("quiet", 0) * 1000 * MS;
	while (now() < end) {
		sched_op(SCHEDOP_block, NULL);
		/* no console, no xenstore: no exit to xenner */
		if (now() < quiet_end)
			continue;
		cons_echo();
		if (++tick % 10)
			continue;
		/* as Linux's xenbus watch, polled: the toolstack's request */
		if (xs_request(XS_READ, "control/shutdown", NULL, buf,
			       sizeof(buf)) == XS_READ &&
		    reason_of(buf) != ~0u) {
			reason = reason_of(buf);
			xs_request(XS_WRITE, "control/shutdown", "", buf,
				   sizeof(buf));
			snprintf(line, sizeof(line), "hk-xm: asked to %s\r\n",
				 reason == SHUTDOWN_reboot  ? "reboot"
				 : reason == SHUTDOWN_crash ? "crash"
							    : "power off");
			cons_write(line, strlen(line));
			break;
		}
	}
	shutdown(reason);
}
