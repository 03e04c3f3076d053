// SPDX-License-Identifier: MIT
/*
 * Guest user mode: iret into user mode with a user page table, syscall
 * from user mode bounced to the guest kernel's syscall callback on the
 * kernel stack (stack_switch), iret back with VGCF_in_syscall, int $0x80
 * with a DPL-3 gate, int with a DPL-0 gate -> #GP, a user page fault, and
 * the GS base switch between kernel and user mode.  Then irets to user
 * contexts the CPU refuses (a non-canonical RIP or RSP, a CS that is no
 * code selector) reach the failsafe callback with that context and the
 * data selectors in its frame, as on Xen: Linux makes them #GP for the
 * task, where emu used to end the domain.
 */
#include <xen/callback.h>

#include "lib.h"

#define SYS_DONE 99

static char kstack[16384] __attribute__((aligned(16)));
static struct trapframe last;
static unsigned trap_hits;
uint64_t sys_count, sys_last;
static uint64_t user_gs_seen, kernel_gs_seen;
static uint64_t user_gs_area = 0x7577, kernel_gs_area = 0x6b67;
static char ustack[8192] __attribute__((aligned(16)));
uint64_t kernel_ctx[8];

extern char trap_6[], trap_13[], trap_14[], trap_128[], trap_129[];
void user_syscall_entry(void);
long enter_user(void (*fn)(void), void *stack, uint64_t cs);
void failsafe_entry(void);
/* { RCX, R11, DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS } */
uint64_t fs_frame[11], fs_hits;

/*
 * enter_user saves the kernel context; the syscall SYS_DONE resumes it
 * (0), or the failsafe callback, which keeps its frame (1).
 */
asm(".text\n"
    ".globl enter_user\n"
    "enter_user:\n"
    "	mov %rbx, kernel_ctx+0(%rip)\n"
    "	mov %rbp, kernel_ctx+8(%rip)\n"
    "	mov %r12, kernel_ctx+16(%rip)\n"
    "	mov %r13, kernel_ctx+24(%rip)\n"
    "	mov %r14, kernel_ctx+32(%rip)\n"
    "	mov %r15, kernel_ctx+40(%rip)\n"
    "	mov %rsp, kernel_ctx+48(%rip)\n"
    "	pushq $0xe02b\n"		/* ss */
    "	pushq %rsi\n"			/* rsp */
    "	pushq $0x202\n"			/* rflags */
    "	pushq %rdx\n"			/* cs: RPL 3, user mode */
    "	pushq %rdi\n"			/* rip */
    "	pushq $0\n"			/* flags */
    "	pushq $0\n"			/* rcx */
    "	pushq $0\n"			/* r11 */
    "	pushq $0\n"			/* rax */
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    ".globl user_syscall_entry\n"
    "user_syscall_entry:\n"		/* { rcx, r11, rip, cs, rflags, rsp, ss } */
    "	cmp $99, %rax\n"
    "	je 1f\n"
    "	incq sys_count(%rip)\n"
    "	mov %rax, sys_last(%rip)\n"
    "	popq %rcx\n"
    "	popq %r11\n"
    "	pushq $0x100\n"			/* VGCF_in_syscall */
    "	pushq %rcx\n"
    "	pushq %r11\n"
    "	pushq %rax\n"
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "1:	xor %eax, %eax\n"
    "resume_kernel:\n"
    "	mov kernel_ctx+0(%rip), %rbx\n"
    "	mov kernel_ctx+8(%rip), %rbp\n"
    "	mov kernel_ctx+16(%rip), %r12\n"
    "	mov kernel_ctx+24(%rip), %r13\n"
    "	mov kernel_ctx+32(%rip), %r14\n"
    "	mov kernel_ctx+40(%rip), %r15\n"
    "	mov kernel_ctx+48(%rip), %rsp\n"
    "	ret\n"
    ".globl failsafe_entry\n"
    "failsafe_entry:\n"
    "	lea fs_frame(%rip), %rdi\n"
    "	mov %rsp, %rsi\n"
    "	mov $11, %ecx\n"
    "	cld\n"
    "	rep movsq\n"
    "	incq fs_hits(%rip)\n"
    "	mov $1, %eax\n"
    "	jmp resume_kernel\n");

void trap_handler(struct trapframe *tf)
{
	last = *tf;
	trap_hits++;
	if (tf->vector == 14 || tf->vector == 13)
		tf->rip += tf->vector == 14 ? 3 : 2;
	if ((uint64_t)tf < (uint64_t)kstack ||
	    (uint64_t)tf >= (uint64_t)kstack + sizeof(kstack))
		printf("FAIL: trap frame %lx not on the kernel stack\n",
		       (uint64_t)tf);
}

static struct trapframe t80, t81, tpf;

