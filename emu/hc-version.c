// SPDX-License-Identifier: MIT
/* xen_version: we implement the 4.17 interface. */
#include <xen/version.h>

#include "hypercall.h"

long hc_xen_version(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case XENVER_version:
		return (4 << 16) | 17;
	case XENVER_extraversion: {
		xen_extraversion_t extra = ".0-xenner";

		return copy_to_guest(arg, extra, sizeof(extra)) ? -XEN_EFAULT
								 : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (copy_from_guest(&fi, arg, sizeof(fi)))
			return -XEN_EFAULT;
		fi.submap = 0;
		return copy_to_guest(arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
	}
	default:
		(void)cpu;
		return -XEN_ENOSYS;
	}
}
