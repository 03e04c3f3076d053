// SPDX-License-Identifier: MIT
/*
 * A helper kernel for tests/e2e/console-flood.sh, not run by
 * guest-kernels.sh: a guest that floods its console, io=N MiB through
 * CONSOLEIO_write and ring=N MiB through its PV console ring, as fast as
 * it can, then says so and powers off.  The host must neither keep all
 * of it nor make the guest wait for it.
 */
#include "xslib.h"

#define CHUNK 4000

static char text[CHUNK];

static void ring_out(const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		while (cons->out_prod - cons->out_cons >= sizeof(cons->out))
			notify(start_info->console.domU.evtchn);
		cons->out[MASK_XENCONS_IDX(cons->out_prod, cons->out)] = s[i];
		__atomic_store_n(&cons->out_prod, cons->out_prod + 1,
				 __ATOMIC_RELEASE);
	}
	notify(start_info->console.domU.evtchn);
}

void test_main(void)
{
	unsigned long io = cmdline_num("io", 8), rg = cmdline_num("ring", 8);
	unsigned long chunks_per_mib = (1 << 20) / CHUNK;

	for (unsigned i = 0; i < CHUNK; i++)
		text[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	cons = (void *)cons_page;
	map(cons, start_info->console.domU.mfn);
	printf("hk-flood: %lu MiB by console_io, %lu MiB by the ring\n", io,
	       rg);
	for (unsigned long i = 0; i < io * chunks_per_mib; i++)
		hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, CHUNK,
			  (uint64_t)text, 0, 0);
	for (unsigned long i = 0; i < rg * chunks_per_mib; i++)
		ring_out(text, CHUNK);
	printf("hk-flood: done\n");
	shutdown(SHUTDOWN_poweroff);
}
