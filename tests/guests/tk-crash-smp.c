// SPDX-License-Identifier: MIT
/* xenner-args: -smp 2 */
/*
 * A crash on vCPU 1 ends the whole domain: vCPU 1 runs ud2 with no trap
 * table while vCPU 0 spins in guest code; xenner must stop both threads
 * and exit with the crash status (3).  If it does not, vCPU 0 powers off
 * (exit 0), which the test runner counts as a failure.
 */
#include "smplib.h"

static struct vcpu_guest_context ctx;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

asm(".text\n"
    ".globl crash_entry\n"
    "crash_entry:\n"
    "	ud2\n");
extern char crash_entry[];

void test_main(void)
{
	uint64_t end;

	context_init(&ctx, crash_entry, ap_stack + sizeof(ap_stack));
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), 0);
	CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
	/* spin in guest code: only xenner can stop us */
	end = rdtsc() + (60ULL << 30);
	while (rdtsc() < end)
		;
	printf("FAIL: vCPU 1's crash did not end the domain\n");
	shutdown(SHUTDOWN_poweroff);
}