static void user_main(void)
{
	long r;

	asm volatile("syscall" : "=a"(r) : "a"(7) : "rcx", "r11", "memory");
	asm volatile("int $0x80" : : : "memory");
	t80 = last;
	asm volatile("int $0x81" : : : "memory");
	t81 = last;
	asm volatile("mov $0x200000000, %%rax\n mov (%%rax), %%rdx"
		     : : : "rax", "rdx", "memory");
	tpf = last;
	asm volatile("mov %%gs:0, %0" : "=r"(user_gs_seen));
	asm volatile("syscall" : : "a"(SYS_DONE) : "rcx", "r11", "memory");
	for (;;)
		;
}

/* an iret to user mode the CPU would refuse: the failsafe frame's view */
static void bad_iret(const char *what, void (*rip)(void), void *rsp,
		     uint64_t cs)
{
	uint16_t ds;
	uint64_t hits = fs_hits;

	asm volatile("mov %%ds, %0" : "=r"(ds));
	memset(fs_frame, 0, sizeof(fs_frame));
	printf("iret to %s\n", what);
	CHECK_EQ(enter_user(rip, rsp, cs), 1);
	CHECK_EQ(fs_hits, hits + 1);
	/* unchanged: Linux calls it a bad IRET, not a bad data selector */
	CHECK_EQ(fs_frame[2] & 0xffff, ds);
	CHECK_EQ(fs_frame[6], (uint64_t)rip);
	CHECK_EQ(fs_frame[7] & 0xffff, cs);
	CHECK_EQ(fs_frame[9], (uint64_t)rsp);
	CHECK_EQ(fs_frame[10] & 0xffff, FLAT_USER_SS);
}

static void failsafe_tests(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_failsafe,
		.address = (unsigned long)failsafe_entry,
	};
	void *stack = ustack + sizeof(ustack);

	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&cb, 0, 0, 0), 0);
	bad_iret("a non-canonical rip", (void (*)(void))0x800000000000ULL,
		 stack, FLAT_USER_CS);
	bad_iret("Xen's own range", (void (*)(void))0xffff800000001000ULL,
		 stack, FLAT_USER_CS);
	bad_iret("a non-canonical rsp", user_main, (void *)0x800000000000ULL,
		 FLAT_USER_CS);
	bad_iret("an empty GDT slot as cs", user_main, stack, 0x1233);
	bad_iret("a data selector as cs", user_main, stack, FLAT_USER_DS);
	bad_iret("an LDT selector as cs", user_main, stack, 0x0f);
	/* and user mode still works */
	CHECK_EQ(enter_user(user_main, stack, FLAT_USER_CS), 0);
	CHECK_EQ(sys_count, 2);
}

void test_main(void)
{
	struct trap_info table[] = {
		{ 6, 0, FLAT_KERNEL_CS, (unsigned long)trap_6 },
		{ 13, 0, FLAT_KERNEL_CS, (unsigned long)trap_13 },
		{ 14, 0, FLAT_KERNEL_CS, (unsigned long)trap_14 },
		{ 128, 3, FLAT_KERNEL_CS, (unsigned long)trap_128 },
		{ 129, 0, FLAT_KERNEL_CS, (unsigned long)trap_129 },
		{ 0, 0, 0, 0 },
	};
	struct callback_register cb = {
		.type = CALLBACKTYPE_syscall,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)user_syscall_entry,
	};
	struct mmuext_op op = {
		.cmd = MMUEXT_NEW_USER_BASEPTR,
		.arg1.mfn = (start_info->pt_base - 0xffffffff80000000UL) >> 12,
	};

	CHECK_EQ(hypercall(__HYPERVISOR_set_trap_table, (uint64_t)table, 0, 0,
			   0, 0), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register,
			   (uint64_t)&cb, 0, 0, 0), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			   (uint64_t)kstack + sizeof(kstack), 0, 0, 0), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER,
			   (uint64_t)&user_gs_area, 0, 0, 0), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL,
			   (uint64_t)&kernel_gs_area, 0, 0, 0), 0);
	CHECK_EQ(hypercall(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0,
			   DOMID_SELF, 0), 0);

	CHECK_EQ(enter_user(user_main, ustack + sizeof(ustack), FLAT_USER_CS),
		 0);
	printf("back in kernel mode\n");

	CHECK_EQ(sys_count, 1);
	CHECK_EQ(sys_last, 7);
	CHECK_EQ(t80.vector, 128);
	CHECK_EQ(t80.cs & 0xffff, FLAT_USER_CS);
	CHECK_EQ(t81.vector, 13);
	CHECK_EQ(t81.error, (0x81 << 3) | 2);
	CHECK_EQ(tpf.vector, 14);
	CHECK_EQ(tpf.cs & 3, 3);
	CHECK_EQ(shared_info_vcpu0()->arch.cr2, 0x200000000ULL);
	CHECK_EQ(user_gs_seen, 0x7577);
	asm volatile("mov %%gs:0, %0" : "=r"(kernel_gs_seen));
	CHECK_EQ(kernel_gs_seen, 0x6b67);
	failsafe_tests();
}
