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
 */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
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
	if (n) {
		pthread_mutex_lock(&x->console_lock);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(STDOUT_FILENO, buf + done, n - done);

			if (w <= 0 && errno != EINTR)
				break;
			if (w > 0)
				done += w;
		}
		pthread_mutex_unlock(&x->console_lock);
	}
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
			{ .fd = x->con_evc.event_fd, .events = POLLIN },
			{ .fd = input ? STDIN_FILENO : -1, .events = POLLIN },
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
