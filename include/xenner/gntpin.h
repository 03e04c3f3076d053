/* SPDX-License-Identifier: MIT */
/*
 * Grant pins that outlive the process: $XENNER_RUNDIR/gntpin.<domid>.
 *
 * On Xen a backend's grant maps are held in the hypervisor's maptrack and
 * released when the kernel closes the process's gntdev file, however the
 * process ends.  Under xenner the shim sets GTF_reading/GTF_writing in the
 * guest's grant entries itself, so the pin counts must live where the next
 * process (or xenner-cleanup) finds them when a backend dies by SIGKILL.
 *
 * One file per domain, mmap()ed by every process that pins its grants:
 * a header naming the domain's vmcore, GNTPIN_SLOTS owner slots, and per
 * slot a count of pins and of writable pins for every grant ref.
 *
 * Why this shape:
 *  - One file per domain rather than one per (process, domain): clearing
 *    a flag needs the sum over all processes, and with the slots side by
 *    side that sum is GNTPIN_SLOTS memory reads on an unmap instead of a
 *    directory scan.  It also gives cross-process pins for free: a flag is
 *    cleared only when no process holds the grant any more.
 *  - A slot's owner is a pid with the process's start time (field 22 of
 *    /proc/PID/stat), so a reused pid is not taken for the dead owner.  A
 *    lock held for the process's life would be dropped by the kernel too,
 *    but a forked child inherits it and would keep a dead parent's pins.
 *    A zombie counts as dead: its mappings are gone.  (All dom0 processes
 *    share one pid namespace here.)
 *  - Every change is made under a process-shared robust mutex in the
 *    header: no system call when uncontended (flock() per pin and unpin
 *    made an 11-segment map and unmap ~25% slower), and when its holder
 *    dies the kernel marks it so and the next locker takes over.  A pin
 *    and a last unpin of the same ref in two processes therefore cannot
 *    interleave between count and flag.  flock() on the file only
 *    serialises creating, checking and removing it.
 *  - A count is raised before its flag is set and lowered before the flag
 *    is cleared: a set flag is always backed by a count, so a process
 *    that dies anywhere leaves nothing that a release cannot undo.
 *  - The header names the vmcore (device, inode): a table left by an
 *    earlier domain with the same id is recognised and replaced.
 *
 * The file is sparse (4 MiB, on tmpfs only the touched pages cost memory).
 */
#ifndef XENNER_GNTPIN_H
#define XENNER_GNTPIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenner/vmcore.h"

#define GNTPIN_SLOTS	32
#define GNTPIN_MAX_REFS (VMCORE_MAX_GNTTAB_FRAMES * VMCORE_GNTTAB_PER_FRAME)

struct gntpin_count {
	uint32_t pins;	 /* all pins of the ref: GTF_reading */
	uint32_t writes; /* writable pins: GTF_writing */
};

struct gntpin_owner {
	int32_t pid;	/* 0: free slot */
	uint32_t held;	/* refs with pins > 0 in this slot */
	uint64_t start; /* start time of pid, clock ticks after boot */
};

struct gntpin_file {
	uint32_t magic;
	uint32_t version;
	uint64_t vmcore_dev;
	uint64_t vmcore_ino;
	pthread_mutex_t lock; /* PTHREAD_PROCESS_SHARED, ROBUST */
	struct gntpin_owner owner[GNTPIN_SLOTS];
	_Alignas(4096) struct gntpin_count count[GNTPIN_SLOTS][GNTPIN_MAX_REFS];
};

/* One process's view of one domain's table. */
struct gntpin {
	int fd;
	struct gntpin_file *f;
	uint32_t domid;
};

/* "<rundir>/gntpin.<domid>" */
int gntpin_path(char *buf, size_t len, uint32_t domid);

/*
 * Opens the table of domain domid whose vmcore is (dev, ino), creating it
 * if create is set.  A table left by an earlier domain with this id is
 * removed (and replaced if create).  Returns 0, -ENOENT (no table and not
 * create), -ESTALE (vmcore.<domid> on disk is not (dev, ino): a newer
 * domain) or another -errno.  The lock is not held on return.
 */
int gntpin_open(struct gntpin *t, uint32_t domid, uint64_t dev, uint64_t ino,
		bool create);
void gntpin_close(struct gntpin *t);

void gntpin_lock(struct gntpin *t);
void gntpin_unlock(struct gntpin *t);

/*
 * With the lock: counts one pin of ref by this process.  0, -EINVAL (ref
 * beyond any grant table) or -ENOSPC (every slot owned by another
 * process; gntpin_release may free some).
 */
int gntpin_add(struct gntpin *t, uint32_t ref, bool write);
/*
 * With the lock: drops one pin of ref by this process.  Returns the GTF_
 * flags (GTF_reading, GTF_writing) that no process holds any more.
 */
uint16_t gntpin_sub(struct gntpin *t, uint32_t ref, bool write);

/* Sums ref's counts over the slots of live processes (no lock needed). */
void gntpin_held(const struct gntpin *t, uint32_t ref, uint32_t *pins,
		 uint32_t *writes);

/* Clears flags in the grant entry of ref (called with the lock held). */
typedef void gntpin_clear_fn(void *arg, uint32_t ref, uint16_t flags);

/*
 * With the lock: frees the slots of processes that are gone.  For every
 * ref they held, clear gets the flags no live process holds.  Returns the
 * number of slots freed.
 */
int gntpin_release(struct gntpin *t, gntpin_clear_fn *clear, void *arg);
/* gntpin_release clearing the flags in the grant table in vc's RAM. */
int gntpin_release_vmcore(struct gntpin *t, const struct vmcore *vc);
/* Without the lock: does any slot belong to a process that is gone? */
bool gntpin_has_dead(const struct gntpin *t);

/*
 * Every table in the run directory: those of domains that are gone are
 * removed, the dead processes' pins of the others released (their flags
 * cleared in the vmcore).  Returns the number of slots released, or
 * -errno if the run directory cannot be read.
 */
int gntpin_release_all(void);

/* Is pid alive (not a zombie) and started at start? */
bool gntpin_owner_alive(int32_t pid, uint64_t start);
/* Start time of pid from /proc/PID/stat; 0 if it cannot be read. */
uint64_t gntpin_proc_start(int32_t pid);

#endif
