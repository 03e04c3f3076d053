// SPDX-License-Identifier: MIT
/*
 * Runs inside a Linux guest (tests/e2e/linux-boot.sh): a signal handler
 * points its saved context at a return the CPU refuses, a non-canonical
 * RIP ("rip") or a CS that selects nothing ("cs"), so the iret of
 * sigreturn fails.  On Xen the guest kernel's failsafe callback makes
 * that SIGSEGV for this task, and the kernel runs on.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static const char *what = "?";

static void on_segv(int sig)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "XT-BADIRET %s: SIGSEGV\n", what);

	(void)sig;
	if (write(STDOUT_FILENO, msg, n) != n)
		_exit(2);
	_exit(0);
}

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;

	(void)sig;
	(void)si;
	if (!strcmp(what, "rip"))
		g[REG_RIP] = 0x800000000000LL;
	else /* REG_CSGSFS: CS in bits 0-15 */
		g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xffffLL) | 0x1233;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};

	if (argc != 2 || (strcmp(argv[1], "rip") && strcmp(argv[1], "cs"))) {
		fprintf(stderr, "usage: xt-badiret rip|cs\n");
		return 2;
	}
	what = argv[1];
	signal(SIGSEGV, on_segv);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("XT-BADIRET %s: sigreturn came back\n", what);
	return 1;
}
