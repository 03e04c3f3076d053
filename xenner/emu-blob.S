/* SPDX-License-Identifier: MIT */
/* emu's ELF image, built into xenner so that the two always match. */
	.section .rodata
	.balign 16
	.globl emu_elf_start, emu_elf_end
emu_elf_start:
	.incbin EMU_ELF
emu_elf_end:
	.section .note.GNU-stack, "", @progbits
