/* SPDX-License-Identifier: MIT */
/*
 * The contract between xenner (host) and emu (ring 0 inside the VM):
 * guest-physical and virtual layout, the boot block xenner fills before the
 * first KVM_RUN, and the per-vCPU page through which emu asks the host for
 * what only the host can do (one `out` to EMU_PORT per request).
 *
 * Freestanding: only fixed-width types, shared by both sides.
 */
#ifndef XENNER_EMU_ABI_H
#define XENNER_EMU_ABI_H

#ifdef __ASSEMBLER__
#define EMU_C(x) x
#else
#include <stdint.h>
#define EMU_C(x) x##ULL
#endif

/* emu's own memory: a KVM slot above any guest RAM, never guest-mappable. */
#define EMU_GPA		  EMU_C(0x1000000000) /* 64 GiB */
#define EMU_MAX_RAM_PAGES (EMU_GPA >> 12)

/*
 * Virtual layout inside Xen's reserved range of the 64-bit PV address space
 * (PML4 slots 256-271).  The M2P is where Xen keeps it, slot 256, and again
 * in slot 257: some KVM hosts refuse ring-3 reads of slot 256 (emu/m2p.c).
 */
#define EMU_L4_SLOT_M2P_XEN 256
#define EMU_L4_SLOT_M2P	    257
#define EMU_L4_SLOT_EMU	    258
#define EMU_L4_SLOT_PHYSMAP 260
#define EMU_SLOT_VA(s)	    (EMU_C(0xffff000000000000) | ((s) * EMU_C(1) << 39))
#define EMU_M2P_VA	    EMU_SLOT_VA(EMU_L4_SLOT_M2P)
#define EMU_VA		    EMU_SLOT_VA(EMU_L4_SLOT_EMU)
#define EMU_PHYSMAP_VA	    EMU_SLOT_VA(EMU_L4_SLOT_PHYSMAP)
#define XEN_VIRT_START	    EMU_C(0xffff800000000000)
#define XEN_VIRT_END	    EMU_C(0xffff880000000000)

/* Offsets inside emu memory (mapped at EMU_VA + offset). */
#define EMU_OFF_IMAGE	EMU_C(0x000000) /* emu's ELF image, up to 2 MiB */
#define EMU_OFF_BOOT	EMU_C(0x200000) /* struct emu_boot */
#define EMU_OFF_ZERO	EMU_C(0x201000) /* a page of zeroes */
#define EMU_OFF_VCPU	EMU_C(0x202000) /* EMU_VCPU_AREA per vCPU */
#define EMU_OFF_GDT	EMU_C(0x300000) /* EMU_GDT_PAGES per vCPU; TSS in the last */
#define EMU_OFF_IDT	EMU_C(0x500000) /* one IDT shared by all vCPUs */
#define EMU_OFF_STACKS	EMU_C(0x520000) /* main + IST stack per vCPU, then
					 * a #DF stack per vCPU */
#define EMU_OFF_PT	EMU_C(0x700000) /* emu's page tables, 1 MiB */
#define EMU_OFF_M2P	EMU_C(0x800000) /* the M2P, 8 bytes per frame */
#define EMU_SPLIT_END	EMU_C(0x600000) /* mapped with 4K pages below */
#define EMU_STACK_SIZE	EMU_C(0x4000)   /* each of the two, aligned to it */
/* Per vCPU: emu's private struct emu_cpu, then struct emu_vcpu_page. */
#define EMU_VCPU_AREA	EMU_C(0x4000)
#define EMU_VCPU_PAGE_OFF EMU_C(0x3000)
#define EMU_MAX_VCPUS	32
#define EMU_TRAP_STUB_SIZE    16 /* emu_header.trap_stubs: 256 of them */
#define EMU_SYSCALL_STUB_SIZE 64 /* emu_header.syscall_stubs: one a vCPU */
#define EMU_GDT_PAGES	16
/*
 * Event channels: emu's per-port table (struct emu_port, EMU_NR_PORTS of
 * them), written by emu; xenner reads a port's vCPU from it to route the
 * events evtchnd sends, and marks the ports it allocated before boot.
 */
#define EMU_OFF_PORTS	EMU_C(0x2f0000)
#define EMU_NR_PORTS	4096

/* Interrupt vectors emu reserves (x2APIC, in-kernel irqchip). */
#define EMU_VEC_TIMER	 0xf0 /* LAPIC TSC-deadline timer */
#define EMU_VEC_EVENT	 0xf1 /* "look at your event bits": host or IPI */
#define EMU_VEC_FLUSH	 0xf2 /* IPI: flush your TLB (emu/smp.c) */
#define EMU_VEC_SPURIOUS 0xff

