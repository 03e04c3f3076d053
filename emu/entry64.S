/* SPDX-License-Identifier: MIT */
/*
 * Every way into emu: the boot entry, the syscall stubs (one per vCPU, since
 * LSTAR is per vCPU and nothing else tells a syscall which vCPU it is on),
 * the exception and interrupt stubs, and the one way out (ret_to_guest).
 * Each saves a struct regs (regs.h) and calls C with (regs, cpu).
 *
 * The vCPU's struct emu_cpu pointer sits in the top 8 bytes of each of its
 * stacks (main and IST), so the common code finds it from %rsp.
 */
#include "xenner/emu-abi.h"
#include "regs.h"

.macro SAVE_REGS
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
.endm

/* rdi = regs, rsi = cpu (from the top of the current stack) */
.macro CALL_C fn
	movq %rsp, %rdi
	movq %rsp, %rsi
	orq $(EMU_STACK_SIZE - 1), %rsi
	movq -7(%rsi), %rsi
	cld
	call \fn
.endm

/* Read by xenner to build the IDT and the per-vCPU LSTAR values. */
	.section .emu_header, "a"
	.globl emu_header
emu_header:
	.quad EMU_BOOT_MAGIC
	.quad emu_entry
	.quad trap_stubs	/* 256 stubs, 16 bytes apart */
	.quad syscall_stubs	/* EMU_MAX_VCPUS stubs, 64 bytes apart */
	.quad emu_image_end

	.section .text.entry, "ax"
	.code64
	.globl emu_entry
/* From xenner: rsp = main stack top - 16, rdi = vCPU id. */
emu_entry:
	subq $REGS_SIZE, %rsp
	CALL_C emu_boot_vcpu
	jmp ret_to_guest

	.text
	.globl ret_to_guest
ret_to_guest:
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
	addq $16, %rsp
	iretq

/*
 * Syscall from ring 3: guest kernel (a hypercall) or guest user.  On VMX/SVM
 * these run in ring 0.  Some KVM hosts (kvm_pvm) run the LSTAR code in ring 3
 * instead: there the first instruction, cli, raises #GP and emu_trap turns
 * that into the same syscall entry.  So the stubs live in their own page,
 * which xenner maps user-executable (and read-only).
 */
.macro SYSCALL_STUB n
	.balign 64
syscall_stub_\n:
	cli
	movq %rsp, emu_vcpu_area + \n * EMU_VCPU_AREA + CPU_SYSCALL_RSP(%rip)
	movq emu_vcpu_area + \n * EMU_VCPU_AREA + CPU_STACK_TOP(%rip), %rsp
	pushq $FLAT_RING3_DS_SEL
	pushq emu_vcpu_area + \n * EMU_VCPU_AREA + CPU_SYSCALL_RSP(%rip)
	pushq %r11
	pushq $FLAT_RING3_CS64_SEL
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	jmp syscall_common
.endm

	.section .text.user, "ax"
	.balign 4096
	.globl syscall_stubs
syscall_stubs:
.altmacro
.set n, 0
.rept EMU_MAX_VCPUS
	SYSCALL_STUB %n
	.set n, n + 1
.endr
.noaltmacro

/*
 * vCPU 0's boot probe (m2p.c), run in ring 3: can guest code read Xen's
 * M2P slot here?  #PF on the load says no, #UD on the ud2 says yes.
 */
	.globl m2p_probe_read
m2p_probe_read:
	movq (%rdi), %rax	/* 3 bytes: M2P_PROBE_LOAD_LEN */
	ud2
	.text

/*
 * A hypercall from the guest kernel with a handler goes straight to it
 * from here (its arguments are still in their registers); everything else
 * (guest user syscalls, unknown numbers, a failure to log, an event to
 * deliver or a vCPU taken down) goes through C: emu_syscall and
 * return_to_guest_slow.  Every entry pays for each instruction here.
 */
syscall_common:
	SAVE_REGS
	movq %rsp, %rbx			/* regs */
	movq %rsp, %rbp
	orq $(EMU_STACK_SIZE - 1), %rbp
	movq -7(%rbp), %rbp		/* cpu */
	cld
	cmpb $0, CPU_KERNEL_MODE(%rbp)
	je 2f
	cmpq $EMU_NR_HYPERCALLS, %rax
	jae 2f
	movq %rax, %r12			/* nr */
	shlq $4, %rax
	leaq hypercalls(%rip), %r11
	movq 8(%r11, %rax), %r11
	testq %r11, %r11
	jz 2f
	movq CPU_PAGE(%rbp), %rax
	incq VCPU_PAGE_HYPERCALLS(%rax, %r12, 8)
	movq %rbx, CPU_REGS(%rbp)
	movq %r8, %r9			/* (cpu, a1, a2, a3, a4, a5) */
	movq %r10, %r8
	movq %rdx, %rcx
	movq %rsi, %rdx
	movq %rdi, %rsi
	movq %rbp, %rdi
	call *%r11
	movq %rax, R_RAX(%rbx)
	testq %rax, %rax
	js 3f
