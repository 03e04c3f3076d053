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
	hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uint64_t)buf, 0,
		  0);
}

void shutdown(unsigned reason)
{
	struct sched_shutdown sd = {.reason = reason};

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

bool report(void)
{
	printf("RESULT: %u passed, %u failed\n", passed, failed);
	return !failed;
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
	if (si->cmd_line[0])
		printf("command line: %s\n", (const char *)si->cmd_line);
#ifdef TK_VIRT_BASE
	/* a tk-low-* kernel: the whole boot image is where the notes said */
	printf("linked at %lx\n", (uint64_t)TK_VIRT_BASE);
	CHECK((uint64_t)guest_main - TK_VIRT_BASE < (16 << 20));
	CHECK((uint64_t)si - TK_VIRT_BASE < si->nr_pages * 4096);
	CHECK(si->pt_base - TK_VIRT_BASE < si->nr_pages * 4096);
	CHECK(si->mfn_list - TK_VIRT_BASE < si->nr_pages * 4096);
#endif
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

unsigned long cmdline_num(const char *key, unsigned long def)
{
	const char *line = (const char *)start_info->cmd_line, *p;
	unsigned kl = strlen(key);

	for (p = line; *p; p++) {
		unsigned long v = 0;

		if ((p != line && p[-1] != ' ') || memcmp(p, key, kl) ||
		    p[kl] != '=')
			continue;
		for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		return v;
	}
	return def;
}
