// SPDX-License-Identifier: MIT
/*
 * The shared rings of a connected device: mapping them and their event
 * channels, taking requests off them and answering them.  Every request is
 * copied off the ring and checked (blkif-req.c) before anything is done
 * for it; a bad request gets an error response, a broken ring takes only
 * its own device down.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xen/io/protocols.h>

#include "blkbackd.h"

enum { STAGE_IO = 0, STAGE_PREFLUSH, STAGE_WRITE, STAGE_POSTFLUSH };

static void ring_work(struct blkring *ring);

static void ring_notify(struct blkring *ring)
{
	if (blkif_ring_want_notify(&ring->r) &&
	    xenevtchn_notify(bb.xb.xce, ring->port))
		log_ratelimited(&ring->dev->xd.rl, XLOG_WARN,
				"%s: notify port %u: %s", ring->dev->xd.name,
				ring->port, strerror(errno));
}

/*
 * The grants are unmapped before the response is on the ring: a frontend
 * that sees the response ends its grants at once (Linux's blkfront warns
 * and leaks a page whose grant is still in use).
 */
static void respond(struct blkreq *req, int status)
{
	struct blkring *ring = req->ring;

	grants_unmap_req(req);
	blkif_ring_respond(&ring->r, req->seq, req->p.id, req->p.rsp_op,
			   status);
	req->next_free = ring->free;
	ring->free = req;
}

static bool dev_idle(const struct blkdev *dev)
{
	for (unsigned int i = 0; i < dev->nr_rings; i++)
		if (dev->rings[i].inflight)
			return false;
	return true;
}

unsigned int blkif_inflight(const struct blkdev *dev)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < dev->nr_rings; i++)
		n += dev->rings[i].inflight;
	return n;
}

static int submit(struct blkreq *req)
{
	struct blkdev *dev = req->ring->dev;
	struct disk *d = &dev->disk;
	int ret;

	if (req->stage == STAGE_PREFLUSH || req->stage == STAGE_POSTFLUSH)
		ret = d->ops->flush(d, &req->io);
	else
		ret = d->ops->rw(d, &req->io, req->p.op != BLKIF_OP_READ,
				 req->p.sector << BLKIF_SECTOR_SHIFT, req->iov,
				 req->p.nr_segs);
	if (ret) {
		log_ratelimited(&dev->xd.rl, XLOG_WARN, "%s: submit: %s",
				dev->xd.name, strerror(-ret));
		return ret;
	}
	req->ring->inflight++;
	return 0;
}

static void io_done(struct disk_io *io, long res)
{
	struct blkreq *req = (void *)((char *)io - offsetof(struct blkreq, io));
	struct blkring *ring = req->ring;
	struct blkdev *dev = ring->dev;
	bool ok;

	ring->inflight--;
	if (req->stage == STAGE_IO || req->stage == STAGE_WRITE)
		ok = res >= 0 && (uint64_t)res == req->expect;
	else
		ok = res == 0;
	if (!ok)
		log_ratelimited(&dev->xd.rl, XLOG_WARN,
				"%s: I/O at sector %llu failed: %s",
				dev->xd.name, (unsigned long long)req->p.sector,
				res < 0 ? strerror(-res) : "short transfer");
	/* A barrier goes on: write (if it carries data), then flush again. */
	if (ok && req->stage == STAGE_PREFLUSH) {
		req->stage = req->p.nr_segs ? STAGE_WRITE : STAGE_POSTFLUSH;
		if (!submit(req))
			return;
		ok = false;
	} else if (ok && req->stage == STAGE_WRITE) {
		req->stage = STAGE_POSTFLUSH;
		if (!submit(req))
			return;
		ok = false;
	}
	respond(req, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR);
	if (dev->draining) {
		if (dev_idle(dev))
			xenbus_schedule(&dev->xd);
		return;
	}
	if (ring->barrier && !ring->inflight) {
		struct blkreq *b = ring->barrier;

		ring->barrier = NULL;
		b->stage = STAGE_PREFLUSH;
		if (submit(b))
			respond(b, BLKIF_RSP_ERROR);
	}
}

static void batch_end(struct disk *d)
{
	struct blkdev *dev = d->owner;

	for (unsigned int i = 0; !dev->draining && i < dev->nr_rings; i++) {
		ring_notify(&dev->rings[i]);
		/* Consuming may have stopped at a barrier. */
		ring_work(&dev->rings[i]);
	}
	/* Maps this device gave back may be what other rings wait for. */
	blkif_retry_starved();
}

