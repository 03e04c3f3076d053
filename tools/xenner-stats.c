// SPDX-License-Identifier: MIT
/*
 * xenner-stats: emu's counters of running domains, read from the files
 * xenner keeps in the run directory (emu.<domid> for the counters,
 * vmcore.<domid> for name and vCPUs), without disturbing the guests.
 * One-shot table, -d for one domain in detail, -w for a xentop-like view.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xenner/emu-stats.h"
#include "xenner/log.h"
#include "xenner/rundir.h"
#include "xenner/vmcore.h"

#define MAX_DOMS 256

struct dom {
	unsigned domid;
	char name[VMCORE_NAME_LEN];
	unsigned vcpus;
	struct emu_counters sum;
};

static int read_dom(const char *dir, unsigned domid, struct dom *d)
{
	char path[512];
	struct vmcore vc;
	struct stat st;
	uint8_t *emu;
	int fd;

	snprintf(path, sizeof(path), "%s/vmcore.%u", dir, domid);
	if (vmcore_open(&vc, path, false))
		return -1;
	d->domid = domid;
	snprintf(d->name, sizeof(d->name), "%s", vc.dom->name);
	d->vcpus = vc.dom->nr_vcpus;
	vmcore_close(&vc);
	if (d->vcpus > EMU_MAX_VCPUS)
		return -1;

	snprintf(path, sizeof(path), "%s/emu.%u", dir, domid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) ||
	    (uint64_t)st.st_size < EMU_OFF_VCPU + EMU_MAX_VCPUS * EMU_VCPU_AREA) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	emu = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (emu == MAP_FAILED)
		return -1;
	memset(&d->sum, 0, sizeof(d->sum));
	for (unsigned i = 0; i < d->vcpus; i++) {
		const struct emu_vcpu_page *p = (const void *)(
			emu + EMU_OFF_VCPU + i * EMU_VCPU_AREA + EMU_VCPU_PAGE_OFF);
		struct emu_counters c;

		memcpy(&c, &p->counters, sizeof(c)); /* a racy snapshot */
		emu_counters_add(&d->sum, &c);
	}
	munmap(emu, st.st_size);
	return 0;
}

/* Domains in the run directory and in xenner's private.* ones below it. */
static int scan(const char *dir, struct dom *doms, int n, bool nested)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return n;
	while ((de = readdir(dp)) && n < MAX_DOMS) {
		char sub[512];
		unsigned domid;
		char end;

		if (sscanf(de->d_name, "emu.%u%c", &domid, &end) == 1) {
			if (!read_dom(dir, domid, &doms[n]))
				n++;
		} else if (nested && !strncmp(de->d_name, "private.", 8)) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			n = scan(sub, doms, n, false);
		}
	}
	closedir(dp);
	return n;
}

static void table(struct dom *now, int n, struct dom *prev, int np,
		  double secs)
{
	printf("%-20s %5s %5s %14s %12s %12s %10s %14s\n", "Name", "ID",
	       "VCPUs", "hypercalls", "exceptions", "interrupts", "exits",
	       prev ? "entries/s" : "emu entries");
	for (int i = 0; i < n; i++) {
		const struct emu_counters *c = &now[i].sum;
		uint64_t hc = c->hypercall_unknown, ex = 0, exits = 0;
		double entries = emu_counters_entries(c);

		for (unsigned k = 0; k < EMU_NR_HYPERCALLS; k++)
			hc += c->hypercalls[k];
		for (unsigned k = 0; k < 32; k++)
			ex += c->exceptions[k];
		for (unsigned k = 1; k < EMU_REQ_MAX; k++)
			exits += c->exits[k];
		for (int j = 0; prev && j < np; j++)
			if (prev[j].domid == now[i].domid)
				entries = (entries - emu_counters_entries(
							     &prev[j].sum)) /
					  secs;
		printf("%-20s %5u %5u %14llu %12llu %12llu %10llu %14.0f\n",
		       now[i].name, now[i].domid, now[i].vcpus,
		       (unsigned long long)hc, (unsigned long long)ex,
		       (unsigned long long)c->interrupts,
		       (unsigned long long)exits, entries);
	}
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: xenner-stats [-d DOMID] [-w SECONDS [-n COUNT]]\n"
		     "  (run directory: $XENNER_RUNDIR or /run/xenner)\n");
}

int main(int argc, char **argv)
{
	static struct dom doms[MAX_DOMS], prev[MAX_DOMS];
	long detail = -1, count = -1;
	double wait = 0;
	int opt, n, np = 0;

	log_init("xenner-stats", XLOG_ERR, false);
	while ((opt = getopt(argc, argv, "d:w:n:h")) != -1) {
		char *end;

		switch (opt) {
		case 'd':
			detail = strtol(optarg, &end, 10);
			if (*end || detail < 0)
				goto bad;
			break;
		case 'w':
			wait = strtod(optarg, &end);
			if (*end || wait <= 0)
				goto bad;
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count <= 0)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	for (;;) {
		n = scan(rundir_get(), doms, 0, true);
		if (detail >= 0) {
			int i;

			for (i = 0; i < n && doms[i].domid != detail; i++)
				;
			if (i == n) {
				fprintf(stderr, "xenner-stats: no domain %ld in "
						"%s\n",
					detail, rundir_get());
				return 1;
			}
			emu_counters_print(stdout, doms[i].domid, &doms[i].sum);
		} else {
			table(doms, n, np ? prev : NULL, np, wait);
		}
		if (wait <= 0 || (count > 0 && --count == 0))
			return 0;
		memcpy(prev, doms, sizeof(doms[0]) * n);
		np = n;
		fflush(stdout);
		usleep(wait * 1e6);
		printf("\n");
	}
bad:
	usage(stderr);
	return 2;
}
