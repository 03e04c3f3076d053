/* SPDX-License-Identifier: MIT */
/* Helpers shared by vbd.c (xenstore) and vbd-io.c (requests). */
#ifndef BLKFRONT_VBD_H
#define BLKFRONT_VBD_H

#include <xenstore.h>

#include "blkfront.h"

int xs_printf(xs_transaction_t t, const char *dir, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
long xs_read_num(const char *dir, const char *key, long def);
int vbd_wait_be(struct bf_vbd *v, unsigned int mask, int timeout_ms);
void fe_state(struct bf_vbd *v, int state);

/* Frees the pages and grants of every slot (a dead ring's requests). */
void vbd_slots_release(struct bf_queue *q);
/* Ends the persistent grants; force clears pins a dead peer left. */
void vbd_pool_release(struct bf_vbd *v, bool force);

#endif
