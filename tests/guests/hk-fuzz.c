// SPDX-License-Identifier: MIT
/*
 * A hypercall-fuzzing guest for tests/e2e/hypercall-fuzz.sh (not run by
 * guest-kernels.sh).  From seed=N it makes calls=N random actions:
 * hypercalls of every family with random and boundary arguments (huge
 * counts, unaligned, Xen-reserved and non-canonical pointers, foreign and
 * out-of-range frames, bad ports and refs, self-referential structures,
 * nested multicalls, mmu_update and update_va_mapping on its live page
 * tables), privileged and faulting instructions, and direct writes to a
 * live L1, and iret hypercalls to contexts no CPU returns to.  Every
 * exception comes back to the action loop through the trap table, a
 * refused iret through the failsafe callback.
 *
 * It avoids only what would end or blind itself on Xen too (shutdown,
 * block, taking down vCPU 0, replacing its trap table or callbacks,
 * switching to or clearing page tables it runs on, writing its own live
 * memory) and checks after every 1000 actions that its text and data are
 * intact, since emu writing where the guest's page tables forbid it would
 * show there first.  It prints the seed and its progress; the same seed
 * replays the same actions.
 */
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/vcpu.h>

#include "lib.h"

#define XEN_START     0xffff800000000000UL
#define XEN_END	      0xffff880000000000UL
#define PTE_P	      0x001UL
#define PTE_RW	      0x002UL
#define PTE_US	      0x004UL
#define SCRATCH_BYTES (16 * 4096)
#define SCRATCH_VAS   32 /* pages of the boot mapping's padding */
#define NR_VECTORS    20

/*
 * What actions may point at: refilled with random words each action.  The
 * guard behind it takes what a hypercall writes past the end (Xen checks
 * a whole range first; an emu that did not would corrupt the guard, not
 * the guest's own state).
 */
static struct {
	uint64_t buf[SCRATCH_BYTES / 8];
	uint8_t guard[1 << 20];
} area __attribute__((aligned(4096)));
#define scratch area.buf
/* mmu_update requests and multicall entries live apart from the noise. */
static mmu_update_t mmu_reqs[64];
static mmuext_op_t ext_ops[16];
static uint64_t gdt_frames[16];
#define MC_MAX 32
static multicall_entry_t mc[MC_MAX], mc_nested[4];

static uint64_t rng_state;
static uint64_t pfn_scratch_first, nr_pages;
static uint64_t scratch_va, l1_mfn, l1_first_idx;
static uint64_t my_l4_mfn;

/* The try/recover pair: try_run(fn) is 0, or 1 if fn trapped. */
struct jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
struct jmp jb; /* global: the asm below names it */
volatile int armed;
static uint64_t last_rip, last_vec;
static uint64_t traps[NR_VECTORS + 1], hc_ok, hc_err, actions_done;
static uint64_t bad_irets, failsafes;
void failsafe_trap(void);
#define FAILSAFE_VEC 255 /* traps.S: failsafe_trap */
int try_run(void (*fn)(void));
asm(".text\n"
    ".globl try_run\n"
    "try_run:\n"
    "	movq %rbx, jb+0(%rip)\n"
    "	movq %rbp, jb+8(%rip)\n"
    "	movq %r12, jb+16(%rip)\n"
    "	movq %r13, jb+24(%rip)\n"
    "	movq %r14, jb+32(%rip)\n"
    "	movq %r15, jb+40(%rip)\n"
    "	movq %rsp, jb+48(%rip)\n"
    "	leaq 1f(%rip), %rax\n"
    "	movq %rax, jb+56(%rip)\n"
    "	movl $1, armed(%rip)\n"
    "	call *%rdi\n"
    "	movl $0, armed(%rip)\n"
    "	xorl %eax, %eax\n"
    "	ret\n"
    "1:	movq jb+0(%rip), %rbx\n"
    "	movq jb+8(%rip), %rbp\n"
    "	movq jb+16(%rip), %r12\n"
    "	movq jb+24(%rip), %r13\n"
    "	movq jb+32(%rip), %r14\n"
    "	movq jb+40(%rip), %r15\n"
    "	movl $0, armed(%rip)\n"
    "	movl $1, %eax\n"
    "	ret\n");

/*
 * User mode: user_run(fn, stack) irets to fn in user mode (the same page
 * tables, as the user ones) and is 0 when fn comes back with the SYS_DONE
 * syscall, or 2 after any other syscall; a trap there comes back through
 * trap_handler like a kernel one.  Xen delivers both on kstack.
 */
