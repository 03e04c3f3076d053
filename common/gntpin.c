// SPDX-License-Identifier: MIT
/* The shared grant-pin table of a domain (see include/xenner/gntpin.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "xenner/gntpin.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

#define GNTPIN_MAGIC   0x4e50544eu /* "NTPN" */
#define GNTPIN_VERSION 2

int gntpin_path(char *buf, size_t len, uint32_t domid)
{
	char name[32];

	snprintf(name, sizeof(name), "gntpin.%u", domid);
	return rundir_file(buf, len, name);
}

uint64_t gntpin_proc_start(int32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold anything, ')' too: fields restart after the last. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	/* state is field 3; a zombie's (or a dead task's) pins are gone. */
	if (p[2] == 'Z' || p[2] == 'X' || p[2] == 'x')
		return 0;
	p += 2;
	/* starttime is field 22: 19 fields after state. */
	for (int i = 0; i < 19; i++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	if (sscanf(p, "%llu", &start) != 1)
		return 0;
	/* 0 means "unknown": a process started at tick 0 is pid 1. */
	return start ? start : 1;
}

bool gntpin_owner_alive(int32_t pid, uint64_t start)
{
	return pid > 0 && gntpin_proc_start(pid) == start;
}

static uint64_t self_start(int32_t pid)
{
	static int32_t cached_pid;
	static uint64_t cached;

	/* Per pid: a forked child is a new owner. */
	if (__atomic_load_n(&cached_pid, __ATOMIC_ACQUIRE) != pid) {
		__atomic_store_n(&cached, gntpin_proc_start(pid),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&cached_pid, pid, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

void gntpin_lock(struct gntpin *t)
{
	/*
	 * Its holder died inside a change: counts are raised before flags
	 * are set and dropped before they are cleared, so what it left is
	 * at worst a count too many, which a release drops.
	 */
	if (pthread_mutex_lock(&t->f->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&t->f->lock);
}

void gntpin_unlock(struct gntpin *t)
{
	pthread_mutex_unlock(&t->f->lock);
}

/* The file lock: serialises creating, checking and removing the file. */
static void file_lock(int fd)
{
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
}

/* (dev, ino) of vmcore.<domid> now; false if there is none. */
static bool vmcore_ident(uint32_t domid, uint64_t *dev, uint64_t *ino)
{
	char path[512];
	struct stat st;

	if (vmcore_path(path, sizeof(path), domid) || stat(path, &st))
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

enum open_step {
	OPEN_OK,
	OPEN_RETRY,  /* path is another file now */
	OPEN_REMOVE, /* an earlier domain's table, or not a table */
	OPEN_ERR,    /* *err says why; the file stays */
};

/*
 * With the lock on fd: is it still the file at path, and whose is it?
 * A new (empty) file is initialised for (dev, ino).
 */
static enum open_step table_check(struct gntpin *t, const char *path,
				  uint64_t dev, uint64_t ino, int *err)
{
	struct gntpin_file *f;
	struct stat st, pst;
	uint64_t vdev = 0, vino = 0;

	if (fstat(t->fd, &st) || stat(path, &pst) || st.st_ino != pst.st_ino ||
	    st.st_dev != pst.st_dev)
		return OPEN_RETRY; /* removed or replaced meanwhile */
	if (st.st_size == 0 && (!vmcore_ident(t->domid, &vdev, &vino) ||
				vdev != dev || vino != ino)) {
		/* Not for the domain that exists now (if any). */
		*err = vdev || vino ? -ESTALE : -ENOENT;
		return vdev || vino ? OPEN_ERR : OPEN_REMOVE;
	}
	if (st.st_size == 0 && ftruncate(t->fd, sizeof(*f))) {
		*err = -errno;
		return OPEN_ERR;
	}
	if (st.st_size && st.st_size != sizeof(*f))
		return OPEN_REMOVE; /* not ours, or another version */
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, t->fd,
		 0);
	if (f == MAP_FAILED) {
		*err = -errno;
		return OPEN_ERR;
	}
	t->f = f;
	if (st.st_size == 0) {
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&f->lock, &a);
		pthread_mutexattr_destroy(&a);
		f->version = GNTPIN_VERSION;
		f->vmcore_dev = dev;
		f->vmcore_ino = ino;
		__atomic_store_n(&f->magic, GNTPIN_MAGIC, __ATOMIC_RELEASE);
	}
	if (f->magic != GNTPIN_MAGIC || f->version != GNTPIN_VERSION)
		return OPEN_REMOVE;
	if (f->vmcore_dev == dev && f->vmcore_ino == ino)
		return OPEN_OK;
	/* Another domain's: a newer one (we are stale), or an older one. */
	if (vmcore_ident(t->domid, &vdev, &vino) && vdev == f->vmcore_dev &&
	    vino == f->vmcore_ino) {
		*err = -ESTALE;
		return OPEN_ERR;
	}
	return OPEN_REMOVE;
}

int gntpin_open(struct gntpin *t, uint32_t domid, uint64_t dev, uint64_t ino,
		bool create)
{
	char path[512];
	int ret;

	ret = gntpin_path(path, sizeof(path), domid);
	if (ret)
		return ret;
	*t = (struct gntpin){.fd = -1, .domid = domid};
	for (int tries = 0; tries < 8; tries++) {
		enum open_step step;
		int err = 0;

		t->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0),
			     0600);
		if (t->fd < 0)
			return -errno;
		file_lock(t->fd);
		step = table_check(t, path, dev, ino, &err);
		if (step == OPEN_OK) {
			flock(t->fd, LOCK_UN);
			return 0;
		}
		/* Only the file at path, checked under its lock, is removed. */
		if (step == OPEN_REMOVE)
			unlink(path);
		gntpin_close(t);
		if (err)
			return err;
		if (step == OPEN_REMOVE && !create)
			return -ENOENT;
	}
	return -EAGAIN;
}

void gntpin_close(struct gntpin *t)
{
	if (t->f)
		munmap(t->f, sizeof(*t->f));
	if (t->fd >= 0)
		close(t->fd); /* drops the lock if we held it */
	t->f = NULL;
	t->fd = -1;
}

/* Our slot (pid and start time), allocated if alloc; -1 if none. */
static int slot_find(struct gntpin *t, bool alloc)
{
	int32_t pid = getpid();
	uint64_t start = self_start(pid);
	int free_slot = -1;

	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		struct gntpin_owner *o = &t->f->owner[i];

		if (o->pid == pid && o->start == start)
			return i;
		if (!o->pid && free_slot < 0)
			free_slot = i;
	}
	if (!alloc || free_slot < 0 || !start)
		return -1;
	t->f->owner[free_slot] =
		(struct gntpin_owner){.pid = pid, .start = start};
	return free_slot;
}

int gntpin_add(struct gntpin *t, uint32_t ref, bool write)
{
	struct gntpin_count *c;
	int s;

	if (ref >= GNTPIN_MAX_REFS)
		return -EINVAL;
	s = slot_find(t, true);
	if (s < 0)
		return -ENOSPC;
	c = &t->f->count[s][ref];
	if (c->pins == UINT32_MAX)
		return -ENOSPC;
	if (!c->pins++)
		t->f->owner[s].held++;
	if (write)
		c->writes++;
	return 0;
}

/* Counts of ref over every used slot (live or not yet released). */
static void sum_slots(const struct gntpin_file *f, uint32_t ref, uint32_t *pins,
		      uint32_t *writes)
{
	*pins = *writes = 0;
	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		if (!f->owner[i].pid)
			continue;
		*pins += f->count[i][ref].pins;
		*writes += f->count[i][ref].writes;
	}
}

