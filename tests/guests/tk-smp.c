// SPDX-License-Identifier: MIT
/* xenner-args: -smp 2 */
/*
 * SMP: vCPU 1 brought up with VCPUOP_initialise + up (its own GDT with
 * Linux's selectors, per-vCPU data through the kernel GS base, vcpu_info
 * registered from vCPU 0), IPIs both ways and their round trip, an event
 * moved to vCPU 1 with bind_vcpu, down/up from outside (spinning and
 * blocked) and from itself, TLB flushes that reach vCPU 1 (update_va_
 * mapping UVMF_ALL/MULTI, mmuext FLUSH/INVLPG MULTI/ALL), Xen's errors
 * for bad vCPUs and contexts, and at the end the last vCPU going down
 * powering the domain off.
 *
 * On hosts whose KVM uses shadow paging (kvm_pvm) KVM itself keeps every
 * vCPU's view of a changed PTE coherent, so a missing remote flush is not
 * visible to the guest there; the flush checks bite on EPT/NPT hosts.
 */
#include "smplib.h"

struct pcpu {
	struct pcpu *self; /* %gs:0 */
	unsigned id;
	struct vcpu_info *vi;
	uint64_t mine; /* ports (< 64) this vCPU handles */
	volatile unsigned count[64];
};

enum { CMD_IDLE, CMD_SPIN, CMD_READ, CMD_FLUSH, CMD_DOWN, CMD_DOWN_LAST };

static struct pcpu pcpu[2];
static shared_info_t *sh;
static struct vcpu_guest_context ctx, bad;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static uint64_t ap_gdt[512] __attribute__((aligned(4096)));
static uint8_t vinfo_page[4096] __attribute__((aligned(4096)));
/* the window vCPU 1 reads through, and two frames to show in it */
static uint64_t xwin[512] __attribute__((aligned(4096)));
static uint64_t frame_a[512] __attribute__((aligned(4096)));
static uint64_t frame_b[512] __attribute__((aligned(4096)));

static volatile int cmd;
static volatile uint64_t ap_up, ap_gs, ap_time, spin_count, reads, seen;
static volatile uint64_t resumed, shared_counter, flushes;
static volatile long down_rc = -1;
static volatile unsigned pong_in, pong_out; /* vCPU 1 answers in with out */
static unsigned ipi1; /* an IPI port of vCPU 1: wakes it */

/* { RCX, R11, RIP, CS, RFLAGS, RSP, SS } -> struct trapframe -> iret */
asm(".text\n"
    ".globl smp_evt_entry\n"
    "smp_evt_entry:\n"
    "	popq %rcx\n	popq %r11\n	pushq $0\n	pushq $0x100\n"
    "	pushq %rdi\n	pushq %rsi\n	pushq %rdx\n	pushq %rcx\n"
    "	pushq %rax\n	pushq %r8\n	pushq %r9\n	pushq %r10\n"
    "	pushq %r11\n	pushq %rbx\n	pushq %rbp\n	pushq %r12\n"
    "	pushq %r13\n	pushq %r14\n	pushq %r15\n"
    "	movq %rsp, %rdi\n	call smp_evt\n	jmp trap_return\n"
    ".globl ap_entry\n"
    "ap_entry:\n"
    "	call ap_main\n	ud2\n");
extern char smp_evt_entry[], ap_entry[], trap_6[], trap_13[], trap_14[];

