// SPDX-License-Identifier: MIT
/*
 * xenner's share in releasing grants (include/xenner/gntpin.h): every few
 * seconds, if a dom0 process that pinned this domain's grants is gone (a
 * backend killed with SIGKILL and not restarted), the GTF_reading and
 * GTF_writing it left are cleared, so the guest can end foreign access to
 * those pages even when no new backend comes.  A restarted backend does
 * the same when it opens its grant handle, xenner-cleanup when no xenner
 * runs.  Cheap: one look at /proc per slot in use.
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/gntpin.h"
#include "xenner/log.h"

void grant_release_tick(struct xenner *x)
{
	static time_t next;
	time_t now = time(NULL);
	struct gntpin t;
	struct stat st;

	if (now < next || x->vmcore.fd < 0 || !x->vmcore.ram)
		return;
	next = now + GRANT_RELEASE_SECONDS;
	if (fstat(x->vmcore.fd, &st) ||
	    gntpin_open(&t, x->domid, st.st_dev, st.st_ino, false))
		return; /* no process pinned a grant of ours yet */
	if (gntpin_has_dead(&t)) {
		gntpin_lock(&t);
		gntpin_release_vmcore(&t, &x->vmcore);
		gntpin_unlock(&t);
	}
	gntpin_close(&t);
}

void grant_release_remove(struct xenner *x)
{
	char path[512];

	if (!gntpin_path(path, sizeof(path), x->domid))
		unlink(path);
}
