// SPDX-License-Identifier: MIT
/*
 * Guest user mode: iret into user mode with a user page table, syscall
 * from user mode bounced to the guest kernel's syscall callback on the
 * kernel stack (stack_switch), iret back with VGCF_in_syscall, int $0x80
 * with a DPL-3 gate, int with a DPL-0 gate -> #GP, a user page fault, and
 * the GS base switch between kernel and user mode.
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
long enter_user(void (*fn)(void), void *stack);

/* enter_user saves the kernel context; the syscall SYS_DONE resumes it. */
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
    "	pushq $0xe033\n"		/* cs: user mode */
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
    "1:	mov kernel_ctx+0(%rip), %rbx\n"
    "	mov kernel_ctx+8(%rip), %rbp\n"
    "	mov kernel_ctx+16(%rip), %r12\n"
    "	mov kernel_ctx+24(%rip), %r13\n"
    "	mov kernel_ctx+32(%rip), %r14\n"
    "	mov kernel_ctx+40(%rip), %r15\n"
    "	mov kernel_ctx+48(%rip), %rsp\n"
    "	xor %eax, %eax\n"
    "	ret\n");

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

	CHECK_EQ(enter_user(user_main, ustack + sizeof(ustack)), 0);
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
}