static inline struct pcpu *this_cpu(void)
{
	struct pcpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static uint64_t now(void)
{
	return pvclock_now(this_cpu()->vi);
}

static void send(unsigned port)
{
	struct evtchn_send s = {.port = port};

	evtchn_op(EVTCHNOP_send, &s);
}

/* Tells vCPU 1 what to do next, waking it if it is blocked. */
static void command(int c)
{
	cmd = c;
	asm volatile("" ::: "memory");
	if (ipi1)
		send(ipi1);
}

/* As Linux: each vCPU handles only the ports bound to it. */
void smp_evt(struct trapframe *tf);
void smp_evt(struct trapframe *tf)
{
	struct pcpu *p = this_cpu();
	uint64_t pend;

	(void)tf;
	p->vi->evtchn_upcall_pending = 0;
	if (!(__atomic_exchange_n(&p->vi->evtchn_pending_sel, 0,
				  __ATOMIC_SEQ_CST) &
	      1))
		return;
	pend = sh->evtchn_pending[0] & ~sh->evtchn_mask[0] & p->mine;
	while (pend) {
		unsigned b = __builtin_ctzll(pend);

		pend &= pend - 1;
		__atomic_fetch_and(&sh->evtchn_pending[0], ~(1ULL << b),
				   __ATOMIC_SEQ_CST);
		p->count[b]++;
		if (p->id == 1 && b == pong_in)
			send(pong_out);
	}
}

static void events_on(struct pcpu *p)
{
	p->vi->evtchn_upcall_mask = 0;
	asm volatile("" ::: "memory");
	if (p->vi->evtchn_upcall_pending)
		hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
}

static long mmuext1(unsigned cmdno, uint64_t arg1, const void *mask)
{
	struct mmuext_op op = {.cmd = cmdno};

	op.arg1.linear_addr = arg1;
	set_xen_guest_handle(op.arg2.vcpumask, mask);
	return hypercall(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0,
			 DOMID_SELF, 0);
}

void ap_main(void);
void ap_main(void)
{
	struct pcpu *p = this_cpu();

	ap_gs = p->id;
	ap_time = now();
	printf("vCPU 1: up, per-vCPU data at %lx\n", (uint64_t)p);
	__atomic_add_fetch(&shared_counter, 1, __ATOMIC_SEQ_CST);
	events_on(p);
	ap_up = 1;
	for (;;) {
		switch (cmd) {
		case CMD_SPIN:
			spin_count++;
			break;
		case CMD_READ:
			seen = *(volatile uint64_t *)xwin;
			reads++;
			break;
		case CMD_FLUSH:
			if (mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, NULL) == 0)
				flushes++;
			break;
		case CMD_DOWN:
			cmd = CMD_SPIN;
			down_rc = vcpu_op(VCPUOP_down, 1, NULL);
			resumed++;
			break;
		case CMD_DOWN_LAST:
			vcpu_op(VCPUOP_down, 1, NULL);
			printf("FAIL: vCPU 1 came back after its last down\n");
			break;
		default:
			sched_op(SCHEDOP_block, NULL);
			break;
		}
	}
}

#define WAIT_FOR(cond)                                                         \
	({                                                                     \
		uint64_t _end = now() + 10000 * MS;                            \
		while (!(cond) && now() < _end)                                \
			;                                                      \
		(cond);                                                        \
	})

static uint64_t tsc_now(void)
{
	return rdtsc();
}

static void pause_ms(unsigned ms)
{
	uint64_t end = now() + ms * MS;

	while (now() < end)
		;
}

static unsigned runstate_of(unsigned vcpu)
{
	struct vcpu_runstate_info rs;

	if (vcpu_op(VCPUOP_get_runstate_info, vcpu, &rs))
		return ~0u;
	return rs.state;
}

/* Waits for vCPU 1 to reach state; says what it saw if it does not. */
static bool wait_runstate(unsigned state)
{
	uint64_t t0 = now(), c0 = tsc_now();
	bool ok = WAIT_FOR(runstate_of(1) == state);

	if (!ok)
		printf("  vCPU 1 runstate %u, not %u, after %lu ms (%lu Mcycles);"
		       " cmd %d spins %lu up %ld\n",
		       runstate_of(1), state, (uint64_t)((now() - t0) / MS),
		       (tsc_now() - c0) >> 20, cmd, spin_count,
		       vcpu_op(VCPUOP_is_up, 1, NULL));
	return ok;
}

