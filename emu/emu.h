/* SPDX-License-Identifier: MIT */
/* emu's internal interfaces: per-vCPU state, exits to the host, helpers. */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>

#include "regs.h"
#include "xenner/emu-abi.h"

#define PAGE_SIZE 4096UL

/* Page 0 of a vCPU's area; the first two fields are used by entry64.S. */
struct emu_cpu {
	uint64_t syscall_rsp;
	uint64_t stack_top;
	uint32_t id;
	bool kernel_mode; /* guest kernel (true) or guest user mode */
	struct emu_vcpu_page *page;
};

extern struct emu_boot *const boot;

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

/* Entry points called from entry64.S. */
void emu_boot_vcpu(struct regs *regs, struct emu_cpu *cpu);
void emu_syscall(struct regs *regs, struct emu_cpu *cpu);
void emu_trap(struct regs *regs, struct emu_cpu *cpu);
long do_hypercall(struct emu_cpu *cpu, struct regs *regs);

/* lib.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define count_inc(cpu, field) ((cpu)->page->counters.field++)

#endif
