// SPDX-License-Identifier: MIT
/*
 * The stand-in's script language: one command per line, one result line
 * per command on stdout.  A xenstore error reply is a result ("ERROR
 * ENOENT"); anything else that goes wrong stops the script.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/sched.h>

#include "xenner/log.h"

#include "standin.h"

#define MAX_ARGS 3

bool script_done;

struct cmd {
	const char *name;
	int min_args, max_args;
	bool rest;     /* the last argument is the rest of the line */
	bool xenstore; /* needs the store ring */
	int (*fn)(struct standin *s, char **argv, int argc);
};

static const char *cur_line;

static int fail(struct standin *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct standin *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->stop_signal || s->destroyed)
		return -1; /* a normal end, not a failure: main says why */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("command '%s' failed: %s", cur_line, msg);
	return -1;
}

/* OK, ERROR <name> for a xenstore error reply, or a failure. */
static int xs_result(struct standin *s, int ret)
{
	if (ret == 0) {
		puts("OK");
		return 0;
	}
	if (s->xs.daemon_error) {
		printf("ERROR %s\n", xs_ring_errname(s->xs.daemon_error));
		return 0;
	}
	return fail(s, "%s", strerror(-ret));
}

static int cmd_write(struct standin *s, char **argv, int argc)
{
	return xs_result(
		s, xs_ring_write(&s->xs, argv[0], argc > 1 ? argv[1] : ""));
}

static int cmd_read(struct standin *s, char **argv, int argc)
{
	char *val = NULL;
	int ret = xs_ring_read(&s->xs, argv[0], &val);

	(void)argc;
	if (!ret)
		puts(val);
	free(val);
	return ret ? xs_result(s, ret) : 0;
}

static int cmd_ls(struct standin *s, char **argv, int argc)
{
	char *list = NULL;
	size_t len = 0;
	int ret = xs_ring_directory(&s->xs, argv[0], &list, &len);

	(void)argc;
	if (ret < 0)
		return xs_result(s, ret);
	for (size_t i = 0; i + 1 < len; i++)
		if (list[i] == '\0')
			list[i] = ' ';
	puts(list);
	free(list);
	return 0;
}

static int cmd_rm(struct standin *s, char **argv, int argc)
{
	(void)argc;
	return xs_result(s, xs_ring_rm(&s->xs, argv[0]));
}

static int cmd_watch(struct standin *s, char **argv, int argc)
{
	(void)argc;
	return xs_result(s, xs_ring_watch(&s->xs, argv[0], argv[1]));
}

static int cmd_unwatch(struct standin *s, char **argv, int argc)
{
	(void)argc;
	return xs_result(s, xs_ring_unwatch(&s->xs, argv[0], argv[1]));
}

static int parse_ms(struct standin *s, const char *arg, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 24 * 3600 * 1000)
		return fail(s, "bad milliseconds '%s'", arg);
	*ms = v;
	return 0;
}

static int cmd_wait_watch(struct standin *s, char **argv, int argc)
{
	int ms = s->timeout_ms, ret;
	char *path = NULL;

	if (argc > 1 && parse_ms(s, argv[1], &ms))
		return -1;
	ret = xs_ring_wait_watch(&s->xs, argv[0], ms, &path);
	if (ret == -ETIMEDOUT)
		return fail(s, "no event for token %s within %d ms", argv[0],
			    ms);
	if (ret)
		return fail(s, "%s", strerror(-ret));
	puts(path);
	free(path);
	return 0;
}

