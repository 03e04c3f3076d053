/* SPDX-License-Identifier: MIT */
/*
 * A virtual disk's storage behind a small ops table, so the blkif code
 * never knows how I/O is done.  disk-aio.c is the one implementation:
 * raw files and block devices through libaio.
 */
#ifndef BLKBACKD_DISK_H
#define BLKBACKD_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct event_base;
struct disk;

/* One asynchronous operation; embedded in the caller's request. */
struct disk_io {
	/* Called from the event loop: res = bytes done or -errno. */
	void (*done)(struct disk_io *io, long res);
	/* The implementation's per-I/O state (a struct iocb for libaio). */
	uint64_t impl[12];
};

struct disk_ops {
	const char *name;
	/* 0 or -errno; logs why. */
	int (*open)(struct disk *d, struct event_base *base, const char *path,
		    bool readonly, unsigned int max_io);
	void (*close)(struct disk *d);
	int (*rw)(struct disk *d, struct disk_io *io, bool write,
		  uint64_t offset, struct iovec *iov, unsigned int iovcnt);
	int (*flush)(struct disk *d, struct disk_io *io);
	/* Synchronous: 0, -EOPNOTSUPP or -errno. */
	int (*discard)(struct disk *d, uint64_t offset, uint64_t len,
		       bool secure);
};

struct disk {
	const struct disk_ops *ops;
	const char *name; /* for log lines, e.g. "d3/51712" */
	int fd;
	bool readonly;
	bool is_bdev;
	bool direct;	     /* O_DIRECT in use */
	bool secure_discard; /* BLKSECDISCARD available */
	uint64_t size;	     /* bytes */
	unsigned int sector_size;
	unsigned int phys_sector_size;
	unsigned int discard_granularity;
	unsigned int inflight;
	/* Called after a batch of completions (to push responses once). */
	void (*batch_end)(struct disk *d);
	void *owner;
	void *impl;
};

extern const struct disk_ops disk_aio_ops;

#endif
