/* SPDX-License-Identifier: MIT */
/* Guest side of a grant table, version 1 (xen/grant_table.h). */
#ifndef TESTDOM_GNTTAB_H
#define TESTDOM_GNTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

/*
 * Grants domid access to frame through entry ref of a table of
 * nr_entries.  Fills domid and frame first and publishes flags last, as
 * the grant-table ABI requires.  -EINVAL for a ref outside the table,
 * -EBUSY if the entry is in use.
 */
int gnttab_grant_access(struct grant_entry_v1 *table, size_t nr_entries,
			grant_ref_t ref, domid_t domid, uint32_t frame,
			bool readonly);

/* Revokes an unused entry; -EBUSY while the peer has it mapped. */
int gnttab_end_access(struct grant_entry_v1 *table, size_t nr_entries,
		      grant_ref_t ref);

#endif
