// SPDX-License-Identifier: MIT
/*
 * The command script of a test guest: one command per argument, or per
 * line of stdin, each printing one result line the shell test compares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int td_words(char *line, char **w, int max)
{
	char *save;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

int td_common_cmd(char **w, int n)
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
