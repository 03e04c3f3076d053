// SPDX-License-Identifier: MIT
/*
 * The domain's device model: Debian's unmodified QEMU started by
 * xenner-dom0 dm-start with -xen-domid <domid> -xen-attach -M xenpv, as
 * libxl starts one for a PV guest that has a vfb or a qdisk disk.  QEMU's
 * backends serve only the frontends of the domain named by -xen-domid
 * (its xen-bus lists backend/<type>/<its domid>), so dom0's own qemu-dm
 * cannot serve a guest's devices: each domain that needs QEMU gets one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

/* QEMU creates its qdisk devices from a watch after it says "running". */
#define QDISK_WAIT_MS 5000
#define QDISK_POLL_MS 50

static int backend_state(struct xenner *x, const struct xenner_disk *d)
{
	char path[128], *v;
	unsigned int len;
	int state;

	snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u/%d/state",
		 disk_backend_type(d), x->domid, d->devid);
	v = xs_read(x->xsh, XBT_NULL, path, &len);
	if (!v)
		return -1;
	state = atoi(v);
	free(v);
	return state;
}

/* QEMU's last words, which a private dom0 set's removal would lose. */
static void show_dm_log(struct xenner *x)
{
	char path[512], lines[3][256];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/qemu-dm-%u.log", rundir_get(),
		 x->domid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(lines[n % 3], sizeof(lines[0]), f))
		n++;
	fclose(f);
	for (unsigned i = n > 3 ? n - 3 : 0; i < n; i++) {
		lines[i % 3][strcspn(lines[i % 3], "\n")] = '\0';
		log_err("qemu-dm-%u: %s", x->domid, lines[i % 3]);
	}
}

/*
 * A qdisk device QEMU created is in InitWait (or further, if the guest
 * was quick); one it refused (an image its block layer cannot open) stays
 * in Initialising and the reason is in QEMU's log.
 */
static int wait_for_qdisks(struct xenner *x)
{
	const struct timespec step = {0, QDISK_POLL_MS * 1000000L};

	for (unsigned i = 0; i < x->cfg.nr_disks; i++) {
		const struct xenner_disk *d = &x->cfg.disks[i];
		int state = -1;

		if (!d->qdisk)
			continue;
		for (int ms = 0; ms < QDISK_WAIT_MS; ms += QDISK_POLL_MS) {
			state = backend_state(x, d);
			if (state >= XenbusStateInitWait &&
			    state <= XenbusStateConnected)
				break;
			nanosleep(&step, NULL);
		}
		if (state < XenbusStateInitWait ||
		    state > XenbusStateConnected) {
			log_err("-disk %s: QEMU did not take the %s image "
				"(backend state %d; see %s/qemu-dm-%u.log)",
				d->path, d->driver, state, rundir_get(),
				x->domid);
			show_dm_log(x);
			return -EIO;
		}
		log_info("domain %u: %s is %s (%s) served by QEMU's qdisk",
			 x->domid, d->vdev, d->path, d->driver);
	}
	return 0;
}

int devmodel_start(struct xenner *x)
{
	const struct xenner_vfb *v = &x->cfg.vfb;
	char domid[16], vnc[96];
	const char *args[] = {
		"dm-start", domid, "-name", x->cfg.name, "-vnc", vnc, NULL,
	};
	int rc;

	if (!v->enabled && !disk_any_qdisk(&x->cfg))
		return 0;
	snprintf(domid, sizeof(domid), "%u", x->domid);
	if (v->enabled)
		snprintf(vnc, sizeof(vnc), "%s:%d", v->listen, v->display);
	else
		args[4] = NULL; /* xenner-dom0 gives it -vnc none */
	rc = dom0_run_tool(args);
	if (rc) {
		log_err("the device model of domain %u did not start (see "
			"above, and %s/qemu-dm-%u.log if it exists)",
			x->domid, rundir_get(), x->domid);
		return rc;
	}
	x->dm_started = true;
	if (v->enabled)
		log_info("domain %u: framebuffer on VNC %s (port %d)", x->domid,
			 vnc, 5900 + v->display);
	return wait_for_qdisks(x);
}

void devmodel_stop(struct xenner *x)
{
	char domid[16];
	const char *args[] = {"dm-stop", domid, NULL};

	if (!x->dm_started)
		return;
	snprintf(domid, sizeof(domid), "%u", x->domid);
	if (dom0_run_tool(args))
		log_warn("xenner-dom0 dm-stop %u failed", x->domid);
	x->dm_started = false;
}
