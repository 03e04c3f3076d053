// SPDX-License-Identifier: MIT
/*
 * xenner-netfront: options, the command script and tear-down.  See
 * netfront.h and usage().
 */
#include <getopt.h>
#include <stdio.h>

#include "xenner/log.h"

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
		"  connect DEVID [queues=N] [split] [nosg] [nogso] [nocsum]\n"
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

static int build_domain(uint64_t pages)
{
	int ret = td_create("netfront", pages, NF_GNTTAB_PFN, NF_GNTTAB_FRAMES);

	if (!ret)
		ret = td_xs_open();
	if (!ret)
		td_start();
	return ret;
}

static void teardown(void)
{
	for (unsigned int i = 0; i < NF_MAX_VIFS; i++)
		if (nf.vif[i].used)
			vif_remove(&nf.vif[i]);
	td_destroy();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pages", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"loglevel", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t pages = 16384;
	int c, ret;

	log_init("xenner-netfront", XLOG_WARN, false);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pages = td_num(optarg);
			break;
		case 't':
			td.timeout_ms = td_num(optarg);
			break;
		case 'l':
			log_set_level(log_level_parse(optarg));
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || pages < 4096) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (build_domain(pages)) {
		teardown();
		return 1;
	}
	ret = td_run_script(argc - optind, argv + optind, cmd_run, NULL);
	teardown();
	return ret ? 1 : 0;
}