#define SYS_DONE 0x5d0e
static char kstack[16384] __attribute__((aligned(16)));
static char ustack[16384] __attribute__((aligned(16)));
uint64_t user_ctx[7];
static uint64_t user_actions, user_traps, user_syscalls;
long user_run(void (*fn)(void), void *stack);
void user_syscall_entry(void);
asm(".text\n"
    ".globl user_run\n"
    "user_run:\n"
    "	movq %rbx, user_ctx+0(%rip)\n"
    "	movq %rbp, user_ctx+8(%rip)\n"
    "	movq %r12, user_ctx+16(%rip)\n"
    "	movq %r13, user_ctx+24(%rip)\n"
    "	movq %r14, user_ctx+32(%rip)\n"
    "	movq %r15, user_ctx+40(%rip)\n"
    "	movq %rsp, user_ctx+48(%rip)\n"
    "	movq %rdi, %rbx\n" /* not a hypercall argument register */
    "	pushq $0xe02b\n"   /* ss */
    "	pushq %rsi\n"	   /* rsp */
    "	pushq $0x2\n"	   /* rflags: events stay masked */
    "	pushq $0xe033\n"   /* cs: RPL 3, user mode */
    "	leaq user_entry(%rip), %rax\n"
    "	pushq %rax\n" /* rip */
    "	pushq $0\n"   /* flags */
    "	pushq $0\n"   /* rcx */
    "	pushq $0\n"   /* r11 */
    "	pushq $0\n"   /* rax */
    "	movl $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "user_entry:\n"
    "	call *%rbx\n"
    "	movl $0x5d0e, %eax\n"
    "	syscall\n"
    "	ud2\n"
    ".globl user_syscall_entry\n"
    "user_syscall_entry:\n" /* kernel mode, on kstack */
    "	movq user_ctx+0(%rip), %rbx\n"
    "	movq user_ctx+8(%rip), %rbp\n"
    "	movq user_ctx+16(%rip), %r12\n"
    "	movq user_ctx+24(%rip), %r13\n"
    "	movq user_ctx+32(%rip), %r14\n"
    "	movq user_ctx+40(%rip), %r15\n"
    "	movq user_ctx+48(%rip), %rsp\n"
    "	cmpq $0x5d0e, %rax\n"
    "	setne %al\n"
    "	movzbl %al, %eax\n"
    "	addl %eax, %eax\n"
    "	ret\n");

void trap_handler(struct trapframe *tf)
{
	traps[tf->vector < NR_VECTORS ? tf->vector : NR_VECTORS]++;
	failsafes += tf->vector == FAILSAFE_VEC;
	if (!armed) {
		printf("FUZZ-FAIL: trap %lu at %lx (error %lx) outside an "
		       "action, after %lu actions\n",
		       tf->vector, tf->rip, tf->error, actions_done);
		shutdown(SHUTDOWN_crash);
	}
	/*
	 * Back to the action loop in kernel mode: a user-mode frame has RPL
	 * 3, and a kernel one keeps its cs and ss, except a failsafe frame,
	 * whose cs or ss is the refused one
	 */
	user_traps += tf->cs & 3 ? 1 : 0;
	if ((tf->cs & 3) || tf->vector == FAILSAFE_VEC) {
		tf->cs = FLAT_KERNEL_CS & ~3;
		tf->ss = FLAT_KERNEL_SS & ~3;
	}
	last_rip = tf->rip;
	last_vec = tf->vector;
	tf->rip = jb.rip;
	tf->rsp = jb.rsp;
	/* TF, DF, NT, AC: what popf in an action may have left */
	tf->rflags &= ~0x44500UL;
}

