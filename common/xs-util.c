// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

struct xs_handle *xsu_open(void)
{
	const char *path = getenv("XENSTORED_PATH");
	struct xs_handle *h = xs_open(0);

	if (!h)
		log_err("cannot connect to xenstored at %s: %s",
			path ? path : "its default socket (XENSTORED_PATH "
				      "is not set)",
			strerror(errno));
	return h;
}

int xsu_printf(struct xs_handle *h, xs_transaction_t t, const char *dir,
	       const char *key, const char *fmt, ...)
{
	char path[256], val[1024];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(h, t, path, val, strlen(val))) {
		log_err("xenstore write %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int xsu_mkdir_perms(struct xs_handle *h, xs_transaction_t t,
		    const char *path, struct xs_permissions *perms,
		    unsigned int n)
{
	if (!xs_mkdir(h, t, path) || !xs_set_permissions(h, t, path, perms, n)) {
		log_err("xenstore mkdir/set permissions %s: %s", path,
			strerror(errno));
		return -errno;
	}
	return 0;
}
