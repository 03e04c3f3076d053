/* SPDX-License-Identifier: MIT */
/* The test kernels' tiny runtime: hypercalls, printf, test reporting. */
#ifndef TESTGUEST_LIB_H
#define TESTGUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>

extern start_info_t *start_info;
extern uint64_t boot_rsp;
/* The shared_info page, mapped by lib.c at start of day. */
shared_info_t *shared_info_page(void);
static inline struct vcpu_info *shared_info_vcpu0(void)
{
	return &shared_info_page()->vcpu_info[0];
}
extern char hypercall_page[];

/* A raw syscall from guest kernel mode, as Linux 6.1 (XSA-466) does. */
static inline long hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
		       "+r"(r8)
		     : "0"(nr)
		     : "rcx", "r11", "memory");
	return ret;
}

/* The same through the hypercall page that xenner wrote. */
static inline long hypercall_via_page(unsigned nr, uint64_t a1, uint64_t a2,
				      uint64_t a3)
{
	register uint64_t r10 asm("r10") = 0;
	register uint64_t r8 asm("r8") = 0;
	long ret;
	void *stub = hypercall_page + nr * 32;

	asm volatile("call *%[stub]"
		     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
		       "+r"(r8)
		     : [stub] "r"(stub)
		     : "rcx", "r11", "r9", "memory");
	return ret;
}

#include "emu-lib.h" /* emu/lib: memcpy, vsnprintf, ... */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void shutdown(unsigned reason) __attribute__((noreturn));

/* Reporting: one line per check, a summary, then poweroff. */
void check(bool ok, const char *what, const char *file, int line);
#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long _a = (long)(a), _b = (long)(b);                           \
		if (_a != _b)                                                  \
			printf("  %s = %ld (0x%lx), expected %ld\n", #a, _a,   \
			       _a, _b);                                        \
		check(_a == _b, #a " == " #b, __FILE__, __LINE__);             \
	} while (0)
void finish(void) __attribute__((noreturn));
/* The decimal value of "key=" on the command line, or def. */
unsigned long cmdline_num(const char *key, unsigned long def);
/* The RESULT line without the shutdown (tk-smp ends another way); true
 * if every check passed. */
bool report(void);

/* traps.S: what an exception handler sees */
struct trapframe {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
/* Test kernels that use traps.S define this. */
void trap_handler(struct trapframe *tf);

/* Each test kernel defines this. */
void test_main(void);

#endif
