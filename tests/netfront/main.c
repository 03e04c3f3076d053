// SPDX-License-Identifier: MIT
/*
 * xenner-netfront: usage and the program (tests/testdom's td_main); the
 * commands are in cmds.c.  See netfront.h.
 */
#include <stdio.h>

#include "cmds.h"
#include "netfront.h"

struct nf nf;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenner-netfront [--pages N] [--timeout-ms MS] "
		"[--loglevel L] COMMAND... | -\n"
		"Commands (one per argument, or per line on stdin with -):\n"
		"  add DEVID [mac=M] [bridge=BR]   toolstack: create the vif\n"
		"  addr DEVID SRC-IP DST-IP [DST-MAC]\n"
		"  connect DEVID [queues=N] [split] [nosg] [nogso] [nocsum] "
		"[unchecked]\n"
		"  udp DEVID DPORT LEN SEED [slots=N] [blank] [queue=N] "
		"[count=N]\n"
		"  recv-udp DEVID DPORT LEN SEED [count=N]\n"
		"  tcp DEVID DPORT LEN SEED [mss=N] [slots=N]\n"
		"  recv-tcp DEVID DPORT LEN SEED\n"
		"  ping DEVID COUNT [LEN]\n"
		"  bad DEVID gref|short|big|slots19|gsotype|offset|slots|extra|"
		"ring|rx-gref|rx-ring\n"
		"  disconnect|reboot|wait-reconnect|remove DEVID\n"
		"  bench DEVID SECONDS small|gso|ping\n"
		"  domid | sleep MS | wait-file PATH\n"
		"Each command prints one line: OK, STATUS <n>, a value or an "
		"error.\n");
}

static const struct td_prog netfront = {
	.name = "xenner-netfront",
	.domain = "netfront",
	.min_pages = 4096,
	.gnttab_pfn = NF_GNTTAB_PFN,
	.gnttab_frames = NF_GNTTAB_FRAMES,
	.usage = usage,
	.run_line = cmd_run,
};

int main(int argc, char **argv)
{
	return td_main(argc, argv, &netfront);
}
