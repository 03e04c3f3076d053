/* SPDX-License-Identifier: MIT */
/*
 * Virtual block device names as Xen's toolstack understands them
 * (xvda, xvdb1, sda, hdc, or a plain number) and their xenstore device ids
 * (Xen's VBD interface document: xvd = major 202, sd = 8, hd = 3/22,
 * xvd beyond 15 disks or 15 partitions in the extended 1<<28 form).
 */
#ifndef XENNER_VDEV_H
#define XENNER_VDEV_H

/* Returns the device id, or -1 for a name that is not a disk. */
int vdev_to_devid(const char *name);

#endif
