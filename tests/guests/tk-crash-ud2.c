// SPDX-License-Identifier: MIT
/*
 * A deliberately broken guest: an invalid opcode with no trap table.  On
 * Xen the domain crashes; xenner must end with the crash status (3) and
 * nothing on the host side may suffer.
 */
#include "lib.h"

void test_main(void)
{
	printf("about to execute ud2\n");
	asm volatile("ud2");
	printf("FAIL: survived ud2\n");
}
