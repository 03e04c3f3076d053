// SPDX-License-Identifier: MIT
/*
 * Raw image files and block devices through libaio.  Every disk has its
 * own io context whose completions are signalled on an eventfd watched by
 * the main loop, so one slow disk never holds up another.
 *
 * O_DIRECT keeps guest data out of the host page cache; where the
 * filesystem refuses it (tmpfs) the disk falls back to buffered I/O, which
 * libaio still accepts (it just completes at submit time).
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "xenner/log.h"

#include "disk.h"

_Static_assert(sizeof(struct iocb) <= sizeof(((struct disk_io *)0)->impl),
	       "struct iocb does not fit into struct disk_io");

#define AIO_BATCH 64

struct aio_disk {
	io_context_t ctx;
	int efd;
	struct event *ev;
	/* Flushes done synchronously (no aio fsync), delivered from the loop */
	struct disk_io **sync_done;
	long *sync_res;
	unsigned int nr_sync, max_sync;
};

static struct iocb *io_iocb(struct disk_io *io)
{
	return (struct iocb *)io->impl;
}

static void aio_complete(evutil_socket_t fd, short what, void *arg)
{
	struct disk *d = arg;
	struct aio_disk *a = d->impl;
	struct timespec zero = {0};
	struct io_event evs[AIO_BATCH];
	uint64_t cnt;
	int n;

	(void)what;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_warn("%s: eventfd read: %s", d->name, strerror(errno));
	do {
		n = io_getevents(a->ctx, 0, AIO_BATCH, evs, &zero);
		if (n < 0) {
			log_err("%s: io_getevents: %s", d->name, strerror(-n));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct disk_io *io = evs[i].data;

			d->inflight--;
			io->done(io, (long)evs[i].res);
		}
	} while (n == AIO_BATCH);
	/* done() may queue more synchronous flushes: take the list first. */
	while (a->nr_sync) {
		unsigned int i = --a->nr_sync;

		d->inflight--;
		a->sync_done[i]->done(a->sync_done[i], a->sync_res[i]);
	}
	if (d->batch_end)
		d->batch_end(d);
}

static int open_file(struct disk *d, const char *path, bool readonly)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;

	d->fd = open(path, flags | O_DIRECT);
	if (d->fd >= 0) {
		d->direct = true;
		return 0;
	}
	if (errno != EINVAL) {
		log_err("%s: open %s: %s", d->name, path, strerror(errno));
		return -errno;
	}
	d->fd = open(path, flags);
	if (d->fd < 0) {
		log_err("%s: open %s: %s", d->name, path, strerror(errno));
		return -errno;
	}
	log_info("%s: %s does not support O_DIRECT (tmpfs?): using buffered "
		 "I/O",
		 d->name, path);
	return 0;
}

static int probe_size(struct disk *d, const char *path)
{
	struct stat st;
	int ssz = 512, pbsz = 4096;

	if (fstat(d->fd, &st)) {
		log_err("%s: stat %s: %s", d->name, path, strerror(errno));
		return -errno;
	}
	d->discard_granularity = 4096;
	if (S_ISBLK(st.st_mode)) {
		d->is_bdev = true;
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) ||
		    ioctl(d->fd, BLKSSZGET, &ssz) ||
		    ioctl(d->fd, BLKPBSZGET, &pbsz)) {
			log_err("%s: %s: size ioctls: %s", d->name, path,
				strerror(errno));
			return -errno;
		}
		d->discard_granularity = pbsz;
		/* Only devices that can do it get discard-secure=1. */
		d->secure_discard = false;
	} else if (S_ISREG(st.st_mode)) {
		d->size = st.st_size;
		if (st.st_blksize >= 512 && st.st_blksize <= 65536)
			d->discard_granularity = st.st_blksize;
	} else {
		log_err("%s: %s is neither a file nor a block device", d->name,
			path);
		return -EINVAL;
	}
	if (ssz < 512 || ssz > 4096 || (ssz & (ssz - 1)))
		ssz = 512;
	if (pbsz < ssz || pbsz > 65536 || (pbsz & (pbsz - 1)))
		pbsz = ssz;
	d->sector_size = ssz;
	d->phys_sector_size = pbsz;
	return 0;
}

