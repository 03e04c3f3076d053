/* SPDX-License-Identifier: MIT */
/*
 * The run directory holds every socket, pidfile, vmcore and log of one
 * xenner installation: $XENNER_RUNDIR, default /run/xenner.
 */
#ifndef XENNER_RUNDIR_H
#define XENNER_RUNDIR_H

#include <stddef.h>

#define XENNER_RUNDIR_DEFAULT "/run/xenner"

const char *rundir_get(void);
/* Writes "<rundir>/<name>" to buf; -ENAMETOOLONG if it does not fit. */
int rundir_file(char *buf, size_t len, const char *name);
/* Creates the run directory (mode 0700) if it does not exist. */
int rundir_ensure(void);

#endif
