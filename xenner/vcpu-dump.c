// SPDX-License-Identifier: MIT
/*
 * What a vCPU is doing, for SIGUSR1 and crash reports: its registers, and
 * what would wake it.  A guest that stalls (an RCU stall, a task that
 * never wakes) has either no timer set, a timer KVM did not fire, or an
 * interrupt or event that was not taken; the second line tells which:
 * KVM's MP state, the LAPIC's TSC deadline against the vCPU's TSC, the
 * LAPIC's pending and in-service vectors, the time emu armed its timer
 * for against the guest's clock now, and the vCPU's upcall bits.
 */
#include <stdint.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/xen.h>

#include "xenner.h"
#include "xenner/log.h"

#define MSR_TSC		 0x10
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_ISR	 0x100
#define APIC_IRR	 0x200
#define APIC_LVT_TIMER	 0x320

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t r;

	memcpy(&r, &l->regs[off], sizeof(r));
	return r;
}

/* The highest vector set in an APIC bit array (ISR, IRR), or -1. */
static int apic_top_vector(const struct kvm_lapic_state *l, unsigned base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = apic_reg(l, base + i * 0x10);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* The guest's system time (ns) at its TSC value tsc, as pvclock has it. */
static uint64_t guest_time(const volatile struct vcpu_time_info *t,
			   uint64_t tsc)
{
	uint64_t d = tsc - t->tsc_timestamp;
	int8_t shift = t->tsc_shift;

	d = shift < 0 ? d >> -shift : d << shift;
	return t->system_time +
	       (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
}

static void dump_wakeups(struct vcpu *v)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[2];
	} msr = {.m.nmsrs = 2,
		 .e = {{.index = MSR_TSC}, {.index = MSR_TSC_DEADLINE}}};
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	const volatile struct vcpu_info *vi = events_vcpu_info(v->x, v->id);
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	uint64_t tsc, deadline, armed = v->page->timer_armed_ns;
	char when[48] = "off", emu[48] = "none";

	if (ioctl(v->fd, KVM_GET_MSRS, &msr) != 2 ||
	    ioctl(v->fd, KVM_GET_LAPIC, &lapic) ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &mp)) {
		log_info("vcpu%u: cannot read its timer state: %s", v->id,
			 strerror(errno));
		return;
	}
	tsc = msr.e[0].data;
	deadline = msr.e[1].data;
	if (deadline && khz > 0)
		snprintf(when, sizeof(when), "in %.0f us",
			 (double)(int64_t)(deadline - tsc) * 1000.0 / khz);
	else if (deadline)
		snprintf(when, sizeof(when), "at tsc %llx (now %llx)",
			 (unsigned long long)deadline, (unsigned long long)tsc);
	if (armed)
		snprintf(emu, sizeof(emu), "in %lld us",
			 ((long long)(armed - guest_time(&vi->time, tsc))) /
				 1000);
	log_info("vcpu%u: %s; LAPIC: tsc deadline %s, lvt timer %x, "
		 "top irr %d isr %d; emu's timer %s; upcall pending %u "
		 "mask %u",
		 v->id,
		 mp.mp_state == KVM_MP_STATE_HALTED	? "halted"
		 : mp.mp_state == KVM_MP_STATE_RUNNABLE ? "runnable"
							: "other mp state",
		 when, apic_reg(&lapic, APIC_LVT_TIMER),
		 apic_top_vector(&lapic, APIC_IRR),
		 apic_top_vector(&lapic, APIC_ISR), emu,
		 vi->evtchn_upcall_pending, vi->evtchn_upcall_mask);
}

/* Who last raised an event for the vCPU, whether it was kicked and took
 * the kick, in the order emu and xenner stamped them. */
static void dump_event_trail(struct vcpu *v)
{
	const volatile struct emu_vcpu_page *p = v->page;
	uint32_t by = p->diag_raise_by;
	char who[32];

	if (by == EMU_DIAG_HOST)
		snprintf(who, sizeof(who), "xenner");
	else if (by == EMU_DIAG_HOST_SELF)
		snprintf(who, sizeof(who), "xenner, in its own request");
	else
		snprintf(who, sizeof(who), "vcpu%u", by);
	log_info("vcpu%u: event trail (stamps, higher is later): raised %llu "
		 "(port %u, by %s), kicked %llu, kick taken %llu, blocked "
		 "%llu, woke %llu",
		 v->id, (unsigned long long)p->diag_raise, p->diag_raise_port,
		 who, (unsigned long long)p->diag_kick,
		 (unsigned long long)p->diag_irq,
		 (unsigned long long)p->diag_halt,
		 (unsigned long long)p->diag_wake);
}

void vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s))
		return;
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000) {
		/* VMX/SVM: KVM resets a vCPU that triple-faulted */
		log_info("vcpu%u: KVM reset it after the triple fault: no "
			 "registers of the fault are left (emu's double-fault "
			 "handler did not get to run either)",
			 v->id);
		return;
	}
	log_info("vcpu%u: rip %llx rsp %llx rax %llx rflags %llx cs %x ss %x "
		 "cr2 %llx cr3 %llx",
		 v->id, r.rip, r.rsp, r.rax, r.rflags, s.cs.selector,
		 s.ss.selector, s.cr2, s.cr3);
	dump_wakeups(v);
	dump_event_trail(v);
}
