// SPDX-License-Identifier: MIT
/*
 * The meaning of xm configuration keys.  Keys xenner honours are turned
 * into an xm_domcfg; keys Xen knows but xenner cannot honour are refused
 * with the reason, so a guest never boots silently without a device its
 * owner asked for; anything else is a typo and refused too.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenner/emu-abi.h"
#include "xmdom.h"

#define XM_MIN_MEMORY 16
#define XM_MAX_MEMORY (EMU_MAX_RAM_PAGES / 256 - 1)

struct ctx {
	char *err;
	size_t errlen;
};

static int bad(struct ctx *x, const struct xmcfg_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ctx *x, const struct xmcfg_entry *e, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(x->err, x->errlen, "%s:%u: %s: ", e->file, e->line,
			 e->key);

	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Known to Xen, not to xenner: the key and why it is refused. */
static const struct {
	const char *key, *why;
} unsupported[] = {
	{"pci", "PCI passthrough needs a real hypervisor"},
	{"vkb", "vfb = [ 'vnc=1, vncdisplay=N' ] brings a keyboard; no "
		"other vkb"},
	{"vnc", "an HVM setting; a PV guest's display is "
		"vfb = [ 'vnc=1, vncdisplay=N' ]"},
	{"vnclisten", "an HVM setting; a PV guest's display is "
		      "vfb = [ 'vnc=1, vnclisten=ADDR, vncdisplay=N' ]"},
	{"vncdisplay", "an HVM setting; a PV guest's display is "
		       "vfb = [ 'vnc=1, vncdisplay=N' ]"},
	{"vncunused", "an HVM setting; a PV guest's display is "
		      "vfb = [ 'vnc=1, vncdisplay=N' ]"},
	{"vncpasswd", "no VNC passwords yet"},
	{"sdl", "no SDL; a PV guest's display is "
		"vfb = [ 'vnc=1, vncdisplay=N' ]"},
	{"device_model", "PV guests have no device model"},
	{"device_model_version", "PV guests have no device model"},
	{"cpus", "vCPUs cannot be pinned"},
	{"cpu_weight", "no scheduler parameters"},
	{"cpu_cap", "no scheduler parameters"},
	{"cpupool", "no CPU pools"},
	{"maxvcpus", "vCPU hotplug is not supported; use vcpus="},
	{"vtpm", "no virtual TPM"},
	{"vscsi", "no PV SCSI"},
	{"usb", "no USB"},
	{"usbdevice", "no USB"},
	{"irqs", "no device passthrough"},
	{"ioports", "no device passthrough"},
	{"iomem", "no device passthrough"},
	{"dtdev", "no device passthrough"},
	{"channel", "no PV channels"},
	{"p9", "no 9pfs"},
	{"serial", "PV guests use the console"},
	{"hap", "an HVM setting; xenner runs PV guests"},
	{"acpi", "an HVM setting; xenner runs PV guests"},
	{"apic", "an HVM setting; xenner runs PV guests"},
	{"pae", "an HVM setting; xenner runs PV guests"},
	{"boot", "an HVM setting; xenner runs PV guests"},
	{"viridian", "an HVM setting; xenner runs PV guests"},
	{"shadow_memory", "no shadow paging settings"},
	{"on_watchdog", "the watchdog always ends the domain like on_crash"},
	{"tsc_mode", "the TSC is always native"},
	{"seclabel", "no XSM/FLASK"},
};

/* Every key xenner honours. */
static const char *const supported[] = {
	"kernel",  "ramdisk", "extra",	     "root",	   "cmdline",
	"memory",  "maxmem",  "vcpus",	     "name",	   "uuid",
	"disk",	   "vif",     "on_poweroff", "on_reboot",  "on_crash",
	"builder", "type",    "vfb",	     "bootloader", "bootloader_args",
};

static const struct xmcfg_entry *get(const struct xmcfg *c, const char *k)
{
	return xmcfg_get(c, k);
}

