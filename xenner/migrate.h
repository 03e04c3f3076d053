/* SPDX-License-Identifier: MIT */
/* Live migration, the sending side (migrate-send.c, docs/migration.md). */
#ifndef XENNER_MIGRATE_H
#define XENNER_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "xenner.h"

/* control.c: "migrate LIVE TIMEOUT" with the stream's descriptor, which
 * it takes (NULL: the client connection is ours until the end) */
const char *migrate_begin(struct xenner *x, int client, const char *args,
			  int stream);
bool migrate_pending(struct xenner *x);
/* save.c's tick: 0, or -errno when it failed before the suspend */
int migrate_tick(struct xenner *x);
/*
 * save.c, every vCPU parked in the suspend: 0 the domain moved (msg is
 * the client's answer); -errno it stays here (msg says why); 1 the
 * receiver was told to run it and never confirmed: whether it runs there
 * is unknown, so it stays here parked, for an administrator's unpause or
 * destroy (msg says so)
 */
int migrate_final(struct xenner *x, unsigned sv, char *msg, size_t len);
void migrate_abort(struct xenner *x); /* tells the receiver, frees */
void migrate_end(struct xenner *x);

#endif
