/* SPDX-License-Identifier: MIT */
/*
 * Grant-table v1 access on a guest's vmcore, as Xen's map and copy paths do
 * it: check the shared entry, set GTF_reading/GTF_writing while the grant
 * is in use, clear them when the last user goes.
 *
 * Pin counts live in the domain's shared pin table (include/xenner/gntpin.h,
 * $XENNER_RUNDIR/gntpin.<domid>), per process: a flag is cleared only when
 * no process holds the grant any more, and the pins of a process that died
 * (SIGKILL included) are released by the next xengnttab_open, by
 * xenner-cleanup or by xenner, as Xen releases them when the kernel closes
 * the dead process's gntdev file.
 */
#ifndef XENNER_GNTTAB_PIN_H
#define XENNER_GNTTAB_PIN_H

#include <stdbool.h>
#include <stdint.h>

#include "shim-dom.h"

enum gnt_err {
	GNT_OK = 0,
	GNT_BAD_DOMAIN, /* no vmcore for the domain, or it is dying */
	GNT_BAD_VMCORE, /* the vmcore exists but is not valid */
	GNT_BAD_REF,	/* ref beyond the grant table */
	GNT_NO_ACCESS, /* not GTF_permit_access, or granted to another domain */
	GNT_READONLY,  /* write access to a GTF_readonly grant */
	GNT_BAD_PAGE,  /* granted frame outside the domain's memory */
	GNT_NOMEM,
	GNT_NR_ERRS,
};

/*
 * errno for a failed map (documented in xengnttab_map_grant_ref below):
 * ESRCH, EINVAL, EINVAL, EPERM, EACCES, EFAULT, ENOMEM.
 */
int gnt_err_errno(enum gnt_err err);
/* GNTST_* status for a failed grant copy, as Xen reports it. */
int gnt_err_status(enum gnt_err err);
const char *gnt_err_name(enum gnt_err err);

/* Pins ref of domain d for our domain (0); *frame gets the granted pfn. */
enum gnt_err gnt_pin(struct shim_dom *d, uint32_t ref, bool write,
		     uint64_t *frame);
void gnt_unpin(struct shim_dom *d, uint32_t ref, bool write);
/* Releases the pins of processes that are gone, in every domain. */
void gnt_release_dead(void);

#endif