static void starved_remove(struct blkring *ring)
{
	for (struct blkring **p = &bb.starved; *p; p = &(*p)->next_starved) {
		if (*p == ring) {
			*p = ring->next_starved;
			break;
		}
	}
	ring->starved = false;
}

void blkif_retry_starved(void)
{
	struct blkring *ring = bb.starved;

	bb.starved = NULL;
	while (ring) {
		struct blkring *next = ring->next_starved;

		ring->starved = false;
		/* it starves again if the budget is still spent */
		ring_work(ring);
		ring = next;
	}
}

/* A read, write or barrier: map its data, then submit (or wait). */
static void start_data(struct blkreq *req)
{
	struct blkring *ring = req->ring;
	int ret;

	ret = grants_map_req(req, req->p.op == BLKIF_OP_READ,
			     ring->dev->persistent);
	if (ret == -EAGAIN || ret == -EBUSY) {
		ring->parked = req;
		if (ret == -EBUSY && !ring->starved) {
			log_debug("%s: queue %u waits for other rings' grant "
				  "maps (%u of %u held)",
				  ring->dev->xd.name, ring->idx, bb.mapped,
				  bb.max_maps);
			ring->starved = true;
			ring->next_starved = bb.starved;
			bb.starved = ring;
		}
		return;
	}
	if (ret) {
		respond(req, BLKIF_RSP_ERROR);
		return;
	}
	req->expect = req->p.nr_sectors << BLKIF_SECTOR_SHIFT;
	if (req->p.op == BLKIF_OP_WRITE_BARRIER) {
		/* Everything before the barrier completes first. */
		if (ring->inflight) {
			ring->barrier = req;
			return;
		}
		req->stage = STAGE_PREFLUSH;
	}
	if (submit(req))
		respond(req, BLKIF_RSP_ERROR);
}

static void do_discard(struct blkreq *req)
{
	struct blkdev *dev = req->ring->dev;
	struct disk *d = &dev->disk;
	int ret;

	/* discard-secure=0 tells the guest the flag is ignored. */
	ret = d->ops->discard(d, req->p.sector << BLKIF_SECTOR_SHIFT,
			      req->p.nr_sectors << BLKIF_SECTOR_SHIFT,
			      req->p.secure && d->secure_discard);
	if (ret && ret != -EOPNOTSUPP)
		log_ratelimited(&dev->xd.rl, XLOG_WARN, "%s: discard: %s",
				dev->xd.name, strerror(-ret));
	respond(req, !ret		  ? BLKIF_RSP_OKAY
		     : ret == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP
					  : BLKIF_RSP_ERROR);
}

static void handle(struct blkreq *req, const blkif_request_t *raw)
{
	struct blkring *ring = req->ring;
	struct blkdev *dev = ring->dev;
	int st;

	req->stage = STAGE_IO;
	req->segs = req->p.seg;
	st = blkif_req_parse(raw, &dev->lim, &req->p);
	if (st == BLKIF_RSP_OKAY && req->p.indirect) {
		if (grants_copy_indirect(req))
			st = BLKIF_RSP_ERROR;
		else
			st = blkif_segs_check(req->segs, req->p.nr_segs,
					      &dev->lim, &req->p);
	}
	if (st != BLKIF_RSP_OKAY) {
		log_debug("%s: bad request op %u id %llu: status %d",
			  dev->xd.name, raw->operation,
			  (unsigned long long)req->p.id, st);
		respond(req, st);
		return;
	}
	switch (req->p.op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
		start_data(req);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		req->stage = STAGE_POSTFLUSH;
		if (submit(req))
			respond(req, BLKIF_RSP_ERROR);
		break;
	case BLKIF_OP_DISCARD:
		do_discard(req);
		break;
	default:
		respond(req, BLKIF_RSP_EOPNOTSUPP);
	}
}

static struct ratelimit broken_rl = RATELIMIT_INIT(5, 5);

