// SPDX-License-Identifier: MIT
/*
 * The domain's xenstore tree, written as Xen's toolstack (libxl) writes it
 * for a PV domain, and its introduction to xenstored: from then on the
 * stock xenstored serves the guest over its store ring (grant ref 1) and
 * xenconsoled finds its console.  Removed again when the domain ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"
#include "xenner/xs-util.h"

/* Directories the guest itself may write in, as libxl makes them. */
static const char *const guest_rw_dirs[] = {
	"data", "device", "drivers", "feature", "attr", "error",
	"control/shutdown", "control/feature-poweroff",
	"control/feature-reboot", "control/feature-suspend",
	"control/sysrq", "memory",
};

static void uuid_str(const uint8_t u[16], char *out)
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int write_tree(struct xenner *x, xs_transaction_t t, const char *dom,
		      const char *vm)
{
	struct xs_permissions ro[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = x->domid, .perms = XS_PERM_READ },
	};
	struct xs_permissions rw[1] = {
		{ .id = x->domid, .perms = XS_PERM_NONE },
	};
	const struct vmcore_domain *d = x->vmcore.dom;
	struct xs_handle *h = x->xsh;
	char path[256], uuid[37];
	int rc = 0;

	uuid_str(d->uuid, uuid);
	rc |= xsu_mkdir_perms(h, t, dom, ro, 2);
	rc |= xsu_mkdir_perms(h, t, vm, ro, 2);
	rc |= xsu_printf(h, t, vm, "uuid", "%s", uuid);
	rc |= xsu_printf(h, t, vm, "name", "%s", x->cfg.name);
	rc |= xsu_printf(h, t, dom, "vm", "%s", vm);
	rc |= xsu_printf(h, t, dom, "name", "%s", x->cfg.name);
	rc |= xsu_printf(h, t, dom, "domid", "%u", x->domid);
	rc |= xsu_printf(h, t, dom, "memory/static-max", "%llu",
			 (unsigned long long)x->nr_pages * 4);
	rc |= xsu_printf(h, t, dom, "memory/target", "%llu",
			 (unsigned long long)x->nr_pages * 4);
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		snprintf(path, sizeof(path), "cpu/%u/availability", i);
		rc |= xsu_printf(h, t, dom, path, "online");
	}
	rc |= xsu_printf(h, t, dom, "store/ring-ref", "%llu",
			 (unsigned long long)d->store_pfn);
	rc |= xsu_printf(h, t, dom, "store/port", "%u", d->store_port);
	rc |= xsu_printf(h, t, dom, "console/ring-ref", "%llu",
			 (unsigned long long)d->console_pfn);
	rc |= xsu_printf(h, t, dom, "console/port", "%u", d->console_port);
	rc |= xsu_printf(h, t, dom, "console/limit", "1048576");
	/* xenconsoled serves only consoles of its own type */
	rc |= xsu_printf(h, t, dom, "console/type", "%s",
			 x->cfg.console_xenconsoled ? "xenconsoled" : "xenner");
	rc |= xsu_printf(h, t, dom, "console/output", "pty");
	for (size_t i = 0; i < sizeof(guest_rw_dirs) / sizeof(*guest_rw_dirs);
	     i++) {
		snprintf(path, sizeof(path), "%s/%s", dom, guest_rw_dirs[i]);
		rc |= xsu_mkdir_perms(h, t, path, rw, 1);
	}
	return rc ? -EIO : 0;
}

int xenstore_introduce(struct xenner *x)
{
	char dom[64], vm[96], uuid[37], sock[256];
	int rc;


	/* the xenstored of our run directory (see xenner-dom0) */
	rundir_file(sock, sizeof(sock), "xenstored/socket");
	setenv("XENSTORED_PATH", sock, 1);
	x->xsh = xsu_open();
	if (!x->xsh)
		return -ENOENT;
	uuid_str(x->vmcore.dom->uuid, uuid);
	snprintf(dom, sizeof(dom), "/local/domain/%u", x->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	/*
	 * One transaction: xenconsoled must never see console/ring-ref
	 * without console/type, or it grabs a console that is not its own.
	 */
	for (int tries = 0;; tries++) {
		xs_transaction_t t = xs_transaction_start(x->xsh);

		if (t == XBT_NULL) {
			log_err("xenstore transaction: %s", strerror(errno));
			return -errno;
		}
		rc = write_tree(x, t, dom, vm);
		if (!rc)
			rc = disk_write_nodes(x, t);
		if (!rc)
			rc = net_write_nodes(x, t);
		if (!rc)
			rc = vfb_write_nodes(x, t);
		if (xs_transaction_end(x->xsh, t, rc != 0) && !rc)
			break;
		if (rc || errno != EAGAIN || tries == 10) {
			log_err("cannot write the xenstore tree of domain %u",
				x->domid);
			return rc ? rc : -errno;
		}
	}
	if (!xs_introduce_domain(x->xsh, x->domid, x->vmcore.dom->store_pfn,
				 x->store_port)) {
		log_err("xenstored refused to introduce domain %u: %s",
			x->domid, strerror(errno));
		return -errno;
	}
	x->introduced = true;
	return 0;
}

/* Asks the guest to shut down, as `xl shutdown` does. */
int xenstore_request_shutdown(struct xenner *x, const char *how)
{
	char dom[64];

	if (!x->xsh)
		return -ENOENT;
	snprintf(dom, sizeof(dom), "/local/domain/%u", x->domid);
	return xsu_printf(x->xsh, XBT_NULL, dom, "control/shutdown", "%s",
			  how);
}

void xenstore_release(struct xenner *x)
{
	char path[96], uuid[37];

	if (!x->xsh)
		return;
	disk_remove_nodes(x);
	net_remove_nodes(x);
	vfb_remove_nodes(x);
	if (x->introduced && !xs_release_domain(x->xsh, x->domid))
		log_warn("xenstored did not release domain %u: %s", x->domid,
			 strerror(errno));
	snprintf(path, sizeof(path), "/local/domain/%u", x->domid);
	xs_rm(x->xsh, XBT_NULL, path);
	uuid_str(x->vmcore.dom->uuid, uuid);
	snprintf(path, sizeof(path), "/vm/%s", uuid);
	xs_rm(x->xsh, XBT_NULL, path);
	xs_close(x->xsh);
	x->xsh = NULL;
	x->introduced = false;
}
