// SPDX-License-Identifier: MIT
/*
 * emu's memory lives in a file beside the vmcore, $XENNER_RUNDIR/emu.<domid>
 * (tmpfs), mapped shared: xenner-stats reads each vCPU's counters from it
 * (struct emu_vcpu_page at EMU_OFF_VCPU + cpu * EMU_VCPU_AREA +
 * EMU_VCPU_PAGE_OFF) without stopping the guest.  The guest cannot reach
 * this memory; only xenner and emu write it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

int emu_memory_create(struct xenner *x)
{
	char name[32];
	int fd, rc;

	snprintf(name, sizeof(name), "emu.%u", x->domid);
	rc = rundir_file(x->emu_path, sizeof(x->emu_path), name);
	if (rc)
		return rc;
	fd = open(x->emu_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("cannot create %s: %s", x->emu_path, strerror(errno));
		x->emu_path[0] = '\0';
		return -errno;
	}
	if (ftruncate(fd, x->emu_size)) {
		rc = -errno;
		log_err("cannot size %s: %s", x->emu_path, strerror(errno));
		close(fd);
		return rc;
	}
	x->emu = mmap(NULL, x->emu_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	if (x->emu == MAP_FAILED) {
		x->emu = NULL;
		log_err("cannot map %s: %s", x->emu_path, strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

void emu_memory_destroy(struct xenner *x)
{
	if (x->emu)
		munmap(x->emu, x->emu_size);
	x->emu = NULL;
	if (x->emu_path[0])
		unlink(x->emu_path);
	x->emu_path[0] = '\0';
}
