// SPDX-License-Identifier: MIT
/*
 * The xenstore side of a test frontend: the toolstack's device nodes and
 * the frontend's half of the xenbus handshake.  States are polled every
 * few ms: simple, and plenty for tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "xenner/log.h"
#include "xenner/xs-util.h"

#include "testdom.h"

void td_dev_init(struct td_dev *d, const struct td_dev_ops *ops,
		 const char *type, uint32_t devid)
{
	unsigned int i;

	for (i = 0; i < td.nr_devs && td.devs[i] != d; i++)
		;
	if (i == td.nr_devs && i < TD_MAX_DEVS)
		td.devs[td.nr_devs++] = d;
	d->used = true;
	d->devid = devid;
	d->ops = ops;
	snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/%u",
		 td.domid, type, devid);
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/%u", type,
		 td.domid, devid);
}

int td_dev_add(struct td_dev *d, int (*nodes)(xs_transaction_t t, void *arg),
	       void *arg)
{
	xs_transaction_t t;
	int ret;

again:
	t = xs_transaction_start(td.xs);
	ret = xsu_printf(td.xs, t, d->fe, "backend", "%s", d->be);
	ret |= xsu_printf(td.xs, t, d->fe, "backend-id", "0");
	ret |= xsu_printf(td.xs, t, d->fe, "state", "%d",
			  XenbusStateInitialising);
	ret |= xsu_printf(td.xs, t, d->be, "frontend", "%s", d->fe);
	ret |= xsu_printf(td.xs, t, d->be, "frontend-id", "%u", td.domid);
	ret |= xsu_printf(td.xs, t, d->be, "online", "1");
	ret |= xsu_printf(td.xs, t, d->be, "state", "%d",
			  XenbusStateInitialising);
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

void td_rm(const char *dir, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	xs_rm(td.xs, XBT_NULL, path);
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

static int close_handshake(struct td_dev *d)
{
	td_set_state(d->fe, XenbusStateClosing);
	if (td_wait_state(d->be,
			  1u << XenbusStateClosing | 1u << XenbusStateClosed,
			  td.timeout_ms) < 0)
		return -1;
	td_set_state(d->fe, XenbusStateClosed);
	if (td_wait_state(d->be, 1u << XenbusStateClosed, td.timeout_ms) < 0)
		return -1;
	return 0;
}

int td_dev_init_wait(struct td_dev *d)
{
	long st = td_read_num(d->be, "state", 0);

	if (st == XenbusStateClosed || st == XenbusStateClosing)
		td_set_state(d->fe, XenbusStateInitialising);
	if (td_wait_state(d->be, 1u << XenbusStateInitWait, td.timeout_ms) <
	    0) {
		printf("ERROR backend not in InitWait\n");
		return -1;
	}
	return 0;
}

int td_dev_wait_connected(struct td_dev *d)
{
	int st = td_wait_state(
		d->be, 1u << XenbusStateConnected | 1u << XenbusStateClosing,
		td.timeout_ms);

	if (st != XenbusStateConnected) {
		printf("ERROR backend state %d\n", st);
		return -1;
	}
	return 0;
}

int td_dev_expect_refusal(struct td_dev *d)
{
	char path[256], *err;
	unsigned int len;
	int st = td_wait_state(
		d->be, 1u << XenbusStateConnected | 1u << XenbusStateClosing,
		td.timeout_ms);

	d->ops->release(d, false);
	if (st != XenbusStateClosing) {
		printf("ERROR backend state %d, not a refusal\n", st);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/error", d->be);
	err = xs_read(td.xs, XBT_NULL, path, &len);
	printf("REFUSED %s\n", err ? err : "(no error node)");
	free(err);
	return 0;
}

/* Clean close, as a frontend does on removal: Closing, then Closed. */
static int disconnect(struct td_dev *d)
{
	if (close_handshake(d)) {
		printf("ERROR close handshake\n");
		return -1;
	}
	d->ops->release(d, false);
	printf("OK\n");
	return 0;
}

/* A rebooted guest starts over at Initialising without closing first. */
static int reboot(struct td_dev *d)
{
	td_set_state(d->fe, XenbusStateInitialising);
	if (td_wait_state(d->be, 1u << XenbusStateInitWait, td.timeout_ms) <
	    0) {
		printf("ERROR backend did not go to InitWait\n");
		return -1;
	}
	return d->ops->again(d, false);
}

/*
 * After the backend went away (killed, restarted) or broke the device:
 * it asks us to close (Closing) or is Closed; we close and connect again
 * with new rings.
 */
static int wait_reconnect(struct td_dev *d)
{
	if (td_wait_state(d->be,
			  1u << XenbusStateClosing | 1u << XenbusStateClosed,
			  3 * td.timeout_ms) < 0) {
		printf("ERROR backend never asked to reconnect\n");
		return -1;
	}
	td_set_state(d->fe, XenbusStateClosed);
	if (td_wait_state(d->be, d->ops->closed_mask, td.timeout_ms) < 0) {
		printf("ERROR backend not Closed\n");
		return -1;
	}
	/* A killed backend never unpinned what it held. */
	return d->ops->again(d, true);
}

void td_dev_remove(struct td_dev *d)
{
	bool force = false;

	if (d->connected && close_handshake(d)) {
		log_warn("%s: close handshake failed", d->fe);
		force = true;
	}
	d->ops->release(d, force);
	xs_rm(td.xs, XBT_NULL, d->be);
	xs_rm(td.xs, XBT_NULL, d->fe);
	d->used = false;
}

int td_dev_cmd(struct td_dev *d, char **w, int n)
{
	(void)n;
	if (!strcmp(w[0], "disconnect"))
		return disconnect(d);
	if (!strcmp(w[0], "reboot"))
		return reboot(d);
	if (!strcmp(w[0], "wait-reconnect"))
		return wait_reconnect(d);
	if (!strcmp(w[0], "remove")) {
		td_dev_remove(d);
		printf("OK\n");
		return 0;
	}
	return 1;
}
