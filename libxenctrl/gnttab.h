/* SPDX-License-Identifier: MIT */
/* The xengnttab handle, shared by gnttab.c and gnttab-copy.c. */
#ifndef XENNER_GNTTAB_H
#define XENNER_GNTTAB_H

#include <pthread.h>
#include <stdint.h>

#include "shim-dom.h"
#include "xenner/evtchn-client.h"

struct gnt_map;

struct xengntdev_handle {
	pthread_mutex_t lock;
	int fd; /* what xengnttab_fd() returns: /dev/null, never polled */
	struct shim_domcache doms;
	struct gnt_map *maps;
	uint32_t max_grants;
	uint32_t nr_mapped;
	/* Connected on the first unmap notification that sends an event. */
	struct evtchn_client *ec;
};

#endif
