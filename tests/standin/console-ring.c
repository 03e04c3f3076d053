// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "../testdom/barrier.h"
#include "console-ring.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)

ssize_t console_ring_write(struct xencons_interface *intf, const void *data,
			   size_t len)
{
	XENCONS_RING_IDX cons = ring_read_once(intf->out_cons);
	XENCONS_RING_IDX prod = ring_read_once(intf->out_prod);
	size_t n, off, chunk;

	/* Read the backend's cons before reusing the space it frees. */
	ring_mb();
	if (prod - cons > OUT_SIZE)
		return -EIO;
	n = OUT_SIZE - (prod - cons);
	if (n > len)
		n = len;
	off = MASK_XENCONS_IDX(prod, intf->out);
	chunk = n < OUT_SIZE - off ? n : OUT_SIZE - off;
	memcpy(intf->out + off, data, chunk);
	memcpy(intf->out, (const char *)data + chunk, n - chunk);
	ring_wmb();
	ring_write_once(intf->out_prod, prod + (XENCONS_RING_IDX)n);
	return n;
}
