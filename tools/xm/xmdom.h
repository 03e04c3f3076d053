/* SPDX-License-Identifier: MIT */
/*
 * What an xm configuration means for one xenner domain: the keys Xen's
 * xm understood, checked and turned into xenner's options.
 */
#ifndef XENNER_XMDOM_H
#define XENNER_XMDOM_H

#include <stdbool.h>
#include <stdint.h>

#include "xmcfg.h"
#include "xmdev.h"

#define XMDOM_MAX_DISKS		  16
#define XMDOM_MAX_VIFS		  8
#define XMDOM_MAX_BOOTLOADER_ARGS 32 /* xenner's BOOTLOADER_MAX_ARGS */

enum xm_action {
	XM_DESTROY = 0,
	XM_RESTART,
	XM_PRESERVE,
};

struct xm_domcfg {
	char name[64];
	/* with a bootloader: paths in the guest, passed to it (as xl) */
	char kernel[1024];
	char ramdisk[1024];
	char cmdline[1024];
	char bootloader[256]; /* "" or what finds the kernel: pygrub */
	char bootloader_args[XMDOM_MAX_BOOTLOADER_ARGS][256];
	unsigned nr_bootloader_args;
	unsigned memory; /* MiB */
	unsigned vcpus;
	bool has_uuid;
	uint8_t uuid[16];
	struct xm_disk disks[XMDOM_MAX_DISKS];
	unsigned nr_disks;
	struct xm_vif vifs[XMDOM_MAX_VIFS];
	unsigned nr_vifs;
	struct xm_vfb vfb;
	enum xm_action on_poweroff, on_reboot, on_crash;
};

/* Returns 0, or -1 with "FILE:LINE: message" in err. */
int xmdom_from_cfg(const struct xmcfg *c, struct xm_domcfg *d, char *err,
		   size_t errlen);
const char *xm_action_name(enum xm_action a);
/* "8-4-4-4-12" hex; 0 or -1. */
int xm_parse_uuid(const char *s, uint8_t uuid[16]);

#endif