/* vCPU 1 handles the wake-up, then blocks for good (not on the way). */
static void idle(void)
{
	unsigned n = pcpu[1].count[ipi1];

	command(CMD_IDLE);
	CHECK(WAIT_FOR(pcpu[1].count[ipi1] > n));
	CHECK(wait_runstate(RUNSTATE_blocked));
}

static unsigned bind_ipi(unsigned vcpu)
{
	struct evtchn_bind_ipi b = {.vcpu = vcpu};

	CHECK_EQ(evtchn_op(EVTCHNOP_bind_ipi, &b), 0);
	CHECK(b.port < 64);
	pcpu[vcpu].mine |= 1ULL << b.port;
	return b.port;
}

/* xwin -> frame, with the flush flags given */
static long map_xwin(const void *frame, uint64_t flags)
{
	return hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)xwin,
			 virt_to_mfn(frame) << 12 | 0x67, flags, 0, 0);
}

/* vCPU 1 reads xwin; after a flush it must see what it now maps. */
static void check_sees(uint64_t want, const char *how)
{
	uint64_t r = reads;

	CHECK(WAIT_FOR(reads > r + 2));
	if (seen != want)
		printf("  after %s vCPU 1 sees %lx, expected %lx\n", how, seen,
		       want);
	CHECK_EQ(seen, want);
}

static void test_bad_contexts(void)
{
	uint64_t nr = start_info->nr_pages;

	CHECK_EQ(vcpu_op(VCPUOP_initialise, 5, &ctx), -2);
	CHECK_EQ(vcpu_op(VCPUOP_up, 5, NULL), -2);
	CHECK_EQ(vcpu_op(VCPUOP_down, 5, NULL), -2);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 5, NULL), -2);
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 0, &ctx), -17); /* vCPU 0 */
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), -22); /* not initialised */
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, (void *)0x10), -14);
	CHECK_EQ(vcpu_op(VCPUOP_get_physid, 0, &bad), -22);

#define BAD(field, val, err)                                                   \
	do {                                                                   \
		bad = ctx;                                                     \
		bad.field = (val);                                             \
		CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &bad), (err));          \
	} while (0)
	BAD(user_regs.rip, 0x0000800000000000ULL, -22); /* not canonical */
	BAD(user_regs.rsp, 0x8000000000000000ULL, -22);
	BAD(kernel_sp, 0x0001000000000000ULL, -22);
	BAD(gs_base_kernel, 0x00f0000000000000ULL, -22);
	BAD(event_callback_eip, 0xffff800000001000ULL, -22); /* Xen's */
	BAD(trap_ctxt[14].address, 0xffff820000000000ULL, -22);
	BAD(ctrlreg[3], xen_pfn_to_cr3(nr + 100), -22); /* beyond RAM */
	BAD(gdt_ents, 14 * 512 + 1, -22);
	BAD(gdt_frames[0], nr + 100, -22);
	BAD(user_regs.cs, 0x40, -22);  /* an empty GDT entry */
	BAD(user_regs.cs, 0x18, -22);  /* data, not code */
	BAD(user_regs.cs, 0x200, -22); /* beyond gdt_ents */
	BAD(user_regs.ss, 0x10, -22);  /* code, not data */
	BAD(user_regs.ss, 0, -22);     /* ring 3 needs a stack segment */
	BAD(user_regs.ds, 0x14, -22);  /* LDT */
	BAD(flags, 0, -22);	       /* user mode, no user page tables */
	BAD(ldt_base, 0x123, -22);     /* unaligned */
	BAD(ldt_ents, 8193, -22);
	BAD(ldt_ents, 1, -95); /* emu has no LDT */
#undef BAD
	/* none of those initialised it */
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), -22);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

