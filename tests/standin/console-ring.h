/* SPDX-License-Identifier: MIT */
/* Guest side of the PV console ring (xen/io/console.h): output only. */
#ifndef STANDIN_CONSOLE_RING_H
#define STANDIN_CONSOLE_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xen/io/console.h>

/*
 * Copies as much of data as fits into the out ring.  Returns the number of
 * bytes written (0 when full; notify and wait, then retry) or -EIO if the
 * indices are corrupt.
 */
ssize_t console_ring_write(struct xencons_interface *intf, const void *data,
			   size_t len);

#endif
