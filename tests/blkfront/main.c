// SPDX-License-Identifier: MIT
/*
 * xenner-blkfront: domain set-up, page and grant allocators, the command
 * script and tear-down.  See blkfront.h and usage().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "xenner/log.h"
#include "xenner/rundir.h"

#include "../standin/gnttab.h"
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

uint8_t *bf_page(uint32_t pfn)
{
	return bf.vc.ram + (uint64_t)pfn * VMCORE_PAGE_SIZE;
}

int bf_alloc_page(uint32_t *pfn)
{
	if (bf.nr_free_pfns) {
		*pfn = bf.free_pfns[--bf.nr_free_pfns];
		return 0;
	}
	if (bf.next_pfn >= bf.vc.nr_pages)
		return -ENOMEM;
	*pfn = bf.next_pfn++;
	return 0;
}

void bf_free_page(uint32_t pfn)
{
	bf.free_pfns[bf.nr_free_pfns++] = pfn;
}

int bf_grant(uint32_t pfn, bool readonly, grant_ref_t *ref)
{
	grant_ref_t r;

	if (bf.nr_free_grefs)
		r = bf.free_grefs[--bf.nr_free_grefs];
	else if (bf.next_gref < BF_NR_GREFS)
		r = bf.next_gref++;
	else
		return -ENOSPC;
	*ref = r;
	return gnttab_grant_access(bf.gnttab, BF_NR_GREFS, r, 0, pfn, readonly);
}

int bf_ungrant(grant_ref_t ref)
{
	int ret = gnttab_end_access(bf.gnttab, BF_NR_GREFS, ref);

	if (!ret)
		bf.free_grefs[bf.nr_free_grefs++] = ref;
	return ret;
}

int bf_wait_event(int timeout_ms)
{
	struct pollfd pfd = {.fd = bf.ec.event_fd, .events = POLLIN};
	struct evtchnd_event ev;
	int n, ret;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!n)
		return -ETIMEDOUT;
	while ((ret = evtchn_client_read_event(&bf.ec, &ev)) == 1)
		if (ev.type == EVTCHND_EV_PORT)
			evtchn_client_unmask(&bf.ec, ev.port);
	return ret < 0 ? ret : 0;
}

static int build_domain(uint64_t pages)
{
	struct evtchnd_dominfo info = {
		.flags = EVTCHND_DOMF_RUNNING,
		.nr_vcpus = 1,
		.nr_pages = pages,
		.max_pages = pages,
		.name = "blkfront",
	};
	char path[256];
	int ret;

	ret = evtchn_client_create_domain(&bf.ec, &info);
	if (ret < 0) {
		log_err("create domain in evtchnd (%s): %s", rundir_get(),
			strerror(-ret));
		return ret;
	}
	bf.domid = ret;
	ret = vmcore_path(path, sizeof(path), bf.domid);
	if (!ret)
		ret = vmcore_create(&bf.vc, path, bf.domid, "blkfront",
				    info.uuid, pages, 1);
	if (!ret)
		ret = vmcore_map_ram(&bf.vc);
	if (ret)
		return ret;
	bf.gnttab = (void *)bf_page(BF_GNTTAB_PFN);
	for (unsigned int i = 0; i < BF_GNTTAB_FRAMES; i++)
		bf.vc.dom->gnttab_pfns[i] = BF_GNTTAB_PFN + i;
	bf.vc.dom->nr_gnttab_frames = BF_GNTTAB_FRAMES;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	bf.vc.dom->state = VMCORE_STATE_RUNNING;
	bf.next_pfn = BF_FIRST_FREE_PFN;
	bf.next_gref = GNTTAB_NR_RESERVED_ENTRIES;
	bf.free_pfns = calloc(pages, sizeof(*bf.free_pfns));
	bf.free_grefs = calloc(BF_NR_GREFS, sizeof(*bf.free_grefs));
	bf.xs = xs_open(0);
	if (!bf.free_pfns || !bf.free_grefs || !bf.xs) {
		log_err("set-up: %s", bf.xs ? "out of memory"
					    : "cannot connect to xenstored");
		return -ENOMEM;
	}
	return 0;
}

static void teardown(void)
{
	for (unsigned int i = 0; i < BF_MAX_VBDS; i++)
		if (bf.vbd[i].used)
			vbd_remove(&bf.vbd[i]);
	if (bf.xs)
		xs_close(bf.xs);
	if (bf.vc.dom)
		bf.vc.dom->state = VMCORE_STATE_DYING;
	evtchn_client_close(&bf.ec);
	if (bf.vc.dom) {
		unlink(bf.vc.path);
		vmcore_close(&bf.vc);
	}
}

static uint64_t num(const char *s)
{
	return s ? strtoull(s, NULL, 0) : 0;
}

static bool has_word(char **w, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], word))
			return true;
	return false;
}

static unsigned int opt_val(char **w, int n, const char *key, unsigned def)
{
	size_t l = strlen(key);

	for (int i = 0; i < n; i++)
		if (!strncmp(w[i], key, l) && w[i][l] == '=')
			return strtoul(w[i] + l + 1, NULL, 0);
	return def;
}

static int run_line(char *line)
{
	char *w[16], *save;
	struct bf_vbd *v = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < 16;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (!n || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "domid")) {
		printf("%u\n", bf.domid);
		return 0;
	}
	if (!strcmp(w[0], "sleep") && n == 2) {
		usleep(num(w[1]) * 1000);
		printf("OK\n");
		return 0;
	}
	if (!strcmp(w[0], "wait-file") && n == 2) {
		/* The shell test's turn: it creates the file when done. */
		for (int i = 0; access(w[1], F_OK); i++) {
			if (i > 100 * 60) {
				printf("ERROR %s never appeared\n", w[1]);
				return -1;
			}
			usleep(10000);
		}
		printf("OK\n");
		return 0;
	}
	if (!strcmp(w[0], "add") && n >= 4)
		return vbd_add(num(w[1]), w[2], w[3], n > 4 ? w[4] : "disk");
	if (n >= 2)
		v = vbd_find(num(w[1]));
	if (!v) {
		log_err("bad command or unknown device: %s", w[0]);
		return -1;
	}
	if (!strcmp(w[0], "connect"))
		return vbd_connect(v, opt_val(w, n, "order", 0),
				   opt_val(w, n, "queues", 1),
				   has_word(w, n, "persistent"));
	if ((!strcmp(w[0], "write") || !strcmp(w[0], "read") ||
	     !strcmp(w[0], "barrier")) &&
	    n >= 5)
		return vbd_io(v,
			      w[0][0] == 'w'   ? BLKIF_OP_WRITE
			      : w[0][0] == 'r' ? BLKIF_OP_READ
					       : BLKIF_OP_WRITE_BARRIER,
			      num(w[2]), num(w[3]), num(w[4]),
			      has_word(w, n, "indirect"));
	if (!strcmp(w[0], "flush"))
		return vbd_io(v, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, false);
	if (!strcmp(w[0], "discard") && n >= 4)
		return vbd_io(v, BLKIF_OP_DISCARD, num(w[2]), num(w[3]), 0,
			      false);
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
		return vbd_bench(v, num(w[2]), num(w[3]),
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
	uint64_t sector = num(argv[1]), nsect = num(argv[2]);
	uint32_t seed = num(argv[0]);
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
	char *line = NULL;
	size_t cap = 0;
	int c, ret = 0;

	bf.timeout_ms = 10000;
	log_init("xenner-blkfront", XLOG_WARN, false);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pages = num(optarg);
			break;
		case 't':
			bf.timeout_ms = num(optarg);
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
	if (argc - optind == 1 && !strcmp(argv[optind], "-")) {
		while (!ret && getline(&line, &cap, stdin) >= 0) {
			line[strcspn(line, "\n")] = '\0';
			ret = run_line(line);
		}
		free(line);
	} else {
		for (int i = optind; i < argc && !ret; i++)
			ret = run_line(argv[i]);
	}
	teardown();
	return ret ? 1 : 0;
}
