/* SPDX-License-Identifier: MIT */
/* Hypercall handlers, one file per family (hc-*.c). */
#ifndef EMU_HYPERCALL_H
#define EMU_HYPERCALL_H

#include "emu.h"

/* Xen's errno values, as the guest sees them. */
#define XEN_EPERM  1
#define XEN_ENOENT 2
#define XEN_EFAULT 14
#define XEN_EINVAL 22
#define XEN_ENOSYS 38

typedef long (*hypercall_fn)(struct emu_cpu *cpu, uint64_t a1, uint64_t a2,
			     uint64_t a3, uint64_t a4, uint64_t a5);

long hc_console_io(struct emu_cpu *cpu, uint64_t cmd, uint64_t count,
		   uint64_t buf, uint64_t a4, uint64_t a5);
long hc_sched_op(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		 uint64_t a3, uint64_t a4, uint64_t a5);
long hc_xen_version(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5);

#endif
