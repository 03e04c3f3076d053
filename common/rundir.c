// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "xenner/rundir.h"

const char *rundir_get(void)
{
	const char *dir = getenv("XENNER_RUNDIR");

	return dir && *dir ? dir : XENNER_RUNDIR_DEFAULT;
}

int rundir_file(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", rundir_get(), name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int rundir_ensure(void)
{
	if (mkdir(rundir_get(), 0700) && errno != EEXIST)
		return -errno;
	return 0;
}
