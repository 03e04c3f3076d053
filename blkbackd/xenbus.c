// SPDX-License-Identifier: MIT
/*
 * blkbackd's part of the xenstore side (the rest is the backend core,
 * common/xenbus-backend.c): opening a device's disk, advertising its
 * geometry and features, and the ring hooks of the state machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "blkbackd.h"

/* "aio:/path" (xl's qdisk syntax) and friends: the path is what counts. */
static const char *strip_prefix(const char *params)
{
	static const char *const prefixes[] = {"aio:", "raw:", "file:", "phy:"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(params, prefixes[i], strlen(prefixes[i])))
			return params + strlen(prefixes[i]);
	return params;
}

static int write_features(struct blkdev *dev)
{
	struct xenbus_device *xd = &dev->xd;
	struct disk *d = &dev->disk;
	bool rw = !d->readonly;
	unsigned int info = (d->readonly ? VDISK_READONLY : 0) |
			    (dev->cdrom ? VDISK_CDROM | VDISK_REMOVABLE : 0);
	int ret = 0;

	ret |= xenbus_printf(xd, "sectors", "%" PRIu64, d->size >> 9);
	ret |= xenbus_printf(xd, "sector-size", "%u", d->sector_size);
	ret |= xenbus_printf(xd, "physical-sector-size", "%u",
			     d->phys_sector_size);
	ret |= xenbus_printf(xd, "info", "%u", info);
	ret |= xenbus_printf(xd, "feature-flush-cache", "%d", rw);
	ret |= xenbus_printf(xd, "feature-barrier", "%d", rw);
	ret |= xenbus_printf(xd, "feature-discard", "%d", dev->lim.discard);
	if (dev->lim.discard) {
		ret |= xenbus_printf(xd, "discard-granularity", "%u",
				     d->discard_granularity);
		ret |= xenbus_printf(xd, "discard-alignment", "0");
		ret |= xenbus_printf(xd, "discard-secure", "%d",
				     d->secure_discard);
	}
	ret |= xenbus_printf(xd, "feature-max-indirect-segments", "%u",
			     dev->lim.max_indirect_segs);
	ret |= xenbus_printf(xd, "feature-persistent", "%d", bb.persistent);
	ret |= xenbus_printf(xd, "multi-queue-max-queues", "%u", bb.max_queues);
	ret |= xenbus_printf(xd, "max-ring-page-order", "%u",
			     bb.max_ring_order);
	return ret ? -EIO : 0;
}

static int open_disk(struct blkdev *dev)
{
	struct xenbus_device *xd = &dev->xd;
	char *params = xenbus_read(xd, xd->be, "params");
	char *mode = xenbus_read(xd, xd->be, "mode");
	char *type = xenbus_read(xd, xd->be, "device-type");
	unsigned int max_io;
	int ret = -EINVAL;

	if (!params || !*params) {
		/* The toolstack (or a hotplug script) has not written it. */
		ret = -EAGAIN;
		goto out;
	}
	dev->cdrom = type && !strcmp(type, "cdrom");
	dev->disk =
		(struct disk){.ops = &disk_aio_ops, .name = xd->name, .fd = -1};
	/* Every slot of every ring may have one I/O in flight. */
	max_io = bb.max_queues * blkif_ring_entries(1u << bb.max_ring_order);
	ret = dev->disk.ops->open(&dev->disk, bb.base, strip_prefix(params),
				  dev->cdrom || !mode || mode[0] != 'w',
				  max_io);
	if (ret)
		goto out;
	dev->disk_open = true;
	dev->lim = (struct blkif_limits){
		.nr_sectors = dev->disk.size >> BLKIF_SECTOR_SHIFT,
		.max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS,
		.readonly = dev->disk.readonly,
		.discard = !dev->disk.readonly && !dev->cdrom,
	};
	ret = write_features(dev);
	log_info("%s: %s, %" PRIu64 " sectors%s%s", xd->name,
		 strip_prefix(params), dev->disk.size >> 9,
		 dev->disk.readonly ? ", read-only" : "",
		 dev->disk.direct ? ", O_DIRECT" : "");
out:
	free(params);
	free(mode);
	free(type);
	return ret;
}

static struct xenbus_device *blk_alloc(void)
{
	struct blkdev *dev = calloc(1, sizeof(*dev));

	return dev ? &dev->xd : NULL;
}

static int blk_probe(struct xenbus_device *xd)
{
	int ret = open_disk(blkdev_of(xd));

	if (ret && ret != -EAGAIN)
		xenbus_printf(xd, "error", "cannot open the disk: %s",
			      strerror(-ret));
	return ret;
}

static void blk_free(struct xenbus_device *xd)
{
	struct blkdev *dev = blkdev_of(xd);

	if (dev->disk_open)
		dev->disk.ops->close(&dev->disk);
	free(dev);
}

const struct xenbus_backend_ops blkback_ops = {
	.stale = "ring of an earlier blkbackd",
	.adopts_rings = true,
	.alloc = blk_alloc,
	.probe = blk_probe,
	.connect = blkif_connect,
	.connected = blkif_kick,
	.disconnect = blkif_disconnect,
	.free = blk_free,
	.port_event = blkif_port_event,
	/* Rings, persistent grants and in-flight pages of many devices. */
	.max_grants = 1u << 20,
};