static void build_context(void)
{
	uint64_t mfn = virt_to_mfn(ap_gdt);

	/* Linux's layout: 64-bit kernel code at 0x10, data at 0x18 */
	ap_gdt[2] = 0x00af9b000000ffffULL;
	ap_gdt[3] = 0x00cf93000000ffffULL;
	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)ap_gdt,
			   mfn << 12 | 0x25, UVMF_INVLPG, 0, 0),
		 0);
	context_init(&ctx, ap_entry, ap_stack + sizeof(ap_stack));
	ctx.user_regs.cs = 0x10;
	ctx.user_regs.ss = 0x18;
	ctx.user_regs.ds = ctx.user_regs.es = 0x18;
	ctx.gdt_frames[0] = mfn;
	ctx.gdt_ents = 16;
	ctx.trap_ctxt[6] =
		(struct trap_info){6, 0, FLAT_KERNEL_CS, (uint64_t)trap_6};
	ctx.trap_ctxt[13] =
		(struct trap_info){13, 0, FLAT_KERNEL_CS, (uint64_t)trap_13};
	ctx.trap_ctxt[14] =
		(struct trap_info){14, 0, FLAT_KERNEL_CS, (uint64_t)trap_14};
	ctx.event_callback_eip = (uint64_t)smp_evt_entry;
	ctx.failsafe_callback_eip = (uint64_t)trap_13;
	ctx.gs_base_kernel = (uint64_t)&pcpu[1];
}

static void bring_up(void)
{
	struct vcpu_register_vcpu_info info = {.mfn = virt_to_mfn(vinfo_page),
					       .offset = 64};

	/* as Linux: vCPU 0 places vCPU 1's vcpu_info while it is down */
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), 0);
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -22);
	pcpu[1].vi = (struct vcpu_info *)(vinfo_page + 64);
	CHECK_EQ(runstate_of(1), RUNSTATE_offline);

	CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), 0);
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -17);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 0);
	/* Xen forced the GDT's DPL to 3 */
	CHECK_EQ(ap_gdt[2] >> 45 & 3, 3);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 1);
	CHECK(WAIT_FOR(ap_up));
	CHECK_EQ(shared_counter, 1);
	CHECK_EQ(ap_gs, 1);
	/* its clock runs in its (moved) vcpu_info and agrees with ours
	 * (each vCPU has its own pvclock parameters: allow a little skew) */
	CHECK(ap_time > 0 && ap_time <= now() + 10 * MS);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0); /* already up: fine */
	CHECK(wait_runstate(RUNSTATE_blocked));
}

static void test_ipis(void)
{
	ipi1 = bind_ipi(1);
	unsigned ipi0 = bind_ipi(0), n = 50;
	uint64_t t, sum = 0, min = ~0ULL;

	/* vCPU 0 -> 1, and 1 -> 0: vCPU 1's handler answers each */
	pong_in = ipi1;
	pong_out = ipi0;
	send(ipi1);
	CHECK(WAIT_FOR(pcpu[1].count[ipi1] == 1));
	CHECK(WAIT_FOR(pcpu[0].count[ipi0] == 1));
	CHECK_EQ(pcpu[0].count[ipi1], 0);
	CHECK_EQ(pcpu[1].count[ipi0], 0);
	/* round trips with vCPU 1 blocked */
	for (unsigned i = 2; i <= n + 1; i++) {
		CHECK(wait_runstate(RUNSTATE_blocked));
		t = now();
		send(ipi1);
		if (!WAIT_FOR(pcpu[0].count[ipi0] == i))
			break;
		t = now() - t;
		sum += t;
		min = t < min ? t : min;
	}
	CHECK_EQ(pcpu[0].count[ipi0], n + 1);
	CHECK_EQ(pcpu[1].count[ipi1], n + 1);
	printf("  IPI round trip, vCPU 1 halted: %lu us average, %lu us "
	       "min\n",
	       sum / n / 1000, min / 1000);
	/* and with vCPU 1 running guest code (the command sends one) */
	command(CMD_SPIN);
	CHECK(WAIT_FOR(pcpu[0].count[ipi0] == n + 2));
	sum = 0;
	min = ~0ULL;
	for (unsigned i = n + 3; i <= 2 * n + 2; i++) {
		t = now();
		send(ipi1);
		if (!WAIT_FOR(pcpu[0].count[ipi0] == i))
			break;
		t = now() - t;
		sum += t;
		min = t < min ? t : min;
	}
	CHECK_EQ(pcpu[0].count[ipi0], 2 * n + 2);
	printf("  IPI round trip, vCPU 1 running: %lu us average, %lu us "
	       "min\n",
	       sum / n / 1000, min / 1000);
	pong_in = 0;
	idle();
}

