/* SPDX-License-Identifier: MIT */
/*
 * Start-up shared by the daemons (evtchnd, blkbackd, netbackd): the
 * options they all take (-f/--foreground, --loglevel, --syslog, --rundir,
 * --pidfile, -h/--help), logging, going into the background, the pidfile
 * and SIGTERM/SIGINT.  A daemon runs:
 *
 *   daemon_init()        options, logging, SIGPIPE ignored
 *   daemon_background()  unless -f: fork; the parent waits for the child
 *   ...its own set-up (die() on failure: the parent exits 1)...
 *   daemon_ready()       signals, pidfile; the parent exits 0
 *   event_base_dispatch() until SIGTERM/SIGINT
 *   daemon_exit()        before event_base_free()
 */
#ifndef XENNER_DAEMON_H
#define XENNER_DAEMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct event;
struct event_base;

/* What a daemon adds to the shared options. */
struct daemon_args {
	/* getopt_long entries, ended by a zeroed one; val must be < 256. */
	const struct option *opts;
	/* Takes one of opts (by val); die()s on a bad value. */
	void (*parse)(int val, const char *arg);
	/* Prints the help lines of opts. */
	void (*usage)(FILE *out);
};

struct daemon {
	const char *prog; /* log prefix and default pidfile "<prog>.pid" */
	bool foreground;
	bool syslog;
	int loglevel;
	const char *pidfile;
	/* private */
	char pidfile_buf[4096];
	int ready_fd; /* the waiting parent's pipe; -1: none */
	struct event *sigs[2];
};

/*
 * Parses argv: --help exits 0, a bad option or argument exits 2, a bad
 * value 1.  Then starts logging and ignores SIGPIPE (peers go away).
 */
void daemon_init(struct daemon *d, int argc, char **argv,
		 const struct daemon_args *args);
/*
 * Without -f: forks; the parent exits 0 once the child calls
 * daemon_ready(), 1 if the child exits first (its start-up failed).
 */
void daemon_background(struct daemon *d);
/*
 * Set-up is done: SIGTERM and SIGINT log "signal N: <why>" and break
 * base's loop; the pidfile is written; a waiting parent exits.
 */
void daemon_ready(struct daemon *d, struct event_base *base, const char *why);
/* Frees the signal events and removes the pidfile. */
void daemon_exit(struct daemon *d);
/* A decimal option value in min..max; die()s naming what otherwise. */
long daemon_parse_num(const char *s, const char *what, long min, long max);

#endif
