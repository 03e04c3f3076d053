/* SPDX-License-Identifier: MIT */
/* Small helpers over Debian's libxenstore for toolstack-side writes. */
#ifndef XENNER_XS_UTIL_H
#define XENNER_XS_UTIL_H

#include <xenstore.h>

/* Writes printf-formatted text to dir/key; 0 or -errno (logged). */
int xsu_printf(struct xs_handle *h, xs_transaction_t t, const char *dir,
	       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Creates path and sets its permissions; 0 or -errno (logged). */
int xsu_mkdir_perms(struct xs_handle *h, xs_transaction_t t,
		    const char *path, struct xs_permissions *perms,
		    unsigned int n);
/* xs_open(0) with a log line naming the socket on failure. */
struct xs_handle *xsu_open(void);

#endif
