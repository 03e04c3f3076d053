// SPDX-License-Identifier: MIT
/*
 * -disk PATH[,vdev=NAME][,ro][,format=F][,backend=vbd|qdisk]: virtual
 * block devices.  Raw images are served by blkbackd (or any blkif backend,
 * backend type "vbd"); other formats (qcow2, ...) by QEMU's qdisk backend,
 * which the domain's device model runs (devmodel.c).  xenner writes the
 * frontend and backend xenstore nodes as Xen's toolstack (libxl) does;
 * the backend does the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/vdev.h"
#include "xenner/xs-util.h"

static int bad(const char *arg, const char *why)
{
	fprintf(stderr, "xenner: -disk %s: %s\n", arg, why);
	return -1;
}

/* Once arg has been copied: the copy goes too. */
#define fail(arg, why)                                                         \
	do {                                                                   \
		free(opts);                                                    \
		return bad(arg, why);                                          \
	} while (0)

int disk_parse(struct xenner_config *c, const char *arg)
{
	struct xenner_disk *d;
	char *opts, *tok, *save;
	const char *backend = NULL, *format = NULL;
	struct stat st;
	int rc;

	if (c->nr_disks == XENNER_MAX_DISKS)
		return bad(arg, "too many disks");
	d = &c->disks[c->nr_disks];
	opts = strdup(arg);
	if (!opts)
		return bad(arg, "out of memory");
	d->path = strtok_r(opts, ",", &save);
	if (!d->path || !*d->path)
		fail(arg, "no file or device");
	snprintf(d->vdev, sizeof(d->vdev), "xvd%c", 'a' + c->nr_disks);
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "vdev=", 5))
			snprintf(d->vdev, sizeof(d->vdev), "%s", tok + 5);
		else if (!strcmp(tok, "ro") || !strcmp(tok, "mode=r"))
			d->ro = true;
		else if (!strcmp(tok, "rw") || !strcmp(tok, "mode=w"))
			d->ro = false;
		else if (!strncmp(tok, "format=", 7))
			format = tok + 7;
		else if (!strncmp(tok, "backend=", 8))
			backend = tok + 8;
		else
			fail(arg, "unknown option (vdev=, ro, rw, format= and "
				 "backend= are)");
	}
	d->driver = disk_format_driver(format ? format : "raw");
	if (!d->driver)
		fail(arg, "unknown format= (raw, qcow2, qcow, qed, vdi, vmdk "
			 "and vpc or vhd are)");
	if (backend && strcmp(backend, "vbd") && strcmp(backend, "qdisk"))
		fail(arg, "backend= is vbd (blkbackd) or qdisk (QEMU)");
	d->qdisk = backend ? !strcmp(backend, "qdisk")
			   : strcmp(d->driver, "raw") != 0;
	if (!d->qdisk && strcmp(d->driver, "raw"))
		fail(arg, "blkbackd (backend=vbd) serves raw images only; "
			 "leave backend= out to have QEMU serve it");
	d->devid = vdev_to_devid(d->vdev);
	if (d->devid < 0)
		fail(arg, "not a disk name (xvda, sdb, hdc, ...)");
	for (unsigned i = 0; i < c->nr_disks; i++)
		if (c->disks[i].devid == d->devid)
			fail(arg, "two disks with the same name");
	if (stat(d->path, &st) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		fail(arg, errno ? strerror(errno)
			       : "not a regular file or block device");
	if (access(d->path, d->ro ? R_OK : R_OK | W_OK))
		fail(arg, d->ro ? "not readable" : "not writable (use ,ro?)");
	rc = disk_format_check(d->path, d->driver);
	if (rc == -EINVAL) {
		fprintf(stderr, "xenner: -disk %s: not a %s image (qemu-img "
				"info shows what it is)\n", arg, format);
		free(opts);
		return -1;
	}
	if (rc)
		fail(arg, strerror(-rc));
	if (!format && (format = disk_format_guess(d->path)))
		fprintf(stderr, "xenner: warning: -disk %s looks like a %s "
				"image and is served raw (add ,format=%s?)\n",
			arg, format, format);
	/* blkbackd opens it by this name from another directory */
	d->path = realpath(d->path, NULL);
	free(opts); /* d->path was inside it; vdev is a copy */
	if (!d->path)
		return bad(arg, strerror(errno));
	c->nr_disks++;
	return 0;
}

int disk_write_nodes(struct xenner *x, xs_transaction_t t)
{
	struct xs_handle *h = x->xsh;
	int rc = 0;

	for (unsigned i = 0; i < x->cfg.nr_disks; i++) {
		const struct xenner_disk *d = &x->cfg.disks[i];
		char be[XENBUS_DEV_PATH], fe[XENBUS_DEV_PATH];

		rc |= xenbus_dev_nodes(x, t, "vbd", disk_backend_type(d),
				       d->devid, be, fe);
		rc |= xsu_printf(h, t, fe, "virtual-device", "%d", d->devid);
		rc |= xsu_printf(h, t, fe, "device-type", "disk");
		if (d->qdisk) {
			/* QEMU: "<block driver>:<file>", as libxl writes */
			rc |= xsu_printf(h, t, be, "params", "%s:%s",
					 d->driver, d->path);
			rc |= xsu_printf(h, t, be, "type", "qdisk");
			rc |= xsu_printf(h, t, be, "discard-enable", "%d",
					 !d->ro);
		} else {
			rc |= xsu_printf(h, t, be, "params", "%s", d->path);
			rc |= xsu_printf(h, t, be, "type", "file");
		}
		rc |= xsu_printf(h, t, be, "mode", "%s", d->ro ? "r" : "w");
		rc |= xsu_printf(h, t, be, "device-type", "disk");
		rc |= xsu_printf(h, t, be, "dev", "%s", d->vdev);
		rc |= xsu_printf(h, t, be, "removable", "0");
		rc |= xsu_printf(h, t, be, "bootable", "%d", i == 0);
	}
	return rc ? -EIO : 0;
}

const char *disk_backend_type(const struct xenner_disk *d)
{
	return d->qdisk ? "qdisk" : "vbd";
}

bool disk_any_qdisk(const struct xenner_config *c)
{
	for (unsigned i = 0; i < c->nr_disks; i++)
		if (c->disks[i].qdisk)
			return true;
	return false;
}

/* The backends see their directory go and let the devices go. */
void disk_remove_nodes(struct xenner *x)
{
	static const char *const types[] = {"vbd", "qdisk"};
	char be[96];

	if (!x->cfg.nr_disks || !x->xsh)
		return;
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u",
			 types[i], x->domid);
		xs_rm(x->xsh, XBT_NULL, be);
	}
}
