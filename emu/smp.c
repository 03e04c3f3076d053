// SPDX-License-Identifier: MIT
/*
 * SMP for a PV domain, as Xen gives it to a 64-bit domU: VCPUOP_initialise
 * checks and stores a vcpu_guest_context, VCPUOP_up starts the vCPU from
 * it, VCPUOP_down stops any vCPU (the last one going down powers the
 * domain off), and TLB flushes for other vCPUs go by IPI and are waited
 * for.
 *
 * Every vCPU's KVM thread runs from the start.  A vCPU that is down waits
 * in park() with sti;hlt, never spinning; EMU_VEC_EVENT wakes it.  The
 * vCPU that initialises another writes the other's struct emu_cpu while
 * it is parked; the started vCPU loads what only it can (cr3, segments,
 * MSRs, its GDT's TLB entries) in start().
 */
#include <xen/sched.h>

#include "apic.h"
#include "evtchn.h"
#include "hypercall.h"
#include "mm.h"
#include "smp.h"
#include "time.h"

#define CR0_TS	   8ULL
#define DESC_P	   (1ULL << 47)
#define DESC_S	   (1ULL << 44)
#define DESC_CODE  (1ULL << 43)
#define DESC_WRITE (1ULL << 41)
#define DESC_L	   (1ULL << 53)
#define GDT_PAGES  (EMU_GDT_FIRST_RESERVED / 4096)
/* A vCPU that does not flush within this long is reported (once). */
#define FLUSH_WAIT_NS 1000000000ULL

/* vCPUs some VCPUOP_initialise is working on (Xen holds a domain lock). */
static uint32_t initialising;

