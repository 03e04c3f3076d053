/* SPDX-License-Identifier: MIT */
/*
 * Exception entry for the test kernels.  Xen delivers
 *   { RCX, R11, [ERRCODE,] RIP, CS, RFLAGS, RSP, SS }
 * on the kernel stack; we restore rcx/r11, save everything, call
 * trap_handler(struct trapframe *), and go back with the iret hypercall.
 */
.macro TRAP v, err
	.globl trap_\v
trap_\v:
	popq %rcx
	popq %r11
	.if \err == 0
	pushq $0
	.endif
	pushq $\v
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call trap_handler
	jmp trap_return
.endm

	.text
	TRAP 0, 0
	TRAP 1, 0
	TRAP 3, 0
	TRAP 4, 0
	TRAP 5, 0
	TRAP 6, 0
	TRAP 7, 0
	TRAP 10, 1
	TRAP 11, 1
	TRAP 12, 1
	TRAP 13, 1
	TRAP 14, 1
	TRAP 16, 0
	TRAP 17, 1
	TRAP 19, 0
	TRAP 128, 0
	TRAP 129, 0
	TRAP 255, 0

/*
 * Xen's failsafe callback frame { RCX, R11, DS, ES, FS, GS, RIP, CS,
 * RFLAGS, RSP, SS }: without the data selectors it is a trap frame, which
 * trap_handler sees as vector 255.
 */
	.globl failsafe_trap
failsafe_trap:
	popq %rcx
	popq %r11
	addq $32, %rsp
	pushq %r11
	pushq %rcx
	jmp trap_255

	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	addq $16, %rsp		/* vector, error code */
	/* struct iret_context: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss */
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl $23, %eax		/* __HYPERVISOR_iret */
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits
