// SPDX-License-Identifier: MIT
/*
 * -vfb vnc=DISPLAY[,listen=ADDR]: a paravirtual framebuffer (vfb) and
 * keyboard/pointer (vkbd), served over VNC by Debian's unmodified QEMU as
 * the domain's device model.  xenner writes the frontend and backend
 * xenstore nodes as libxl does for a PV guest; devmodel.c starts the
 * domain's QEMU, which serves them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/xs-util.h"

/* VNC display N listens on TCP port 5900 + N. */
#define VNC_MAX_DISPLAY (65535 - 5900)

static int bad(const char *arg, const char *why)
{
	fprintf(stderr, "xenner: -vfb %s: %s\n", arg, why);
	return -1;
}

/* A host name, an IPv4 address or an IPv6 address (bare or in []). */
static bool valid_listen(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(((struct xenner_vfb *)0)->listen) - 2)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:[]", *s))
			return false;
	return true;
}

/* Once arg has been copied: the copy goes too. */
#define fail(arg, why)                                                         \
	do {                                                                   \
		free(opts);                                                    \
		return bad(arg, why);                                          \
	} while (0)

int vfb_parse(struct xenner_config *c, const char *arg)
{
	struct xenner_vfb *v = &c->vfb;
	char *opts, *tok, *save, *end;
	bool have_display = false;
	long n;

	if (v->enabled)
		return bad(arg, "only one -vfb");
	opts = strdup(arg);
	if (!opts)
		return bad(arg, "out of memory");
	snprintf(v->listen, sizeof(v->listen), "127.0.0.1");
	for (tok = strtok_r(opts, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "vnc=", 4)) {
			errno = 0;
			n = strtol(tok + 4, &end, 10);
			if (errno || end == tok + 4 || *end || n < 0 ||
			    n > VNC_MAX_DISPLAY)
				fail(arg, "vnc= wants a display number "
					 "(port 5900 + N)");
			v->display = n;
			have_display = true;
		} else if (!strncmp(tok, "listen=", 7)) {
			if (!valid_listen(tok + 7))
				fail(arg, "listen= wants a host name or an IP "
					 "address");
			/* QEMU wants an IPv6 address in brackets */
			if (strchr(tok + 7, ':') && tok[7] != '[')
				snprintf(v->listen, sizeof(v->listen), "[%s]",
					 tok + 7);
			else
				snprintf(v->listen, sizeof(v->listen), "%s",
					 tok + 7);
		} else {
			fail(arg, "unknown option (vnc= and listen= are)");
		}
	}
	free(opts);
	if (!have_display)
		return bad(arg, "vnc=DISPLAY is required (only VNC is supported)");
	v->enabled = true;
	return 0;
}

/* The address as xl writes vnclisten: without the brackets. */
static const char *bare_listen(const struct xenner_vfb *v, char *buf,
			       size_t len)
{
	size_t n = strlen(v->listen);

	if (v->listen[0] == '[' && n > 2 && v->listen[n - 1] == ']') {
		snprintf(buf, len, "%.*s", (int)(n - 2), v->listen + 1);
		return buf;
	}
	return v->listen;
}

int vfb_write_nodes(struct xenner *x, xs_transaction_t t)
{
	const struct xenner_vfb *v = &x->cfg.vfb;
	struct xs_handle *h = x->xsh;
	char be[XENBUS_DEV_PATH], fe[XENBUS_DEV_PATH], addr[64];
	int rc = 0;

	if (!v->enabled)
		return 0;
	rc |= xenbus_dev_nodes(x, t, "vfb", "vfb", 0, be, fe);
	/* what xl records of the display; QEMU gets it on its command line */
	rc |= xsu_printf(h, t, be, "vnc", "1");
	rc |= xsu_printf(h, t, be, "vnclisten", "%s",
			 bare_listen(v, addr, sizeof(addr)));
	rc |= xsu_printf(h, t, be, "vncdisplay", "%d", v->display);
	rc |= xsu_printf(h, t, be, "vncunused", "0");
	rc |= xsu_printf(h, t, be, "sdl", "0");
	rc |= xsu_printf(h, t, be, "opengl", "0");
	/* xl gives a PV guest with a vfb a vkbd too */
	rc |= xenbus_dev_nodes(x, t, "vkbd", "vkbd", 0, be, fe);
	return rc ? -EIO : 0;
}

void vfb_remove_nodes(struct xenner *x)
{
	static const char *const types[] = {"vfb", "vkbd"};
	char be[96];

	if (!x->cfg.vfb.enabled || !x->xsh)
		return;
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u",
			 types[i], x->domid);
		xs_rm(x->xsh, XBT_NULL, be);
	}
}