static uint64_t rnd(void)
{
	/* xorshift64*: small, and the same sequence from the same seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dUL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* Frames nothing of ours lives in: the upper half of RAM, or none. */
static uint64_t safe_pfn(void)
{
	switch (below(4)) {
	case 0:
		return nr_pages + below(64);
	case 1:
		return ~0UL >> below(24); /* huge: no such frame */
	default:
		return pfn_scratch_first + below(nr_pages - pfn_scratch_first);
	}
}

/* Any frame: ours too, for calls Xen must refuse or that only read. */
static uint64_t any_pfn(void)
{
	return below(3) ? safe_pfn() : below(nr_pages);
}

/* Pointers: the scratch area (aligned or not), or somewhere bad. */
static uint64_t ptr(void)
{
	switch (below(10)) {
	case 0:
		return XEN_START + (below(XEN_END - XEN_START) & ~7UL);
	case 1:
		return 0x0000800000000000UL +
		       below(1UL << 40); /* non-canonical */
	case 2:
		return below(1 << 20); /* low, unmapped */
	case 3:
		return XEN_START + below(nr_pages) * 8; /* the M2P: read-only */
	case 4:
		return (uint64_t)scratch + SCRATCH_BYTES - below(64); /* edge */
	default:
		return (uint64_t)scratch + below(SCRATCH_BYTES - 512);
	}
}

/* Addresses that are not ours to lose: Xen's, non-canonical, low. */
static uint64_t bad_va(void)
{
	switch (below(3)) {
	case 0:
		return XEN_START + (below(XEN_END - XEN_START) & ~0xfffUL);
	case 1:
		return 0x0000800000000000UL + (below(1UL << 40) & ~0xfffUL);
	default:
		return 0x1000 + (below(256) << 12);
	}
}

static uint64_t pte(void)
{
	uint64_t flags = below(2) ? (PTE_P | PTE_US | (below(2) ? PTE_RW : 0))
				  : rnd() & 0x8000000000000fffUL;

	return any_pfn() << 12 | flags;
}

/* A number of the kinds that break range checks. */
static uint64_t num(void)
{
	static const uint64_t edge[] = {
		0,	   1,	   2,	       0x7fff,	   0x7ff0,
		0x7ff1,	   0x7ff2, 0x7fffffff, 0x80000000, 0xffffffff,
		1UL << 32, ~0UL,   ~0UL - 7,   1UL << 63};

	switch (below(5)) {
	case 0:
		return edge[below(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return rnd();
	case 2:
		return ptr();
	case 3:
		return safe_pfn();
	default:
		return below(64);
	}
}

static uint64_t arg(void)
{
	return below(2) ? ptr() : num();
}

static void fill_scratch(void)
{
	unsigned n = 1 + below(64);

	for (unsigned i = 0; i < n; i++)
		scratch[below(SCRATCH_BYTES / 8)] = num();
}

/* ------------------------------------------------------------------ */
/* Hypercalls */

struct call {
	unsigned nr;
	uint64_t a[5];
};

static void mmu_update_call(struct call *c)
{
	unsigned n = below(4) ? 1 + below(8) : below(64);

	for (unsigned i = 0; i < n; i++) {
		uint64_t p;

		if (below(2)) /* an entry of the live L1 in the padding */
			p = l1_mfn << 12 |
			    (l1_first_idx + below(SCRATCH_VAS)) * 8;
		else
			p = safe_pfn() << 12 | (below(512) * 8);
		mmu_reqs[i].ptr = p | below(4); /* NORMAL, MACHPHYS, AD, bad */
		mmu_reqs[i].val = below(4) ? pte() : num();
	}
	/* random requests read from our memory would edit our own tables */
	c->a[0] = below(8) ? (uint64_t)mmu_reqs : bad_va() + below(4096);
	c->a[1] = c->a[0] == (uint64_t)mmu_reqs ? n : num();
	c->a[2] = below(2) ? 0 : ptr();
	c->a[3] = below(4) ? DOMID_SELF : num();
}

/*
 * A base pointer that cannot unmap us: our own L4, or no RAM (a free
 * zeroed frame would pass as an empty L4).
 */
static uint64_t not_l4(void)
{
	return below(2) ? my_l4_mfn : nr_pages + below(1 << 20);
}

static void mmuext_call(struct call *c)
{
	unsigned n = 1 + below(4);

	for (unsigned i = 0; i < n; i++) {
		mmuext_op_t *op = &ext_ops[i];

		op->cmd = below(8) ? below(21) : num();
		/* switching to or clearing frames we run on is self-harm */
		if (op->cmd == MMUEXT_NEW_BASEPTR)
			op->arg1.mfn = not_l4();
		else if (op->cmd == MMUEXT_CLEAR_PAGE ||
			 op->cmd == MMUEXT_COPY_PAGE)
			op->arg1.mfn = safe_pfn();
		else if (op->cmd == MMUEXT_UNPIN_TABLE && below(2))
			op->arg1.mfn = my_l4_mfn;
		else
			op->arg1.mfn = below(2) ? any_pfn() : ptr();
		op->arg2.nr_ents = below(2) ? below(16) : num();
		if (op->cmd == MMUEXT_COPY_PAGE)
			op->arg2.src_mfn = any_pfn();
	}
	c->a[0] = below(8) ? (uint64_t)ext_ops : bad_va() + below(4096);
	c->a[1] = c->a[0] == (uint64_t)ext_ops ? n : num();
	c->a[2] = below(2) ? 0 : ptr();
	c->a[3] = below(4) ? DOMID_SELF : num();
}

static void va_mapping_call(struct call *c)
{
	c->a[0] = below(4) ? scratch_va + below(SCRATCH_VAS) * 4096
			   : bad_va() + below(2) * below(4096);
	c->a[1] = below(4) ? pte() : num();
	c->a[2] = below(2) ? below(4) : num(); /* UVMF_*, or junk */
	if (c->a[2] & UVMF_MULTI)
		c->a[2] = (c->a[2] & 3) | ptr();
	c->a[3] = below(2) ? DOMID_SELF : num();
}

/*
 * One random hypercall in c, or 0 if the draw hit what the guest must not
 * do to itself.  Multicall entries come from the same draw.
 */
static int make_call(struct call *c, int depth)
{
	for (unsigned i = 0; i < 5; i++)
		c->a[i] = arg();
	c->nr = below(16) ? below(48) : num() & 0xffff;
	switch (c->nr) {
	case __HYPERVISOR_set_trap_table:
	case __HYPERVISOR_set_callbacks:
	case __HYPERVISOR_callback_op:
		/*
		 * Only where Xen must refuse to read (a NULL table resets it,
		 * the M2P is readable): Xen's range past the M2P, non-canonical
		 */
		c->a[1] = below(2) ? XEN_START + (1UL << 40) + below(1UL << 30)
				   : 0x0000800000000000UL + below(1UL << 40);
		c->a[0] =
			c->nr == __HYPERVISOR_callback_op ? below(3) : c->a[1];
		return c->a[0] ? 1 : 0;
	case __HYPERVISOR_stack_switch:
	case __HYPERVISOR_iret:
		return 0;
	case __HYPERVISOR_mmu_update:
		mmu_update_call(c);
		return 1;
	case __HYPERVISOR_mmuext_op:
		mmuext_call(c);
		return 1;
	case __HYPERVISOR_update_va_mapping:
	case __HYPERVISOR_update_va_mapping_otherdomain:
		va_mapping_call(c);
		return 1;
	case __HYPERVISOR_sched_op_compat:
	case __HYPERVISOR_sched_op:
		/*
		 * yield and pin_override; not shutdown_code: the code it sets
		 * would stand for the final poweroff too
		 */
		c->a[0] = below(8);
		return c->a[0] == SCHEDOP_yield ||
		       (c->a[0] == SCHEDOP_pin_override &&
			c->nr == __HYPERVISOR_sched_op);
	case __HYPERVISOR_vcpu_op:
		c->a[0] = below(8) ? below(16) : num();
		c->a[1] = below(2) ? 0 : num();
		/* no taking vCPU 0 down; vcpu_info only on frames not ours */
		if (c->a[0] == VCPUOP_down || c->a[0] == VCPUOP_up)
			return 0;
		if (c->a[0] == VCPUOP_register_vcpu_info) {
			struct vcpu_register_vcpu_info *r = (void *)scratch;

			r->mfn = nr_pages + below(1 << 20);
			r->offset = num();
			c->a[2] = (uint64_t)r;
		}
		return 1;
	case __HYPERVISOR_set_gdt:
		/*
		 * Xen takes any frame not mapped writable and writes its
		 * fix-ups of the descriptors into it: the list may name none
		 * of ours (our read-only text would pass), so it is safe
		 * frames or a list that cannot be read, never random words
		 * or the M2P (seed 424242 found that once in 10^6 actions)
		 */
		for (unsigned i = 0; i < 16; i++)
			gdt_frames[i] = safe_pfn();
		c->a[0] = below(8) ? (uint64_t)gdt_frames
			  : below(2)
				  ? XEN_START + (1UL << 40) + below(1UL << 30)
				  : 0x0000800000000000UL + below(1UL << 40);
		c->a[1] = below(2) ? below(16 * 512) : num();
		return 1;
	case __HYPERVISOR_update_descriptor:
		/* Xen writes a checked descriptor into any writable frame */
		c->a[0] = safe_pfn() << 12 |
			  (below(8) ? below(512) * 8 : below(4096));
		c->a[1] = num();
		return 1;
	case __HYPERVISOR_console_io:
		c->a[1] &= 63; /* the console is the test's log */
		return 1;
	case __HYPERVISOR_set_debugreg:
		c->a[0] = below(8);
		return 1;
	case __HYPERVISOR_memory_op:
	case __HYPERVISOR_grant_table_op:
	case __HYPERVISOR_event_channel_op:
	case __HYPERVISOR_physdev_op:
	case __HYPERVISOR_xen_version:
		c->a[0] = below(8) ? below(32) : num();
		/* giving away or moving frames may hit our own */
		if (c->nr == __HYPERVISOR_memory_op &&
		    (c->a[0] == XENMEM_decrease_reservation ||
		     c->a[0] == XENMEM_exchange ||
		     c->a[0] == XENMEM_add_to_physmap ||
		     c->a[0] == XENMEM_add_to_physmap_batch ||
		     c->a[0] == XENMEM_remove_from_physmap))
			return 0;
		if (c->nr == __HYPERVISOR_grant_table_op && below(2))
			c->a[2] = below(4);
		/* ops that write into a frame they are given: not ours */
		if ((c->nr == __HYPERVISOR_event_channel_op &&
		     (c->a[0] == EVTCHNOP_init_control ||
		      c->a[0] == EVTCHNOP_expand_array)) ||
		    (c->nr == __HYPERVISOR_physdev_op &&
		     (c->a[0] == PHYSDEVOP_pirq_eoi_gmfn_v1 ||
		      c->a[0] == PHYSDEVOP_pirq_eoi_gmfn_v2))) {
			uint64_t *frame_arg = &scratch[SCRATCH_BYTES / 8 - 4];

			frame_arg[0] = safe_pfn();
			frame_arg[1] = num();
			c->a[1] = (uint64_t)frame_arg;
		}
		return 1;
	case __HYPERVISOR_multicall: {
		unsigned n = 1 + below(below(4) ? 8 : MC_MAX);
		multicall_entry_t *m = mc;

		/* nested: emu must refuse it; its entries are older draws */
		if (depth) {
			c->a[0] = below(8) ? (uint64_t)mc_nested
					   : bad_va() + below(4096);
			c->a[1] = below(4);
			return 1;
		}
		for (unsigned i = 0; i < n; i++) {
			struct call sub;

			while (!make_call(&sub, depth + 1))
				;
			m[i].op = sub.nr;
			for (unsigned j = 0; j < 6; j++)
				m[i].args[j] = j < 5 ? sub.a[j] : num();
		}
		if (below(2))
			memcpy(mc_nested, mc, sizeof(mc_nested));
		/* past the array is our own memory: no more than it holds */
		c->a[0] = below(8) ? (uint64_t)m : bad_va() + below(4096);
		c->a[1] = c->a[0] == (uint64_t)m ? n : num();
		return 1;
	}
	default:
		return 1;
	}
}

static struct call cur;
static bool tracing;

static void do_call(void)
{
	long rc = hypercall(cur.nr, cur.a[0], cur.a[1], cur.a[2], cur.a[3],
			    cur.a[4]);

	if (rc < 0)
		hc_err++;
	else
		hc_ok++;
	if (tracing)
		printf("  = %ld (jb %lx %lx %lx %lx %lx %lx)\n", rc, jb.rbx,
		       jb.rbp, jb.r12, jb.r13, jb.r14, jb.r15);
}

/* ------------------------------------------------------------------ */
/* Instructions */

static uint64_t r1, r2, r3;

#define INSN(name, body)                                                       \
	static void name(void)                                                 \
	{                                                                      \
		body;                                                          \
	}
INSN(i_cli, asm volatile("cli; sti"))
INSN(i_inb, asm volatile("inb %%dx, %%al" : : "d"(r1) : "rax"))
INSN(i_outl, asm volatile("outl %%eax, %%dx" : : "a"(r2), "d"(r1)))
INSN(i_insb, asm volatile("insb" : : "d"(r1), "D"(scratch) : "memory"))
INSN(i_rdmsr, asm volatile("rdmsr" : : "c"(r1) : "rax", "rdx"))
INSN(i_wrmsr, asm volatile("wrmsr" : : "c"(r1), "a"(r2), "d"(r3)))
INSN(i_rdcr, asm volatile("mov %%cr0, %%rax; mov %%cr2, %%rax;"
			  "mov %%cr3, %%rax; mov %%cr4, %%rax" ::
				  : "rax"))
INSN(i_wrcr0, asm volatile("mov %0, %%cr0" : : "r"(r2)))
INSN(i_wrcr4, asm volatile("mov %0, %%cr4" : : "r"(r2)))
INSN(i_wrcr3, asm volatile("mov %0, %%cr3" : : "r"(not_l4() << 12)))
INSN(i_wrdr7, asm volatile("mov %0, %%db7" : : "r"(r2)))
INSN(i_rddr, asm volatile("mov %%db6, %%rax; mov %%db7, %%rax" ::: "rax"))
INSN(i_lgdt, asm volatile("lgdt (%0)" : : "r"(ptr())))
INSN(i_lidt, asm volatile("lidt (%0)" : : "r"(ptr())))
INSN(i_sgdt, asm volatile("sgdt (%0); sidt 16(%0); sldt 32(%0); str 40(%0)"
			  :
			  : "r"(scratch)
			  : "memory"))
INSN(i_lldt, asm volatile("lldt %w0" : : "r"(r1)))
INSN(i_ltr, asm volatile("ltr %w0" : : "r"(r1)))
INSN(i_invlpg, asm volatile("invlpg (%0)" : : "r"(ptr())))
INSN(i_wbinvd, asm volatile("wbinvd"))
INSN(i_clts, asm volatile("clts"))
INSN(i_rdpmc, asm volatile("rdpmc" : : "c"(r1) : "rax", "rdx"))
INSN(i_rdtscp, asm volatile("rdtsc; rdtscp" ::: "rax", "rcx", "rdx"))
INSN(i_cpuid, asm volatile("cpuid" : "+a"(r1), "+c"(r2)::"rbx", "rdx"))
INSN(i_xsetbv, asm volatile("xsetbv" : : "c"(r1), "a"(r2), "d"(r3)))
INSN(i_xgetbv, asm volatile("xgetbv" : : "c"(r1) : "rax", "rdx"))
INSN(i_swapgs, asm volatile("swapgs"))
INSN(i_sysret, asm volatile("sysretq"))
INSN(i_sysenter, asm volatile("sysenter"))
INSN(i_int3, asm volatile("int3"))
INSN(i_ud2, asm volatile("ud2"))
INSN(i_div0, asm volatile("divq %2" : "+a"(r1), "+d"(r3) : "r"(0UL)))
INSN(i_popf, asm volatile("pushf; push %0; popf; mov (%1), %%rax; popf"
			  :
			  : "r"(r2), "r"((uint64_t)scratch + 1)
			  : "rax", "cc", "memory"))
INSN(i_segs, asm volatile("mov %w0, %%ds; mov %w0, %%es; mov %w0, %%fs;"
			  "mov %w0, %%gs; xor %%eax, %%eax; mov %%eax, %%ds;"
			  "mov %%eax, %%es; mov %%eax, %%fs; mov %%eax, %%gs"
			  :
			  : "r"(r1)
			  : "rax"))
INSN(i_movss, asm volatile("mov %%ss, %%eax; mov %w0, %%ss; mov %%eax, %%ss"
			   :
			   : "r"(r1)
			   : "rax"))
INSN(i_lar, asm volatile("lar %w0, %%eax; lsl %w0, %%eax; verr %w0; verw %w0"
			 :
			 : "r"(r1)
			 : "rax", "cc"))
INSN(i_read, asm volatile("mov (%0), %%rax" : : "r"(ptr()) : "rax"))
static bool ours(uint64_t p)
{
	extern char _start[];

	/* the image, then the boot tables, stack and the padding after it */
	return p >= (uint64_t)_start && p < boot_rsp + (1 << 20);
}

static void i_write(void)
{
	uint64_t p = ptr();

	if (ours(p))
		p = XEN_START + below(1 << 30);
	asm volatile("movq %1, (%0)" : : "r"(p), "r"(r2) : "memory");
}

INSN(i_read_m2p, asm volatile("mov (%0), %%rax"
			      :
			      : "r"(XEN_START + below(nr_pages + 4096) * 8)
			      : "rax"))

/* A direct write to an entry of the live L1, which is mapped read-only. */
static void i_ptwrite(void)
{
	extern char _start[];
	volatile uint64_t *l1 = (uint64_t *)((uint64_t)_start + (l1_mfn << 12));

	l1[l1_first_idx + below(SCRATCH_VAS)] = pte();
}

/* int $N for each N: a stub per vector, as the instruction encodes N */
asm(".text\n"
    ".balign 8\n"
    "int_stubs:\n"
    ".set fuzz_vec, 0\n"
    ".rept 256\n"
    "	int $fuzz_vec\n"
    "	ret\n"
    "	.balign 8\n"
    ".set fuzz_vec, fuzz_vec + 1\n"
    ".endr\n");
extern char int_stubs[];
static uint64_t int_vec;

static void i_int(void)
{
	void (*stub)(void) = (void (*)(void))(int_stubs + int_vec * 8);

	stub();
}

/* Our page tables as the user ones: what a fuzzed mmuext_op may change. */
static void user_base_again(void)
{
	mmuext_op_t op = {.cmd = MMUEXT_NEW_USER_BASEPTR,
			  .arg1.mfn = my_l4_mfn};

	hypercall(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

/*
 * The iret hypercall to a context no CPU returns to: one part bad (a
 * non-canonical or Xen-range RIP, a CS or SS that is no code or data
 * selector, a non-canonical user RSP), the rest plausible or random.
 * Xen's iretq faults and its failsafe callback brings us back (a RIP in
 * Xen's range may fault on its first fetch instead); emu decides the
 * same before its own iretq.  From user mode it is a plain syscall.
 */
static uint64_t iret_frame[9]; /* rax, r11, rcx, flags, rip, cs, rflags,
				* rsp, ss */
static void i_bad_iret(void)
{
	uint64_t *f = iret_frame, bad_sel = below(0x2000) << 3 | 7; /* LDT */
	bool user = below(2);

	user_base_again();
	memset(f, 0, sizeof(iret_frame));
	f[0] = r1, f[1] = r2, f[2] = r3;
	f[3] = below(2) ? VGCF_in_syscall : 0;
	f[4] = (uint64_t)i_bad_iret;
	f[6] = (r1 & 0xd5) | 0x2; /* arithmetic flags; events stay masked */
	f[8] = FLAT_USER_SS;
	switch (below(5)) {
	case 0:
		f[4] = 0x800000000000UL + below(1UL << 46);
		break;
	case 1:
		f[4] = XEN_START + below(XEN_END - XEN_START);
		break;
	case 2:
		f[5] = below(2) ? bad_sel : FLAT_USER_DS;
		break;
	case 3:
		f[8] = below(2) ? bad_sel : below(2) ? 0 : FLAT_USER_CS;
		break;
	default: /* the kernel stack would take the frame: user mode */
		user = true;
		f[7] = 0x800000000000UL + below(1UL << 46);
		break;
	}
	if (!f[5])
		f[5] = user ? FLAT_USER_CS : FLAT_KERNEL_CS & ~3;
	if (!f[7])
		f[7] = user ? (uint64_t)ustack + sizeof(ustack)
			    : (uint64_t)kstack + sizeof(kstack) / 2;
	bad_irets++;
	asm volatile("movq %0, %%rsp\n\t"
		     "movl $23, %%eax\n\t" /* __HYPERVISOR_iret */
		     "syscall\n\t"
		     "ud2"
		     :
		     : "r"(f)
		     : "memory");
}

static void (*const insns[])(void) = {
	i_cli,	  i_inb,      i_outl,	 i_insb,     i_rdmsr,	 i_wrmsr,
	i_rdcr,	  i_wrcr0,    i_wrcr4,	 i_wrcr3,    i_wrdr7,	 i_rddr,
	i_lgdt,	  i_lidt,     i_sgdt,	 i_lldt,     i_ltr,	 i_invlpg,
	i_wbinvd, i_clts,     i_rdpmc,	 i_rdtscp,   i_cpuid,	 i_xsetbv,
	i_xgetbv, i_swapgs,   i_sysret,	 i_sysenter, i_int3,	 i_ud2,
	i_div0,	  i_popf,     i_segs,	 i_movss,    i_lar,	 i_read,
	i_write,  i_read_m2p, i_ptwrite, i_int,	     i_bad_iret,
};
#define NR_INSNS (sizeof(insns) / sizeof(insns[0]))

/*
 * User mode only: a syscall with a random number, which from user mode is
 * the guest kernel's (the syscall callback), not a hypercall.
 */
INSN(i_syscall, asm volatile("syscall" : "+a"(r1) : : "rcx", "r11", "memory"))

/* insns[k] in user mode */
static void (*user_insn)(void);
static void user_action(void)
{
	user_base_again();
	user_actions++;
	if (user_run(user_insn, ustack + sizeof(ustack)))
		user_syscalls++;
}

/* ------------------------------------------------------------------ */
/* Setup and the loop */

static uint64_t checksum(const void *p, uint64_t len)
{
	const uint64_t *w = p;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < len / 8; i++)
		sum = (sum ^ w[i]) * 0x100000001b3UL;
	return sum;
}

/*
 * The boot mapping runs at least 512 KiB past the boot stack (Xen's
 * start-of-day promise): those pages are mapped by a live L1 and hold
 * nothing of ours, so actions may remap them.
 */
static void find_scratch(void)
{
	extern char _start[];
	uint64_t base = (uint64_t)_start;
	uint64_t *l4 = (uint64_t *)start_info->pt_base, *t = l4;
	uint64_t va;

	va = ((boot_rsp + 4095) & ~4095UL) + 4 * 4096;
	if (((va >> 12) & 511) + SCRATCH_VAS > 512) /* one L1 for them all */
		va = (va + 0x1fffff) & ~0x1fffffUL;
	scratch_va = va;
	my_l4_mfn = (start_info->pt_base - base) >> 12;
	for (int level = 3; level > 0; level--) {
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];

		t = (uint64_t *)(base + (e & 0x000ffffffffff000UL));
	}
	l1_mfn = ((uint64_t)t - base) >> 12;
	l1_first_idx = (va >> 12) & 511;
	if (l1_first_idx + SCRATCH_VAS > 512) {
		printf("FUZZ-FAIL: scratch pages cross an L1\n");
		shutdown(SHUTDOWN_crash);
	}
}

void test_main(void)
{
	extern char _start[], _end[];
	static struct trap_info table[NR_VECTORS + 3];
	static const uint8_t vecs[] = {0,  1,  3,  4,  5,  6,  7, 10,
				       11, 12, 13, 14, 16, 17, 19};
	extern char trap_0[], trap_1[], trap_3[], trap_4[], trap_5[], trap_6[],
		trap_7[], trap_10[], trap_11[], trap_12[], trap_13[], trap_14[],
		trap_16[], trap_17[], trap_19[], trap_128[];
	char *const entries[] = {trap_0,  trap_1,  trap_3,  trap_4,  trap_5,
				 trap_6,  trap_7,  trap_10, trap_11, trap_12,
				 trap_13, trap_14, trap_16, trap_17, trap_19};
	uint64_t seed = cmdline_num("seed", 1);
	uint64_t calls = cmdline_num("calls", 10000);
	/* trace=N prints each action from the Nth on, to find a culprit */
	uint64_t trace = cmdline_num("trace", ~0UL);
	extern char _ro_end[];
	uint64_t text_sum, text_len = _ro_end - _start;
	struct callback_register syscall_cb = {
		.type = CALLBACKTYPE_syscall,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)user_syscall_entry,
	};
	struct callback_register failsafe_cb = {
		.type = CALLBACKTYPE_failsafe,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)failsafe_trap,
	};
	unsigned i;

	for (i = 0; i < sizeof(vecs); i++)
		table[i] = (struct trap_info){vecs[i], vecs[i] == 3 ? 3 : 0,
					      FLAT_KERNEL_CS,
					      (unsigned long)entries[i]};
	table[i++] = (struct trap_info){128, 3, FLAT_KERNEL_CS,
					(unsigned long)trap_128};
	table[i] = (struct trap_info){0, 0, 0, 0};
	CHECK_EQ(hypercall(__HYPERVISOR_set_trap_table, (uint64_t)table, 0, 0,
			   0, 0),
		 0);
	shared_info_vcpu0()->evtchn_upcall_mask = 1; /* no callback */
	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&syscall_cb, 0, 0, 0),
		 0);
	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&failsafe_cb, 0, 0, 0),
		 0);
	CHECK_EQ(hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			   (uint64_t)kstack + sizeof(kstack), 0, 0, 0),
		 0);
	nr_pages = start_info->nr_pages;
	pfn_scratch_first = nr_pages / 2;
	CHECK((uint64_t)(_end - _start) < (pfn_scratch_first << 12));
	find_scratch();
	rng_state = seed * 0x9e3779b97f4a7c15UL + 1;
	/* intscan=1: what each int $N does here (a host's quirks show) */
	if (cmdline_num("intscan", 0)) {
		for (int_vec = 0; int_vec < 256; int_vec++) {
			int t = try_run(i_int);

			printf("int %lu: %s %lu\n", int_vec,
			       t ? "trapped, vector" : "returned",
			       t ? last_vec : 0);
		}
	}
	/* user mode is user mode: a syscall there is the kernel's */
	r1 = __HYPERVISOR_xen_version;
	user_insn = i_syscall;
	CHECK_EQ(try_run(user_action), 0);
	CHECK_EQ(user_syscalls, 1);
	user_insn = i_ud2;
	CHECK_EQ(try_run(user_action), 1);
	CHECK_EQ(user_traps, 1);
	/* and a refused iret comes back through the failsafe callback */
	CHECK_EQ(try_run(i_bad_iret), 1);
	CHECK_EQ(failsafes + traps[14], 1);
	printf("FUZZ: seed %lu, %lu actions, scratch pages at %lx (L1 frame "
	       "%lx)\n",
	       seed, calls, scratch_va, l1_mfn);
	/*
	 * Text and rodata go read-only, as Linux maps its own: a hypercall
	 * handed a pointer into them (random words can compose one) must get
	 * EFAULT, and any change the checksum sees is emu writing past the
	 * guest's page tables.
	 */
	text_len &= ~7UL;
	for (uint64_t va = (uint64_t)_start; va < (uint64_t)_ro_end; va += 4096)
		CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, va,
				   ((va - (uint64_t)_start) & ~0xfffUL) | 0x25,
				   UVMF_INVLPG, 0, 0),
			 0);
	text_sum = checksum(_start, text_len);

	for (actions_done = 0; actions_done < calls; actions_done++) {
		fill_scratch();
		tracing = actions_done >= trace;
		r1 = num(), r2 = num(), r3 = num();
		if (below(3)) {
			while (!make_call(&cur, 0))
				;
			if (actions_done >= trace)
				printf("A%lu: hypercall %u(%lx, %lx, %lx, %lx, "
				       "%lx)\n",
				       actions_done, cur.nr, cur.a[0], cur.a[1],
				       cur.a[2], cur.a[3], cur.a[4]);
			if (actions_done >= trace &&
			    cur.nr == __HYPERVISOR_multicall &&
			    cur.a[0] == (uint64_t)mc)
				for (unsigned j = 0; j < cur.a[1] && j < MC_MAX;
				     j++)
					printf("  mc[%u]: %lu(%lx, %lx, %lx, %lx, "
					       "%lx)\n",
					       j, mc[j].op, mc[j].args[0],
					       mc[j].args[1], mc[j].args[2],
					       mc[j].args[3], mc[j].args[4]);
			try_run(do_call);
		} else {
			/* a third of them in user mode, where a syscall too */
			bool user = !below(3);
			unsigned k = below(NR_INSNS + user);

			/*
			 * not $0x1a: on kvm_pvm it is taken as a syscall (a
			 * hypercall with whatever is in rax; rcx and r11
			 * clobbered) without emu seeing an int at all
			 */
			do
				int_vec = below(256);
			while (int_vec == 0x1a);

			if (actions_done >= trace)
				printf("A%lu: insn %u%s (%lx, %lx, %lx; int "
				       "%lu)\n",
				       actions_done, k, user ? " user" : "", r1,
				       r2, r3, int_vec);
			user_insn = k < NR_INSNS ? insns[k] : i_syscall;
			if (try_run(user ? user_action : insns[k]) && tracing) {
				uint64_t r12, r15;

				asm volatile("mov %%r12, %0; mov %%r15, %1"
					     : "=r"(r12), "=r"(r15));
				printf("  trapped; r12 %lx r15 %lx jb.r12 %lx "
				       "rip %lx\n",
				       r12, r15, jb.r12, last_rip);
			}
		}
		/* what an action may leave behind that blinds the next */
		hypercall(__HYPERVISOR_set_debugreg, 7, 0, 0, 0, 0);
		hypercall(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
		/* the generator's state is the first thing a stray write kills
		 */
		if (!rng_state) {
			printf("FUZZ-FAIL: the guest's own state was overwritten "
			       "by action %lu (seed %lu)\n",
			       actions_done, seed);
			shutdown(SHUTDOWN_crash);
		}
		/* tracing: are the page tables and trap table still ours? */
		if (actions_done >= trace) {
			extern char _start[];
			uint64_t *l1 =
				(uint64_t *)((uint64_t)_start + (l1_mfn << 12));
			uint64_t me =
				((uint64_t)&hc_ok - (uint64_t)_start) >> 12;
			uint64_t cr3;

			if ((l1[me] >> 12 & 0xffffffffff) != me ||
			    !(l1[me] & 2))
				printf("FUZZ: our page %lx is mapped by %lx\n",
				       me, l1[me]);

			asm volatile("mov %%cr3, %0" : "=r"(cr3));
			if (cr3 >> 12 != my_l4_mfn)
				printf("FUZZ: cr3 is %lx after action %lu\n",
				       cr3, actions_done);
		}
		if (actions_done >= trace && !try_run(i_ud2)) {
			printf("FUZZ-FAIL: ud2 did not trap after action %lu\n",
			       actions_done);
			shutdown(SHUTDOWN_crash);
		}
		if ((actions_done + 1) % 1000 == 0 || actions_done >= trace) {
			if (checksum(_start, text_len) != text_sum) {
				printf("FUZZ-FAIL: the guest's text or rodata "
				       "changed by action %lu\n",
				       actions_done);
				shutdown(SHUTDOWN_crash);
			}
			if ((actions_done + 1) %
				    (calls / 10 ? calls / 10 : 1) ==
			    0)
				printf("FUZZ: %lu actions, %lu hypercalls\n",
				       actions_done + 1, hc_ok + hc_err);
		}
	}
	printf("FUZZ-DONE: seed %lu, %lu actions: %lu hypercalls ok, %lu "
	       "refused; %lu in user mode (%lu trapped, %lu syscalls); %lu "
	       "bad irets (%lu to the failsafe callback); traps",
	       seed, actions_done, hc_ok, hc_err, user_actions, user_traps,
	       user_syscalls, bad_irets, failsafes);
	for (i = 0; i <= NR_VECTORS; i++)
		if (traps[i])
			printf(" %u:%lu", i, traps[i]);
	printf("\n");
}