static uint16_t flags_unheld(const struct gntpin_file *f, uint32_t ref)
{
	uint32_t pins, writes;

	sum_slots(f, ref, &pins, &writes);
	return (pins ? 0 : GTF_reading) | (writes ? 0 : GTF_writing);
}

uint16_t gntpin_sub(struct gntpin *t, uint32_t ref, bool write)
{
	struct gntpin_count *c;
	int s;

	if (ref >= GNTPIN_MAX_REFS)
		return 0;
	/* No slot: a forked child dropping what its parent pinned. */
	s = slot_find(t, false);
	if (s >= 0 && t->f->count[s][ref].pins) {
		c = &t->f->count[s][ref];
		if (write && c->writes)
			c->writes--;
		if (c->writes > --c->pins)
			c->writes = c->pins;
		if (!c->pins && t->f->owner[s].held && !--t->f->owner[s].held)
			t->f->owner[s] = (struct gntpin_owner){0};
	}
	return flags_unheld(t->f, ref);
}

void gntpin_held(const struct gntpin *t, uint32_t ref, uint32_t *pins,
		 uint32_t *writes)
{
	*pins = *writes = 0;
	if (ref >= GNTPIN_MAX_REFS)
		return;
	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		const struct gntpin_owner *o = &t->f->owner[i];

		if (!o->pid || !gntpin_owner_alive(o->pid, o->start))
			continue;
		*pins += t->f->count[i][ref].pins;
		*writes += t->f->count[i][ref].writes;
	}
}

bool gntpin_has_dead(const struct gntpin *t)
{
	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		const struct gntpin_owner *o = &t->f->owner[i];

		if (o->pid && !gntpin_owner_alive(o->pid, o->start))
			return true;
	}
	return false;
}

int gntpin_release(struct gntpin *t, gntpin_clear_fn *clear, void *arg)
{
	struct gntpin_file *f = t->f;
	bool dead[GNTPIN_SLOTS] = {0};
	uint32_t refs[GNTPIN_SLOTS] = {0};
	int nr_dead = 0;

	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		if (f->owner[i].pid &&
		    !gntpin_owner_alive(f->owner[i].pid, f->owner[i].start)) {
			dead[i] = true;
			nr_dead++;
		}
	}
	if (!nr_dead)
		return 0;
	for (uint32_t ref = 0; ref < GNTPIN_MAX_REFS; ref++) {
		bool had = false;
		uint16_t flags;

		for (int i = 0; i < GNTPIN_SLOTS; i++) {
			if (!dead[i] || (!f->count[i][ref].pins &&
					 !f->count[i][ref].writes))
				continue;
			had = true;
			refs[i]++;
			f->count[i][ref] = (struct gntpin_count){0};
		}
		if (!had)
			continue;
		/* Counts first, then the flags: as in an unpin. */
		flags = flags_unheld(f, ref);
		if (flags && clear)
			clear(arg, ref, flags);
	}
	for (int i = 0; i < GNTPIN_SLOTS; i++) {
		if (!dead[i])
			continue;
		log_info("d%u: released %u grant(s) that pid %d, now gone, "
			 "held",
			 t->domid, refs[i], (int)f->owner[i].pid);
		/* Give the slot's pages back (counts read as 0 again). */
		fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (char *)f->count[i] - (char *)f, sizeof(f->count[i]));
		f->owner[i] = (struct gntpin_owner){0};
	}
	return nr_dead;
}
