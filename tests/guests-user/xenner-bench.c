// SPDX-License-Identifier: MIT
/*
 * Micro-benchmarks run inside a guest (and on the host) by bench/boot.
 * Built static (gcc -static -O2) so it runs from the busybox initramfs.
 *
 *   xenner-bench TEST [ITERS [REPS]]
 *
 * TEST is syscall (getppid round trip), fault (touch fresh anonymous
 * pages, munmap, repeat), forkexec (fork + exec /bin/true + wait), cpu (an
 * integer loop that never enters the kernel) or none. Each of REPS rounds
 * runs ITERS operations; the line printed is the median ns per operation:
 *
 *   XENNER-BENCH syscall ns_per_op=123.4 min=.. max=.. iters=N reps=R
 *
 * bench/boot counts emu's exits per operation by running one test per
 * boot with a known ITERS*REPS, so the program does nothing else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_REPS    101
#define FAULT_PAGES 64 /* pages touched per mmap; one op = one page */
#define PAGE	    4096

static void run_syscall(long iters)
{
	for (long i = 0; i < iters; i++)
		(void)getppid();
}

/* iters pages in all, FAULT_PAGES per mapping (the last one partial). */
static void run_fault(long iters)
{
	while (iters > 0) {
		long n = iters < FAULT_PAGES ? iters : FAULT_PAGES;
		volatile char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("xenner-bench: mmap");
			exit(1);
		}
		for (long i = 0; i < n; i++)
			p[i * PAGE] = 1;
		munmap((void *)p, n * PAGE);
		iters -= n;
	}
}

static const char *true_path = "/bin/true";

static void run_forkexec(long iters)
{
	for (long i = 0; i < iters; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			perror("xenner-bench: fork");
			exit(1);
		}
		if (pid == 0) {
			execl(true_path, "true", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "xenner-bench: %s failed\n", true_path);
			exit(1);
		}
	}
}

/* xorshift; the result is used so the compiler keeps the loop. */
static volatile uint64_t cpu_sink;

static void run_cpu(long iters)
{
	uint64_t x = 88172645463325252ull;

	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	cpu_sink = x;
}

struct test {
	const char *name;
	void (*run)(long iters);
	long iters;
};

static const struct test tests[] = {
	{"syscall", run_syscall, 20000},
	{"fault", run_fault, 4096},
	{"forkexec", run_forkexec, 40},
	{"cpu", run_cpu, 20000000},
};

int main(int argc, char **argv)
{
	const struct test *t = NULL;
	double ns[MAX_REPS];
	long iters, reps;

	if (argc < 2 || argc > 4) {
		fprintf(stderr,
			"usage: xenner-bench syscall|fault|forkexec|cpu|none"
			" [ITERS [REPS]]\n");
		return 2;
	}
	if (!strcmp(argv[1], "none"))
		return 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[1], tests[i].name))
			t = &tests[i];
	if (!t) {
		fprintf(stderr, "xenner-bench: unknown test '%s'\n", argv[1]);
		return 2;
	}
	iters = argc > 2 ? arg_long(argv[2], 1, 1000000000) : t->iters;
	reps = argc > 3 ? arg_long(argv[3], 1, MAX_REPS) : 5;
	if (getenv("XENNER_BENCH_TRUE"))
		true_path = getenv("XENNER_BENCH_TRUE");

	for (long r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		t->run(iters);
		ns[r] = (double)(now_ns() - t0) / iters;
	}
	qsort(ns, reps, sizeof(ns[0]), cmp_double);
	printf("XENNER-BENCH %s ns_per_op=%.1f min=%.1f max=%.1f iters=%ld"
	       " reps=%ld\n",
	       t->name, ns[reps / 2], ns[0], ns[reps - 1], iters, reps);
	return 0;
}
