// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "xenner/vdev.h"

/* "a" -> 0, "z" -> 25, "aa" -> 26 ...; -1 if not letters. */
static int disk_index(const char **p)
{
	int idx = -1;

	while (**p >= 'a' && **p <= 'z') {
		idx = (idx + 1) * 26 + (**p - 'a');
		(*p)++;
		if (idx > 0xfffff)
			return -1;
	}
	return idx;
}

static int partition(const char *p)
{
	char *end;
	long part;

	if (!*p)
		return 0;
	if (*p < '1' || *p > '9')
		return -1;
	part = strtol(p, &end, 10);
	return *end || part > 255 ? -1 : (int)part;
}

int vdev_to_devid(const char *name)
{
	const char *p;
	char *end;
	int idx, part;

	if (name[0] >= '0' && name[0] <= '9') {
		long id = strtol(name, &end, 10);

		return *end || id <= 0 || id >= (1L << 30) ? -1 : (int)id;
	}
	if (!strncmp(name, "xvd", 3)) {
		p = name + 3;
		idx = disk_index(&p);
		part = partition(p);
		if (idx < 0 || part < 0)
			return -1;
		if (idx < 16 && part < 16)
			return (202 << 8) | (idx << 4) | part;
		return (1 << 28) | (idx << 8) | part;
	}
	if (!strncmp(name, "sd", 2) || !strncmp(name, "hd", 2)) {
		p = name + 2;
		idx = disk_index(&p);
		part = partition(p);
		if (idx < 0 || part < 0 || part > 15)
			return -1;
		if (name[0] == 's')
			return idx < 16 ? (8 << 8) | (idx << 4) | part : -1;
		/* hda/hdb on major 3, hdc/hdd on major 22, 64 minors each */
		if (idx > 3 || part > 63)
			return -1;
		return ((idx < 2 ? 3 : 22) << 8) | ((idx & 1) << 6) | part;
	}
	return -1;
}
