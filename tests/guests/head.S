/* SPDX-License-Identifier: MIT */
/*
 * Entry and Xen ELF notes of the test kernels.  Xen starts a 64-bit PV
 * kernel in ring 3 with rsi = start_info and rsp = the boot stack.
 */
#include <xen/elfnote.h>

/* Linux's place; tk-low-* kernels are linked in the lower half instead */
#ifndef TK_VIRT_BASE
#define TK_VIRT_BASE 0xffffffff80000000
#endif

.macro NOTE type, desc_start, desc_end
	.balign 4
	.long 4
	.long \desc_end - \desc_start
	.long \type
	.asciz "Xen"
	.balign 4
.endm

.macro STRNOTE type, str
	NOTE \type, 1f, 2f
1:	.asciz "\str"
2:
.endm

.macro QUADNOTE type, val
	NOTE \type, 1f, 2f
1:	.quad \val
2:
.endm

	.section .note.Xen, "a", @note
	STRNOTE XEN_ELFNOTE_GUEST_OS, "xenner-test"
	STRNOTE XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
	STRNOTE XEN_ELFNOTE_LOADER, "generic"
	STRNOTE XEN_ELFNOTE_FEATURES, "!writable_page_tables"
	QUADNOTE XEN_ELFNOTE_VIRT_BASE, TK_VIRT_BASE
	QUADNOTE XEN_ELFNOTE_PADDR_OFFSET, 0
	QUADNOTE XEN_ELFNOTE_ENTRY, _start
	QUADNOTE XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page

	.section .text.head, "ax"
	.globl _start
_start:
	movq %rsp, boot_rsp(%rip)
	movq %rsi, %rdi
	andq $-16, %rsp
	call guest_main
	ud2

	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc

	.data
	.globl boot_rsp
boot_rsp:
	.quad 0
	.section .note.GNU-stack, "", @progbits
