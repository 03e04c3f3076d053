// SPDX-License-Identifier: MIT
#include "lib.h"

start_info_t *start_info;
static char shared_info_area[4096] __attribute__((aligned(4096)));
static bool shared_info_mapped;

shared_info_t *shared_info_page(void)
{
	if (!shared_info_mapped) {
		uint64_t pte = start_info->shared_info | 0x67; /* P RW US A D */
		long rc = hypercall(__HYPERVISOR_update_va_mapping,
				    (uint64_t)shared_info_area, pte,
				    UVMF_INVLPG, 0, 0);

		if (rc) {
			printf("FAIL: cannot map shared_info: %ld\n", rc);
			shutdown(SHUTDOWN_crash);
		}
		shared_info_mapped = true;
	}
	return (shared_info_t *)shared_info_area;
}
static unsigned passed, failed;

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void put_num(char *buf, size_t size, size_t *len, uint64_t v,
		    unsigned base, bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n) {
		if (*len + 1 < size)
			buf[*len] = tmp[n - 1];
		(*len)++;
		n--;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t len = 0;

	for (; *fmt; fmt++) {
		bool lng = false;

		if (*fmt != '%') {
			if (len + 1 < size)
				buf[len] = *fmt;
			len++;
			continue;
		}
		fmt++;
		while (*fmt == 'l' || *fmt == 'z') {
			lng = true;
			fmt++;
		}
		if (*fmt == 's') {
			const char *s = va_arg(ap, const char *);

			for (; *s; s++, len++)
				if (len + 1 < size)
					buf[len] = *s;
		} else if (*fmt == 'd') {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_num(buf, size, &len, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				v < 0);
		} else if (*fmt == 'u' || *fmt == 'x') {
			uint64_t v = lng ? va_arg(ap, uint64_t)
					 : va_arg(ap, unsigned);

			put_num(buf, size, &len, v, *fmt == 'x' ? 16 : 10,
				false);
		} else {
			if (len + 1 < size)
				buf[len] = *fmt;
			len++;
		}
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uint64_t)buf,
		  0, 0);
}

void shutdown(unsigned reason)
{
	struct sched_shutdown sd = { .reason = reason };

	for (;;)
		hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
			  (uint64_t)&sd, 0, 0, 0);
}

void check(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s (%s:%d)\n", what, file, line);
}

void finish(void)
{
	printf("RESULT: %u passed, %u failed\n", passed, failed);
	shutdown(failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

void guest_main(start_info_t *si);
void guest_main(start_info_t *si)
{
	start_info = si;
	printf("test kernel on %s, %lu pages\n", si->magic, si->nr_pages);
	test_main();
	finish();
}

/* Kernels that expect no traps get this one. */
__attribute__((weak)) void trap_handler(struct trapframe *tf)
{
	printf("FAIL: unexpected trap %lu at %lx error %lx\n", tf->vector,
	       tf->rip, tf->error);
	shutdown(SHUTDOWN_crash);
}
