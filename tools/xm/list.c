// SPDX-License-Identifier: MIT
/*
 * list, info, vcpu-list: what runs, in xm's formats.  Live data comes from
 * evtchnd (ids, names, sizes, flags) and from the xenner process behind a
 * domain (CPU time, its command line for `list -l`, its vCPU threads).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xenner/rundir.h"
#include "xm.h"

static unsigned long mem_mb(const struct xm_dom *d)
{
	if (!d->info.domid && !d->preserved)
		return sysconf(_SC_PHYS_PAGES) / 256;
	return d->info.nr_pages / 256;
}

static unsigned nr_vcpus(const struct xm_dom *d)
{
	if (!d->info.domid && !d->preserved)
		return sysconf(_SC_NPROCESSORS_ONLN);
	return d->info.nr_vcpus;
}

static double cpu_time(const struct xm_dom *d)
{
	if (d->xenner_pid > 0)
		return xm_cpu_seconds(d->xenner_pid, 0, NULL);
	if (!d->info.domid && !d->preserved) {
		/* dom0: every host CPU's user and system time */
		unsigned long long u, n, s;
		FILE *f = fopen("/proc/stat", "r");
		int ok = f && fscanf(f, "cpu %llu %llu %llu", &u, &n, &s) == 3;

		if (f)
			fclose(f);
		return ok ? (double)(u + n + s) / sysconf(_SC_CLK_TCK) : 0;
	}
	return 0;
}

/* xenner's arguments from /proc: the image and the disks for list -l. */
static void print_sxp_from_cmdline(pid_t pid)
{
	char path[64], buf[8192];
	const char *kernel = "", *initrd = "", *args = "", *bootloader = "";
	const char *disks[32];
	unsigned nd = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (char *p = buf, *next; p < buf + n; p = next) {
		next = p + strlen(p) + 1;
		if (next >= buf + n + 1)
			break;
		if (!strcmp(p, "-kernel"))
			kernel = next;
		else if (!strcmp(p, "-initrd"))
			initrd = next;
		else if (!strcmp(p, "-append"))
			args = next;
		else if (!strcmp(p, "-bootloader"))
			bootloader = next;
		else if (!strcmp(p, "-disk") && nd < 32)
			disks[nd++] = next;
	}
	if (*bootloader)
		printf("    (bootloader %s)\n", bootloader);
	printf("    (image\n        (linux\n            (kernel %s)\n", kernel);
	if (*initrd)
		printf("            (ramdisk %s)\n", initrd);
	printf("            (args '%s')\n        )\n    )\n", args);
	for (unsigned i = 0; i < nd; i++) {
		char spec[1100], *vdev, *opt, *save;
		bool ro = false;

		/* PATH[,vdev=NAME][,ro][,format=F][,backend=B] */
		snprintf(spec, sizeof(spec), "%s", disks[i]);
		vdev = NULL;
		opt = strchr(spec, ',');
		if (opt)
			*opt++ = '\0';
		for (opt = opt ? strtok_r(opt, ",", &save) : NULL; opt;
		     opt = strtok_r(NULL, ",", &save)) {
			if (!strncmp(opt, "vdev=", 5))
				vdev = opt + 5;
			else if (!strcmp(opt, "ro"))
				ro = true;
		}
		printf("    (device\n        (vbd\n            (uname file:%s)"
		       "\n            (dev %s)\n            (mode %s)\n"
		       "        )\n    )\n",
		       spec, vdev ? vdev : "?", ro ? "r" : "w");
	}
}

static void print_monitor_sxp(const char *name)
{
	char path[512], line[1200];
	FILE *f;

	if (xm_dir(path, sizeof(path), name))
		return;
	strcat(path, ".monitor");
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (!eq ||
		    (strncmp(line, "on_", 3) && strncmp(line, "config", 6)))
			continue;
		*eq = '\0';
		printf("    (%s %s)\n", line, eq + 1);
	}
	fclose(f);
}

static void print_long(const struct xm_dom *d)
{
	char state[7];
	const uint8_t *u = d->info.uuid;

	xm_state_string(d, state);
	printf("(domain\n    (domid %u)\n    (name %s)\n", d->info.domid,
	       d->info.name);
	printf("    (uuid %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	       "%02x%02x%02x%02x%02x%02x)\n",
	       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	       u[10], u[11], u[12], u[13], u[14], u[15]);
	printf("    (memory %lu)\n    (maxmem %lu)\n    (vcpus %u)\n"
	       "    (state %s)\n    (cpu_time %.1f)\n",
	       mem_mb(d), mem_mb(d), nr_vcpus(d), state, cpu_time(d));
	if (d->xenner_pid > 0)
		printf("    (xenner_pid %d)\n", (int)d->xenner_pid);
	if (d->preserved)
		printf("    (vmcore %s)\n", d->core);
	if (d->info.domid || d->preserved)
		print_monitor_sxp(d->info.name);
	if (d->xenner_pid > 0)
		print_sxp_from_cmdline(d->xenner_pid);
	printf(")\n");
}

