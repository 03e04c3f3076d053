// SPDX-License-Identifier: MIT
/*
 * The entries of an xm configuration's device lists.  Disks come in xm's
 * positional form with its prefixes (phy:, file:, tap:aio:, tap:qcow2:,
 * ...) or xl's key=value form; raw images go to blkbackd, other formats
 * (and qdisk:) to QEMU's qdisk backend.  vfb entries become xenner's
 * -vfb vnc=N[,listen=ADDR].  Every setting xenner cannot honour is
 * refused with the reason.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenner/vdev.h"
#include "xmcfg.h"
#include "xmdev.h"

/* VNC display N listens on TCP port 5900 + N. */
#define VNC_MAX_DISPLAY (65535 - 5900)

static int why_fmt(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_fmt(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Image formats xenner's -disk format= takes (QEMU reads them). */
static const char *format_name(const char *s)
{
	static const char *const names[] = {"raw", "qcow", "qcow2",
					    "qed", "vhd",  "vmdk"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(s, names[i]))
			return names[i];
	return NULL;
}

/* xm's (and xl's legacy) target prefixes. */
static const struct {
	const char *prefix, *format;
	bool qdisk; /* QEMU even for a raw image */
	bool dev;   /* a relative name is under /dev */
} prefixes[] = {
	{"phy:", "raw", false, true},
	{"file:", "raw", false, false},
	{"tap:aio:", "raw", false, false},
	{"tap2:aio:", "raw", false, false},
	{"tap:qcow2:", "qcow2", false, false},
	{"tap2:qcow2:", "qcow2", false, false},
	{"tap:qcow:", "qcow", false, false},
	{"tap:vhd:", "vhd", false, false},
	{"tap2:vhd:", "vhd", false, false},
	{"tap:vmdk:", "vmdk", false, false},
	{"qdisk:", "raw", true, false},
	{"aio:", "raw", false, false},
	{"raw:", "raw", false, false},
	{"qcow2:", "qcow2", false, false},
	{"qcow:", "qcow", false, false},
	{"vhd:", "vhd", false, false},
};

static int set_path(struct xm_disk *d, const char *path, bool dev, char *why,
		    size_t len)
{
	char cwd[512];
	int n;

	if (!*path)
		return why_fmt(why, len, "no file or device named");
	if (strchr(path, ','))
		return why_fmt(why, len,
			       "'%s': xenner -disk cannot take a path with "
			       "','",
			       path);
	if (*path == '/')
		n = snprintf(d->path, sizeof(d->path), "%s", path);
	else if (dev)
		n = snprintf(d->path, sizeof(d->path), "/dev/%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(d->path, sizeof(d->path), "%s/%s", cwd, path);
	else
		return why_fmt(why, len, "cannot make '%s' absolute", path);
	if (n < 0 || (size_t)n >= sizeof(d->path))
		return why_fmt(why, len, "path too long");
	return 0;
}

static int set_vdev(struct xm_disk *d, const char *vdev, char *why, size_t len)
{
	if (!strncmp(vdev, "ioemu:", 6))
		vdev += 6;
	if (strchr(vdev, ':'))
		return why_fmt(why, len,
			       "'%s': CD-ROMs and other device types are "
			       "not supported",
			       vdev);
	if (strlen(vdev) >= sizeof(d->vdev) || vdev_to_devid(vdev) < 0)
		return why_fmt(why, len,
			       "'%s' is not a disk name (xvda, sda1, hdb, "
			       "...)",
			       vdev);
	strcpy(d->vdev, vdev);
	return 0;
}

static int set_mode(struct xm_disk *d, const char *mode, char *why, size_t len)
{
	if (!strcmp(mode, "w") || !strcmp(mode, "w!") || !strcmp(mode, "rw"))
		d->ro = false;
	else if (!strcmp(mode, "r") || !strcmp(mode, "ro"))
		d->ro = true;
	else
		return why_fmt(why, len, "mode '%s' is not w or r", mode);
	return 0;
}

/* "phy:/dev/vg/lv,xvda,w", "file:/img,sda1,r", "tap:qcow2:/img,xvdb,w" */
static int disk_positional(char *buf, struct xm_disk *d, char *why, size_t len)
{
	char *target = buf, *vdev, *mode;
	size_t i;

	vdev = strchr(target, ',');
	if (!vdev || !(mode = strchr(vdev + 1, ',')) || strchr(mode + 1, ','))
		return why_fmt(why, len,
			       "'%s' is not TARGET,DEVICE,MODE "
			       "(e.g. 'file:/img,xvda,w')",
			       buf);
	*vdev++ = '\0';
	*mode++ = '\0';
	target = trim(target);
	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(target, prefixes[i].prefix,
			     strlen(prefixes[i].prefix)))
			break;
	if (i == sizeof(prefixes) / sizeof(*prefixes)) {
		if (!strncmp(target, "tap:", 4) || !strncmp(target, "tap2:", 5))
			return why_fmt(why, len,
				       "'%s': tap: images are aio (raw), "
				       "qcow, qcow2, vhd or vmdk",
				       target);
		return why_fmt(why, len,
			       "'%s' needs phy:, file:, tap:aio:, "
			       "tap:qcow2: or qdisk: in front",
			       target);
	}
	d->format = prefixes[i].format;
	d->qdisk = prefixes[i].qdisk || strcmp(d->format, "raw");
	if (set_path(d, target + strlen(prefixes[i].prefix), prefixes[i].dev,
		     why, len) ||
	    set_vdev(d, trim(vdev), why, len) ||
	    set_mode(d, trim(mode), why, len))
		return -1;
	return 0;
}

/* xl's "format=qcow2, vdev=xvda, access=rw, target=/img": target last. */
static int disk_keyvalue(char *buf, struct xm_disk *d, char *why, size_t len)
{
	const char *backendtype = NULL, *target = NULL;
	char *p = buf, *kv, *val, *comma;
	bool have_vdev = false;

	d->format = "raw";
	while (!target && *p) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		kv = trim(p);
		p = comma ? comma + 1 : p + strlen(p);
		if (!*kv)
			continue;
		val = strchr(kv, '=');
		if (!val)
			return why_fmt(why, len,
				       "'%s': write every setting as key=value "
				       "when any is",
				       kv);
		*val++ = '\0';
		kv = trim(kv);
		if (!strcmp(kv, "target")) {
			/* the rest of the spec, commas and all */
			if (comma)
				*comma = ',';
			target = trim(val);
		} else if (!strcmp(kv, "format")) {
			d->format = format_name(trim(val));
			if (!d->format)
				return why_fmt(why, len,
					       "format '%s' is not raw, qcow, "
					       "qcow2, qed, vhd or vmdk",
					       val);
		} else if (!strcmp(kv, "vdev")) {
			if (set_vdev(d, trim(val), why, len))
				return -1;
			have_vdev = true;
		} else if (!strcmp(kv, "access")) {
			if (set_mode(d, trim(val), why, len))
				return -1;
		} else if (!strcmp(kv, "backendtype")) {
			backendtype = trim(val);
		} else if (!strcmp(kv, "devtype")) {
			if (strcmp(trim(val), "disk"))
				return why_fmt(why, len,
					       "devtype '%s': CD-ROMs are not "
					       "supported",
					       val);
		} else {
			return why_fmt(why, len,
				       "disk setting '%s' is not supported "
				       "(target, format, vdev, access, "
				       "backendtype and devtype are)",
				       kv);
		}
	}
	if (!target)
		return why_fmt(why, len, "no target=PATH (it comes last)");
	if (!have_vdev)
		return why_fmt(why, len, "no vdev=NAME (xvda, ...)");
	d->qdisk = strcmp(d->format, "raw") != 0;
	if (!backendtype || !strcmp(backendtype, "tap")) {
		/* xenner picks: blkbackd for raw, QEMU for the rest */
	} else if (!strcmp(backendtype, "qdisk")) {
		d->qdisk = true;
	} else if (!strcmp(backendtype, "phy")) {
		if (d->qdisk)
			return why_fmt(why, len,
				       "backendtype phy serves raw images "
				       "only (format %s wants qdisk)",
				       d->format);
	} else {
		return why_fmt(why, len,
			       "backendtype '%s' is not phy, qdisk or tap",
			       backendtype);
	}
	return set_path(d, target, false, why, len);
}

int xmdev_disk(const char *spec, struct xm_disk *d, char *why, size_t len)
{
	char buf[XMCFG_MAX_STRING + 1];

	memset(d, 0, sizeof(*d));
	snprintf(buf, sizeof(buf), "%s", spec);
	if (strchr(buf, '='))
		return disk_keyvalue(buf, d, why, len);
	return disk_positional(buf, d, why, len);
}

static int parse_mac(const char *s)
{
	unsigned b[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6)
		return -1;
	for (int i = 2; i < 17; i += 3)
		if (s[i] != ':')
			return -1;
	return b[0] & 1 ? -1 : 0; /* multicast */
}

/*
 * Calls fn for each "key=value" of a comma-separated spec; fn returns 0
 * or -1 with why set.
 */
static int each_setting(const char *spec, char *why, size_t len,
			int (*fn)(const char *key, const char *val, void *arg,
				  char *why, size_t len),
			void *arg)
{
	char buf[XMCFG_MAX_STRING + 1], *save = NULL, *kv, *val;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (kv = strtok_r(buf, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		kv = trim(kv);
		if (!*kv)
			continue;
		val = strchr(kv, '=');
		if (!val)
			return why_fmt(why, len, "'%s' is not key=value", kv);
		*val++ = '\0';
		if (fn(trim(kv), trim(val), arg, why, len))
			return -1;
	}
	return 0;
}

static int vif_setting(const char *key, const char *val, void *arg, char *why,
		       size_t len)
{
	struct xm_vif *v = arg;

	if (!strcmp(key, "mac")) {
		if (parse_mac(val))
			return why_fmt(why, len,
				       "'%s' is not a unicast MAC address",
				       val);
		strcpy(v->mac, val);
	} else if (!strcmp(key, "bridge")) {
		if (!*val || strlen(val) >= 16 || strchr(val, ' ') ||
		    strchr(val, '/'))
			return why_fmt(why, len, "'%s' is not a bridge name",
				       val);
		strcpy(v->bridge, val);
	} else {
		return why_fmt(why, len,
			       "vif setting '%s' is not supported "
			       "(mac and bridge are)",
			       key);
	}
	return 0;
}

int xmdev_vif(const char *spec, struct xm_vif *v, char *why, size_t len)
{
	memset(v, 0, sizeof(*v));
	return each_setting(spec, why, len, vif_setting, v);
}

/* 0 or 1, as xl writes booleans */
static int flag(const char *key, const char *val, bool *out, char *why,
		size_t len)
{
	if (strcmp(val, "0") && strcmp(val, "1"))
		return why_fmt(why, len, "%s wants 0 or 1, not '%s'", key, val);
	*out = val[0] == '1';
	return 0;
}

struct vfb_parse {
	struct xm_vfb *v;
	bool vnc, have_display;
};

static int vfb_display(struct vfb_parse *p, const char *val, char *why,
		       size_t len)
{
	char *end;
	long n = strtol(val, &end, 10);

	if (!*val || *end || n < 0 || n > VNC_MAX_DISPLAY)
		return why_fmt(why, len,
			       "vncdisplay '%s' is not a display number "
			       "(0..%d: port 5900 + N)",
			       val, VNC_MAX_DISPLAY);
	p->v->display = n;
	p->have_display = true;
	return 0;
}

/* A host name or an IP address; xl's "ADDR:DISPLAY" for IPv4 and names. */
static int vfb_listen(struct vfb_parse *p, const char *val, char *why,
		      size_t len)
{
	char addr[64];
	const char *colon = strchr(val, ':');

	if (colon && colon == strrchr(val, ':') && colon[1]) {
		if (vfb_display(p, colon + 1, why, len))
			return -1;
		snprintf(addr, sizeof(addr), "%.*s", (int)(colon - val), val);
	} else if (strlen(val) < sizeof(addr)) {
		strcpy(addr, val);
	} else {
		return why_fmt(why, len, "vnclisten '%s' is too long", val);
	}
	for (const char *s = addr; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:[]", *s))
			return why_fmt(why, len,
				       "vnclisten '%s' is not a host name or "
				       "an IP address",
				       val);
	if (!addr[0])
		return why_fmt(why, len, "vnclisten is empty");
	strcpy(p->v->listen, addr);
	return 0;
}

static int vfb_setting(const char *key, const char *val, void *arg, char *why,
		       size_t len)
{
	struct vfb_parse *p = arg;
	bool b = false;

	if (!strcmp(key, "vnc"))
		return flag(key, val, &p->vnc, why, len);
	if (!strcmp(key, "type")) { /* xm's older form */
		if (strcmp(val, "vnc"))
			return why_fmt(why, len,
				       "type '%s': only VNC is supported", val);
		p->vnc = true;
		return 0;
	}
	if (!strcmp(key, "vncdisplay"))
		return vfb_display(p, val, why, len);
	if (!strcmp(key, "vnclisten"))
		return vfb_listen(p, val, why, len);
	if (!strcmp(key, "vncunused") || !strcmp(key, "sdl") ||
	    !strcmp(key, "opengl")) {
		if (flag(key, val, &b, why, len))
			return -1;
		if (b && !strcmp(key, "vncunused"))
			return why_fmt(why, len,
				       "vncunused=1: xenner cannot pick a "
				       "free display yet; give vncdisplay=N");
		if (b)
			return why_fmt(why, len, "%s=1: only VNC is supported",
				       key);
		return 0;
	}
	if (!strcmp(key, "vncpasswd")) {
		if (*val)
			return why_fmt(why, len, "no VNC passwords yet");
		return 0;
	}
	/* xm filled these in for SDL; they mean nothing to VNC */
	if (!strcmp(key, "display") || !strcmp(key, "xauthority"))
		return 0;
	return why_fmt(why, len,
		       "vfb setting '%s' is not supported (vnc, type=vnc, "
		       "vncdisplay, vnclisten, vncunused=0, sdl=0 are)",
		       key);
}

int xmdev_vfb(const char *spec, struct xm_vfb *v, char *why, size_t len)
{
	struct vfb_parse p = {.v = v};

	memset(v, 0, sizeof(*v));
	if (each_setting(spec, why, len, vfb_setting, &p))
		return -1;
	if (!p.vnc)
		return why_fmt(why, len,
			       "only VNC is supported: add vnc=1 (xenner has "
			       "no SDL)");
	if (!p.have_display)
		return why_fmt(why, len,
			       "vncdisplay=N is needed (xenner cannot pick a "
			       "free display yet)");
	v->enabled = true;
	return 0;
}
