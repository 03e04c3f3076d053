/* SPDX-License-Identifier: MIT */
/* emu's internal interfaces: per-vCPU state, exits to the host, helpers. */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/vcpu.h>

#include "lib/emu-lib.h"
#include "regs.h"
#include "xenner/emu-abi.h"

#define PAGE_SIZE 4096UL

/* rflags */
#define X86_EFLAGS_TF	0x00000100
#define X86_EFLAGS_IF	0x00000200
#define X86_EFLAGS_DF	0x00000400
#define X86_EFLAGS_IOPL 0x00003000
#define X86_EFLAGS_NT	0x00004000
#define X86_EFLAGS_RF	0x00010000
#define X86_EFLAGS_VM	0x00020000
#define X86_EFLAGS_AC	0x00040000

#define X86_CR4_TSD 0x4
#define X86_CR4_DE  0x8

/* How a bounce frame is built (as Xen's TBF_*). */
#define TBF_EXCEPTION_ERRCODE 2
#define TBF_INTERRUPT	      8 /* mask events on entry */
#define TBF_FAILSAFE	      16

struct guest_trap {
	uint64_t address;
	uint16_t cs;
	uint8_t flags; /* bits 0-1 DPL, bit 2: mask events */
};

/*
 * One vCPU's state, in its private area (EMU_OFF_VCPU); the fields up to
 * `up` are used by entry64.S (offsets in regs.h) and the first five by
 * xenner (emu-tables.c).
 */
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct emu_cpu {
	uint64_t syscall_rsp;
	uint64_t stack_top;
	uint32_t id;
	bool kernel_mode; /* guest kernel (true) or guest user mode */
	struct emu_vcpu_page *page;
	struct regs *regs; /* the frame of the hypercall being handled */
	struct vcpu_info *vcpu_info;
	volatile uint32_t up; /* Xen's !_VPF_down */

	/* what the guest registered */
	struct guest_trap traps[256];
	uint64_t event_cb, failsafe_cb, syscall_cb, syscall32_cb,
		sysenter_cb, nmi_cb;
	bool syscall_masks_events, failsafe_masks_events;
	uint64_t kernel_sp;
	uint64_t cr3_kernel, cr3_user; /* machine addresses; 0 = none */
	uint64_t gs_base_kernel, gs_base_user;
	bool fpu_ts; /* the guest's virtual CR0.TS */
	uint64_t vcpu_info_mfn; /* where vcpu_info lives */

	/* events and time (evtchn.c, time.c, hc-vcpu.c) */
	uint16_t virq_port[NR_VIRQS]; /* 0 = not bound */
	bool vcpu_info_registered;    /* VCPUOP_register_vcpu_info done */
	uint64_t singleshot;	      /* system time (ns); 0 = off */
	uint64_t periodic_period, periodic_next;
	uint64_t poll_deadline;	      /* SCHEDOP_poll timeout; 0 = none */
	struct vcpu_runstate_info runstate;
	uint64_t runstate_va; /* guest's area; 0 = none */

	uint8_t iopl; /* PHYSDEVOP_set_iopl (hc-misc.c): 0-3 */

	/* SMP (smp.c): bring-up, down/up, TLB flushes from other vCPUs */
	volatile uint32_t parked;     /* waiting in park(): no guest code */
	volatile uint32_t flush_req;  /* bumped by a vCPU wanting a flush */
	volatile uint32_t flush_done; /* the last flush_req served */
	bool initialised;	      /* VCPUOP_initialise done (or vCPU 0) */
	uint16_t start_sel[4];	      /* ds, es, fs, gs for the first entry */
	uint64_t start_fs_base;
	struct regs start_regs; /* the context's user_regs, checked */

	/* the guest's debug registers (hc-debugreg.c) */
	uint64_t dr[4], dr6, dr7;
	uint64_t cr4; /* the guest's own CR4 bits (emul-priv.c) */
};

_Static_assert(sizeof(struct emu_cpu) <= EMU_VCPU_PAGE_OFF, "emu_cpu area");
_Static_assert(__builtin_offsetof(struct emu_cpu, kernel_mode) ==
		       CPU_KERNEL_MODE &&
		       __builtin_offsetof(struct emu_cpu, page) == CPU_PAGE &&
		       __builtin_offsetof(struct emu_cpu, regs) == CPU_REGS &&
		       __builtin_offsetof(struct emu_cpu, vcpu_info) ==
			       CPU_VCPU_INFO &&
		       __builtin_offsetof(struct emu_cpu, up) == CPU_UP,
	       "entry64.S's emu_cpu offsets");
