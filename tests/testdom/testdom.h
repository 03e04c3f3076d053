/* SPDX-License-Identifier: MIT */
/*
 * The guest side the host-played test guests share (xenner-standin,
 * xenner-blkfront, xenner-netfront): one domain per process, made the way
 * xenner's domain builder makes one (a domain in evtchnd, a vmcore with
 * grant-table frames), page and grant allocators inside it, dom0's
 * xenstore handle, the frontend's half of the xenbus handshake, and the
 * command script that drives a test guest.
 */
#ifndef TESTDOM_H
#define TESTDOM_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xenstore.h>

#include "xenner/evtchn-client.h"
#include "xenner/vmcore.h"

#define TD_MAX_DEVS 16

struct td_dev;

struct testdom {
	uint32_t domid;
	struct evtchn_client ec;
	bool ec_open;
	struct vmcore vc;
	bool vc_open;
	/* dom0's handle: the toolstack's writes and the frontend's nodes */
	struct xs_handle *xs;
	struct grant_entry_v1 *gnttab;
	unsigned int nr_grefs;
	int timeout_ms; /* for every wait */
	/* allocators, past the grant-table frames */
	uint32_t next_pfn;
	uint32_t *free_pfns;
	unsigned int nr_free_pfns;
	grant_ref_t next_gref;
	grant_ref_t *free_grefs;
	unsigned int nr_free_grefs;
	/* the frontend devices, removed before the domain goes */
	struct td_dev *devs[TD_MAX_DEVS];
	unsigned int nr_devs;
};

/* The one domain of this process. */
extern struct testdom td;

/*
 * Creates the domain in evtchnd and its vmcore (mapped) with the grant
 * table in frames gnttab_pfn.. (gnttab_frames of them); the caller adds
 * what else it needs and calls td_start().  0 or -errno (logged).
 */
int td_create(const char *name, uint64_t pages, uint32_t gnttab_pfn,
	      unsigned int gnttab_frames);
/* Readers (the backends) trust the vmcore's frame fields from now on. */
void td_start(void);
/* The domain shut down (SHUTDOWN_*): the vmcore's state says so. */
void td_set_shutdown(uint32_t reason);
/* Connects to xenstored as dom0; 0 or -errno (logged). */
int td_xs_open(void);
/*
 * Removes the devices, closes xenstore, destroys the domain and removes
 * its vmcore.
 */
void td_destroy(void);

uint8_t *td_page(uint32_t pfn);
int td_alloc_page(uint32_t *pfn);
void td_free_page(uint32_t pfn);
/* Grants dom0 access to pfn; the grant's ref in *ref. */
int td_grant(uint32_t pfn, bool readonly, grant_ref_t *ref);
/* Ends a grant; -EBUSY if the backend still has it mapped. */
int td_ungrant(grant_ref_t ref);
/* Waits for an event (and unmasks it); 0, -ETIMEDOUT or -errno. */
int td_wait_event(int timeout_ms);
int64_t td_now_ms(void);

/* frontend.c: the device's xenstore nodes and the xenbus handshake */

/* A test frontend's device; the frontend's own struct starts with it. */
struct td_dev {
	bool used;
	bool connected;
	uint32_t devid;
	char fe[128], be[128];
	const struct td_dev_ops *ops;
};

struct td_dev_ops {
	/* Frees the rings and grants; force: clear pins a dead backend left. */
	void (*release)(struct td_dev *d, bool force);
	/* release(force), then connect again as the last time. */
	int (*again)(struct td_dev *d, bool force);
	/* The backend states wait-reconnect accepts after our Closed. */
	unsigned int closed_mask;
};

/* Sets up d (zeroed) for type/devid; td_destroy() removes it. */
void td_dev_init(struct td_dev *d, const struct td_dev_ops *ops,
		 const char *type, uint32_t devid);
/*
 * Creates a device the way a toolstack does: the nodes every split
 * device has, and the type's own ones written by nodes(t, arg), in one
 * transaction.  0 or -errno.
 */
int td_dev_add(struct td_dev *d, int (*nodes)(xs_transaction_t t, void *arg),
	       void *arg);
/*
 * connect: back to Initialising after a close, and the backend's
 * InitWait; 0, or -1 after an ERROR line.
 */
int td_dev_init_wait(struct td_dev *d);
/* connect: the backend's Connected; 0, or -1 after an ERROR line. */
int td_dev_wait_connected(struct td_dev *d);
/*
 * connect ... unchecked: a connect past what the backend offers, which
 * the backend must refuse (Closing).  Releases the rings and prints
 * "REFUSED <the backend's error node>", or an ERROR line if it connected;
 * 0 either way, so the script goes on.
 */
int td_dev_expect_refusal(struct td_dev *d);
/*
 * The lifecycle commands (disconnect, reboot, wait-reconnect, remove):
 * 1 if w is none of them, else its result (0, or -1 to stop).
 */
int td_dev_cmd(struct td_dev *d, char **w, int n);
/* Closes the device if connected and removes its nodes. */
void td_dev_remove(struct td_dev *d);
/* dir/key as a number; def if absent. */
long td_read_num(const char *dir, const char *key, long def);
/* Removes dir/key (and what is under it); gone already is fine. */
void td_rm(const char *dir, const char *key);
/* Writes the frontend's state. */
void td_set_state(const char *fe, int state);
/*
 * Waits until be's state is one of the bits in mask: the state, or
 * -ETIMEDOUT (logged).
 */
int td_wait_state(const char *be, unsigned int mask, int timeout_ms);

/* script.c: the command script */

/* A host-played frontend: xenner-blkfront, xenner-netfront. */
struct td_prog {
	const char *name;   /* for log lines */
	const char *domain; /* the domain's name */
	uint64_t min_pages;
	uint32_t gnttab_pfn;
	unsigned int gnttab_frames;
	void (*usage)(FILE *out);
	/* One command line; 0, or -1 to stop. */
	int (*run_line)(char *line);
	/*
	 * Optional: an option that does something else with the arguments
	 * after it, opt_fn(argc, argv) giving the exit status.
	 */
	const struct option *opt;
	int (*opt_fn)(int argc, char **argv);
};

/*
 * The whole program: --pages N, --timeout-ms MS, --loglevel L, --help,
 * then the domain, the script of the arguments (or "-": stdin) and the
 * tear-down.  The exit status.
 */
int td_main(int argc, char **argv, const struct td_prog *p);

/*
 * Runs run_line on each argument, or on each line of stdin if the only
 * argument is "-", until one returns non-zero or *done (if not NULL) is
 * set.  The last result.
 */
int td_run_script(int argc, char **argv, int (*run_line)(char *line),
		  const bool *done);
/*
 * Splits line into words and runs it: nothing for a comment, the
 * commands every test guest takes (domid, sleep MS, wait-file PATH), or
 * else cmd(w, n).  The result: 0, or -1 to stop.
 */
int td_cmd_line(char *line, int (*cmd)(char **w, int n));
uint64_t td_num(const char *s);
bool td_has_word(char **w, int n, const char *word);
/* The value of a key=value word, or NULL / def. */
const char *td_opt_str(char **w, int n, const char *key);
unsigned int td_opt_val(char **w, int n, const char *key, unsigned int def);

#endif