1:	cmpl $0, CPU_UP(%rbp)
	je 4f
	movq CPU_VCPU_INFO(%rbp), %rax
	cmpb $0, 1(%rax)		/* evtchn_upcall_mask */
	jne ret_to_guest
	cmpb $0, (%rax)			/* evtchn_upcall_pending */
	jne 4f
	jmp ret_to_guest
2:	movq %rbx, %rdi
	movq %rbp, %rsi
	call emu_syscall
	jmp ret_to_guest
3:	movq %rbp, %rdi			/* (cpu, regs, nr) */
	movq %rbx, %rsi
	movq %r12, %rdx
	call hypercall_failed
	jmp 1b
4:	movq %rbp, %rdi
	movq %rbx, %rsi
	call return_to_guest_slow
	jmp ret_to_guest

/* Exceptions: vectors with a CPU error code do not push a dummy one. */
.macro TRAP_STUB v
	.balign 16
trap_stub_\v:
	.if \v == 13
	jmp gp_entry
	.exitm
	.endif
	.if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
.endm

	.balign 16
	.globl trap_stubs
trap_stubs:
.altmacro
.set v, 0
.rept 256
	TRAP_STUB %v
	.set v, v + 1
.endr
.noaltmacro

trap_common:
	SAVE_REGS
	CALL_C emu_trap
	jmp ret_to_guest

/*
 * #GP.  On kvm_pvm every syscall arrives here (see the syscall stubs), so
 * it is recognised before anything else, in as few instructions as
 * possible: each one costs about 1 us where ring 0 is emulated.  The frame
 * becomes the one a syscall stub builds: rip from rcx, rflags from r11
 * (cleaned: a guest that jumps to a stub chooses r11), ring-3 selectors.
 */
#define RFLAGS_USER_CLEAR 0x1b7000 /* IOPL, NT, RF, VM, VIF, VIP */
gp_entry:
	pushq %rax
	leaq syscall_stubs(%rip), %rax
	negq %rax
	addq 16(%rsp), %rax		/* rip - syscall_stubs */
	cmpq $(EMU_MAX_VCPUS * EMU_SYSCALL_STUB_SIZE), %rax
	jae 1f
	testb $(EMU_SYSCALL_STUB_SIZE - 1), %al
	jnz 1f
	popq %rax
	movq $0, (%rsp)			/* error code */
	movq %rcx, 8(%rsp)		/* rip */
	movq $FLAT_RING3_CS64_SEL, 16(%rsp)
	movq %r11, 24(%rsp)		/* rflags */
	andq $~RFLAGS_USER_CLEAR, 24(%rsp)
	orq $0x200, 24(%rsp)		/* IF */
	movq $FLAT_RING3_DS_SEL, 40(%rsp)
	pushq $VEC_SYSCALL
	jmp syscall_common
1:	popq %rax
	pushq $13
	jmp trap_common

/*
 * smp.c: a vCPU told to stop (VCPUOP_down) hears of it in an interrupt
 * from the guest, on the IST stack, where it cannot wait with interrupts
 * on.  rdi = regs there, rsi = cpu: moves the frame to the top of the main
 * stack (unused while the guest ran) and goes on there.
 */
	.globl smp_switch_to_main
smp_switch_to_main:
	movq CPU_STACK_TOP(%rsi), %rax
	subq $REGS_SIZE, %rax
	movq %rsi, %rdx
	movq %rdi, %rsi
	movq %rax, %rdi
	movq $REGS_SIZE, %rcx
	rep movsb
	movq %rax, %rsp
	movq %rax, %rdi
	movq %rdx, %rsi
	call smp_stopped_main
	jmp ret_to_guest

/*
 * Halts with interrupts off before and after, until an interrupt: sti's
 * shadow makes a wake-up sent after the caller's last look end the hlt.
 * A host that does not honour the shadow (KVM on QEMU's emulated SVM
 * delivered the LAPIC timer between the sti and the hlt) returns from
 * the interrupt to the hlt itself, which then sleeps through the wake-up
 * the interrupt brought: emu_trap moves such a return past the hlt.
 */
	.globl emu_halt, emu_halt_insn
emu_halt:
	sti
emu_halt_insn:
	hlt
	cli
	ret

/*
 * Copies rdx bytes from rsi to rdi; returns 0, or -EFAULT (-14) if either
 * side faulted (emu_trap moves rip to copy_fault).
 */
	.globl emu_copy, emu_copy_insn, emu_copy_fault
emu_copy:
	movq %rdx, %rcx
emu_copy_insn:
	rep movsb
	xorl %eax, %eax
	ret
emu_copy_fault:
	movq $-14, %rax
	ret

/*
 * Loads edi into %gs; returns 0, or -1 if the CPU refused the selector
 * (emu_trap moves rip to load_gs_fault on #GP/#NP/#SS), which is how Xen
 * judges a guest's selector: by the hardware, against its GDT and LDT.
 */
	.globl emu_load_gs, emu_load_gs_insn, emu_load_gs_fault
emu_load_gs:
emu_load_gs_insn:
	movl %edi, %gs
	xorl %eax, %eax
	ret
emu_load_gs_fault:
	movl $-1, %eax
	ret
	.section .note.GNU-stack,"",@progbits
