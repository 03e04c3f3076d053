// SPDX-License-Identifier: MIT
/* Logging set-up and the once-per-function warning of every shim library. */
#include "shim.h"

__attribute__((constructor)) static void shim_log_init(void)
{
	log_init_from_env("xenner-shim");
}

void shim_warn_once(int *warned, const char *func)
{
	if (__atomic_exchange_n(warned, 1, __ATOMIC_RELAXED))
		return;
	log_warn("%s: not supported by xenner (no hypervisor)", func);
}
