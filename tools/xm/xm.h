/* SPDX-License-Identifier: MIT */
/*
 * xenner-xm: Xen's xm for xenner domains.  Domains are the ones evtchnd
 * knows in $XENNER_RUNDIR; xm's own records (monitor state, logs, kept
 * vmcores) live in $XENNER_RUNDIR/xm/.
 */
#ifndef XENNER_XM_H
#define XENNER_XM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenner/evtchn-client.h"

#define XM_PROG "xenner-xm"

/* Exit statuses of the subcommands. */
#define XM_EXIT_OK    0
#define XM_EXIT_FAIL  1
#define XM_EXIT_USAGE 2

/* One row of `xm list`: a live domain or a kept (preserved) vmcore. */
struct xm_dom {
	struct evtchnd_dominfo info;
	bool preserved; /* only a kept vmcore: xm_dom.core names it */
	char core[1024];
	pid_t xenner_pid; /* 0 if unknown */
};

/* domains.c */
void xm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Points XENSTORED_PATH at the run directory's xenstored. */
void xm_setup_env(void);
/* Connects to evtchnd as dom0; explains how to start it on failure. */
int xm_connect(struct evtchn_client *c);
/*
 * All domains (live ones from evtchnd, then kept vmcores); with_dom0 also
 * Domain-0.  Returns the count (array malloc'ed in *out) or -1.
 */
int xm_domains(struct xm_dom **out, bool with_dom0);
/* NAME or ID (live or preserved); -1 with a message if there is none. */
int xm_lookup(const char *arg, struct xm_dom *d);
/* The same without the message. */
int xm_lookup_quiet(const char *arg, struct xm_dom *d);
/* xm_lookup of a domain a xenner runs (not Domain-0, not a kept vmcore);
 * -1 with a message naming cmd otherwise. */
int xm_lookup_running(const char *cmd, const char *arg, struct xm_dom *d);
/* Sends a request to xenner's control socket; 0, or -1 with a message. */
int xm_control(uint32_t domid, const char *req, pid_t *pid);
/* "$XENNER_RUNDIR/xm[/name]" */
int xm_dir(char *buf, size_t len, const char *name);
/* CPU seconds used by a process (all threads), or a thread if tid. */
double xm_cpu_seconds(pid_t pid, pid_t tid, int *cpu);
/* waits until the domain is gone; timeout_s 0 = forever */
int xm_wait_gone(uint32_t domid, unsigned timeout_s);
/* state letters as xm list: r b p s c d */
void xm_state_string(const struct xm_dom *d, char out[7]);

/* The subcommands: argc/argv after the subcommand name. */
int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
int cmd_block_list(int argc, char **argv);
int cmd_network_list(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_receive(int argc, char **argv);
/* create.c: the xenner binary (NULL if none) */
int find_xenner(void);
const char *xm_xenner_path(void);
/*
 * ready.c: xenner's -ready-fd, always XM_READY_FD in the child.  A pipe
 * (O_CLOEXEC); in the child before exec, its write end as XM_READY_FD
 * (0 or -1); in the parent, the domain id xenner writes, or -1 when it
 * closed the pipe unsaid or said nothing within timeout_s.
 */
#define XM_READY_FD	 3
#define XM_READY_FD_STR	 "3"
#define XM_READY_TIMEOUT 120 /* s: a bootloader, a restore */
int xm_ready_pipe(int fds[2]);
int xm_ready_child(int wfd);
int xm_ready_read(int rfd, unsigned timeout_s);
/* domains.c: xm_control with a reply timeout */
int xm_control_wait(uint32_t domid, const char *req, pid_t *pid,
		    unsigned timeout_s);
/* The same with a descriptor passed along (-1: none) and the reply,
 * whatever it is, in reply; -1 only when there was no answer. */
int xm_control_ask(uint32_t domid, const char *req, int pass_fd, pid_t *pid,
		   char *reply, size_t len, unsigned timeout_s);
/* save.c: `xenner -restore PATH [-paused]` in the background; the new
 * domain's id once introduced, or -1 with a message */
int xm_restore_start(const char *path, const char *name, bool paused,
		     pid_t *pid);

/* console.c: attaches this terminal to the domain's pty until Ctrl-] */
int xm_console_attach(uint32_t domid, unsigned wait_s);

#endif
