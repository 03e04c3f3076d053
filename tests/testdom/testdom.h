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

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xenstore.h>

#include "xenner/evtchn-client.h"
#include "xenner/vmcore.h"

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
/* Closes xenstore, destroys the domain and removes its vmcore. */
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

/* /local/domain/<domid>/device/<type>/<devid> and backend/<type>/... */
void td_device_paths(const char *type, uint32_t devid, char *fe, char *be,
		     size_t len);
/*
 * Creates a device the way a toolstack does: the nodes every split
 * device has, and the type's own ones written by nodes(t, arg), in one
 * transaction.  0 or -errno.
 */
int td_device_add(const char *fe, const char *be,
		  int (*nodes)(xs_transaction_t t, void *arg), void *arg);
/* dir/key as a number; def if absent. */
long td_read_num(const char *dir, const char *key, long def);
/* Writes the frontend's state. */
void td_set_state(const char *fe, int state);
/* Waits until be's state is one of the bits in mask: the state, or
 * -ETIMEDOUT (logged). */
int td_wait_state(const char *be, unsigned int mask, int timeout_ms);
/* Clean close as a frontend does on removal: Closing, then Closed. */
int td_close(const char *fe, const char *be);

/* script.c: the command script */

/*
 * Runs run_line on each argument, or on each line of stdin if the only
 * argument is "-", until one returns non-zero or *done (if not NULL) is
 * set.  The last result.
 */
int td_run_script(int argc, char **argv, int (*run_line)(char *line),
		  const bool *done);
/* Splits line into at most max words; how many. */
int td_words(char *line, char **w, int max);
/*
 * The commands every test guest takes: domid, sleep MS, wait-file PATH.
 * 1 if w is none of them, else its result (0, or -1 to stop).
 */
int td_common_cmd(char **w, int n);
uint64_t td_num(const char *s);
bool td_has_word(char **w, int n, const char *word);
/* The value of a key=value word, or NULL / def. */
const char *td_opt_str(char **w, int n, const char *key);
unsigned int td_opt_val(char **w, int n, const char *key, unsigned int def);

#endif