int cmd_list(int argc, char **argv)
{
	bool lng = false;
	struct xm_dom *doms;
	int n, i, shown = 0, rc = XM_EXIT_OK;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--long")) {
			lng = true;
		} else {
			xm_err("usage: %s list [-l] [NAME|ID ...]", XM_PROG);
			return XM_EXIT_USAGE;
		}
	}
	n = xm_domains(&doms, true);
	if (n < 0)
		return XM_EXIT_FAIL;
	if (!lng)
		printf("%-40s %5s %7s %5s %10s %9s\n", "Name", "ID", "Mem(MB)",
		       "VCPUs", "State", "Time(s)");
	for (int j = 0; j < n; j++) {
		char state[7], id[16];
		bool want = i == argc;

		for (int k = i; k < argc; k++) {
			char *end;
			long v = strtol(argv[k], &end, 10);

			want |= !strcmp(argv[k], doms[j].info.name) ||
				(!*end && v == (long)doms[j].info.domid);
		}
		if (!want)
			continue;
		shown++;
		if (lng) {
			print_long(&doms[j]);
			continue;
		}
		xm_state_string(&doms[j], state);
		snprintf(id, sizeof(id), "%u", doms[j].info.domid);
		printf("%-40s %5s %7lu %5u %10s %9.1f\n", doms[j].info.name, id,
		       mem_mb(&doms[j]), nr_vcpus(&doms[j]), state,
		       cpu_time(&doms[j]));
	}
	if (i < argc && shown < argc - i) {
		xm_err("some of the domains asked for do not exist");
		rc = XM_EXIT_FAIL;
	}
	free(doms);
	return rc;
}

int cmd_info(int argc, char **argv)
{
	struct utsname u;
	struct xm_dom *doms;
	long pages = sysconf(_SC_PHYS_PAGES);
	long avail = sysconf(_SC_AVPHYS_PAGES);
	long psz = sysconf(_SC_PAGESIZE);
	int n;

	(void)argv;
	if (argc) {
		xm_err("usage: %s info", XM_PROG);
		return XM_EXIT_USAGE;
	}
	n = xm_domains(&doms, false);
	if (n < 0)
		return XM_EXIT_FAIL;
	free(doms);
	uname(&u);
	printf("host                   : %s\n", u.nodename);
	printf("release                : %s\n", u.release);
	printf("version                : %s\n", u.version);
	printf("machine                : %s\n", u.machine);
	printf("nr_cpus                : %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("total_memory           : %lld\n", (long long)pages * psz >> 20);
	printf("free_memory            : %lld\n", (long long)avail * psz >> 20);
	printf("xen_major              : 4\n");
	printf("xen_minor              : 17\n");
	printf("xen_extra              : -xenner\n");
	printf("xen_caps               : xen-3.0-x86_64\n");
	printf("virt_caps              : pv (KVM, no Xen hypervisor)\n");
	printf("xenner_rundir          : %s\n", rundir_get());
	printf("nr_domains             : %d\n", n);
	return XM_EXIT_OK;
}

static void vcpu_rows(const struct xm_dom *d)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	if (d->xenner_pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", d->xenner_pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char comm[64] = "", cpath[128], cpu_s[16];
		unsigned id;
		int cpu = -1, tid = atoi(de->d_name);
		char state[4] = "-b-", st = 0;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(cpath, sizeof(cpath), "%s/%d/comm", path, tid);
		f = fopen(cpath, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		if (sscanf(comm, "vcpu%u", &id) != 1)
			continue;
		snprintf(cpath, sizeof(cpath), "%s/%d/stat", path, tid);
		f = fopen(cpath, "r");
		if (f) {
			char buf[512], *p = fgets(buf, sizeof(buf), f);

			fclose(f);
			if (p && (p = strrchr(buf, ')')))
				st = p[2];
		}
		if (d->info.flags & EVTCHND_DOMF_PAUSED)
			memcpy(state, "--p", 4);
		else if (st == 'R')
			memcpy(state, "r--", 4);
		double t = xm_cpu_seconds(d->xenner_pid, tid, &cpu);

		snprintf(cpu_s, sizeof(cpu_s), "%d", cpu);
		printf("%-32s %5u %5u %5s %5s %9.1f %s\n", d->info.name,
		       d->info.domid, id, cpu >= 0 ? cpu_s : "-", state, t,
		       "any cpu");
	}
	closedir(dir);
}

int cmd_vcpu_list(int argc, char **argv)
{
	struct xm_dom *doms;
	int n;

	if (argc > 1 || (argc && argv[0][0] == '-')) {
		xm_err("usage: %s vcpu-list [NAME|ID]", XM_PROG);
		return XM_EXIT_USAGE;
	}
	if (argc) {
		struct xm_dom d;

		if (xm_lookup(argv[0], &d))
			return XM_EXIT_FAIL;
		printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU",
		       "CPU", "State", "Time(s)", "CPU Affinity");
		vcpu_rows(&d);
		return XM_EXIT_OK;
	}
	n = xm_domains(&doms, false);
	if (n < 0)
		return XM_EXIT_FAIL;
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU",
	       "State", "Time(s)", "CPU Affinity");
	for (int i = 0; i < n; i++)
		vcpu_rows(&doms[i]);
	free(doms);
	return XM_EXIT_OK;
}
