// SPDX-License-Identifier: MIT
/*
 * The toolstack half of the stand-in: what xl (and later xenner) does in
 * xenstore for a new domain, through Debian's stock libxenstore as dom0.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "xenner/log.h"

#include "standin.h"

int toolstack_open(struct standin *s)
{
	const char *path = getenv("XENSTORED_PATH");

	s->xsh = xs_open(0);
	if (!s->xsh) {
		log_err("cannot connect to xenstored at %s: %s",
			path ? path
			     : "the default socket (XENSTORED_PATH "
			       "is not set)",
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int ts_write(struct standin *s, const char *base, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int ts_write(struct standin *s, const char *base, const char *key,
		    const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", base, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(s->xsh, XBT_NULL, path, val, strlen(val))) {
		log_err("xenstore write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int ts_perms(struct standin *s, const char *path,
		    struct xs_permissions *perms, unsigned int n)
{
	if (!xs_mkdir(s->xsh, XBT_NULL, path) ||
	    !xs_set_permissions(s->xsh, XBT_NULL, path, perms, n)) {
		log_err("xenstore mkdir/set permissions %s: %s", path,
			strerror(errno));
		return -errno;
	}
	return 0;
}

int toolstack_introduce(struct standin *s)
{
	/* dom0 owns the domain's directory; the domain may read it ... */
	struct xs_permissions base_perms[2] = {
		{.id = 0, .perms = XS_PERM_NONE},
		{.id = s->domid, .perms = XS_PERM_READ},
	};
	/* ... and owns data/, where it may write. */
	struct xs_permissions data_perms[1] = {
		{.id = s->domid, .perms = XS_PERM_NONE},
	};
	const struct vmcore_domain *d = s->vc.dom;
	char base[64], data[80];
	int ret;

	snprintf(base, sizeof(base), "/local/domain/%" PRIu32, s->domid);
	snprintf(data, sizeof(data), "%s/data", base);
	ret = ts_perms(s, base, base_perms, 2);
	if (!ret)
		ret = ts_write(s, base, "name", "%s", s->name);
	if (!ret)
		ret = ts_write(s, base, "domid", "%" PRIu32, s->domid);
	if (!ret)
		ret = ts_write(s, base, "console/ring-ref", "%" PRIu64,
			       d->console_pfn);
	if (!ret)
		ret = ts_write(s, base, "console/port", "%" PRIu32,
			       s->console_port);
	if (!ret)
		ret = ts_write(s, base, "console/type", "xenconsoled");
	if (!ret)
		ret = ts_write(s, base, "console/output", "pty");
	if (!ret)
		ret = ts_write(s, base, "store/ring-ref", "%" PRIu64,
			       d->store_pfn);
	if (!ret)
		ret = ts_write(s, base, "store/port", "%" PRIu32,
			       s->store_port);
	if (!ret)
		ret = ts_perms(s, data, data_perms, 1);
	if (ret)
		return ret;
	if (!xs_introduce_domain(s->xsh, s->domid, d->store_pfn,
				 s->store_port)) {
		log_err("xenstore introduce of domain %" PRIu32 ": %s",
			s->domid, strerror(errno));
		return -errno;
	}
	s->introduced = true;
	return 0;
}

void toolstack_release(struct standin *s)
{
	char base[64];

	if (!s->xsh)
		return;
	if (s->introduced && !xs_release_domain(s->xsh, s->domid))
		log_warn("xenstore release of domain %" PRIu32 ": %s", s->domid,
			 strerror(errno));
	s->introduced = false;
	snprintf(base, sizeof(base), "/local/domain/%" PRIu32, s->domid);
	if (!xs_rm(s->xsh, XBT_NULL, base) && errno != ENOENT)
		log_warn("xenstore rm %s: %s", base, strerror(errno));
	xs_close(s->xsh);
	s->xsh = NULL;
}
