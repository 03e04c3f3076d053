// SPDX-License-Identifier: MIT
/*
 * xenner-vmcore: inspect a domain's vmcore file (its note, its grant
 * entries in use), release the grants of dead dom0 processes, or create an
 * empty vmcore for tests.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xen/grant_table.h>

#include "xenner/gntpin.h"
#include "xenner/log.h"
#include "xenner/vmcore.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenner-vmcore [--loglevel LEVEL] info FILE\n"
		"       xenner-vmcore [--loglevel LEVEL] grants [--check] FILE\n"
		"       xenner-vmcore [--loglevel LEVEL] release-grants "
		"[--rundir DIR]\n"
		"       xenner-vmcore [--loglevel LEVEL] create FILE --domid N "
		"--pages N [--name S]\n");
}

static int parse_u64(const char *s, const char *what, uint64_t max,
		     uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		log_err("invalid %s '%s' (0..%" PRIu64 ")", what, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct vmcore vc;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (vmcore_open(&vc, argv[1], false))
		return 1;
	vmcore_describe(&vc, stdout);
	vmcore_close(&vc);
	return 0;
}

/* "permit_access,reading,writing" for an entry's flags. */
static const char *flags_str(uint16_t flags, char *buf, size_t len)
{
	static const char *const types[] = {"invalid", "permit_access",
					    "accept_transfer", "transitive"};

	snprintf(buf, len, "%s%s%s%s", types[flags & GTF_type_mask],
		 flags & GTF_readonly ? ",readonly" : "",
		 flags & GTF_reading ? ",reading" : "",
		 flags & GTF_writing ? ",writing" : "");
	return buf;
}

/*
 * Lists the grant entries dom0 has in use (GTF_reading or GTF_writing),
 * with the pins live processes hold on each (gntpin.<domid>).  An entry
 * whose flag no live process backs is "orphan": what a killed backend
 * leaves until its pins are released.
 */
static int cmd_grants(int argc, char **argv)
{
	struct gntpin t = {.fd = -1};
	int orphans = 0, ret;
	bool check = false;
	struct vmcore vc;
	struct stat st;
	uint32_t nr;

	if (argc == 3 && !strcmp(argv[1], "--check")) {
		check = true;
		argv++;
		argc--;
	}
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (vmcore_open(&vc, argv[1], false))
		return 1;
	if (vmcore_map_ram(&vc) || fstat(vc.fd, &st)) {
		vmcore_close(&vc);
		return 1;
	}
	ret = gntpin_open(&t, vc.dom->domid, st.st_dev, st.st_ino, false);
	if (ret && ret != -ENOENT)
		log_warn("no grant pin table: %s", strerror(-ret));
	nr = vc.dom->nr_gnttab_frames;
	if (nr > VMCORE_MAX_GNTTAB_FRAMES)
		nr = VMCORE_MAX_GNTTAB_FRAMES;
	printf("%-6s %-36s %5s %10s %5s %6s %s\n", "REF", "FLAGS", "DOMID",
	       "FRAME", "PINS", "WRITES", "STATE");
	for (uint32_t ref = 0; ref < nr * VMCORE_GNTTAB_PER_FRAME; ref++) {
		uint64_t pfn =
			vc.dom->gnttab_pfns[ref / VMCORE_GNTTAB_PER_FRAME];
		uint32_t pins = 0, writes = 0;
		grant_entry_v1_t e;
		bool orphan;
		char buf[64];

		if (pfn >= vc.nr_pages)
			continue;
		e = ((grant_entry_v1_t *)(vc.ram + pfn * VMCORE_PAGE_SIZE))
			[ref % VMCORE_GNTTAB_PER_FRAME];
		if (!(e.flags & (GTF_reading | GTF_writing)))
			continue;
		if (t.f)
			gntpin_held(&t, ref, &pins, &writes);
		orphan = ((e.flags & GTF_reading) && !pins) ||
			 ((e.flags & GTF_writing) && !writes);
		orphans += orphan;
		printf("%-6u %-36s %5u %#10x %5u %6u %s\n", ref,
		       flags_str(e.flags, buf, sizeof(buf)), e.domid, e.frame,
		       pins, writes, orphan ? "orphan" : "held");
	}
	if (t.f)
		gntpin_close(&t);
	vmcore_close(&vc);
	return check && orphans ? 1 : 0;
}

/* Releases the grant pins of dead processes in every domain's table. */
static int cmd_release_grants(int argc, char **argv)
{
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--rundir"))
		setenv("XENNER_RUNDIR", argv[2], 1);
	else if (argc != 1) {
		usage(stderr);
		return 2;
	}
	ret = gntpin_release_all();
	if (ret < 0) {
		log_err("cannot read the run directory: %s", strerror(-ret));
		return 1;
	}
	printf("released the grants of %d dead process(es)\n", ret);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{"domid", required_argument, NULL, 'd'},
		{"pages", required_argument, NULL, 'p'},
		{"name", required_argument, NULL, 'n'},
		{0},
	};
	uint64_t domid = UINT64_MAX, pages = 0;
	const char *name = "";
	struct vmcore vc;
	int c;

	/* 0, not 1: makes glibc reinitialise for the new argv. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_u64(optarg, "domid", 0x7fef, &domid))
				return 2;
			break;
		case 'p':
			if (parse_u64(optarg, "page count", VMCORE_MAX_PAGES,
				      &pages))
				return 2;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || domid == UINT64_MAX || pages == 0) {
		usage(stderr);
		return 2;
	}
	if (vmcore_create(&vc, argv[optind], domid, name, NULL, pages, 1))
		return 1;
	vmcore_close(&vc);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"loglevel", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, level;

	log_init("xenner-vmcore", XLOG_INFO, false);
	/* "+": stop at the subcommand; it parses its own options. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			level = log_level_parse(optarg);
			if (level < 0)
				die("invalid log level '%s'", optarg);
			log_set_level(level);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "info"))
		return cmd_info(argc, argv);
	if (!strcmp(argv[0], "create"))
		return cmd_create(argc, argv);
	if (!strcmp(argv[0], "grants"))
		return cmd_grants(argc, argv);
	if (!strcmp(argv[0], "release-grants"))
		return cmd_release_grants(argc, argv);
	log_err("unknown command '%s'", argv[0]);
	usage(stderr);
	return 2;
}
