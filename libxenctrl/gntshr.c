// SPDX-License-Identifier: MIT
/*
 * Parts of libxengnttab xenner does not provide (yet): granting our own
 * pages to guests (gntalloc) and dma-bufs.  They fail as Linux does
 * without the device or the feature.
 */
#include <stdlib.h>

#include <xengnttab.h>

#include "shim.h"

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	(void)logger;
	(void)open_flags;
	return SHIM_UNSUPPORTED_NULL(EOPNOTSUPP);
}

int xengntshr_close(xengntshr_handle *xgs)
{
	/* No handle can exist: only NULL gets here. */
	(void)xgs;
	return 0;
}

int xengntshr_fd(xengntshr_handle *xgs)
{
	(void)xgs;
	return SHIM_UNSUPPORTED(EBADF);
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count,
			    uint32_t *refs, int writable)
{
	(void)xgs;
	(void)domid;
	(void)count;
	(void)refs;
	(void)writable;
	return SHIM_UNSUPPORTED_NULL(EOPNOTSUPP);
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid,
				  uint32_t *ref, int writable,
				  uint32_t notify_offset,
				  evtchn_port_t notify_port)
{
	(void)xgs;
	(void)domid;
	(void)ref;
	(void)writable;
	(void)notify_offset;
	(void)notify_port;
	return SHIM_UNSUPPORTED_NULL(EOPNOTSUPP);
}

int xengntshr_unshare(xengntshr_handle *xgs, void *start_address,
		      uint32_t count)
{
	(void)xgs;
	(void)start_address;
	(void)count;
	return SHIM_UNSUPPORTED(EINVAL);
}

int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
				   uint32_t flags, uint32_t count,
				   const uint32_t *refs, uint32_t *fd)
{
	(void)xgt;
	(void)domid;
	(void)flags;
	(void)count;
	(void)refs;
	(void)fd;
	return SHIM_UNSUPPORTED(EOPNOTSUPP);
}

int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd,
				       uint32_t wait_to_ms)
{
	(void)xgt;
	(void)fd;
	(void)wait_to_ms;
	return SHIM_UNSUPPORTED(EOPNOTSUPP);
}

int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid,
				 uint32_t fd, uint32_t count, uint32_t *refs)
{
	(void)xgt;
	(void)domid;
	(void)fd;
	(void)count;
	(void)refs;
	return SHIM_UNSUPPORTED(EOPNOTSUPP);
}

int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
	(void)xgt;
	(void)fd;
	return SHIM_UNSUPPORTED(EOPNOTSUPP);
}
