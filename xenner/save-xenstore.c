// SPDX-License-Identifier: MIT
/*
 * The guest's own xenstore nodes across a save: everything under
 * /local/domain/<domid> but what the builder writes again for the new
 * domain (device/: the frontend directories, whose rings the frontends
 * set up again; console/) and the suspend request itself.  A restore
 * writes a saved node back only where the builder wrote none, owned by
 * the new domain as the guest's own nodes are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "save.h"
#include "xenner/log.h"

static bool skipped(const char *rel)
{
	return !strcmp(rel, "device") || !strcmp(rel, "console") ||
	       !strcmp(rel, "control/shutdown");
}

struct buf {
	char *p;
	size_t len, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	/* a restore refuses more: better no image than one it cannot use */
	if (b->len + n + 1 > SAVE_MAX_STATE)
		return -EFBIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->p[b->len + n] = '\0';
	b->len += n + 1;
	return 0;
}

static int walk(struct xenner *x, const char *base, const char *rel,
		struct buf *b, unsigned depth)
{
	char path[600], child[512];
	unsigned n = 0, len;
	char **names, *val;
	int rc = 0;

	if (depth > 16)
		return 0;
	snprintf(path, sizeof(path), "%s%s%s", base, *rel ? "/" : "", rel);
	names = xs_directory(x->xsh, XBT_NULL, path, &n);
	for (unsigned i = 0; names && i < n && !rc; i++) {
		if (snprintf(child, sizeof(child), "%s%s%s", rel,
			     *rel ? "/" : "", names[i]) >= (int)sizeof(child) ||
		    skipped(child))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, child);
		val = xs_read(x->xsh, XBT_NULL, path, &len);
		if (!val)
			continue; /* gone meanwhile */
		rc = put(b, child, strlen(child));
		if (!rc)
			rc = put(b, val, len);
		free(val);
		if (!rc)
			rc = walk(x, base, child, b, depth + 1);
	}
	free(names);
	return rc;
}

int save_xenstore_collect(struct xenner *x, char **out, size_t *len)
{
	char base[64];
	struct buf b = {0};
	int rc;

	snprintf(base, sizeof(base), "/local/domain/%u", x->domid);
	rc = walk(x, base, "", &b, 0);
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

int restore_xenstore_apply(struct xenner *x, const char *p, size_t len)
{
	struct xs_permissions own = {.id = x->domid, .perms = XS_PERM_NONE};
	const char *end = p + len;
	char path[600];
	unsigned n, written = 0;

	while (p < end) {
		const char *rel = p, *val;
		size_t vlen;
		char *old;

		p += strnlen(p, end - p) + 1;
		if (p >= end)
			break;
		val = p;
		vlen = strnlen(p, end - p);
		p += vlen + 1;
		if (skipped(rel) || strstr(rel, ".."))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/%s", x->domid,
			 rel);
		old = xs_read(x->xsh, XBT_NULL, path, &n);
		if (old) {
			free(old);
			continue; /* the builder's node wins */
		}
		if (!xs_write(x->xsh, XBT_NULL, path, val, vlen) ||
		    !xs_set_permissions(x->xsh, XBT_NULL, path, &own, 1)) {
			log_err("domain %u: cannot restore xenstore node %s: "
				"%s",
				x->domid, path, strerror(errno));
			return -EIO;
		}
		written++;
	}
	log_debug("domain %u: %u saved xenstore nodes written back", x->domid,
		  written);
	return 0;
}
