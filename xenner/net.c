// SPDX-License-Identifier: MIT
/*
 * -net tap[,mac=M][,bridge=BR]: virtual network interfaces served by
 * netbackd (or any netif backend).  xenner writes the frontend and backend
 * xenstore nodes of vif N as Xen's toolstack does; netbackd makes the tap
 * vif<domid>.<N>, puts it on the bridge and does the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/xs-util.h"

static int bad(const char *arg, const char *why)
{
	fprintf(stderr, "xenner: -net %s: %s\n", arg, why);
	return -1;
}

static bool valid_mac(const char *s)
{
	unsigned int b[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6)
		return false;
	return !(b[0] & 1); /* not a multicast address */
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n && n < 16 && !strpbrk(s, "/ \t:");
}

/* Once arg has been copied: the copy goes too. */
#define fail(arg, why)                                                         \
	do {                                                                   \
		free(opts);                                                    \
		return bad(arg, why);                                          \
	} while (0)

int net_parse(struct xenner_config *c, const char *arg)
{
	struct xenner_nic *n;
	char *opts, *tok, *save;
	uint8_t r[3];

	if (c->nr_nics == XENNER_MAX_NICS)
		return bad(arg, "too many network interfaces");
	n = &c->nics[c->nr_nics];
	opts = strdup(arg);
	if (!opts)
		return bad(arg, "out of memory");
	tok = strtok_r(opts, ",", &save);
	if (!tok || strcmp(tok, "tap"))
		fail(arg, "only 'tap' is supported");
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "mac=", 4)) {
			if (!valid_mac(tok + 4))
				fail(arg, "mac= wants xx:xx:xx:xx:xx:xx "
					 "(unicast)");
			snprintf(n->mac, sizeof(n->mac), "%s", tok + 4);
		} else if (!strncmp(tok, "bridge=", 7)) {
			if (!valid_ifname(tok + 7))
				fail(arg, "bad bridge name");
			snprintf(n->bridge, sizeof(n->bridge), "%s", tok + 7);
		} else {
			fail(arg, "unknown option (mac= and bridge= are)");
		}
	}
	free(opts);
	if (!n->mac[0]) {
		/* Xen's OUI and random bytes, as xl picks one. */
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			return bad(arg, "no random bytes for a MAC");
		snprintf(n->mac, sizeof(n->mac), "00:16:3e:%02x:%02x:%02x",
			 r[0] & 0x7f, r[1], r[2]);
	}
	c->nr_nics++;
	return 0;
}

int net_write_nodes(struct xenner *x, xs_transaction_t t)
{
	struct xs_handle *h = x->xsh;
	int rc = 0;

	for (unsigned i = 0; i < x->cfg.nr_nics; i++) {
		const struct xenner_nic *n = &x->cfg.nics[i];
		char be[XENBUS_DEV_PATH], fe[XENBUS_DEV_PATH];

		rc |= xenbus_dev_nodes(x, t, "vif", "vif", i, be, fe);
		rc |= xsu_printf(h, t, fe, "handle", "%u", i);
		rc |= xsu_printf(h, t, fe, "mac", "%s", n->mac);
		rc |= xsu_printf(h, t, be, "handle", "%u", i);
		rc |= xsu_printf(h, t, be, "mac", "%s", n->mac);
		if (n->bridge[0])
			rc |= xsu_printf(h, t, be, "bridge", "%s", n->bridge);
		rc |= xsu_printf(h, t, be, "type", "vif");
	}
	return rc ? -EIO : 0;
}

/* The backends see their directory go and remove the taps. */
void net_remove_nodes(struct xenner *x)
{
	char be[96];

	if (!x->cfg.nr_nics || !x->xsh)
		return;
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u", x->domid);
	xs_rm(x->xsh, XBT_NULL, be);
}