static void ring_work(struct blkring *ring)
{
	struct blkdev *dev = ring->dev;
	blkif_request_t raw;
	RING_IDX seq;
	int ret;

	if (ring->parked && !ring->broken && !dev->draining &&
	    dev->xd.connected) {
		struct blkreq *req = ring->parked;

		ring->parked = NULL;
		start_data(req);
	}
	while (!ring->broken && !ring->barrier && !ring->parked &&
	       !dev->draining && dev->xd.connected && ring->free) {
		ret = blkif_ring_fetch(&ring->r, &raw, &seq);
		if (ret < 0) {
			log_ratelimited(&broken_rl, XLOG_WARN,
					"%s: queue %u: ring indices out of "
					"range (req_prod %u, cons %u): "
					"disconnecting",
					dev->xd.name, ring->idx,
					ring->r.sring->req_prod,
					ring->r.req_cons);
			ring->broken = true;
			dev->xd.broken = true;
			xenbus_schedule(&dev->xd);
			return;
		}
		if (ret == 0) {
			if (blkif_ring_final_check(&ring->r))
				continue;
			break;
		}
		struct blkreq *req = ring->free;

		ring->free = req->next_free;
		req->seq = seq;
		handle(req, &raw);
	}
	if (dev->xd.connected && !ring->broken)
		ring_notify(ring);
}

void blkif_port_event(void *ctx, evtchn_port_t port)
{
	(void)port;
	ring_work(ctx);
}

static int ring_alloc(struct blkring *ring)
{
	unsigned int n = ring->r.nr_ents;
	unsigned int max_segs = ring->dev->lim.max_indirect_segs
					? ring->dev->lim.max_indirect_segs
					: BLKIF_MAX_SEGMENTS_PER_REQUEST;

	ring->reqs = calloc(n, sizeof(*ring->reqs));
	if (!ring->reqs)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct blkreq *req = &ring->reqs[i];

		req->ring = ring;
		req->io.done = io_done;
		req->iov = calloc(max_segs, sizeof(*req->iov));
		if (ring->dev->lim.max_indirect_segs)
			req->ind_segs =
				calloc(max_segs, sizeof(*req->ind_segs));
		if (!req->iov ||
		    (ring->dev->lim.max_indirect_segs && !req->ind_segs))
			return -ENOMEM;
		req->next_free = ring->free;
		ring->free = req;
	}
	if (ring->dev->persistent) {
		ring->pg_cap = 2048; /* a power of two above MAX_PGRANTS */
		ring->pg = calloc(ring->pg_cap, sizeof(*ring->pg));
		if (!ring->pg)
			return -ENOMEM;
	}
	return 0;
}

static void ring_free(struct blkring *ring)
{
	if (ring->starved)
		starved_remove(ring);
	xenbus_evtchn_unbind(&ring->dev->xd, ring->port);
	grants_ring_free(ring);
	if (ring->ring_addr &&
	    xengnttab_unmap(bb.xb.xgt, ring->ring_addr, ring->ring_pages))
		log_err("%s: unmap ring: %s", ring->dev->xd.name,
			strerror(errno));
	for (unsigned int i = 0; ring->reqs && i < ring->r.nr_ents; i++) {
		free(ring->reqs[i].iov);
		free(ring->reqs[i].ind_segs);
	}
	free(ring->reqs);
	free(ring->pg);
	blkif_ring_fini(&ring->r);
	memset(ring, 0, sizeof(*ring));
}

static int ring_connect(struct blkdev *dev, struct blkring *ring,
			const char *dir, unsigned int order)
{
	uint32_t refs[1u << BLKIF_MAX_RING_ORDER];
	unsigned long v;
	int ret;

	ring->ring_pages = 1u << order;
	for (unsigned int i = 0; i < ring->ring_pages; i++) {
		char key[32];

		if (order)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			snprintf(key, sizeof(key), "ring-ref");
		ret = xenbus_read_uint(&dev->xd, dir, key, &v);
		if (ret || v > UINT32_MAX) {
			log_warn("%s: %s/%s missing or invalid", dev->xd.name,
				 dir, key);
			return -EINVAL;
		}
		refs[i] = v;
	}
	ret = xenbus_read_uint(&dev->xd, dir, "event-channel", &v);
	if (ret || v > UINT32_MAX) {
		log_warn("%s: %s/event-channel missing or invalid",
			 dev->xd.name, dir);
		return -EINVAL;
	}
	ring->ring_addr = xengnttab_map_domain_grant_refs(
		bb.xb.xgt, ring->ring_pages, dev->xd.domid, refs,
		PROT_READ | PROT_WRITE);
	if (!ring->ring_addr) {
		log_warn("%s: cannot map the ring (%u pages): %s", dev->xd.name,
			 ring->ring_pages, strerror(errno));
		return -errno;
	}
	/*
	 * A new ring starts at 0 (the frontend initialised it); a ring an
	 * earlier blkbackd served (killed, restarted) goes on from the last
	 * answer the frontend saw: what that process took and never
	 * answered is done again, which a block write or read survives.
	 */
	ret = blkif_ring_init(
		&ring->r, ring->ring_addr, blkif_ring_entries(ring->ring_pages),
		__atomic_load_n(&((blkif_sring_t *)ring->ring_addr)->rsp_prod,
				__ATOMIC_ACQUIRE));
	if (ret)
		return ret;
	ret = ring_alloc(ring);
	if (ret)
		return ret;
	ret = xenbus_evtchn_bind(&dev->xd, v, ring);
	if (ret < 0)
		return ret;
	ring->port = ret;
	return 0;
}

