/* SPDX-License-Identifier: MIT */
/* Helpers shared by vbd.c (xenstore) and vbd-io.c (requests). */
#ifndef BLKFRONT_VBD_H
#define BLKFRONT_VBD_H

#include "blkfront.h"

/* Frees the pages and grants of every slot (a dead ring's requests). */
void vbd_slots_release(struct bf_queue *q);
/* Ends the persistent grants; force clears pins a dead peer left. */
void vbd_pool_release(struct bf_vbd *v, bool force);

#endif
