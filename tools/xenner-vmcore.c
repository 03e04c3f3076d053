// SPDX-License-Identifier: MIT
/*
 * xenner-vmcore: inspect a domain's vmcore file, or create an empty one for
 * tests.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenner/log.h"
#include "xenner/vmcore.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenner-vmcore [--loglevel LEVEL] info FILE\n"
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
	log_err("unknown command '%s'", argv[0]);
	usage(stderr);
	return 2;
}
