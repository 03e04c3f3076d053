// SPDX-License-Identifier: MIT
/*
 * vCPU start, exits to the host, and guest memory access.  xenner has
 * already built the GDT, IDT, TSS, page tables and the guest's start of
 * day, so a vCPU's first entry only fills in its register frame.
 */
#include <stdarg.h>

#include "emu.h"
#include "evtchn.h"
#include "m2p.h"
#include "mm.h"
#include "smp.h"

struct emu_boot *const boot = (struct emu_boot *)(EMU_VA + EMU_OFF_BOOT);

void emu_boot_vcpu(struct regs *regs, struct emu_cpu *cpu)
{
	if (boot->magic != EMU_BOOT_MAGIC)
		emu_crash(cpu, "boot block has a bad magic");
	memset(regs, 0, sizeof(*regs));
	shared_info = maddr_to_virt(boot->shared_info_pfn * PAGE_SIZE);
	if (cpu->id) {
		smp_ap_boot(cpu, regs); /* waits for VCPUOP_up */
		return;
	}
	cpu->kernel_mode = true;
	cpu->cr3_kernel = boot->guest_cr3;
	cpu->vcpu_info = &shared_info->vcpu_info[cpu->id];
	cpu->vcpu_info_mfn = boot->shared_info_pfn;
	*frame_type(boot->guest_cr3 / PAGE_SIZE) = FRAME_L4;
	regs->rip = boot->guest_entry;
	regs->rsp = boot->guest_stack;
	regs->rsi = boot->start_info_va;
	regs->cs = FLAT_RING3_CS64_SEL;
	regs->ss = FLAT_RING3_DS_SEL;
	regs->rflags = 0x202; /* IF: real interrupts reach emu */
	evtchn_vcpu_init(cpu);
	smp_boot(cpu);
	m2p_probe_start(regs);
}

int64_t emu_exit(struct emu_cpu *cpu, enum emu_req req)
{
	cpu->page->req = req;
	cpu->page->counters.exits[req]++;
	asm volatile("outb %%al, %0" : : "i"(EMU_PORT), "a"(0) : "memory");
	return cpu->page->result;
}

/* Formats into the vCPU page's data for the host. */
static void page_printf(struct emu_cpu *cpu, const char *fmt, va_list ap)
{
	int n = vsnprintf((char *)cpu->page->data, sizeof(cpu->page->data),
			  fmt, ap);

	if (n >= (int)sizeof(cpu->page->data))
		n = sizeof(cpu->page->data) - 1;
	cpu->page->len = n;
}

void printk(struct emu_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	page_printf(cpu, fmt, ap);
	va_end(ap);
	emu_exit(cpu, EMU_REQ_CONSOLE_WRITE);
}

void emu_crash(struct emu_cpu *cpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	page_printf(cpu, fmt, ap);
	va_end(ap);
	for (;;)
		emu_exit(cpu, EMU_REQ_PANIC);
}

/* Guest pointers must be canonical and outside Xen's (emu's) range. */
bool guest_range_ok(uint64_t va, uint64_t len)
{
	uint64_t end = va + len;

	if (end < va)
		return false;
	if (va < 0x800000000000ULL)
		return end <= 0x800000000000ULL;
	if (va < XEN_VIRT_END)
		return false;
	return true;
}

int copy_from_guest(void *dst, uint64_t src_va, size_t len)
{
	if (!guest_range_ok(src_va, len))
		return -14; /* EFAULT */
	return emu_copy(dst, (const void *)src_va, len);
}

int copy_to_guest(uint64_t dst_va, const void *src, size_t len)
{
	if (!guest_range_ok(dst_va, len))
		return -14;
	return emu_copy((void *)dst_va, src, len);
}
