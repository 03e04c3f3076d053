// SPDX-License-Identifier: MIT
/*
 * The xenstore directories of one PV device and the nodes every device
 * has, as Xen's toolstack writes them: the backend directory in dom0's
 * tree (readable by the guest), the frontend's in the guest's (readable
 * by dom0), each pointing at the other, both in Initialising, the backend
 * online.  disk.c, net.c and vfb.c add their own keys in the same
 * transaction.
 */
#include <stdio.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner.h"
#include "xenner/xs-util.h"

int xenbus_dev_nodes(struct xenner *x, xs_transaction_t t, const char *fe_type,
		     const char *be_type, unsigned devid,
		     char be[XENBUS_DEV_PATH], char fe[XENBUS_DEV_PATH])
{
	struct xs_permissions be_perms[2] = {
		{.id = 0, .perms = XS_PERM_NONE},
		{.id = x->domid, .perms = XS_PERM_READ},
	};
	struct xs_permissions fe_perms[2] = {
		{.id = x->domid, .perms = XS_PERM_NONE},
		{.id = 0, .perms = XS_PERM_READ},
	};
	struct xs_handle *h = x->xsh;
	int rc = 0;

	snprintf(be, XENBUS_DEV_PATH, "/local/domain/0/backend/%s/%u/%u",
		 be_type, x->domid, devid);
	snprintf(fe, XENBUS_DEV_PATH, "/local/domain/%u/device/%s/%u",
		 x->domid, fe_type, devid);
	rc |= xsu_mkdir_perms(h, t, be, be_perms, 2);
	rc |= xsu_mkdir_perms(h, t, fe, fe_perms, 2);
	rc |= xsu_printf(h, t, fe, "backend", "%s", be);
	rc |= xsu_printf(h, t, fe, "backend-id", "0");
	rc |= xsu_printf(h, t, fe, "state", "%d", XenbusStateInitialising);
	rc |= xsu_printf(h, t, be, "frontend", "%s", fe);
	rc |= xsu_printf(h, t, be, "frontend-id", "%u", x->domid);
	rc |= xsu_printf(h, t, be, "online", "1");
	rc |= xsu_printf(h, t, be, "state", "%d", XenbusStateInitialising);
	return rc;
}
