// SPDX-License-Identifier: MIT
/*
 * xenner-xm's configuration files (tools/xm/xmcfg.c) and what is made of
 * them (xmdom.c: the domain; xmdev.c: disk = [...], vif = [...] and
 * vfb = [...] specs).  The input is a config file as xm create reads it.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "xmcfg.h"
#include "xmdom.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-xmcfg");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xm_domcfg d;
	struct xmcfg c = {0};
	char err[256];
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!xmcfg_parse(&c, "fuzz.cfg", buf, size, err, sizeof(err))) {
		if (xmdom_from_cfg(&c, &d, err, sizeof(err)))
			fz_assert(err[0]);
		else
			fz_assert(d.nr_disks <= XMDOM_MAX_DISKS &&
				  d.nr_vifs <= XMDOM_MAX_VIFS);
	} else {
		fz_assert(err[0]);
	}
	xmcfg_free(&c);
	free(buf);
	return 0;
}