static void test_bind_vcpu(void)
{
	struct evtchn_alloc_unbound au = {.dom = DOMID_SELF,
					  .remote_dom = DOMID_SELF};
	struct evtchn_bind_interdomain bi = {.remote_dom = DOMID_SELF};
	struct evtchn_bind_vcpu bv;
	unsigned a, b;

	CHECK_EQ(evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	a = au.port;
	bi.remote_port = a;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_interdomain, &bi), 0);
	b = bi.local_port;
	CHECK(a < 64 && b < 64);
	pcpu[0].mine |= 1ULL << b | 1ULL << a;
	/* a goes to vCPU 1 */
	bv.port = a;
	bv.vcpu = 1;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bv), 0);
	pcpu[0].mine &= ~(1ULL << a);
	pcpu[1].mine |= 1ULL << a;
	send(b);
	CHECK(WAIT_FOR(pcpu[1].count[a] == 1));
	CHECK_EQ(pcpu[0].count[a], 0);
	bv.vcpu = 2;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_vcpu, &bv), -2);
}

static void test_flushes(void)
{
	uint64_t mask1 = 1ULL << 1;

	frame_a[0] = 0xaaaa;
	frame_b[0] = 0xbbbb;
	CHECK_EQ(map_xwin(frame_a, UVMF_INVLPG), 0);
	command(CMD_READ);
	check_sees(0xaaaa, "the first mapping");

	CHECK_EQ(map_xwin(frame_b, UVMF_INVLPG | UVMF_ALL), 0);
	check_sees(0xbbbb, "UVMF_INVLPG|UVMF_ALL");
	CHECK_EQ(map_xwin(frame_a,
			  UVMF_TLB_FLUSH | UVMF_MULTI | (uint64_t)&mask1),
		 0);
	check_sees(0xaaaa, "UVMF_TLB_FLUSH|UVMF_MULTI");
	CHECK_EQ(map_xwin(frame_b, UVMF_NONE), 0);
	CHECK_EQ(mmuext1(MMUEXT_TLB_FLUSH_MULTI, 0, &mask1), 0);
	check_sees(0xbbbb, "MMUEXT_TLB_FLUSH_MULTI");
	CHECK_EQ(map_xwin(frame_a, UVMF_NONE), 0);
	CHECK_EQ(mmuext1(MMUEXT_INVLPG_MULTI, (uint64_t)xwin, &mask1), 0);
	check_sees(0xaaaa, "MMUEXT_INVLPG_MULTI");
	CHECK_EQ(map_xwin(frame_b, UVMF_NONE), 0);
	CHECK_EQ(mmuext1(MMUEXT_INVLPG_ALL, (uint64_t)xwin, NULL), 0);
	check_sees(0xbbbb, "MMUEXT_INVLPG_ALL");
	CHECK_EQ(map_xwin(frame_a, UVMF_NONE), 0);
	CHECK_EQ(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, NULL), 0);
	check_sees(0xaaaa, "MMUEXT_TLB_FLUSH_ALL");
	/* both flushing each other at once: neither waits for ever */
	{
		uint64_t t, n = 100;

		command(CMD_FLUSH);
		CHECK(WAIT_FOR(flushes > 0));
		t = now();
		for (unsigned i = 0; i < n; i++)
			CHECK_EQ(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, NULL), 0);
		t = now() - t;
		CHECK(WAIT_FOR(flushes > n));
		printf("  TLB flush of both, vCPU 1 flushing too: %lu us\n",
		       t / n / 1000);
		idle();
		t = now();
		CHECK_EQ(map_xwin(frame_a, UVMF_INVLPG | UVMF_ALL), 0);
		printf("  TLB flush of both, vCPU 1 halted: %lu us\n",
		       (now() - t) / 1000);
		command(CMD_READ);
		check_sees(0xaaaa, "UVMF_ALL to a halted vCPU");
	}
	/* bad vcpumask pointers */
	CHECK_EQ(mmuext1(MMUEXT_TLB_FLUSH_MULTI, 0, (void *)0x10), -14);
	CHECK_EQ(map_xwin(frame_a, UVMF_TLB_FLUSH | UVMF_MULTI | 0x1000), -14);
	command(CMD_IDLE);
}

