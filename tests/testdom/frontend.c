// SPDX-License-Identifier: MIT
/*
 * The xenstore side of a test frontend: the toolstack's device nodes and
 * the frontend's half of the xenbus handshake.  States are polled every
 * few ms: simple, and plenty for tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

#include "testdom.h"

void td_device_paths(const char *type, uint32_t devid, char *fe, char *be,
		     size_t len)
{
	snprintf(fe, len, "/local/domain/%u/device/%s/%u", td.domid, type,
		 devid);
	snprintf(be, len, "/local/domain/0/backend/%s/%u/%u", type, td.domid,
		 devid);
}

int td_device_add(const char *fe, const char *be,
		  int (*nodes)(xs_transaction_t t, void *arg), void *arg)
{
	xs_transaction_t t;
	int ret;

again:
	t = xs_transaction_start(td.xs);
	ret = xsu_printf(td.xs, t, fe, "backend", "%s", be);
	ret |= xsu_printf(td.xs, t, fe, "backend-id", "0");
	ret |= xsu_printf(td.xs, t, fe, "state", "%d", XenbusStateInitialising);
	ret |= xsu_printf(td.xs, t, be, "frontend", "%s", fe);
	ret |= xsu_printf(td.xs, t, be, "frontend-id", "%u", td.domid);
	ret |= xsu_printf(td.xs, t, be, "online", "1");
	ret |= xsu_printf(td.xs, t, be, "state", "%d", XenbusStateInitialising);
	ret |= nodes(t, arg);
	if (!xs_transaction_end(td.xs, t, ret != 0)) {
		if (errno == EAGAIN)
			goto again;
		ret = -errno;
	}
	return ret;
}

long td_read_num(const char *dir, const char *key, long def)
{
	char path[256], *s;
	unsigned int len;
	long v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	s = xs_read(td.xs, XBT_NULL, path, &len);
	if (!s)
		return def;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}

void td_set_state(const char *fe, int state)
{
	xsu_printf(td.xs, XBT_NULL, fe, "state", "%d", state);
}

int td_wait_state(const char *be, unsigned int mask, int timeout_ms)
{
	int64_t end = td_now_ms() + timeout_ms;
	long st;

	for (;;) {
		st = td_read_num(be, "state", 0);
		if (st >= 0 && st < 32 && (mask & (1u << st)))
			return st;
		if (td_now_ms() >= end) {
			log_err("%s: backend state %ld, waited for mask %#x",
				be, st, mask);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
}

int td_close(const char *fe, const char *be)
{
	td_set_state(fe, XenbusStateClosing);
	if (td_wait_state(be,
			  1u << XenbusStateClosing | 1u << XenbusStateClosed,
			  td.timeout_ms) < 0)
		return -1;
	td_set_state(fe, XenbusStateClosed);
	if (td_wait_state(be, 1u << XenbusStateClosed, td.timeout_ms) < 0)
		return -1;
	return 0;
}
