// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "xenner/log.h"

static const char *log_prog = "xenner";
static int log_level = XLOG_INFO;
static bool log_syslog;

static const char *const level_names[] = {
	[XLOG_ERR] = "err",
	[XLOG_WARN] = "warn",
	[XLOG_INFO] = "info",
	[XLOG_DEBUG] = "debug",
};

static const int syslog_prio[] = {
	[XLOG_ERR] = LOG_ERR,
	[XLOG_WARN] = LOG_WARNING,
	[XLOG_INFO] = LOG_INFO,
	[XLOG_DEBUG] = LOG_DEBUG,
};

void log_init(const char *prog, int level, bool use_syslog)
{
	log_prog = prog;
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = XLOG_ERR; i <= XLOG_DEBUG; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

void log_init_from_env(const char *prog)
{
	int level = log_level_parse(getenv("XENNER_LOGLEVEL"));

	log_prog = prog;
	if (level >= 0)
		log_level = level;
}

static void log_vmsg(int level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_syslog) {
		syslog(syslog_prio[level], "%s", buf);
		return;
	}
	/* One write per line so that lines of concurrent processes stay whole. */
	dprintf(STDERR_FILENO, "%s: %s: %s\n", log_prog, level_names[level],
		buf);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level < XLOG_ERR)
		level = XLOG_ERR;
	if (level > XLOG_DEBUG || level > log_level)
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(XLOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

bool ratelimit_ok(struct ratelimit *rl)
{
	time_t now = time(NULL);

	if (now - rl->begin >= rl->interval) {
		if (rl->missed)
			log_msg(XLOG_WARN, "%lu messages suppressed",
				rl->missed);
		rl->begin = now;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}
