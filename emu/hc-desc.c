// SPDX-License-Identifier: MIT
/* set_gdt, update_descriptor: the guest's GDT. */
#include "hypercall.h"

/* Not written yet: fails loudly with ENOSYS. */
long hc_set_gdt(struct emu_cpu *cpu, uint64_t frames, uint64_t entries,
		uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)frames, (void)entries, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}

/* Not written yet: fails loudly with ENOSYS. */
long hc_update_descriptor(struct emu_cpu *cpu, uint64_t maddr, uint64_t desc,
			  uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)maddr, (void)desc, (void)a3, (void)a4, (void)a5;
	return -XEN_ENOSYS;
}