static int get_str(struct ctx *x, const struct xmcfg *c, const char *key,
		   char *out, size_t size)
{
	const struct xmcfg_entry *e = get(c, key);

	if (!e)
		return 0;
	if (e->v.type != XMCFG_STR)
		return bad(x, e, "wants a string in quotes");
	if (strlen(e->v.str) >= size)
		return bad(x, e, "longer than %zu bytes", size - 1);
	strcpy(out, e->v.str);
	return 0;
}

/* An integer, or a string of digits (xm accepted memory = '256'). */
static int get_uint(struct ctx *x, const struct xmcfg *c, const char *key,
		    unsigned *out, unsigned min, unsigned max)
{
	const struct xmcfg_entry *e = get(c, key);
	long long v;

	if (!e)
		return 0;
	if (e->v.type == XMCFG_INT) {
		v = e->v.num;
	} else if (e->v.type == XMCFG_STR) {
		char *end;

		v = strtoll(e->v.str, &end, 10);
		if (end == e->v.str || *end)
			return bad(x, e, "'%s' is not a number", e->v.str);
	} else {
		return bad(x, e, "wants a number, not a list");
	}
	if (v < min || v > max)
		return bad(x, e, "%lld is outside %u..%u", v, min, max);
	*out = v;
	return 0;
}

static int get_action(struct ctx *x, const struct xmcfg *c, const char *key,
		      enum xm_action *out)
{
	const struct xmcfg_entry *e = get(c, key);

	if (!e)
		return 0;
	if (e->v.type != XMCFG_STR)
		return bad(x, e, "wants 'destroy', 'restart' or 'preserve'");
	if (!strcmp(e->v.str, "destroy"))
		*out = XM_DESTROY;
	else if (!strcmp(e->v.str, "restart"))
		*out = XM_RESTART;
	else if (!strcmp(e->v.str, "preserve"))
		*out = XM_PRESERVE;
	else if (!strcmp(e->v.str, "rename-restart") ||
		 !strncmp(e->v.str, "coredump-", 9))
		return bad(x, e,
			   "'%s' is not supported (destroy, restart or "
			   "preserve; preserve keeps the vmcore)",
			   e->v.str);
	else
		return bad(x, e, "'%s' is not destroy, restart or preserve",
			   e->v.str);
	return 0;
}

const char *xm_action_name(enum xm_action a)
{
	return a == XM_RESTART	  ? "restart"
	       : a == XM_PRESERVE ? "preserve"
				  : "destroy";
}

int xm_parse_uuid(const char *s, uint8_t uuid[16])
{
	static const int dash[] = {8, 13, 18, 23};
	unsigned n = 0;

	if (strlen(s) != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		bool want_dash = false;

		for (unsigned j = 0; j < 4; j++)
			want_dash |= dash[j] == i;
		if (want_dash) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]) || n >= 16)
			return -1;
		sscanf(s + i, "%2hhx", &uuid[n++]);
		i++;
	}
	return n == 16 ? 0 : -1;
}

static int get_list(struct ctx *x, const struct xmcfg_entry *e, size_t max)
{
	if (e->v.type != XMCFG_LIST)
		return bad(x, e, "wants a list: [ '...', ... ]");
	if (e->v.nr_items > max)
		return bad(x, e, "at most %zu entries", max);
	for (size_t i = 0; i < e->v.nr_items; i++)
		if (e->v.items[i].type != XMCFG_STR)
			return bad(x, e, "entry %zu is not a string", i + 1);
	return 0;
}

/*
 * bootloader_args: a list, or (as xm had it, and xl still takes) one
 * string of blank-separated words.
 */
static int get_bootloader_args(struct ctx *x, const struct xmcfg *c,
			       struct xm_domcfg *d)
{
	const struct xmcfg_entry *e = get(c, "bootloader_args");
	char words[XMCFG_MAX_STRING + 1], *save, *w;

