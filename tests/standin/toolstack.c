// SPDX-License-Identifier: MIT
/*
 * The toolstack half of the stand-in: what xl (and later xenner) does in
 * xenstore for a new domain, through Debian's stock libxenstore as dom0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <xenstore.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

#include "standin.h"

int toolstack_open(struct standin *s)
{
	(void)s;
	return td_xs_open();
}

int toolstack_introduce(struct standin *s)
{
	/* dom0 owns the domain's directory; the domain may read it ... */
	struct xs_permissions base_perms[2] = {
		{.id = 0, .perms = XS_PERM_NONE},
		{.id = td.domid, .perms = XS_PERM_READ},
	};
	/* ... and owns data/, where it may write. */
	struct xs_permissions data_perms[1] = {
		{.id = td.domid, .perms = XS_PERM_NONE},
	};
	const struct vmcore_domain *d = td.vc.dom;
	char base[64], data[80];
	int ret;

	snprintf(base, sizeof(base), "/local/domain/%" PRIu32, td.domid);
	snprintf(data, sizeof(data), "%s/data", base);
	ret = xsu_mkdir_perms(td.xs, XBT_NULL, base, base_perms, 2);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "name", "%s", s->name);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "domid", "%" PRIu32,
				 td.domid);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "console/ring-ref",
				 "%" PRIu64, d->console_pfn);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "console/port",
				 "%" PRIu32, s->console_port);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "console/type",
				 "xenconsoled");
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "console/output",
				 "pty");
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "store/ring-ref",
				 "%" PRIu64, d->store_pfn);
	if (!ret)
		ret = xsu_printf(td.xs, XBT_NULL, base, "store/port",
				 "%" PRIu32, s->store_port);
	if (!ret)
		ret = xsu_mkdir_perms(td.xs, XBT_NULL, data, data_perms, 1);
	if (ret)
		return ret;
	if (!xs_introduce_domain(td.xs, td.domid, d->store_pfn,
				 s->store_port)) {
		log_err("xenstore introduce of domain %" PRIu32 ": %s",
			td.domid, strerror(errno));
		return -errno;
	}
	s->introduced = true;
	return 0;
}

void toolstack_release(struct standin *s)
{
	char base[64];

	if (!td.xs)
		return;
	if (s->introduced && !xs_release_domain(td.xs, td.domid))
		log_warn("xenstore release of domain %" PRIu32 ": %s", td.domid,
			 strerror(errno));
	s->introduced = false;
	snprintf(base, sizeof(base), "/local/domain/%" PRIu32, td.domid);
	if (!xs_rm(td.xs, XBT_NULL, base) && errno != ENOENT)
		log_warn("xenstore rm %s: %s", base, strerror(errno));
	xs_close(td.xs);
	td.xs = NULL;
}