_Static_assert(__builtin_offsetof(struct emu_vcpu_page, counters.hypercalls) ==
		       VCPU_PAGE_HYPERCALLS,
	       "entry64.S's hypercall counters");

extern struct emu_boot *const boot;
extern shared_info_t *shared_info;

/* Host frame number -> emu's mapping of it (all guest RAM is mapped). */
static inline void *maddr_to_virt(uint64_t maddr)
{
	return (void *)(EMU_PHYSMAP_VA + maddr);
}

static inline bool mfn_valid(uint64_t mfn)
{
	return mfn < boot->total_pages;
}

/* Asks the host (one exit); returns page->result. */
int64_t emu_exit(struct emu_cpu *cpu, enum emu_req req);
/* Stops the domain with a message; does not return. */
void emu_crash(struct emu_cpu *cpu, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void printk(struct emu_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Guest memory: checked against Xen's reserved range, faults caught. */
bool guest_range_ok(uint64_t va, uint64_t len);
int copy_from_guest(void *dst, uint64_t src_va, size_t len);
int copy_to_guest(uint64_t dst_va, const void *src, size_t len);

/* entry64.S */
int emu_copy(void *dst, const void *src, size_t len);
extern char emu_copy_insn[], emu_copy_fault[];
int emu_load_gs(uint32_t sel);
extern char emu_load_gs_insn[], emu_load_gs_fault[];
/* sti; hlt; cli: waits for an interrupt, with interrupts off around it */
void emu_halt(void);
extern char emu_halt_insn[];

/* Entry points called from entry64.S. */
void emu_boot_vcpu(struct regs *regs, struct emu_cpu *cpu);
void emu_syscall(struct regs *regs, struct emu_cpu *cpu);
void emu_trap(struct regs *regs, struct emu_cpu *cpu);

/* bounce.c: the guest's view of traps, events and mode switches */
void toggle_guest_mode(struct emu_cpu *cpu);
void bounce(struct emu_cpu *cpu, struct regs *regs, uint64_t handler,
	    unsigned flags, uint64_t error_code);
void bounce_exception(struct emu_cpu *cpu, struct regs *regs, unsigned vec,
		      bool has_error, uint64_t error_code);
/* regs is a context the CPU would not return to: the failsafe callback. */
void bounce_failsafe(struct emu_cpu *cpu, struct regs *regs);
/* Called on every way back to the guest: delivers pending events, stops
 * a vCPU that VCPUOP_down took down.  Inline, since nearly always there is
 * nothing to do. */
void return_to_guest_slow(struct emu_cpu *cpu, struct regs *regs);
static inline void return_to_guest(struct emu_cpu *cpu, struct regs *regs)
{
	const struct vcpu_info *vi = cpu->vcpu_info;

	if (unlikely(!cpu->up) ||
	    unlikely(vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask))
		return_to_guest_slow(cpu, regs);
}

/* ptwr.c: the guest kernel's direct writes to its page tables */
bool ptwr_emulate(struct emu_cpu *cpu, struct regs *regs, uint64_t addr);

/* emul-priv.c: privileged instructions of the guest kernel */
bool emulate_privileged(struct emu_cpu *cpu, struct regs *regs);
/* The guest's view of CR4 (Xen's bits plus its own TSD/DE). */
uint64_t guest_cr4(const struct emu_cpu *cpu);
/* emul-io.c: in/out, as Xen does for a domain without I/O ports */
bool emulate_port_io(struct emu_cpu *cpu, struct regs *regs);

/* cpuid-xen.c: Xen's PV CPUID policy applied to the host's answer r */
void cpuid_pv_policy(struct emu_cpu *cpu, uint32_t leaf, uint32_t subleaf,
		     uint32_t r[4]);

/* hc-debugreg.c: a #DB reached emu; records DR6 for the guest */
void debugreg_trap(struct emu_cpu *cpu);

/* cpu.c: privileged x86 state */
uint64_t read_cr2(void);
void write_cr3(uint64_t cr3);
uint64_t read_cr3(void);
void wrmsr(uint32_t msr, uint64_t val);
uint64_t rdmsr(uint32_t msr);
void set_ts(bool on);
void set_cr4_tsd(bool on);
#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define count_inc(cpu, field) ((cpu)->page->counters.field++)

#endif
