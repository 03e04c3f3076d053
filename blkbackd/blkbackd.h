/* SPDX-License-Identifier: MIT */
/*
 * blkbackd: a userspace blkif backend.  One process serves every virtual
 * block device of every domain from one libevent loop:
 *   xenbus.c   the disk and features behind the backend core's state
 *              machine (common/xenbus-backend.c)
 *   blkif.c    the shared rings: map, bind, consume, respond
 *   grants.c   grant mappings and the persistent-grant cache
 *   disk-aio.c the storage (behind struct disk_ops)
 * Only the public Xen library APIs are used (libxenstore, libxenevtchn,
 * libxengnttab), so the same source runs on real Xen and on xenner.
 */
#ifndef BLKBACKD_H
#define BLKBACKD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "xenner/log.h"
#include "xenner/xenbus-backend.h"

#include "blkif-req.h"
#include "disk.h"

#define BLKBACK_MAX_QUEUES 16
/* Linux blkback's default number of persistent grants per ring. */
#define BLKBACK_MAX_PGRANTS 1056
/*
 * Per-request grant maps one ring may hold at once (8 MiB in flight, eight
 * requests of 256 segments).  Each map is a mapping of the process, and
 * the host allows a process ~65530 (vm.max_map_count): without a bound,
 * one guest filling a 512-slot ring with indirect requests would ask for
 * 131072 and fail everyone's I/O.  A ring at its bound stops taking
 * requests until its I/O completes (back-pressure, not errors).  All
 * rings together stay under bb.max_maps (--max-maps; half the host's
 * vm.max_map_count): a ring that finds that budget spent by others waits
 * for their I/O (it is "starved") instead of failing its request.
 */
#define BLKBACK_RING_MAPS 2048

struct blkdev;
struct blkring;

/* Daemon-wide handles and options. */
struct blkback {
	struct event_base *base;
	struct xenbus_backend xb; /* with the event-channel and grant devices */
	const char *type;	  /* backend directory name, "vbd" */
	unsigned int max_queues;
	unsigned int max_ring_order;
	bool persistent;	 /* offer feature-persistent */
	unsigned int max_maps;	 /* per-request grant maps of all rings */
	unsigned int mapped;	 /* ... held now */
	struct blkring *starved; /* rings waiting for others' maps to go */
};

extern struct blkback bb;

/* A grant mapped for a request, or borrowed from the persistent cache. */
struct pgrant {
	grant_ref_t gref;
	void *addr; /* NULL: free slot */
};

/* One request in flight; ring->reqs has one per ring slot. */
struct blkreq {
	struct blkring *ring;
	struct blkreq *next_free;
	RING_IDX seq; /* its index on the ring */
	struct blkif_parsed p;
	struct blkif_seg *segs; /* p.seg or the indirect copy */
	int stage;		/* barrier: pre-flush, write, post-flush */
	int16_t status;
	uint64_t expect; /* bytes the r/w must transfer */
	/* the non-persistent mapping of this request, if any */
	void *map_addr;
	uint32_t map_count;
	struct disk_io io;
	struct iovec *iov;
	struct blkif_seg *ind_segs; /* BLKIF_MAX_INDIRECT_SEGS */
};

struct blkring {
	struct blkdev *dev;
	unsigned int idx;
	struct blkif_back r;
	void *ring_addr;
	unsigned int ring_pages;
	evtchn_port_t port; /* local; 0 = not bound */
	struct blkreq *reqs, *free;
	unsigned int inflight;
	struct blkreq *barrier; /* waiting for inflight to drain */
	struct blkreq *parked;	/* waiting for grant maps to be freed */
	unsigned int mapped;	/* per-request grant maps held */
	bool starved;		/* on bb.starved: others hold the maps */
	struct blkring *next_starved;
	bool broken;
	/* persistent grants: open addressing on gref */
	struct pgrant *pg;
	unsigned int pg_cap, pg_used;
	bool pg_full_said; /* logged that the cache is full */
};

struct blkdev {
	struct xenbus_device xd;
	bool cdrom;
	struct disk disk;
	bool disk_open;
	struct blkif_limits lim;
	struct blkring rings[BLKBACK_MAX_QUEUES];
	unsigned int nr_rings;
	bool persistent;
	bool draining; /* disconnect waits for in-flight I/O */
};

static inline struct blkdev *blkdev_of(struct xenbus_device *xd)
{
	return xenbus_to_dev(xd, struct blkdev);
}

/* xenbus.c: the backend core's hooks */
extern const struct xenbus_backend_ops blkback_ops;

/* blkif.c */
int blkif_connect(struct xenbus_device *xd);
/* -EBUSY while I/O is in flight (xenbus_update is called when it ends). */
int blkif_disconnect(struct xenbus_device *xd);
/* An event on a ring's port (ctx: the ring). */
void blkif_port_event(void *ctx, evtchn_port_t port);
void blkif_kick(struct xenbus_device *xd);
unsigned int blkif_inflight(const struct blkdev *dev);
/* Rings that waited for other rings' maps try again (after completions). */
void blkif_retry_starved(void);

/* grants.c */
/*
 * -EAGAIN: the ring is at its map budget, try again when its I/O
 * completes; -EBUSY: other rings hold the daemon's budget, try again when
 * theirs does.
 */
int grants_map_req(struct blkreq *req, bool write, bool persistent);
void grants_unmap_req(struct blkreq *req);
/* Maps the indirect pages and copies their segments into req->ind_segs. */
int grants_copy_indirect(struct blkreq *req);
void grants_ring_free(struct blkring *ring);

#endif
