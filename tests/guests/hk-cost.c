// SPDX-License-Identifier: MIT
/*
 * A helper kernel for measuring (not run by guest-kernels.sh): the wall
 * time of the cheapest round trips into emu, each as the median of a few
 * rounds, printed as "COST name ns-per-op".  bench/ and developers use it
 * to see what one entry into emu costs on this host.
 */
#include "evtlib.h"

#define ROUNDS 5

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static void cost(const char *name, void (*op)(void), int n)
{
	uint64_t t[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now();

		for (int i = 0; i < n; i++)
			op();
		t[r] = (now() - t0) / n;
	}
	printf("COST %s %lu\n", name, (unsigned long)median(t, ROUNDS));
}

static void op_version(void)
{
	hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
}

static void op_bad(void)
{
	hypercall(63, 0, 0, 0, 0, 0);
}

static void op_cpuid(void)
{
	uint32_t a = 0, b, c = 0, d;

	asm volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e; cpuid"
		     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

void test_main(void)
{
	int n = 200;

	events_setup();
	cost("null-hypercall", op_bad, n);
	cost("xen_version", op_version, n);
	cost("forced-cpuid", op_cpuid, n);
}
