// SPDX-License-Identifier: MIT
/*
 * block-list and network-list: a domain's virtual devices as xenstore
 * describes them (the frontend directory /local/domain/<id>/device/),
 * in xm's columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xm.h"

static void rd(struct xs_handle *h, const char *dir, const char *key, char *out,
	       size_t len)
{
	char path[256];
	unsigned int n;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = xs_read(h, XBT_NULL, path, &n);
	snprintf(out, len, "%s", v ? v : "-");
	free(v);
}

static int device_list(int argc, char **argv, const char *cmd, const char *type)
{
	struct xs_handle *h;
	struct xm_dom d;
	char dir[128];
	unsigned int n;
	char **ents;

	if (argc != 1 || argv[0][0] == '-') {
		xm_err("usage: %s %s NAME|ID", XM_PROG, cmd);
		return XM_EXIT_USAGE;
	}
	if (xm_lookup(argv[0], &d))
		return XM_EXIT_FAIL;
	if (d.preserved) {
		xm_err("domain %s has ended; it has no devices", d.info.name);
		return XM_EXIT_FAIL;
	}
	h = xs_open(0);
	if (!h) {
		xm_err("cannot reach xenstored: %s", strerror(errno));
		return XM_EXIT_FAIL;
	}
	if (!strcmp(type, "vbd"))
		printf("Vdev  BE handle state evt-ch ring-ref BE-path\n");
	else
		printf("Idx BE     MAC Addr.     handle state evt-ch "
		       "tx-/rx-ring-ref BE-path\n");
	snprintf(dir, sizeof(dir), "/local/domain/%u/device/%s", d.info.domid,
		 type);
	ents = xs_directory(h, XBT_NULL, dir, &n);
	for (unsigned i = 0; ents && i < n; i++) {
		char fe[192], be[128], beid[16], state[16], evt[16], ring[16],
			tx[16], mac[32];

		snprintf(fe, sizeof(fe), "%s/%s", dir, ents[i]);
		rd(h, fe, "backend", be, sizeof(be));
		rd(h, fe, "backend-id", beid, sizeof(beid));
		rd(h, fe, "state", state, sizeof(state));
		rd(h, fe, "event-channel", evt, sizeof(evt));
		if (!strcmp(type, "vbd")) {
			rd(h, fe, "ring-ref", ring, sizeof(ring));
			printf("%-5s %3s %6u %5s %6s %8s %s/\n", ents[i], beid,
			       i, state, evt, ring, be);
		} else {
			rd(h, fe, "mac", mac, sizeof(mac));
			rd(h, fe, "tx-ring-ref", tx, sizeof(tx));
			rd(h, fe, "rx-ring-ref", ring, sizeof(ring));
			printf("%-3s %2s %17s %6u %5s %6s %7s/%-7s %s/\n",
			       ents[i], beid, mac, i, state, evt, tx, ring, be);
		}
	}
	free(ents);
	xs_close(h);
	return XM_EXIT_OK;
}

int cmd_block_list(int argc, char **argv)
{
	return device_list(argc, argv, "block-list", "vbd");
}

int cmd_network_list(int argc, char **argv)
{
	return device_list(argc, argv, "network-list", "vif");
}