/* Selectors, as Xen's: guest kernel and user share the ring-3 ones. */
#define EMU_CS		   0xe008
#define EMU_DS		   0xe010
#define FLAT_RING3_CS32_SEL 0xe023
#define FLAT_RING3_DS_SEL  0xe02b
#define FLAT_RING3_CS64_SEL 0xe033
#define EMU_TSS_SEL	   0xe040 /* each vCPU has its own GDT */
#define EMU_GDT_FIRST_RESERVED 0xe000

#define EMU_PORT	0xe0	/* out %al: "look at my vCPU page" */
#define EMU_BOOT_MAGIC	EMU_C(0x756d655f72656e6e) /* "nner_emu" */
#define EMU_NR_HYPERCALLS 64 /* hypercall numbers emu has a slot for */

#ifndef __ASSEMBLER__
enum emu_req {
	EMU_REQ_NONE = 0,
	EMU_REQ_CONSOLE_WRITE,	/* data[0..len) to the hypervisor console */
	EMU_REQ_SHUTDOWN,	/* arg0 = SHUTDOWN_* reason */
	EMU_REQ_PANIC,		/* data = emu's own message: emu is broken */
	EMU_REQ_EVTCHN,		/* data = struct emu_evtchn_req; result = port
				 * or 0, or a Xen -errno */
	EMU_REQ_PIN,		/* arg0 = mfn, arg1 = level: validate a page-
				 * table tree on the host; result 0 or -errno */
	EMU_REQ_MAX,
};

/* emu's counters, readable by the host at any time (no exit needed). */
struct emu_counters {
	uint64_t hypercalls[EMU_NR_HYPERCALLS]; /* by number */
	uint64_t hypercall_unknown;
	uint64_t syscall_bounces;   /* guest user syscall -> guest kernel */
	uint64_t exceptions[32];    /* by vector */
	uint64_t interrupts;
	uint64_t events_delivered;
	uint64_t exits[EMU_REQ_MAX];
	/* events and time (added after the fields above) */
	uint64_t timer_interrupts; /* LAPIC timer vector */
	uint64_t event_interrupts; /* EMU_VEC_EVENT: host or IPI kicks */
	uint64_t timer_fires;	   /* VIRQ_TIMER raised */
	uint64_t events_raised;	   /* ports set pending inside emu */
	uint64_t blocks;	   /* SCHEDOP_block/poll that halted */
	uint64_t ptwr_emulations;  /* direct page-table writes emulated */
	uint64_t m2p_xen_slot_refused; /* 1: this host refuses ring-3 reads
					* of Xen's M2P address (emu/m2p.c) */
	uint64_t m2p_reads_emulated;   /* guest reads of it emulated */
	uint64_t failsafe;	       /* irets bounced to the failsafe cb */
	uint64_t early_wakes; /* interrupts taken before emu_halt's hlt */
};

/* Port states in struct emu_port. */
enum emu_port_state {
	EMU_PORT_FREE = 0,
	EMU_PORT_REMOTE, /* unbound or interdomain: evtchnd has the details */
	EMU_PORT_VIRQ,
	EMU_PORT_IPI,
};

struct emu_port {
	uint8_t state;	   /* enum emu_port_state */
	uint8_t vcpu;	   /* the vCPU notified */
	uint8_t virq;	   /* EMU_PORT_VIRQ */
	uint8_t virq_vcpu; /* whose virq table holds it */
};

/* EMU_REQ_EVTCHN: one evtchnd operation on the domain's own ports. */
struct emu_evtchn_req {
	uint32_t op; /* EVTCHND_OP_* */
	uint32_t dom;
	uint32_t port;
	uint32_t vcpu;
	uint32_t arg;
	/* out, EVTCHND_OP_STATUS: as struct evtchnd_status */
	uint32_t status, st_vcpu, remote_dom, remote_port, virq;
};