	if (!e)
		return 0;
	if (!d->bootloader[0])
		return bad(x, e, "given without bootloader = 'pygrub'");
	if (e->v.type == XMCFG_LIST) {
		if (get_list(x, e, XMDOM_MAX_BOOTLOADER_ARGS))
			return -1;
		for (size_t i = 0; i < e->v.nr_items; i++) {
			if (strlen(e->v.items[i].str) >=
			    sizeof(d->bootloader_args[0]))
				return bad(x, e, "entry %zu is too long",
					   i + 1);
			strcpy(d->bootloader_args[d->nr_bootloader_args++],
			       e->v.items[i].str);
		}
		return 0;
	}
	if (e->v.type != XMCFG_STR)
		return bad(x, e, "wants a list: [ '--entry=1', ... ]");
	snprintf(words, sizeof(words), "%s", e->v.str);
	for (w = strtok_r(words, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (d->nr_bootloader_args >= XMDOM_MAX_BOOTLOADER_ARGS ||
		    strlen(w) >= sizeof(d->bootloader_args[0]))
			return bad(x, e, "too many or too long words");
		strcpy(d->bootloader_args[d->nr_bootloader_args++], w);
	}
	return 0;
}

static int check_keys(struct ctx *x, const struct xmcfg *c)
{
	for (size_t i = 0; i < c->nr_entries; i++) {
		const struct xmcfg_entry *e = &c->entries[i];
		bool ok = false;

		for (size_t j = 0; j < sizeof(supported) / sizeof(*supported);
		     j++)
			ok |= !strcmp(e->key, supported[j]);
		if (ok)
			continue;
		for (size_t j = 0;
		     j < sizeof(unsupported) / sizeof(*unsupported); j++)
			if (!strcmp(e->key, unsupported[j].key))
				return bad(x, e, "not supported by xenner (%s)",
					   unsupported[j].why);
		return bad(x, e, "unknown setting");
	}
	return 0;
}

static int check_name(struct ctx *x, const struct xmcfg *c, const char *n)
{
	bool digits = true;

	for (const char *p = n; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return bad(x, get(c, "name"),
				   "'%s': use letters, digits, '_', '.', '-'",
				   n);
		digits &= isdigit((unsigned char)*p) != 0;
	}
	if (!*n || digits || !strcmp(n, "Domain-0"))
		return bad(x, get(c, "name"), "'%s' cannot be a domain name",
			   n);
	return 0;
}

int xmdom_from_cfg(const struct xmcfg *c, struct xm_domcfg *d, char *err,
		   size_t errlen)
{
	struct ctx x = {err, errlen};
	const struct xmcfg_entry *e;
	char root[512] = "", extra[1024] = "", s[64], why[512];
	unsigned maxmem = 0;

	memset(d, 0, sizeof(*d));
	d->memory = 128; /* xm's default */
	d->vcpus = 1;
	d->on_poweroff = XM_DESTROY;
	d->on_reboot = XM_RESTART;
	d->on_crash = XM_RESTART;
	if (check_keys(&x, c))
		return -1;
	if (get_str(&x, c, "name", d->name, sizeof(d->name)) ||
	    get_str(&x, c, "kernel", d->kernel, sizeof(d->kernel)) ||
	    get_str(&x, c, "ramdisk", d->ramdisk, sizeof(d->ramdisk)) ||
	    get_str(&x, c, "bootloader", d->bootloader,
		    sizeof(d->bootloader)) ||
	    get_bootloader_args(&x, c, d) ||
	    get_str(&x, c, "root", root, sizeof(root)) ||
	    get_str(&x, c, "extra", extra, sizeof(extra)) ||
	    get_uint(&x, c, "memory", &d->memory, XM_MIN_MEMORY,
		     XM_MAX_MEMORY) ||
	    get_uint(&x, c, "maxmem", &maxmem, XM_MIN_MEMORY, 1u << 30) ||
	    get_uint(&x, c, "vcpus", &d->vcpus, 1, EMU_MAX_VCPUS) ||
	    get_action(&x, c, "on_poweroff", &d->on_poweroff) ||
	    get_action(&x, c, "on_reboot", &d->on_reboot) ||
	    get_action(&x, c, "on_crash", &d->on_crash))
		return -1;
	if (!d->name[0]) {
		snprintf(err, errlen, "%s: no name = '...' given", c->file);
		return -1;
	}
	if (check_name(&x, c, d->name))
		return -1;
	if (!d->kernel[0] && !d->bootloader[0]) {
		snprintf(err, errlen,
			 "%s: no kernel = '...' or bootloader = 'pygrub' given",
			 c->file);
		return -1;
	}
	if (maxmem && maxmem != d->memory)
		return bad(&x, get(c, "maxmem"),
			   "%u differs from memory = %u: xenner cannot "
			   "balloon, leave maxmem out",
			   maxmem, d->memory);
	if ((e = get(c, "cmdline"))) {
		if (get_str(&x, c, "cmdline", d->cmdline, sizeof(d->cmdline)))
			return -1;
		if (root[0] || extra[0])
			return bad(&x, e, "give either cmdline or root/extra");
	} else {
		int n = snprintf(d->cmdline, sizeof(d->cmdline), "%s%s%s%s",
				 root[0] ? "root=" : "", root,
				 root[0] && extra[0] ? " " : "", extra);

		if (n < 0 || (size_t)n >= sizeof(d->cmdline))
			return bad(&x, get(c, root[0] ? "root" : "extra"),
				   "command line longer than %zu bytes",
				   sizeof(d->cmdline) - 1);
	}
	if ((e = get(c, "builder")) &&
	    (get_str(&x, c, "builder", s, sizeof(s)) ||
	     (strcmp(s, "linux") && strcmp(s, "generic"))))
		return bad(&x, e,
			   "xenner runs PV guests only (builder = "
			   "'linux')");
	if ((e = get(c, "type")) &&
	    (get_str(&x, c, "type", s, sizeof(s)) || strcmp(s, "pv")))
		return bad(&x, e, "xenner runs PV guests only (type = 'pv')");
	if ((e = get(c, "uuid"))) {
		if (get_str(&x, c, "uuid", s, sizeof(s)) ||
		    xm_parse_uuid(s, d->uuid))
			return bad(&x, e,
				   "not a UUID "
				   "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
		d->has_uuid = true;
	}
	if ((e = get(c, "disk"))) {
		if (get_list(&x, e, XMDOM_MAX_DISKS))
			return -1;
		for (size_t i = 0; i < e->v.nr_items; i++) {
			if (xmdev_disk(e->v.items[i].str, &d->disks[i], why,
				       sizeof(why)))
				return bad(&x, e, "%s", why);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(d->disks[j].vdev, d->disks[i].vdev))
					return bad(&x, e, "%s given twice",
						   d->disks[i].vdev);
			d->nr_disks++;
		}
	}
	if (d->bootloader[0] && !d->nr_disks)
		return bad(&x, get(c, "bootloader"),
			   "needs a disk to find the kernel on");
	if ((e = get(c, "vif"))) {
		if (get_list(&x, e, XMDOM_MAX_VIFS))
			return -1;
		for (size_t i = 0; i < e->v.nr_items; i++) {
			if (xmdev_vif(e->v.items[i].str, &d->vifs[i], why,
				      sizeof(why)))
				return bad(&x, e, "%s", why);
			d->nr_vifs++;
		}
	}
	if ((e = get(c, "vfb"))) {
		if (get_list(&x, e, 1))
			return -1;
		if (e->v.nr_items &&
		    xmdev_vfb(e->v.items[0].str, &d->vfb, why, sizeof(why)))
			return bad(&x, e, "%s", why);
	}
	return 0;
}