static int aio_open(struct disk *d, struct event_base *base, const char *path,
		    bool readonly, unsigned int max_io)
{
	struct aio_disk *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	a->efd = -1;
	d->readonly = readonly;
	d->impl = a;
	ret = open_file(d, path, readonly);
	if (ret)
		goto err;
	ret = probe_size(d, path);
	if (ret)
		goto err;
	a->max_sync = max_io;
	a->sync_done = calloc(max_io, sizeof(*a->sync_done));
	a->sync_res = calloc(max_io, sizeof(*a->sync_res));
	if (!a->sync_done || !a->sync_res) {
		ret = -ENOMEM;
		goto err;
	}
	ret = io_setup(max_io, &a->ctx);
	if (ret) {
		log_err("%s: io_setup(%u): %s (fs.aio-max-nr?)", d->name,
			max_io, strerror(-ret));
		goto err;
	}
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		ret = -errno;
		goto err;
	}
	a->ev = event_new(base, a->efd, EV_READ | EV_PERSIST, aio_complete, d);
	if (!a->ev || event_add(a->ev, NULL)) {
		ret = -ENOMEM;
		goto err;
	}
	return 0;
err:
	d->ops->close(d);
	return ret;
}

static void aio_close(struct disk *d)
{
	struct aio_disk *a = d->impl;

	if (!a)
		return;
	if (a->ev)
		event_free(a->ev);
	if (a->ctx)
		io_destroy(a->ctx);
	if (a->efd >= 0)
		close(a->efd);
	free(a->sync_done);
	free(a->sync_res);
	free(a);
	d->impl = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static int submit(struct disk *d, struct disk_io *io)
{
	struct aio_disk *a = d->impl;
	struct iocb *cb = io_iocb(io);
	int ret;

	cb->data = io;
	io_set_eventfd(cb, a->efd);
	ret = io_submit(a->ctx, 1, &cb);
	if (ret == 1) {
		d->inflight++;
		return 0;
	}
	return ret < 0 ? ret : -EIO;
}

static int aio_rw(struct disk *d, struct disk_io *io, bool write,
		  uint64_t offset, struct iovec *iov, unsigned int iovcnt)
{
	if (write)
		io_prep_pwritev(io_iocb(io), d->fd, iov, iovcnt, offset);
	else
		io_prep_preadv(io_iocb(io), d->fd, iov, iovcnt, offset);
	return submit(d, io);
}

static int aio_flush(struct disk *d, struct disk_io *io)
{
	struct aio_disk *a = d->impl;
	int ret;

	io_prep_fdsync(io_iocb(io), d->fd);
	ret = submit(d, io);
	if (ret != -EINVAL)
		return ret;
	/* Kernels before 4.18 have no aio fsync: do it here, once. */
	if (a->nr_sync == a->max_sync)
		return -EAGAIN;
	a->sync_res[a->nr_sync] = fdatasync(d->fd) ? -errno : 0;
	a->sync_done[a->nr_sync++] = io;
	d->inflight++;
	if (eventfd_write(a->efd, 1))
		log_warn("%s: eventfd write: %s", d->name, strerror(errno));
	return 0;
}

static int aio_discard(struct disk *d, uint64_t offset, uint64_t len,
		       bool secure)
{
	uint64_t range[2] = {offset, len};

	if (!len)
		return 0;
	if (d->is_bdev) {
		unsigned long req = secure && d->secure_discard ? BLKSECDISCARD
								: BLKDISCARD;

		if (ioctl(d->fd, req, range))
			return -errno;
		return 0;
	}
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
		      len))
		return -errno;
	return 0;
}

const struct disk_ops disk_aio_ops = {
	.name = "aio",
	.open = aio_open,
	.close = aio_close,
	.rw = aio_rw,
	.flush = aio_flush,
	.discard = aio_discard,
};
