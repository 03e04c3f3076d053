/* SPDX-License-Identifier: MIT */
/*
 * Levelled logging shared by every daemon, tool and shim library.
 * Messages go to stderr (prefixed with the program name) or to syslog.
 */
#ifndef XENNER_LOG_H
#define XENNER_LOG_H

#include <stdbool.h>
#include <time.h>

enum xlog_level {
	XLOG_ERR = 0,
	XLOG_WARN,
	XLOG_INFO,
	XLOG_DEBUG,
};

/* prog is kept by pointer: pass a string that lives forever. */
void log_init(const char *prog, int level, bool use_syslog);
void log_set_level(int level);
int log_get_level(void);
/* Parses "err|warn|info|debug" or a digit 0-3; returns -1 if neither. */
int log_level_parse(const char *s);
/* Applies $XENNER_LOGLEVEL if set and valid (used by the shim libraries). */
void log_init_from_env(const char *prog);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Start-up only: logs at error level and exits with status 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...)   log_msg(XLOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(XLOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(XLOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(XLOG_DEBUG, __VA_ARGS__)

/*
 * Rate limit for messages a guest or peer can provoke: at most `burst`
 * messages per `interval` seconds; the rest are counted and summarised.
 */
struct ratelimit {
	int interval;
	int burst;
	time_t begin;
	int printed;
	unsigned long missed;
};

#define RATELIMIT_INIT(iv, b) { .interval = (iv), .burst = (b) }

bool ratelimit_ok(struct ratelimit *rl);

#define log_ratelimited(rl, level, ...)                                        \
	do {                                                                   \
		if (ratelimit_ok(rl))                                          \
			log_msg(level, __VA_ARGS__);                           \
	} while (0)

#endif
