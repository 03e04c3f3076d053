// SPDX-License-Identifier: MIT
/*
 * xenner-blkfront: usage, the command script and the program (tests/
 * testdom's td_main).  See blkfront.h.
 */
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
		"  connect DEVID [order=N] [queues=N] [persistent] [unchecked]\n"
		"  write|read|barrier DEVID SECTOR NSECT SEED [indirect]\n"
		"  flush DEVID | discard DEVID SECTOR NSECT\n"
		"  bad DEVID op|segs|sector|sect|lastsect|gref|ind-segs|"
		"ind-gref|rw-ro\n"
		"  break-ring DEVID | disconnect DEVID | reboot DEVID\n"
		"  wait-reconnect DEVID | bench DEVID SECONDS NSECT read|write\n"
		"  flood DEVID NREQ [DEVID2]   (NREQ largest indirect writes at "
		"once, on each)\n"
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

static int run_cmd(char **w, int n)
{
	struct bf_vbd *v = NULL;
	int ret;

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
				   td_has_word(w, n, "persistent"),
				   td_has_word(w, n, "unchecked"));
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
	if (!strcmp(w[0], "flood") && n >= 3) {
		struct bf_vbd *vs[2] = {v,
					n > 3 ? vbd_find(td_num(w[3])) : NULL};

		if (n > 3 && !vs[1]) {
			log_err("flood: unknown device %s", w[3]);
			return -1;
		}
		return vbd_flood(vs, n > 3 ? 2 : 1, td_num(w[2]));
	}
	if (!strcmp(w[0], "bench") && n >= 5)
		return vbd_bench(v, td_num(w[2]), td_num(w[3]),
				 !strcmp(w[4], "write"));
	ret = td_dev_cmd(&v->d, w, n);
	if (ret <= 0)
		return ret;
	log_err("unknown command %s", w[0]);
	return -1;
}

static int run_line(char *line)
{
	return td_cmd_line(line, run_cmd);
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

static int pattern(int argc, char **argv)
{
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	return print_pattern(argv);
}

static const struct option pattern_opt = {"pattern", no_argument, NULL, 'P'};

static const struct td_prog blkfront = {
	.name = "xenner-blkfront",
	.domain = "blkfront",
	.min_pages = 64,
	.gnttab_pfn = BF_GNTTAB_PFN,
	.gnttab_frames = BF_GNTTAB_FRAMES,
	.usage = usage,
	.run_line = run_line,
	.opt = &pattern_opt,
	.opt_fn = pattern,
};

int main(int argc, char **argv)
{
	return td_main(argc, argv, &blkfront);
}