static void test_down_up(void)
{
	unsigned n;
	uint64_t c;

	/* from outside, while vCPU 1 runs guest code */
	command(CMD_SPIN);
	c = spin_count;
	CHECK(WAIT_FOR(spin_count > c));
	CHECK_EQ(vcpu_op(VCPUOP_down, 1, NULL), 0);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 0);
	CHECK_EQ(vcpu_op(VCPUOP_down, 1, NULL), 0); /* already down */
	CHECK(wait_runstate(RUNSTATE_offline));
	c = spin_count;
	pause_ms(30);
	CHECK_EQ(spin_count, c); /* it runs no guest code */
	/* a flush does not wait for a vCPU that is down */
	CHECK_EQ(map_xwin(frame_b, UVMF_INVLPG | UVMF_ALL), 0);
	/* an event for it waits until it is up */
	n = pcpu[1].count[ipi1];
	send(ipi1);
	pause_ms(30);
	CHECK_EQ(pcpu[1].count[ipi1], n);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
	CHECK(WAIT_FOR(spin_count > c));
	CHECK(WAIT_FOR(pcpu[1].count[ipi1] == n + 1));

	/* from itself: the hypercall returns 0 once it is up again */
	command(CMD_DOWN);
	CHECK(WAIT_FOR(vcpu_op(VCPUOP_is_up, 1, NULL) == 0));
	CHECK(wait_runstate(RUNSTATE_offline));
	CHECK_EQ(resumed, 0);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
	CHECK(WAIT_FOR(resumed == 1));
	CHECK_EQ(down_rc, 0);

	/* from outside, while it is blocked */
	idle();
	CHECK_EQ(vcpu_op(VCPUOP_down, 1, NULL), 0);
	/* as on Xen, it stays blocked until an event wakes it; then it
	 * must go offline, not run the handler */
	CHECK_EQ(runstate_of(1), RUNSTATE_blocked);
	n = pcpu[1].count[ipi1];
	send(ipi1);
	CHECK(wait_runstate(RUNSTATE_offline));
	CHECK_EQ(pcpu[1].count[ipi1], n);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
	CHECK(WAIT_FOR(pcpu[1].count[ipi1] == n + 1));
}

void test_main(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event,
		.address = (uint64_t)smp_evt_entry,
	};

	sh = shared_info_page();
	for (unsigned i = 0; i < 2; i++) {
		pcpu[i].self = &pcpu[i];
		pcpu[i].id = i;
	}
	pcpu[0].vi = &sh->vcpu_info[0];
	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL,
			   (uint64_t)&pcpu[0], 0, 0, 0),
		 0);
	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&cb, 0, 0, 0),
		 0);
	events_on(&pcpu[0]);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 0, NULL), 1);

	build_context();
	test_bad_contexts();
	bring_up();
	test_ipis();
	test_bind_vcpu();
	test_flushes();
	test_down_up();

	if (!report())
		shutdown(SHUTDOWN_crash);
	/* the last vCPU going down powers the domain off (exit 0) */
	command(CMD_DOWN_LAST);
	if (!WAIT_FOR(vcpu_op(VCPUOP_is_up, 1, NULL) == 0))
		printf("FAIL: vCPU 1 did not go down\n");
	vcpu_op(VCPUOP_down, 0, NULL);
	printf("FAIL: the last vCPU went down and the domain lives on\n");
	shutdown(SHUTDOWN_crash);
}
