/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the shim libraries (each .so links its own copy).
 */
#ifndef XENNER_SHIM_H
#define XENNER_SHIM_H

#include <errno.h>
#include <stdbool.h>

#include "xenner/log.h"

/* Logs "func: not supported by xenner" the first time func gets here. */
void shim_warn_once(int *warned, const char *func);

/*
 * Fails the calling function the way Xen would for a feature xenner does
 * not have: sets errno, logs once per function.  Evaluates to -1.
 */
#define SHIM_UNSUPPORTED(err)                                                  \
	({                                                                     \
		static int warned_;                                            \
		shim_warn_once(&warned_, __func__);                            \
		errno = (err);                                                 \
		-1;                                                            \
	})

#define SHIM_UNSUPPORTED_NULL(err) (SHIM_UNSUPPORTED(err), NULL)

#define SHIM_PAGE_SIZE 4096UL

#endif
