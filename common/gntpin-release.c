// SPDX-License-Identifier: MIT
/*
 * Releasing the grant pins of processes that are gone, for every domain
 * of the run directory (see include/xenner/gntpin.h).  Called when a
 * process opens a grant handle (a restarted backend releases its
 * predecessor's pins before it maps anything), by xenner-cleanup through
 * xenner-vmcore, and by xenner for its own domain.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xen/grant_table.h>

#include "xenner/gntpin.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

/* The entry of ref in vc's RAM, or NULL if the table does not reach it. */
static grant_entry_v1_t *entry_of(const struct vmcore *vc, uint32_t ref)
{
	uint32_t nr =
		__atomic_load_n(&vc->dom->nr_gnttab_frames, __ATOMIC_ACQUIRE);
	uint64_t pfn;
	struct stat st;

	if (nr > VMCORE_MAX_GNTTAB_FRAMES)
		nr = VMCORE_MAX_GNTTAB_FRAMES;
	if (ref >= nr * VMCORE_GNTTAB_PER_FRAME)
		return NULL;
	pfn = __atomic_load_n(
		&vc->dom->gnttab_pfns[ref / VMCORE_GNTTAB_PER_FRAME],
		__ATOMIC_RELAXED);
	if (pfn >= vc->nr_pages)
		return NULL;
	/* A vmcore cut short behind our back would turn this into SIGBUS. */
	if (fstat(vc->fd, &st) ||
	    st.st_size <
		    (off_t)(VMCORE_RAM_OFFSET + (pfn + 1) * VMCORE_PAGE_SIZE))
		return NULL;
	return (grant_entry_v1_t *)(vc->ram + pfn * VMCORE_PAGE_SIZE) +
	       ref % VMCORE_GNTTAB_PER_FRAME;
}

static void clear_flags(void *arg, uint32_t ref, uint16_t flags)
{
	grant_entry_v1_t *e = entry_of(arg, ref);

	if (e)
		__atomic_fetch_and(&e->flags, (uint16_t)~flags,
				   __ATOMIC_RELEASE);
}

int gntpin_release_vmcore(struct gntpin *t, const struct vmcore *vc)
{
	return gntpin_release(t, clear_flags, (void *)vc);
}

/* Releases the dead pins of one domain; the number of slots freed. */
static int release_domain(uint32_t domid)
{
	struct vmcore vc = {.fd = -1};
	struct gntpin t;
	struct stat st;
	char path[512];
	int ret;

	ret = vmcore_path(path, sizeof(path), domid);
	if (ret)
		return 0;
	/* No vmcore: any table is an earlier domain's and goes. */
	if (stat(path, &st))
		st.st_dev = st.st_ino = 0;
	ret = gntpin_open(&t, domid, st.st_dev, st.st_ino, false);
	if (ret)
		return 0;
	ret = 0;
	if (!gntpin_has_dead(&t))
		goto out;
	/* (the vmcore the table was made for, not a newer one) */
	if (vmcore_open(&vc, path, true) || fstat(vc.fd, &st) ||
	    st.st_ino != t.f->vmcore_ino || st.st_dev != t.f->vmcore_dev ||
	    vmcore_map_ram(&vc)) {
		log_warn("gntpin d%u: cannot release grants of dead "
			 "processes: vmcore not readable",
			 domid);
		goto out;
	}
	gntpin_lock(&t);
	ret = gntpin_release_vmcore(&t, &vc);
	gntpin_unlock(&t);
out:
	if (vc.fd >= 0)
		vmcore_close(&vc);
	gntpin_close(&t);
	return ret;
}

int gntpin_release_all(void)
{
	DIR *dir = opendir(rundir_get());
	struct dirent *de;
	int total = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		unsigned long domid;
		char *end;

		if (strncmp(de->d_name, "gntpin.", 7) || !de->d_name[7])
			continue;
		domid = strtoul(de->d_name + 7, &end, 10);
		if (*end || domid > UINT16_MAX)
			continue;
		total += release_domain(domid);
	}
	closedir(dir);
	return total;
}
