// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "shim-test-dom.h"

static char rundir[64];

int test_rundir_setup(void)
{
	strcpy(rundir, "/dev/shm/xenner-test.XXXXXX");
	if (!mkdtemp(rundir))
		return -1;
	return setenv("XENNER_RUNDIR", rundir, 1);
}

void test_rundir_teardown(void)
{
	DIR *d = opendir(rundir);
	struct dirent *de;
	char path[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", rundir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(rundir);
}

int test_dom_create(struct vmcore *vc, uint32_t domid)
{
	static const uint8_t uuid[16] = {1, 2, 3};
	char path[512];
	int ret;

	ret = vmcore_path(path, sizeof(path), domid);
	if (!ret)
		ret = vmcore_create(vc, path, domid, "test", uuid,
				    TEST_NR_PAGES, 1);
	if (!ret)
		ret = vmcore_map_ram(vc);
	if (ret)
		return ret;
	vc->dom->nr_gnttab_frames = 1;
	vc->dom->gnttab_pfns[0] = TEST_GNTTAB_PFN;
	vc->dom->state = VMCORE_STATE_RUNNING;
	return 0;
}

void test_dom_destroy(struct vmcore *vc)
{
	unlink(vc->path);
	vmcore_close(vc);
}

static grant_entry_v1_t *entry(struct vmcore *vc, uint32_t ref)
{
	return (grant_entry_v1_t *)test_frame(vc, TEST_GNTTAB_PFN) + ref;
}

void test_grant(struct vmcore *vc, uint32_t ref, uint16_t flags, uint16_t domid,
		uint32_t frame)
{
	grant_entry_v1_t *e = entry(vc, ref);

	e->frame = frame;
	e->domid = domid;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

uint16_t test_grant_flags(struct vmcore *vc, uint32_t ref)
{
	return __atomic_load_n(&entry(vc, ref)->flags, __ATOMIC_ACQUIRE);
}
