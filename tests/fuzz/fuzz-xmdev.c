// SPDX-License-Identifier: MIT
/*
 * xenner-xm's device specs alone (tools/xm/xmdev.c), without a config
 * file around them: the first byte picks the parser (disk, vif, vfb, or
 * a UUID from xmdom.c), the rest is the string.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "xmdev.h"
#include "xmdom.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-xmdev");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xm_disk disk;
	struct xm_vif vif;
	struct xm_vfb vfb;
	uint8_t uuid[16];
	char why[256];
	char *s;

	if (!size)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (xmdev_disk(s, &disk, why, sizeof(why)))
			fz_assert(why[0]);
		break;
	case 1:
		if (xmdev_vif(s, &vif, why, sizeof(why)))
			fz_assert(why[0]);
		break;
	case 2:
		if (xmdev_vfb(s, &vfb, why, sizeof(why)))
			fz_assert(why[0]);
		break;
	default:
		xm_parse_uuid(s, uuid);
		break;
	}
	free(s);
	return 0;
}