int blkif_connect(struct xenbus_device *xd)
{
	struct blkdev *dev = blkdev_of(xd);
	unsigned long order = 0, nq = 1, pers = 0;
	char *proto;
	int ret;

	proto = xenbus_read(&dev->xd, dev->xd.fe, "protocol");
	if (proto && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		log_warn("%s: unsupported protocol '%s'", dev->xd.name, proto);
		free(proto);
		return -EPROTONOSUPPORT;
	}
	free(proto);
	ret = xenbus_read_uint(&dev->xd, dev->xd.fe, "ring-page-order", &order);
	if ((ret && ret != -ENOENT) || order > bb.max_ring_order) {
		log_warn("%s: invalid ring-page-order", dev->xd.name);
		return -EINVAL;
	}
	ret = xenbus_read_uint(&dev->xd, dev->xd.fe, "multi-queue-num-queues",
			       &nq);
	if ((ret && ret != -ENOENT) || !nq || nq > bb.max_queues) {
		log_warn("%s: invalid multi-queue-num-queues", dev->xd.name);
		return -EINVAL;
	}
	if (xenbus_read_uint(&dev->xd, dev->xd.fe, "feature-persistent", &pers))
		pers = 0;
	dev->persistent = bb.persistent && pers == 1;
	dev->nr_rings = nq;
	dev->draining = false;
	for (unsigned int q = 0; q < nq; q++) {
		struct blkring *ring = &dev->rings[q];
		char dir[192];

		memset(ring, 0, sizeof(*ring));
		ring->dev = dev;
		ring->idx = q;
		if (nq > 1)
			snprintf(dir, sizeof(dir), "%s/queue-%u", dev->xd.fe,
				 q);
		else
			snprintf(dir, sizeof(dir), "%s", dev->xd.fe);
		ret = ring_connect(dev, ring, dir, order);
		if (ret)
			goto err;
	}
	dev->disk.batch_end = batch_end;
	dev->disk.owner = dev;
	dev->xd.connected = true;
	log_info("%s: connected: %lu queue(s), ring order %lu, %s grants",
		 dev->xd.name, nq, order,
		 dev->persistent ? "persistent" : "per-request");
	return 0;
err:
	for (unsigned int q = 0; q < nq; q++)
		ring_free(&dev->rings[q]);
	dev->nr_rings = 0;
	return ret;
}

/* Serves what arrived while we were connecting. */
void blkif_kick(struct xenbus_device *xd)
{
	struct blkdev *dev = blkdev_of(xd);

	for (unsigned int q = 0; q < dev->nr_rings; q++)
		ring_work(&dev->rings[q]);
}

int blkif_disconnect(struct xenbus_device *xd)
{
	struct blkdev *dev = blkdev_of(xd);

	if (!dev->xd.connected && !dev->nr_rings)
		return 0;
	if (!dev_idle(dev)) {
		dev->draining = true;
		return -EBUSY;
	}
	/* Requests still waiting never started: the frontend sends them
	 * again when it connects again. */
	for (unsigned int q = 0; q < dev->nr_rings; q++)
		dev->rings[q].barrier = dev->rings[q].parked = NULL;
	for (unsigned int q = 0; q < dev->nr_rings; q++)
		ring_free(&dev->rings[q]);
	dev->nr_rings = 0;
	dev->xd.connected = false;
	dev->draining = false;
	log_info("%s: disconnected", dev->xd.name);
	return 0;
}