/* One page per vCPU, written by emu, read (and answered) by the host. */
struct emu_vcpu_page {
	uint32_t req;  /* enum emu_req */
	uint32_t len;  /* bytes of data */
	uint64_t arg0;
	uint64_t arg1;
	int64_t result; /* set by the host */
	struct emu_counters counters;
	uint8_t data[2048];
	/* published by emu for xenner's event delivery (after data) */
	uint64_t vcpu_info_maddr; /* where this vCPU's vcpu_info lives */
	uint32_t polling;	  /* in SCHEDOP_poll: kick even if masked */
	uint32_t pad2;
	uint64_t timer_armed_ns; /* what emu set the LAPIC timer for (system
				    time; 0 = off); xenner's dumps read it */
	/*
	 * The trail of this vCPU's wake-ups, for xenner's dumps: a vCPU that
	 * stays halted with an event pending shows whether the event's
	 * raiser kicked it and whether the kick arrived.  Stamps are
	 * numbers from diag_seq, which emu and xenner both count up.
	 */
	uint64_t diag_seq;
	uint64_t diag_raise;	  /* upcall_pending last went 0 -> 1 */
	uint32_t diag_raise_by;	  /* a vCPU id, or EMU_DIAG_HOST(_SELF) */
	uint32_t diag_raise_port; /* the port that did it */
	uint64_t diag_kick;	  /* the last kick sent to it */
	uint64_t diag_irq;	  /* the last kick it took (EMU_VEC_EVENT) */
	uint64_t diag_halt;	  /* it last halted in SCHEDOP_block */
	uint64_t diag_wake;	  /* it last left SCHEDOP_block */
};
#define EMU_DIAG_HOST	   0xffff
#define EMU_DIAG_HOST_SELF 0xfffe /* in the vCPU's own request: no kick */

static inline uint64_t emu_diag_stamp(struct emu_vcpu_page *p)
{
	return __atomic_add_fetch(&p->diag_seq, 1, __ATOMIC_SEQ_CST);
}

/*
 * A 64-bit PV kernel runs in ring 3, so Xen makes every present page-table
 * entry user-accessible, marks the ones the guest meant for its kernel
 * with a software bit (as Xen's _PAGE_GUEST_KERNEL) and drops their global
 * bit (kernel pages must not outlive a switch to the user page tables).
 */
#define PV_PTE_PRESENT	    EMU_C(0x1)
#define PV_PTE_USER	    EMU_C(0x4)
#define PV_PTE_GLOBAL	    EMU_C(0x100)
#define PV_PTE_GUEST_KERNEL (EMU_C(1) << 52)
#ifndef __ASSEMBLER__
static inline uint64_t pv_adjust_pte(uint64_t e)
{
	if ((e & PV_PTE_PRESENT) && !(e & PV_PTE_USER))
		e = (e | PV_PTE_USER | PV_PTE_GUEST_KERNEL) & ~PV_PTE_GLOBAL;
	return e;
}

/*
 * The same for an entry of a table at the given level (1-4): as Xen, only
 * level-1 entries carry the kernel mark and lose the global bit; entries
 * of higher levels are only made user-accessible (Linux's pmd/pud/p4d_bad
 * would see the software bit there).
 */
static inline uint64_t pv_adjust_pte_level(uint64_t e, unsigned level)
{
	if (level <= 1)
		return pv_adjust_pte(e);
	return (e & PV_PTE_PRESENT) ? e | PV_PTE_USER : e;
}
#endif

/* At the start of emu's image (EMU_VA): where xenner finds its entries. */
struct emu_header {
	uint64_t magic; /* EMU_BOOT_MAGIC */
	uint64_t entry;
	uint64_t trap_stubs;	/* 256 stubs, EMU_TRAP_STUB_SIZE apart */
	uint64_t syscall_stubs; /* EMU_MAX_VCPUS, EMU_SYSCALL_STUB_SIZE apart */
	uint64_t image_end;
};
/* Filled by xenner before the first KVM_RUN; emu only reads it. */
struct emu_boot {
	uint64_t magic;
	uint32_t nr_vcpus;
	uint32_t domid;
	uint64_t nr_pages;	  /* guest-visible RAM pages */
	uint64_t total_pages;	  /* RAM plus the frames Xen would own */
	uint64_t shared_info_pfn; /* outside the guest-visible RAM */
	uint64_t m2p_pages;
	uint64_t start_info_va;
	uint64_t guest_entry;
	uint64_t guest_stack;
	uint64_t guest_cr3;	  /* machine address of the boot L4 */
	uint64_t emu_l4e[3];	  /* L4 entries for the slots above */
	uint64_t gnttab_first_pfn;
	uint32_t gnttab_max_frames;
	uint32_t pad;
	uint64_t frame_info_off; /* in emu memory: one byte per frame */
	/* emu's 4K PTEs for [0, EMU_SPLIT_END) of its memory (emu offset) */
	uint64_t emu_l1_off;
	/* nonzero: report failing hypercalls on the console (counts up) */
	uint64_t debug;
	/* an L4 with only emu's slots, for vCPUs that are down: the guest
	 * may free its page tables meanwhile (emu/smp.c) */
	uint64_t idle_cr3;
};

#endif /* !__ASSEMBLER__ */

#endif
