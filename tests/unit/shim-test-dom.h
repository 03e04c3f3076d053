/* SPDX-License-Identifier: MIT */
/*
 * Fake domains for the shim tests: a private run directory on /dev/shm
 * and vmcores with a one-frame grant table, written the way xenner would.
 */
#ifndef XENNER_SHIM_TEST_DOM_H
#define XENNER_SHIM_TEST_DOM_H

#include <stdint.h>

#include "xenner/vmcore.h"

#define TEST_NR_PAGES	64
#define TEST_GNTTAB_PFN 1 /* the grant-table frame */

/* Creates the run directory and sets $XENNER_RUNDIR; 0 or -1. */
int test_rundir_setup(void);
/* Removes every file in it and the directory. */
void test_rundir_teardown(void);

/* Creates vmcore.<domid> with TEST_NR_PAGES pages, mapped, grant table set. */
int test_dom_create(struct vmcore *vc, uint32_t domid);
void test_dom_destroy(struct vmcore *vc);

/* Writes grant entry ref (v1): flags, domid, frame. */
void test_grant(struct vmcore *vc, uint32_t ref, uint16_t flags, uint16_t domid,
		uint32_t frame);
uint16_t test_grant_flags(struct vmcore *vc, uint32_t ref);
static inline uint8_t *test_frame(struct vmcore *vc, uint64_t pfn)
{
	return vc->ram + pfn * VMCORE_PAGE_SIZE;
}

#endif
