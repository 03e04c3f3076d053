// SPDX-License-Identifier: MIT
/*
 * shutdown, reboot, destroy, pause, unpause.  Shutdown and reboot ask the
 * guest through control/shutdown in xenstore, as Xen's toolstack does; the
 * guest decides, and its monitor applies on_poweroff/on_reboot.  Destroy
 * goes through evtchnd (xenner ends at once); pause and unpause through
 * xenner's control socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "xm.h"

static int usage(const char *cmd, const char *args)
{
	xm_err("usage: %s %s %s", XM_PROG, cmd, args);
	return XM_EXIT_USAGE;
}

static int request_shutdown(const struct xm_dom *d, const char *how)
{
	struct xs_handle *h;
	char path[64];
	bool ok;

	if (d->preserved) {
		xm_err("domain %s has already ended (its vmcore is kept); "
		       "'%s destroy %s' removes it",
		       d->info.name, XM_PROG, d->info.name);
		return -1;
	}
	h = xs_open(0);
	if (!h) {
		xm_err("cannot reach xenstored: %s", strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown",
		 d->info.domid);
	ok = xs_write(h, XBT_NULL, path, how, strlen(how));
	if (!ok)
		xm_err("cannot write %s: %s", path, strerror(errno));
	xs_close(h);
	return ok ? 0 : -1;
}

/* shutdown and reboot: [-w] [-a] NAME|ID */
static int shutdown_like(int argc, char **argv, const char *cmd,
			 const char *how)
{
	bool wait = false, all = false;
	struct xm_dom *doms = NULL, one;
	int n, i, rc = XM_EXIT_OK;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-w"))
			wait = true;
		else if (!strcmp(argv[i], "-a"))
			all = true;
		else
			return usage(cmd, "[-w] [-a] NAME|ID");
	}
	if (all ? i != argc : i + 1 != argc)
		return usage(cmd, "[-w] [-a] NAME|ID");
	if (all) {
		n = xm_domains(&doms, false);
		if (n < 0)
			return XM_EXIT_FAIL;
	} else {
		if (xm_lookup(argv[i], &one))
			return XM_EXIT_FAIL;
		doms = &one;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		if (all && doms[i].preserved)
			continue;
		if (request_shutdown(&doms[i], how))
			rc = XM_EXIT_FAIL;
	}
	for (i = 0; wait && i < n; i++) {
		if (doms[i].preserved)
			continue;
		/* the pid: a restarted domain may get the same id again */
		if (doms[i].xenner_pid > 0)
			while (!kill(doms[i].xenner_pid, 0))
				usleep(100 * 1000);
		else
			xm_wait_gone(doms[i].info.domid, 0);
		printf("Domain %s (id %u) %s\n", doms[i].info.name,
		       doms[i].info.domid,
		       strcmp(how, "reboot") ? "shut down" : "rebooted");
	}
	if (all)
		free(doms);
	return rc;
}

int cmd_shutdown(int argc, char **argv)
{
	return shutdown_like(argc, argv, "shutdown", "poweroff");
}

int cmd_reboot(int argc, char **argv)
{
	return shutdown_like(argc, argv, "reboot", "reboot");
}

int cmd_destroy(int argc, char **argv)
{
	struct evtchn_client c;
	struct xm_dom d;
	int rc;

	if (argc != 1 || argv[0][0] == '-')
		return usage("destroy", "NAME|ID");
	if (xm_lookup(argv[0], &d))
		return XM_EXIT_FAIL;
	if (d.preserved) {
		if (unlink(d.core)) {
			xm_err("%s: %s", d.core, strerror(errno));
			return XM_EXIT_FAIL;
		}
		printf("Removed the kept vmcore of %s (%s)\n", d.info.name,
		       d.core);
		return XM_EXIT_OK;
	}
	if (xm_connect(&c))
		return XM_EXIT_FAIL;
	rc = evtchn_client_destroy(&c, d.info.domid);
	evtchn_client_close(&c);
	if (rc < 0) {
		xm_err("destroy %s: %s", argv[0], strerror(-rc));
		return XM_EXIT_FAIL;
	}
	/* xenner removes the domain's nodes and files as it exits */
	if (d.xenner_pid > 0)
		for (int i = 0; i < 100 && !kill(d.xenner_pid, 0); i++)
			usleep(50 * 1000);
	return XM_EXIT_OK;
}

static int pause_like(int argc, char **argv, const char *cmd)
{
	struct xm_dom d;

	if (argc != 1 || argv[0][0] == '-')
		return usage(cmd, "NAME|ID");
	if (xm_lookup_running(cmd, argv[0], &d))
		return XM_EXIT_FAIL;
	return xm_control(d.info.domid, cmd, NULL) ? XM_EXIT_FAIL : XM_EXIT_OK;
}

int cmd_pause(int argc, char **argv)
{
	return pause_like(argc, argv, "pause");
}

int cmd_unpause(int argc, char **argv)
{
	return pause_like(argc, argv, "unpause");
}