static inline void mb(void)
{
	asm volatile("lock addl $0, (%%rsp)" ::: "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void kick(struct emu_cpu *cpu, struct emu_cpu *v)
{
	if (v != cpu)
		apic_send_ipi(v->id, EMU_VEC_EVENT);
}

void smp_boot(struct emu_cpu *cpu)
{
	cpu->up = 1;
	cpu->initialised = true;
	for (unsigned i = 1; i < boot->nr_vcpus; i++) {
		struct emu_cpu *v = emu_cpu_of(i);

		/* as Xen's: vcpu_info in shared_info, the 100 Hz tick, down */
		v->vcpu_info = &shared_info->vcpu_info[i];
		v->vcpu_info_mfn = boot->shared_info_pfn;
		v->page->vcpu_info_maddr =
			(uint64_t)v->vcpu_info - EMU_PHYSMAP_VA;
		v->periodic_period = MILLISECS(10);
		v->runstate.state = RUNSTATE_offline;
		v->kernel_mode = true;
		v->parked = 1; /* flushes need not wait for it */
	}
}

/* Waits with interrupts on until the vCPU is up; serves flush requests. */
static void wait_until_up(struct emu_cpu *cpu)
{
	while (!cpu->up) {
		if (cpu->page->timer_armed_ns) {
			/* a down vCPU's timers do not wake it */
			cpu->page->timer_armed_ns = 0;
			apic_set_deadline(0);
		}
		smp_flush_serve(cpu);
		emu_halt();
	}
}

/* After a wait: nothing cached from before may be used. */
static void unpark(struct emu_cpu *cpu)
{
	cpu->parked = 0;
	mb(); /* before the flush (cr3 load): see smp_flush_tlbs() */
	write_cr3(cpu->kernel_mode ? cpu->cr3_kernel : cpu->cr3_user);
	cpu->flush_done = cpu->flush_req;
	time_set_area(cpu); /* vcpu_info may have moved meanwhile */
	runstate_set(cpu, RUNSTATE_running);
	cpu->page->timer_armed_ns = 0;
	timer_check(cpu); /* fires what expired, arms the LAPIC again */
}

static void park(struct emu_cpu *cpu)
{
	runstate_set(cpu, RUNSTATE_offline);
	/* emu holds no reference on the guest's page tables (Xen does),
	 * so the guest may free them meanwhile: wait on emu's own L4 */
	write_cr3(boot->idle_cr3);
	cpu->parked = 1;
	mb();
	wait_until_up(cpu);
	unpark(cpu);
}

/* The first entry into the guest, from the VCPUOP_initialise context. */
static void start(struct emu_cpu *cpu, struct regs *regs)
{
	uint64_t gdt_va =
		EMU_VA + EMU_OFF_GDT + cpu->id * EMU_GDT_PAGES * PAGE_SIZE;
	uint64_t gs_active, gs_other;

	/* gdt_map() ran on another vCPU; emu's pages are global */
	for (unsigned i = 0; i < GDT_PAGES; i++)
		invlpg(gdt_va + i * PAGE_SIZE);
	/* checked selectors; loading one sets its base, so the MSRs last */
	asm volatile("mov %0, %%ds" : : "r"((uint32_t)cpu->start_sel[0]));
	asm volatile("mov %0, %%es" : : "r"((uint32_t)cpu->start_sel[1]));
	asm volatile("mov %0, %%fs" : : "r"((uint32_t)cpu->start_sel[2]));
	asm volatile("mov %0, %%gs" : : "r"((uint32_t)cpu->start_sel[3]));
	wrmsr(MSR_FS_BASE, cpu->start_fs_base);
	/* GS_BASE holds the active mode's base (bounce.c) */
	gs_active = cpu->kernel_mode ? cpu->gs_base_kernel : cpu->gs_base_user;
	gs_other = cpu->kernel_mode ? cpu->gs_base_user : cpu->gs_base_kernel;
	wrmsr(MSR_GS_BASE, gs_active);
	wrmsr(MSR_KERNEL_GS_BASE, gs_other);
	set_ts(cpu->fpu_ts);
	*regs = cpu->start_regs;
}

/* Runs on boot->idle_cr3 (xenner sets it) until it is brought up. */
void smp_ap_boot(struct emu_cpu *cpu, struct regs *regs)
{
	apic_init();
	cpu->parked = 1;
	mb();
	wait_until_up(cpu);
	unpark(cpu);
	start(cpu, regs);
	return_to_guest(cpu, regs);
}

/* On the main stack, from smp_switch_to_main (entry64.S) or directly. */
void smp_stopped_main(struct regs *regs, struct emu_cpu *cpu);
void smp_stopped_main(struct regs *regs, struct emu_cpu *cpu)
{
	park(cpu);
	return_to_guest(cpu, regs);
}

void smp_switch_to_main(struct regs *regs, struct emu_cpu *cpu)
	__attribute__((noreturn));

void smp_stopped(struct emu_cpu *cpu, struct regs *regs)
{
	uint64_t off = (uint64_t)regs - (EMU_VA + EMU_OFF_STACKS);

	/*
	 * An interrupt from the guest is handled on the IST stack, where
	 * waiting with interrupts on would let the next one overwrite this
	 * frame; the main stack is free then (the guest was running).
	 */
	if ((off / EMU_STACK_SIZE) & 1)
		smp_switch_to_main(regs, cpu);
	park(cpu);
}

/* Xen's is_canonical_address. */
static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/*
 * May the new vCPU load sel?  Null (where allowed), Xen's flat ring-3
 * selectors, or a present descriptor of the right kind in its GDT, which
 * gdt_check() has already fixed up to DPL 3.  Stricter than Xen, which
 * would let a bad one fault at the first entry (emu cannot take that).
 */
enum sel_kind { SEL_DATA, SEL_CODE, SEL_STACK };

static bool sel_ok(uint16_t sel, enum sel_kind kind, const uint64_t *frames,
		   uint64_t ents)
{
	unsigned idx = sel >> 3;
	const uint64_t *gdt;
	uint64_t d;

	if ((sel & ~3) == 0)
		return kind == SEL_DATA; /* cs and ss may not be null */
	if (sel & 4)
		return false; /* no LDT */
	if ((sel | 3) ==
	    (kind == SEL_CODE ? FLAT_RING3_CS64_SEL : FLAT_RING3_DS_SEL))
		return true;
	if (idx >= ents)
		return false;
	gdt = maddr_to_virt(frames[idx / 512] * PAGE_SIZE);
	d = gdt[idx % 512];
	if ((d & (DESC_P | DESC_S)) != (DESC_P | DESC_S))
		return false;
	switch (kind) {
	case SEL_CODE: /* 64-bit code */
		return (d & DESC_CODE) && (d & DESC_L);
	case SEL_STACK:
		return !(d & DESC_CODE) && (d & DESC_WRITE);
	default:
		return !(d & DESC_CODE);
	}
}

static long check_context(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!canonical(r->rip) || !canonical(r->rsp) ||
	    !canonical(c->kernel_sp) || !canonical(c->fs_base) ||
	    !canonical(c->gs_base_kernel) || !canonical(c->gs_base_user) ||
	    !guest_range_ok(c->event_callback_eip, 1) ||
	    !guest_range_ok(c->failsafe_callback_eip, 1) ||
	    !guest_range_ok(c->syscall_callback_eip, 1))
		return -XEN_EINVAL;
	for (unsigned i = 0; i < 256; i++)
		if (!guest_range_ok(c->trap_ctxt[i].address, 1))
			return -XEN_EINVAL;
	if ((c->ldt_base & (PAGE_SIZE - 1)) || c->ldt_ents > 8192)
		return -XEN_EINVAL;
	if (c->ldt_ents)
		return -XEN_EOPNOTSUPP; /* emu has no LDTs (MMUEXT_SET_LDT) */
	if (!(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
		return -XEN_EINVAL; /* user mode needs user page tables */
	if (c->gdt_ents > GDT_PAGES * 512)
		return -XEN_EINVAL;
	return 0;
}

static long check_selectors(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;
	const uint64_t *f = (const uint64_t *)c->gdt_frames;

	if (!sel_ok(r->cs, SEL_CODE, f, c->gdt_ents) ||
	    !sel_ok(r->ss, SEL_STACK, f, c->gdt_ents) ||
	    !sel_ok(r->ds, SEL_DATA, f, c->gdt_ents) ||
	    !sel_ok(r->es, SEL_DATA, f, c->gdt_ents) ||
	    !sel_ok(r->fs, SEL_DATA, f, c->gdt_ents) ||
	    !sel_ok(r->gs, SEL_DATA, f, c->gdt_ents))
		return -XEN_EINVAL;
	return 0;
}

/* The checked context into v, which is parked and not initialised. */
static void commit(struct emu_cpu *v, const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;
	struct regs *s = &v->start_regs;

	for (unsigned i = 0; i < 256; i++) {
		/* by position, as Xen (the vector field is not used) */
		v->traps[i].address = c->trap_ctxt[i].address;
		v->traps[i].cs = c->trap_ctxt[i].cs;
		v->traps[i].flags = c->trap_ctxt[i].flags;
	}
	v->event_cb = c->event_callback_eip;
	v->failsafe_cb = c->failsafe_callback_eip;
	v->syscall_cb = c->syscall_callback_eip;
	v->failsafe_masks_events = c->flags & VGCF_failsafe_disables_events;
	v->syscall_masks_events = c->flags & VGCF_syscall_disables_events;
	v->kernel_sp = c->kernel_sp;
	v->kernel_mode = c->flags & VGCF_in_kernel;
	v->cr3_kernel = xen_cr3_to_pfn(c->ctrlreg[3]) * PAGE_SIZE;
	v->cr3_user = xen_cr3_to_pfn(c->ctrlreg[1]) * PAGE_SIZE;
	v->fpu_ts = c->ctrlreg[0] & CR0_TS;
	v->iopl = (r->rflags & X86_EFLAGS_IOPL) >> 12;
	/* as Xen: a non-null selector kills the base */
	v->start_fs_base = (r->fs & ~3) ? 0 : c->fs_base;
	v->gs_base_kernel = c->gs_base_kernel;
	v->gs_base_user = (r->gs & ~3) ? 0 : c->gs_base_user;
	v->start_sel[0] = r->ds & ~3 ? r->ds | 3 : 0;
	v->start_sel[1] = r->es & ~3 ? r->es | 3 : 0;
	v->start_sel[2] = r->fs & ~3 ? r->fs | 3 : 0;
	v->start_sel[3] = r->gs & ~3 ? r->gs | 3 : 0;

	memset(s, 0, sizeof(*s));
	s->r15 = r->r15, s->r14 = r->r14, s->r13 = r->r13, s->r12 = r->r12;
	s->rbp = r->rbp, s->rbx = r->rbx, s->r11 = r->r11, s->r10 = r->r10;
	s->r9 = r->r9, s->r8 = r->r8, s->rax = r->rax, s->rcx = r->rcx;
	s->rdx = r->rdx, s->rsi = r->rsi, s->rdi = r->rdi;
	s->rip = r->rip;
	s->rsp = r->rsp;
	s->cs = r->cs | 3; /* the guest kernel runs in ring 3 */
	s->ss = r->ss | 3;
	/* IOPL is virtual (v->iopl); real interrupts stay on */
	s->rflags = (r->rflags & ~(uint64_t)(X86_EFLAGS_IOPL | X86_EFLAGS_VM |
					     X86_EFLAGS_NT | X86_EFLAGS_RF)) |
		    X86_EFLAGS_IF | 2;
}

long smp_initialise(struct emu_cpu *cpu, struct emu_cpu *v, uint64_t arg)
{
	struct vcpu_guest_context c; /* ~5 KiB of the 16 KiB stack */
	const uint64_t *frames = (const uint64_t *)c.gdt_frames;
	uint32_t bit = 1u << v->id;
	long rc;

	if (copy_from_guest(&c, arg, sizeof(c)))
		return -XEN_EFAULT;
	if (__atomic_fetch_or(&initialising, bit, __ATOMIC_SEQ_CST) & bit)
		return -XEN_EEXIST; /* another vCPU is initialising it */
	rc = v->initialised ? -XEN_EEXIST : check_context(&c);
	if (!rc)
		rc = gdt_check(frames, c.gdt_ents);
	if (!rc)
		rc = check_selectors(&c);
	if (!rc)
		rc = mmu_pin_root(cpu, xen_cr3_to_pfn(c.ctrlreg[3]));
	if (!rc && c.ctrlreg[1])
		rc = mmu_pin_root(cpu, xen_cr3_to_pfn(c.ctrlreg[1]));
	if (!rc) {
		commit(v, &c);
		gdt_map(v, frames, c.gdt_ents);
		mb();
		v->initialised = true;
	}
	__atomic_fetch_and(&initialising, ~bit, __ATOMIC_SEQ_CST);
	if (!rc && (c.flags & VGCF_online))
		smp_up(cpu, v); /* as Xen: online at once */
	return rc;
}

long smp_up(struct emu_cpu *cpu, struct emu_cpu *v)
{
	if (!v->initialised)
		return -XEN_EINVAL;
	if (!__atomic_exchange_n(&v->up, 1, __ATOMIC_SEQ_CST))
		kick(cpu, v);
	return 0;
}

long smp_down(struct emu_cpu *cpu, struct emu_cpu *v)
{
	bool others = false;

	for (unsigned i = 0; i < boot->nr_vcpus; i++)
		if (i != v->id && emu_cpu_of(i)->up)
			others = true;
	if (!others) {
		/*
		 * As Xen: the last vCPU going down (only ever the caller)
		 * powers the domain off, and runs no more guest code.
		 */
		cpu->page->arg0 = SHUTDOWN_poweroff;
		emu_exit(cpu, EMU_REQ_SHUTDOWN);
		cpu->up = 0;
		park(cpu);
		return 0;
	}
	if (!__atomic_exchange_n(&v->up, 0, __ATOMIC_SEQ_CST))
		return 0;
	if (v == cpu)
		park(cpu); /* returns 0 once VCPUOP_up brings it back */
	else
		kick(cpu, v); /* parks on its way back to the guest */
	return 0;
}

void smp_flush_serve(struct emu_cpu *cpu)
{
	uint32_t req = cpu->flush_req;

	if (req == cpu->flush_done)
		return;
	flush_tlb_local();
	cpu->flush_done = req;
}

/* TSC ticks in ns nanoseconds, from the guest's pvclock parameters. */
static uint64_t ns_to_ticks(struct emu_cpu *cpu, uint64_t ns)
{
	const volatile struct vcpu_time_info *t = &cpu->vcpu_info->time;
	uint32_t mul = t->tsc_to_system_mul;
	int8_t shift = t->tsc_shift;
	uint64_t q;

	if (!mul)
		return ns * 4; /* no clock yet: assume a fast TSC */
	q = (ns << 32) / mul;
	return shift >= 0 ? q >> shift : q << -shift;
}

void smp_flush_tlbs(struct emu_cpu *cpu, uint64_t mask)
{
	uint32_t gen[EMU_MAX_VCPUS];
	uint32_t wait = 0;
	uint64_t deadline;

	/* the caller's PTE writes, before looking at who is parked: a vCPU
	 * that leaves park() after this flushes anyway (unpark) */
	mb();
	for (unsigned i = 0; i < boot->nr_vcpus; i++) {
		struct emu_cpu *v = emu_cpu_of(i);

		if (v == cpu || !(mask & (1ULL << i)) || v->parked)
			continue;
		gen[i] = __atomic_add_fetch(&v->flush_req, 1, __ATOMIC_SEQ_CST);
		apic_send_ipi(i, EMU_VEC_FLUSH);
		wait |= 1u << i;
	}
	if (!wait)
		return;
	deadline = rdtsc() + ns_to_ticks(cpu, FLUSH_WAIT_NS);
	/*
	 * As Xen, wait for as long as it takes: a caller told its flush is
	 * done may free or reuse the page at once.  Every vCPU takes the
	 * IPI soon (emu holds no lock while it waits, and runs guest code
	 * with interrupts on), but a host that stops a vCPU's thread (a
	 * loaded host, TCG) may make that seconds: say so once.
	 */
	for (;;) {
		for (unsigned i = 0; i < boot->nr_vcpus; i++) {
			struct emu_cpu *v = emu_cpu_of(i);

			if ((wait & (1u << i)) &&
			    ((int32_t)(v->flush_done - gen[i]) >= 0 ||
			     v->parked))
				wait &= ~(1u << i);
		}
		if (!wait)
			return;
		/* two vCPUs flushing each other must not wait forever */
		smp_flush_serve(cpu);
		if (deadline && rdtsc() > deadline) {
			printk(cpu,
			       "emu: vCPU %u: TLB flush of vCPUs %#x not "
			       "done in 1 s; still waiting\n",
			       cpu->id, wait);
			deadline = 0;
		}
		asm volatile("pause" ::: "memory");
	}
}
