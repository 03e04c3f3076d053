// SPDX-License-Identifier: MIT
/*
 * The command script of a test guest: one command per argument, or per
 * line of stdin, each printing one result line the shell test compares.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenner/log.h"

#include "testdom.h"

int td_run_script(int argc, char **argv, int (*run_line)(char *line),
		  const bool *done)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (argc == 1 && !strcmp(argv[0], "-")) {
		while (!ret && !(done && *done) &&
		       getline(&line, &cap, stdin) >= 0) {
			line[strcspn(line, "\n")] = '\0';
			ret = run_line(line);
		}
		free(line);
		return ret;
	}
	for (int i = 0; i < argc && !ret && !(done && *done); i++)
		ret = run_line(argv[i]);
	return ret;
}

static int common_cmd(char **w, int n)
{
	if (!strcmp(w[0], "domid")) {
		printf("%u\n", td.domid);
		return 0;
	}
	if (!strcmp(w[0], "sleep") && n == 2) {
		usleep(td_num(w[1]) * 1000);
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
	return 1;
}

int td_cmd_line(char *line, int (*cmd)(char **w, int n))
{
	char *w[16], *save;
	int n = 0, ret;

	for (char *t = strtok_r(line, " \t", &save); t && n < 16;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (!n || w[0][0] == '#')
		return 0;
	ret = common_cmd(w, n);
	return ret <= 0 ? ret : cmd(w, n);
}

uint64_t td_num(const char *s)
{
	return s ? strtoull(s, NULL, 0) : 0;
}

bool td_has_word(char **w, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i], word))
			return true;
	return false;
}

const char *td_opt_str(char **w, int n, const char *key)
{
	size_t l = strlen(key);

	for (int i = 0; i < n; i++)
		if (!strncmp(w[i], key, l) && w[i][l] == '=')
			return w[i] + l + 1;
	return NULL;
}

unsigned int td_opt_val(char **w, int n, const char *key, unsigned int def)
{
	const char *v = td_opt_str(w, n, key);

	return v ? strtoul(v, NULL, 0) : def;
}

int td_main(int argc, char **argv, const struct td_prog *p)
{
	struct option opts[] = {
		{"pages", required_argument, NULL, 'p'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"loglevel", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
		{0},
	};
	uint64_t pages = 16384;
	int c, ret;

	if (p->opt)
		opts[4] = *p->opt;
	log_init(p->name, XLOG_WARN, false);
	/* "+": commands such as "write 0 1 -1" are not options. */
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
			p->usage(stdout);
			return 0;
		default:
			if (p->opt && c == p->opt->val)
				return p->opt_fn(argc - optind, argv + optind);
			p->usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || pages < p->min_pages) {
		p->usage(stderr);
		return 2;
	}
	/* Results are read line by line by shell tests, maybe via a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = td_create(p->domain, pages, p->gnttab_pfn, p->gnttab_frames);
	if (!ret)
		ret = td_xs_open();
	if (!ret) {
		td_start();
		ret = td_run_script(argc - optind, argv + optind, p->run_line,
				    NULL);
	}
	td_destroy();
	return ret ? 1 : 0;
}
