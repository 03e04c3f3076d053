// SPDX-License-Identifier: MIT
/*
 * The guest's PV console on xenner's own stdin/stdout (-console stdio, the
 * default): xenner is the console backend, as xenconsoled would be.  A
 * thread binds the console event channel as dom0, copies the guest's
 * output ring to stdout and stdin to the input ring.  On a terminal,
 * stdin is raw and Ctrl-] stops the domain.
 *
 * The ring is guest memory: indices are checked (prod - cons <= size) and
 * only ever masked into the ring.
 *
 * A guest cannot fill the host with its output: what it prints, through
 * the ring or CONSOLEIO_write, in either console mode, passes a token
 * bucket (XENNER_CONSOLE_RATE KiB/s, default 256, with bursts of 16 s of
 * it; 0 = no limit).  Above it output is consumed and dropped, not held
 * back (the guest never waits on the host), and xenner says so once, and
 * how much it dropped when the guest slows down.
 */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/console.h>

#include "xenner.h"
#include "xenner/log.h"

#define CTRL_RBRACKET 0x1d

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

static void tty_make_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR; /* keep our own log lines readable */
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		tty_raw = true;
}

#define CONSOLE_DEFAULT_RATE  256 /* KiB/s */
#define CONSOLE_BURST_SECONDS 16

void console_budget_init(struct xenner *x)
{
	const char *e = getenv("XENNER_CONSOLE_RATE");
	char *end;
	long kib = CONSOLE_DEFAULT_RATE;

	if (e && *e) {
		kib = strtol(e, &end, 10);
		if (*end || kib < 0) {
			log_warn("XENNER_CONSOLE_RATE=%s is not a number of "
				 "KiB/s: using %d",
				 e, CONSOLE_DEFAULT_RATE);
			kib = CONSOLE_DEFAULT_RATE;
		}
	}
	x->con_budget.rate = kib * 1024.0;
	x->con_budget.burst = x->con_budget.rate * CONSOLE_BURST_SECONDS;
	x->con_budget.tokens = x->con_budget.burst;
	x->con_budget.last = -1;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_out(const char *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(STDOUT_FILENO, buf + done, n - done);

		if (w <= 0 && errno != EINTR)
			break;
		if (w > 0)
			done += w;
	}
}

void console_emit(struct xenner *x, const void *buf, size_t len)
{
	struct console_budget *b = &x->con_budget;
	double t = mono_now();
	size_t n = len;
	char note[120];

	pthread_mutex_lock(&x->console_lock);
	if (b->rate > 0) {
		if (b->last >= 0)
			b->tokens += (t - b->last) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last = t;
		if (b->dropping && b->tokens >= b->burst / 2) {
			/* it slowed down: say what was lost, in place */
			log_warn("domain %u: console output flowing again; "
				 "%llu bytes dropped",
				 x->domid, (unsigned long long)b->dropped);
			n = snprintf(note, sizeof(note),
				     "\r\n[xenner: %llu bytes of console "
				     "output dropped]\r\n",
				     (unsigned long long)b->dropped);
			write_out(note, n);
			b->dropping = false;
			b->dropped = 0;
		}
		n = b->dropping	       ? 0
		    : len <= b->tokens ? len
				       : (size_t)b->tokens;
		b->tokens -= n;
		if (n < len) {
			if (!b->dropping)
				log_warn("domain %u: console output above %.0f "
					 "KiB/s: dropping it until it slows "
					 "down",
					 x->domid, b->rate / 1024);
			b->dropping = true;
			b->dropped += len - n;
		}
	}
	write_out(buf, n);
	pthread_mutex_unlock(&x->console_lock);
}

static struct xencons_interface *ring(struct xenner *x)
{
	return (struct xencons_interface *)(x->ram +
					    x->vmcore.dom->console_pfn * 4096);
}

/* Guest output to stdout; returns whether anything was consumed. */
static bool drain_output(struct xenner *x)
{
	struct xencons_interface *r = ring(x);
	XENCONS_RING_IDX cons = r->out_cons, prod;
	char buf[sizeof(r->out)];
	size_t n = 0;

	prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	if (prod - cons > sizeof(r->out)) {
		log_ratelimited(&x->console_rl, XLOG_WARN,
				"domain %u: console ring indices are corrupt "
				"(prod %u cons %u): discarding",
				x->domid, prod, cons);
		cons = prod;
	}
	while (cons != prod)
		buf[n++] = r->out[MASK_XENCONS_IDX(cons++, r->out)];
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	if (n)
		console_emit(x, buf, n);
	return n > 0;
}

/* stdin to the guest; returns false at end of input. */
static bool feed_input(struct xenner *x)
{
	struct xencons_interface *r = ring(x);
	XENCONS_RING_IDX prod = r->in_prod, cons;
	char buf[sizeof(r->in)];
	ssize_t n;
	size_t space;

	cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	if (prod - cons > sizeof(r->in))
		cons = prod; /* corrupt: start over */
	space = sizeof(r->in) - (prod - cons);
	if (!space)
		return true;
	n = read(STDIN_FILENO, buf, space);
	if (n <= 0)
		return n < 0 && errno == EINTR;
	for (ssize_t i = 0; i < n; i++) {
		if (tty_raw && buf[i] == CTRL_RBRACKET) {
			log_info("Ctrl-]: stopping domain %u", x->domid);
			vcpus_stop(x, XENNER_EXIT_KILLED);
			return false;
		}
		r->in[MASK_XENCONS_IDX(prod++, r->in)] = buf[i];
	}
	__atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
	evtchn_client_send(&x->con_evc, x->con_port);
	return true;
}

static void *console_thread(void *arg)
{
	struct xenner *x = arg;
	bool input = true;

	while (!atomic_load(&x->stopping)) {
		struct pollfd p[2] = {
			{.fd = x->con_evc.event_fd, .events = POLLIN},
			{.fd = input ? STDIN_FILENO : -1, .events = POLLIN},
		};
		struct evtchnd_event ev;

		if (poll(p, 2, 200) < 0 && errno != EINTR)
			break;
		while (evtchn_client_read_event(&x->con_evc, &ev) > 0)
			if (ev.type == EVTCHND_EV_PORT)
				evtchn_client_unmask(&x->con_evc, ev.port);
		if (drain_output(x))
			evtchn_client_send(&x->con_evc, x->con_port);
		if (p[1].revents)
			input = feed_input(x);
	}
	drain_output(x);
	return NULL;
}

int console_start(struct xenner *x)
{
	int rc;

	if (x->cfg.console_xenconsoled)
		return 0;
	rc = evtchn_client_connect(&x->con_evc, 0);
	if (rc)
		return rc;
	rc = evtchn_client_bind_interdomain(&x->con_evc, x->domid,
					    x->console_port);
	if (rc < 0) {
		log_err("cannot bind the console event channel: %s",
			strerror(-rc));
		return rc;
	}
	x->con_port = rc;
	tty_make_raw();
	rc = pthread_create(&x->con_thread, NULL, console_thread, x);
	if (rc) {
		tty_restore();
		return -rc;
	}
	x->con_started = true;
	return 0;
}

void console_stop(struct xenner *x)
{
	if (x->con_started)
		pthread_join(x->con_thread, NULL);
	x->con_started = false;
	tty_restore();
	evtchn_client_close(&x->con_evc);
}