static int cmd_console(struct standin *s, char **argv, int argc)
{
	const char *text = argc > 0 ? argv[0] : "";
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	int ret;

	if (!buf)
		return fail(s, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\n';
	ret = standin_console(s, buf, len + 1);
	free(buf);
	if (ret == -ETIMEDOUT)
		return fail(s, "console ring stayed full for %d ms",
			    s->timeout_ms);
	if (ret)
		return fail(s, "%s", strerror(-ret));
	puts("OK");
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Sleeps while still serving events, so rings keep flowing. */
static int cmd_sleep(struct standin *s, char **argv, int argc)
{
	int64_t deadline, left;
	int ms, ret;

	(void)argc;
	if (parse_ms(s, argv[0], &ms))
		return -1;
	deadline = now_ms() + ms;
	while ((left = deadline - now_ms()) > 0) {
		ret = standin_wait(s, left);
		if (ret && ret != -ETIMEDOUT)
			return fail(s, "%s", strerror(-ret));
	}
	puts("OK");
	return 0;
}

static int cmd_domid(struct standin *s, char **argv, int argc)
{
	(void)s;
	(void)argv;
	(void)argc;
	printf("%" PRIu32 "\n", td.domid);
	return 0;
}

static int cmd_wait_signal(struct standin *s, char **argv, int argc)
{
	int ret;

	(void)argv;
	(void)argc;
	for (;;) {
		if (s->got_usr1) {
			s->got_usr1 = false;
			puts("SIGUSR1");
			return 0;
		}
		if (s->stop_signal) {
			puts(s->stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
			script_done = true;
			return 0;
		}
		ret = standin_wait(s, -1);
		if (ret && ret != -EINTR)
			return fail(s, "%s", strerror(-ret));
	}
}

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
};

static int cmd_shutdown(struct standin *s, char **argv, int argc)
{
	long reason = -1;
	char *end;
	int ret;

	(void)argc;
	for (size_t i = 0; i < sizeof(shutdown_names) / sizeof(char *); i++)
		if (!strcmp(argv[0], shutdown_names[i]))
			reason = i;
	if (reason < 0) {
		reason = strtol(argv[0], &end, 0);
		if (end == argv[0] || *end || reason < 0 || reason > 255)
			return fail(s, "unknown shutdown reason '%s'", argv[0]);
	}
	ret = evtchn_client_shutdown(&td.ec, td.domid, reason);
	if (ret < 0)
		return fail(s, "%s", strerror(-ret));
	td_set_shutdown(reason);
	puts("OK");
	return 0;
}

static const struct cmd cmds[] = {
	{"write", 1, 2, true, true, cmd_write},
	{"read", 1, 1, false, true, cmd_read},
	{"ls", 1, 1, false, true, cmd_ls},
	{"rm", 1, 1, false, true, cmd_rm},
	{"watch", 2, 2, false, true, cmd_watch},
	{"wait-watch", 1, 2, false, true, cmd_wait_watch},
	{"unwatch", 2, 2, false, true, cmd_unwatch},
	{"console", 0, 1, true, false, cmd_console},
	{"sleep", 1, 1, false, false, cmd_sleep},
	{"domid", 0, 0, false, false, cmd_domid},
	{"wait-signal", 0, 0, false, false, cmd_wait_signal},
	{"shutdown", 1, 1, false, false, cmd_shutdown},
};

static char *skip_blanks(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int script_run_line(struct standin *s, char *line)
{
	char *argv[MAX_ARGS], *p, *word;
	const struct cmd *cmd = NULL;
	int argc = 0;

	cur_line = line;
	p = skip_blanks(line);
	if (*p == '\0' || *p == '#')
		return 0;
	word = p;
	p += strcspn(p, " \t");
	if (*p)
		*p++ = '\0';
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(word, cmds[i].name))
			cmd = &cmds[i];
	if (!cmd) {
		log_err("unknown command '%s'", word);
		return -1;
	}
	for (;;) {
		p = skip_blanks(p);
		if (*p == '\0')
			break;
		if (argc == cmd->max_args) {
			log_err("%s: too many arguments", cmd->name);
			return -1;
		}
		argv[argc++] = p;
		if (cmd->rest && argc == cmd->max_args)
			break; /* the value keeps its spaces */
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
	if (argc < cmd->min_args) {
		log_err("%s: missing arguments", cmd->name);
		return -1;
	}
	if (cmd->xenstore && !s->use_xenstore) {
		log_err("%s: xenstore is disabled (--no-xenstore)", cmd->name);
		return -1;
	}
	return cmd->fn(s, argv, argc);
}
