// SPDX-License-Identifier: MIT
/*
 * xenner-netfront: domain set-up, page and grant allocators, the command
 * script and tear-down.  See netfront.h and usage().
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xenner/log.h"
#include "xenner/rundir.h"

#include "../standin/gnttab.h"
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

uint8_t *nf_page(uint32_t pfn)
{
	return nf.vc.ram + (uint64_t)pfn * VMCORE_PAGE_SIZE;
}

int nf_alloc_page(uint32_t *pfn)
{
	if (nf.nr_free_pfns) {
		*pfn = nf.free_pfns[--nf.nr_free_pfns];
		return 0;
	}
	if (nf.next_pfn >= nf.vc.nr_pages)
		return -ENOMEM;
	*pfn = nf.next_pfn++;
	return 0;
}

void nf_free_page(uint32_t pfn)
{
	nf.free_pfns[nf.nr_free_pfns++] = pfn;
}

int nf_grant(uint32_t pfn, bool readonly, grant_ref_t *ref)
{
	grant_ref_t r;

	if (nf.nr_free_grefs)
		r = nf.free_grefs[--nf.nr_free_grefs];
	else if (nf.next_gref < NF_NR_GREFS)
		r = nf.next_gref++;
	else
		return -ENOSPC;
	*ref = r;
	return gnttab_grant_access(nf.gnttab, NF_NR_GREFS, r, 0, pfn, readonly);
}

int nf_ungrant(grant_ref_t ref)
{
	int ret = gnttab_end_access(nf.gnttab, NF_NR_GREFS, ref);

	if (!ret)
		nf.free_grefs[nf.nr_free_grefs++] = ref;
	return ret;
}

int64_t nf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int nf_wait_event(int timeout_ms)
{
	struct pollfd pfd = {.fd = nf.ec.event_fd, .events = POLLIN};
	struct evtchnd_event ev;
	int n, ret;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!n)
		return -ETIMEDOUT;
	while ((ret = evtchn_client_read_event(&nf.ec, &ev)) == 1)
		if (ev.type == EVTCHND_EV_PORT)
			evtchn_client_unmask(&nf.ec, ev.port);
	return ret < 0 ? ret : 0;
}

static int build_domain(uint64_t pages)
{
	struct evtchnd_dominfo info = {
		.flags = EVTCHND_DOMF_RUNNING,
		.nr_vcpus = 1,
		.nr_pages = pages,
		.max_pages = pages,
		.name = "netfront",
	};
	char path[256];
	int ret;

	ret = evtchn_client_create_domain(&nf.ec, &info);
	if (ret < 0) {
		log_err("create domain in evtchnd (%s): %s", rundir_get(),
			strerror(-ret));
		return ret;
	}
	nf.domid = ret;
	ret = vmcore_path(path, sizeof(path), nf.domid);
	if (!ret)
		ret = vmcore_create(&nf.vc, path, nf.domid, "netfront",
				    info.uuid, pages, 1);
	if (!ret)
		ret = vmcore_map_ram(&nf.vc);
	if (ret)
		return ret;
	nf.gnttab = (void *)nf_page(NF_GNTTAB_PFN);
	for (unsigned int i = 0; i < NF_GNTTAB_FRAMES; i++)
		nf.vc.dom->gnttab_pfns[i] = NF_GNTTAB_PFN + i;
	nf.vc.dom->nr_gnttab_frames = NF_GNTTAB_FRAMES;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	nf.vc.dom->state = VMCORE_STATE_RUNNING;
	nf.next_pfn = NF_FIRST_FREE_PFN;
	nf.next_gref = GNTTAB_NR_RESERVED_ENTRIES;
	nf.free_pfns = calloc(pages, sizeof(*nf.free_pfns));
	nf.free_grefs = calloc(NF_NR_GREFS, sizeof(*nf.free_grefs));
	nf.xs = xs_open(0);
	if (!nf.free_pfns || !nf.free_grefs || !nf.xs) {
		log_err("set-up: %s", nf.xs ? "out of memory"
					    : "cannot connect to xenstored");
		return -ENOMEM;
	}
	return 0;
}

static void teardown(void)
{
	for (unsigned int i = 0; i < NF_MAX_VIFS; i++)
		if (nf.vif[i].used)
			vif_remove(&nf.vif[i]);
	if (nf.xs)
		xs_close(nf.xs);
	if (nf.vc.dom)
		nf.vc.dom->state = VMCORE_STATE_DYING;
	evtchn_client_close(&nf.ec);
	if (nf.vc.dom) {
		unlink(nf.vc.path);
		vmcore_close(&nf.vc);
	}
	free(nf.free_pfns);
	free(nf.free_grefs);
}

static uint64_t num(const char *s)
{
	return s ? strtoull(s, NULL, 0) : 0;
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
	char *line = NULL;
	size_t cap = 0;
	int c, ret = 0;

	nf.timeout_ms = 10000;
	log_init("xenner-netfront", XLOG_WARN, false);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pages = num(optarg);
			break;
		case 't':
			nf.timeout_ms = num(optarg);
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
	if (argc - optind == 1 && !strcmp(argv[optind], "-")) {
		while (!ret && getline(&line, &cap, stdin) >= 0) {
			line[strcspn(line, "\n")] = '\0';
			ret = cmd_run(line);
		}
		free(line);
	} else {
		for (int i = optind; i < argc && !ret; i++)
			ret = cmd_run(argv[i]);
	}
	teardown();
	return ret ? 1 : 0;
}
