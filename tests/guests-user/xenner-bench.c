// SPDX-License-Identifier: MIT
/*
 * Micro-benchmarks run inside a guest (and on the host) by bench/boot.
 * Built static (gcc -static -O2) so it runs from the busybox initramfs.
 *
 *   xenner-bench TEST [ITERS [REPS]]
 *
 * TEST is syscall (getppid round trip), fault (touch fresh anonymous
 * pages, munmap, repeat), forkexec (fork + exec /bin/true + wait), cpu (an
 * integer loop that never enters the kernel), xz (`xz -6` of the text
 * file $XENNER_BENCH_TEXT, default /data/text), sha256 (`sha256sum` of
 * that file 32 times over) or none: xz and sha256 are real CPU-bound work,
 * which the xorshift loop is not (TCG translates such a loop well).  Each
 * of REPS rounds runs ITERS operations; the line printed is the median ns
 * per operation:
 *
 *   XENNER-BENCH syscall ns_per_op=123.4 min=.. max=.. iters=N reps=R
 *
 * bench/boot counts emu's exits per operation by running one test per
 * boot with a known ITERS*REPS, so the program does nothing else.
 *
 *   xenner-bench gentext MB
 *
 * writes MB MiB of deterministic English-like text to stdout (bench/boot
 * puts it into the initramfs, so no guest spends time making it).
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

/* Runs argv (execvp) with stdout on /dev/null; exits on failure. */
static void run_command(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "xenner-bench: %s failed (status %d)\n",
			argv[0], st);
		exit(1);
	}
}

static const char *text_path(void)
{
	const char *p = getenv("XENNER_BENCH_TEXT");

	return p ? p : "/data/text";
}

/* /usr/bin/xz: the initramfs's /bin/xz is busybox's, which only unpacks */
static void run_xz(long iters)
{
	char *argv[] = {"/usr/bin/xz", "-6", "-T1", "-c", (char *)text_path(),
			NULL};

	for (long i = 0; i < iters; i++)
		run_command(argv);
}

/* sha256sum is busybox's in the guest; XENNER_BENCH_SHA256SUM elsewhere */
static void run_sha256(long iters)
{
	const char *prog = getenv("XENNER_BENCH_SHA256SUM");
	char *argv[34] = {(char *)(prog ? prog : "sha256sum")};

	for (int i = 1; i <= 32; i++)
		argv[i] = (char *)text_path();
	for (long i = 0; i < iters; i++)
		run_command(argv);
}

/* MB MiB of words drawn by xorshift from a small vocabulary, in lines. */
static int gentext(long mb)
{
	static const char *const words[] = {
		"the",	   "of",      "and",	  "to",	    "in",     "a",
		"is",	   "that",    "for",	  "it",	    "as",     "was",
		"with",	   "be",      "by",	  "on",	    "not",    "he",
		"domain",  "guest",   "kernel",	  "page",   "table",  "event",
		"channel", "grant",   "memory",	  "virtual", "machine", "host",
		"ring",	   "request", "response", "device", "block",  "network",
		"xen",	   "paravirtualized", "hypercall", "interrupt",
		"timer",   "console", "store",	  "backend", "frontend", "driver",
	};
	uint64_t x = 88172645463325252ull, left = (uint64_t)mb << 20;
	unsigned col = 0;

	while (left) {
		const char *w;
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w = words[x % (sizeof(words) / sizeof(words[0]))];
		n = strlen(w);
		if (n + 1 > left)
			n = left - 1;
		fwrite(w, 1, n, stdout);
		col += n + 1;
		putchar(col > 72 ? '\n' : ' ');
		if (col > 72)
			col = 0;
		left -= n + 1;
	}
	return fflush(stdout) ? 1 : 0;
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
	{"xz", run_xz, 1},
	{"sha256", run_sha256, 1},
};

int main(int argc, char **argv)
{
	const struct test *t = NULL;
	double ns[MAX_REPS];
	long iters, reps;

	if (argc < 2 || argc > 4) {
		fprintf(stderr,
			"usage: xenner-bench syscall|fault|forkexec|cpu|xz|"
			"sha256|none [ITERS [REPS]]\n"
			"       xenner-bench gentext MB\n");
		return 2;
	}
	if (!strcmp(argv[1], "none"))
		return 0;
	if (!strcmp(argv[1], "gentext"))
		return gentext(argc > 2 ? arg_long(argv[2], 1, 4096) : 8);
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
