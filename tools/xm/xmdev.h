/* SPDX-License-Identifier: MIT */
/*
 * One entry of an xm configuration's device lists (disk = [...],
 * vif = [...], vfb = [...]) turned into what xenner's -disk, -net and
 * -vfb options take.  Each returns 0, or -1 with the reason in why (the
 * caller adds the file and line).
 */
#ifndef XENNER_XMDEV_H
#define XENNER_XMDEV_H

#include <stdbool.h>
#include <stddef.h>

struct xm_disk {
	char path[1024];
	char vdev[16];
	bool ro;
	const char *format; /* "raw", "qcow2", ...: xenner's -disk format= */
	bool qdisk;	    /* QEMU serves it (the default for non-raw) */
};

struct xm_vif {
	char mac[18];	 /* "" = let xenner choose */
	char bridge[64]; /* "" = default */
};

struct xm_vfb {
	bool enabled;
	unsigned display; /* VNC display: port 5900 + display */
	char listen[64];  /* "" = xenner's default, 127.0.0.1 */
};

/* "phy:/dev/vg/lv,xvda,w", "tap:qcow2:/img,xvdb,r", or xl's
 * "format=qcow2, vdev=xvda, access=rw, target=/img" */
int xmdev_disk(const char *spec, struct xm_disk *d, char *why, size_t len);
/* "mac=00:16:3e:00:00:01, bridge=xenbr0"; "" = defaults */
int xmdev_vif(const char *spec, struct xm_vif *v, char *why, size_t len);
/* "vnc=1, vnclisten=127.0.0.1, vncdisplay=1" (xm's "type=vnc" too) */
int xmdev_vfb(const char *spec, struct xm_vfb *v, char *why, size_t len);

#endif
