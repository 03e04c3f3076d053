// SPDX-License-Identifier: MIT
/*
 * x2APIC: every register is an MSR, so no MMIO mapping is needed and KVM
 * handles all of them in the kernel (no exit to xenner).  xenner gives the
 * vCPUs the x2APIC and TSC-deadline CPUID bits; the APIC id is the vCPU id.
 */
#include "apic.h"
#include "emu.h"
#include "smp.h"
#include "time.h"

#define MSR_APIC_BASE	     0x1b
#define APIC_BASE_EXTD	     (1ULL << 10)
#define APIC_BASE_EN	     (1ULL << 11)
#define MSR_X2APIC_TPR	     0x808
#define MSR_X2APIC_EOI	     0x80b
#define MSR_X2APIC_SVR	     0x80f
#define MSR_X2APIC_ICR	     0x830
#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_TSC_DEADLINE     0x6e0
#define SVR_ENABLE	     0x100
#define LVT_TSC_DEADLINE     (2u << 17)

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* xAPIC -> x2APIC is a legal step; KVM resets the APIC enabled */
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | EMU_VEC_SPURIOUS);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_TSC_DEADLINE | EMU_VEC_TIMER);
	wrmsr(MSR_TSC_DEADLINE, 0);
}

void apic_eoi(void)
{
	wrmsr(MSR_X2APIC_EOI, 0);
}

void apic_set_deadline(uint64_t tsc)
{
	wrmsr(MSR_TSC_DEADLINE, tsc);
}

void apic_send_ipi(unsigned apic_id, unsigned vector)
{
	/* fixed delivery, physical destination, edge */
	wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | vector);
}

void apic_interrupt(struct emu_cpu *cpu, unsigned vector)
{
	count_inc(cpu, interrupts);
	switch (vector) {
	case EMU_VEC_TIMER:
		count_inc(cpu, timer_interrupts);
		apic_eoi();
		timer_interrupt(cpu);
		break;
	case EMU_VEC_EVENT:
		/* the bits are already set: return_to_guest() or the
		 * block/poll loop looks at them */
		count_inc(cpu, event_interrupts);
		cpu->page->diag_irq = emu_diag_stamp(cpu->page);
		apic_eoi();
		break;
	case EMU_VEC_FLUSH:
		apic_eoi();
		smp_flush_serve(cpu);
		break;
	case EMU_VEC_SPURIOUS:
		break; /* no EOI for a spurious interrupt */
	default:
		apic_eoi();
		break;
	}
}
