/* SPDX-License-Identifier: MIT */
/*
 * xenner-standin: a fake Xen PV guest plus its toolstack, without KVM.
 * It builds the same start-of-day pages xenner builds (grant table,
 * xenstore and console rings, shared_info) in a vmcore, registers with
 * evtchnd and xenstored, then runs a script of guest actions.
 */
#ifndef STANDIN_H
#define STANDIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../testdom/testdom.h"

#include "console-ring.h"
#include "xs-ring.h"

/* Start-of-day frames, fixed like a domain builder would choose them. */
#define STANDIN_GNTTAB_PFN	1
#define STANDIN_STORE_PFN	2
#define STANDIN_CONSOLE_PFN	3
#define STANDIN_SHARED_INFO_PFN 4
#define STANDIN_MIN_PAGES	16

struct standin {
	/* options */
	const char *name;
	uint64_t nr_pages;
	int timeout_ms;
	bool use_xenstore;

	/* the domain is tests/testdom's td */
	uint32_t store_port, console_port;
	struct xencons_interface *cons;

	/* toolstack side: stock libxenstore as dom0 (td.xs) */
	bool introduced;
	/* guest side */
	struct xs_ring xs;

	int sigfd;
	int stop_signal; /* SIGTERM/SIGINT received */
	bool got_usr1;
	bool destroyed; /* dom0 destroyed us */
};

/*
 * Waits up to timeout_ms (-1: forever) for an event-channel event or a
 * signal; handles and unmasks ports.  0: something happened (re-check the
 * rings); -ETIMEDOUT; -EINTR on SIGTERM/SIGINT; -ENODEV if destroyed;
 * -EPIPE if evtchnd went away.
 */
int standin_wait(struct standin *s, int timeout_ms);
/* Appends to the console ring and notifies, waiting while it is full. */
int standin_console(struct standin *s, const char *data, size_t len);

int toolstack_open(struct standin *s);
/* Writes the domain's xenstore tree and introduces it to xenstored. */
int toolstack_introduce(struct standin *s);
/* Releases the domain and removes its tree; safe to call twice. */
void toolstack_release(struct standin *s);

/* Runs one script line; 0 or -1 (already reported) to stop the script. */
int script_run_line(struct standin *s, char *line);
/* Set by wait-signal after SIGTERM/SIGINT: end the script successfully. */
extern bool script_done;

#endif
