// SPDX-License-Identifier: MIT
/*
 * xenner-blkfront: options, the command script and tear-down.  See
 * blkfront.h and usage().
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "xenner/log.h"

#include "blkfront.h"

struct bf bf;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenner-blkfront [--pages N] [--timeout-ms MS] "
		"[--loglevel L] COMMAND... | -\n"
		"       xenner-blkfront --pattern SEED SECTOR NSECT   "
		"(expected data on stdout)\n"
		"Commands (one per argument, or per line on stdin with -):\n"
		"  add DEVID PATH MODE [cdrom]   toolstack: create the device\n"
		"  connect DEVID [order=N] [queues=N] [persistent]\n"
		"  write|read|barrier DEVID SECTOR NSECT SEED [indirect]\n"
		"  flush DEVID | discard DEVID SECTOR NSECT\n"
		"  bad DEVID op|segs|sector|sect|lastsect|gref|ind-segs|"
		"ind-gref|rw-ro\n"
		"  break-ring DEVID | disconnect DEVID | reboot DEVID\n"
		"  wait-reconnect DEVID | bench DEVID SECONDS NSECT read|write\n"
		"  remove DEVID | domid | sleep MS | wait-file PATH\n"
		"Each command prints one line: OK, STATUS <n>, a value or an "
		"error.\n");
}

uint8_t bf_pattern(uint64_t off, uint32_t seed)
{
	if (!seed)
		return 0;
	return (uint8_t)((off >> 9) * 131 + (off & 511) * 7 + seed * 29 +
			 (off >> 17));
}

static int build_domain(uint64_t pages)
{
	int ret = td_create("blkfront", pages, BF_GNTTAB_PFN, BF_GNTTAB_FRAMES);

	if (!ret)
		ret = td_xs_open();
	if (!ret)
		td_start();
	return ret;
}

static void teardown(void)
{
	for (unsigned int i = 0; i < BF_MAX_VBDS; i++)
		if (bf.vbd[i].used)
			vbd_remove(&bf.vbd[i]);
	td_destroy();
}

static int run_line(char *line)
{
	struct bf_vbd *v = NULL;
	char *w[16];
	int n = td_words(line, w, 16), ret;

	if (!n || w[0][0] == '#')
		return 0;
	ret = td_common_cmd(w, n);
	if (ret <= 0)
		return ret;
	if (!strcmp(w[0], "add") && n >= 4)
		return vbd_add(td_num(w[1]), w[2], w[3], n > 4 ? w[4] : "disk");
	if (n >= 2)
		v = vbd_find(td_num(w[1]));
	if (!v) {
		log_err("bad command or unknown device: %s", w[0]);
		return -1;
	}
	if (!strcmp(w[0], "connect"))
		return vbd_connect(v, td_opt_val(w, n, "order", 0),
				   td_opt_val(w, n, "queues", 1),
				   td_has_word(w, n, "persistent"));
	if ((!strcmp(w[0], "write") || !strcmp(w[0], "read") ||
	     !strcmp(w[0], "barrier")) &&
	    n >= 5)
		return vbd_io(v,
			      w[0][0] == 'w'   ? BLKIF_OP_WRITE
			      : w[0][0] == 'r' ? BLKIF_OP_READ
					       : BLKIF_OP_WRITE_BARRIER,
			      td_num(w[2]), td_num(w[3]), td_num(w[4]),
			      td_has_word(w, n, "indirect"));
	if (!strcmp(w[0], "flush"))
		return vbd_io(v, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, false);
	if (!strcmp(w[0], "discard") && n >= 4)
		return vbd_io(v, BLKIF_OP_DISCARD, td_num(w[2]), td_num(w[3]),
			      0, false);
	if (!strcmp(w[0], "bad") && n >= 3)
		return vbd_bad(v, w[2]);
	if (!strcmp(w[0], "break-ring"))
		return vbd_break_ring(v);
	if (!strcmp(w[0], "disconnect"))
		return vbd_disconnect(v);
	if (!strcmp(w[0], "reboot"))
		return vbd_reboot(v);
	if (!strcmp(w[0], "wait-reconnect"))
		return vbd_wait_reconnect(v);
	if (!strcmp(w[0], "bench") && n >= 5)
		return vbd_bench(v, td_num(w[2]), td_num(w[3]),
				 !strcmp(w[4], "write"));
	if (!strcmp(w[0], "remove")) {
		vbd_remove(v);
		printf("OK\n");
		return 0;
	}
	log_err("unknown command %s", w[0]);
	return -1;
}

static int print_pattern(char **argv)
{
	uint64_t sector = td_num(argv[1]), nsect = td_num(argv[2]);
	uint32_t seed = td_num(argv[0]);
	uint8_t buf[512];

	for (uint64_t s = sector; s < sector + nsect; s++) {
		for (unsigned int i = 0; i < 512; i++)
			buf[i] = bf_pattern(s * 512 + i, seed);
		if (fwrite(buf, 1, 512, stdout) != 512)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pages", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"loglevel", required_argument, NULL, 'l'},
		{"pattern", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	uint64_t pages = 16384;
	int c, ret;

	log_init("xenner-blkfront", XLOG_WARN, false);
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
		case 'P':
			if (argc - optind != 3) {
				usage(stderr);
				return 2;
			}
			return print_pattern(argv + optind);
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || pages < 64) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (build_domain(pages)) {
		teardown();
		return 1;
	}
	ret = td_run_script(argc - optind, argv + optind, run_line, NULL);
	teardown();
	return ret ? 1 : 0;
}
