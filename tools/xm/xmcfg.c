// SPDX-License-Identifier: MIT
/*
 * The syntax of xm configuration files.  A small hand-written scanner
 * instead of a Python interpreter: only assignments of strings, integers
 * and flat lists are valid, which is what Xen's own examples use.  Lists
 * are never nested, so the parser does not recurse and hostile input
 * cannot exhaust the stack.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmcfg.h"

struct scan {
	const char *p, *end;
	const char *file;
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct scan *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(s->err, s->errlen, "%s:%u: ", s->file, s->line);
	if (n < 0 || (size_t)n >= s->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->err + n, s->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Blanks, comments and (with newlines) line ends; backslash-newline too. */
static void skip_space(struct scan *s, bool newlines)
{
	while (s->p < s->end) {
		char ch = *s->p;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f') {
			s->p++;
		} else if (ch == '\\' && s->p + 1 < s->end && s->p[1] == '\n') {
			s->p += 2;
			s->line++;
		} else if (ch == '#') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
		} else if (ch == '\n' && newlines) {
			s->p++;
			s->line++;
		} else {
			return;
		}
	}
}

static bool is_ident(char ch, bool first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || (!first && ch >= '0' && ch <= '9');
}

static const char *show(char ch)
{
	static char buf[8];

	if (ch > ' ' && ch < 127)
		snprintf(buf, sizeof(buf), "'%c'", ch);
	else
		snprintf(buf, sizeof(buf), "\\x%02x", (unsigned char)ch);
	return buf;
}

static int scan_string(struct scan *s, struct xmcfg_value *v)
{
	char quote = *s->p++, *out;
	size_t n = 0;

	if (s->end - s->p >= 2 && s->p[0] == quote && s->p[1] == quote)
		return fail(s, "triple-quoted strings are not supported");
	out = malloc(XMCFG_MAX_STRING + 1);
	if (!out)
		return fail(s, "out of memory");
	for (;;) {
		char ch;

		if (s->p >= s->end || *s->p == '\n') {
			free(out);
			return fail(s, "unterminated string");
		}
		ch = *s->p++;
		if (ch == quote)
			break;
		if (ch == '\\' && s->p < s->end) {
			char e = *s->p++;

			switch (e) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case '\\':
			case '\'':
			case '"':
				ch = e;
				break;
			case '\n': /* continuation inside the string */
				s->line++;
				continue;
			default: /* Python keeps unknown escapes */
				if (n >= XMCFG_MAX_STRING)
					goto toolong;
				out[n++] = '\\';
				ch = e;
				break;
			}
		}
		if (ch == '\0') {
			free(out);
			return fail(s, "NUL byte in a string");
		}
		if (n >= XMCFG_MAX_STRING)
			goto toolong;
		out[n++] = ch;
	}
	out[n] = '\0';
	v->type = XMCFG_STR;
	v->str = out;
	return 0;
toolong:
	free(out);
	return fail(s, "string longer than %d bytes", XMCFG_MAX_STRING);
}

static int scan_number(struct scan *s, struct xmcfg_value *v)
{
	char buf[32], *end;
	size_t n = 0;
	long long num;

	while (s->p < s->end && (is_ident(*s->p, false) || *s->p == '-')) {
		if (n + 1 >= sizeof(buf))
			return fail(s, "number too long");
		buf[n++] = *s->p++;
	}
	buf[n] = '\0';
	errno = 0;
	num = strtoll(buf, &end, 0);
	/* Python reads 010 as an error; so do we (no octal surprises) */
	if (errno || *end || end == buf ||
	    (buf[0] == '0' && buf[1] >= '0' && buf[1] <= '9'))
		return fail(s, "bad number '%s'", buf);
	v->type = XMCFG_INT;
	v->num = num;
	return 0;
}

/* A string, an integer, or True/False. */
static int scan_scalar(struct scan *s, struct xmcfg_value *v)
{
	const char *start = s->p;

	if (s->p >= s->end)
		return fail(s, "value missing at the end of the file");
	if (*s->p == '\'' || *s->p == '"')
		return scan_string(s, v);
	if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
		return scan_number(s, v);
	if (is_ident(*s->p, true)) {
		while (s->p < s->end && is_ident(*s->p, false))
			s->p++;
		v->type = XMCFG_INT;
		if ((size_t)(s->p - start) == 4 && !memcmp(start, "True", 4)) {
			v->num = 1;
			return 0;
		}
		if ((size_t)(s->p - start) == 5 && !memcmp(start, "False", 5)) {
			v->num = 0;
			return 0;
		}
		return fail(s, "'%.*s' is not a value (strings need quotes)",
			    (int)(s->p - start > 40 ? 40 : s->p - start),
			    start);
	}
	if (*s->p == '[')
		return fail(s, "lists inside lists are not supported");
	if (*s->p == '\n')
		return fail(s, "value missing");
	return fail(s, "unexpected %s where a value should be", show(*s->p));
}

static void value_free(struct xmcfg_value *v)
{
	free(v->str);
	for (size_t i = 0; i < v->nr_items; i++)
		free(v->items[i].str);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static int scan_list(struct scan *s, struct xmcfg_value *v)
{
	unsigned start_line = s->line;

	s->p++; /* [ */
	v->type = XMCFG_LIST;
	v->items = calloc(XMCFG_MAX_ITEMS, sizeof(*v->items));
	if (!v->items)
		return fail(s, "out of memory");
	for (;;) {
		skip_space(s, true);
		if (s->p >= s->end) {
			s->line = start_line;
			return fail(s, "list not closed with ']'");
		}
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if (v->nr_items >= XMCFG_MAX_ITEMS)
			return fail(s, "list with more than %d items",
				    XMCFG_MAX_ITEMS);
		if (scan_scalar(s, &v->items[v->nr_items]))
			return -1;
		v->nr_items++;
		skip_space(s, true);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p < s->end && *s->p != ']')
			return fail(s, "expected ',' or ']' in a list, not %s",
				    show(*s->p));
	}
}

static int add_entry(struct xmcfg *c, struct scan *s, const char *key,
		     struct xmcfg_value *v, unsigned line)
{
	struct xmcfg_entry *e = NULL;

	for (size_t i = 0; i < c->nr_entries; i++)
		if (!strcmp(c->entries[i].key, key))
			e = &c->entries[i];
	if (e) {
		value_free(&e->v);
	} else {
		if (c->nr_entries >= XMCFG_MAX_ENTRIES)
			return fail(s, "more than %d settings",
				    XMCFG_MAX_ENTRIES);
		if (!c->entries) {
			c->entries =
				calloc(XMCFG_MAX_ENTRIES, sizeof(*c->entries));
			if (!c->entries)
				return fail(s, "out of memory");
		}
		e = &c->entries[c->nr_entries++];
		snprintf(e->key, sizeof(e->key), "%s", key);
	}
	snprintf(e->file, sizeof(e->file), "%s", s->file);
	e->line = line;
	e->v = *v;
	memset(v, 0, sizeof(*v));
	return 0;
}

static int scan_assignment(struct xmcfg *c, struct scan *s)
{
	struct xmcfg_value v = {0};
	char key[XMCFG_MAX_KEY];
	unsigned line = s->line;
	size_t n = 0;

	if (!is_ident(*s->p, true))
		return fail(s, "expected a setting name, not %s", show(*s->p));
	while (s->p < s->end && is_ident(*s->p, false)) {
		if (n + 1 >= sizeof(key))
			return fail(s, "setting name longer than %d bytes",
				    XMCFG_MAX_KEY - 1);
		key[n++] = *s->p++;
	}
	key[n] = '\0';
	skip_space(s, false);
	if (s->p >= s->end || *s->p != '=')
		return fail(s, "expected '=' after '%s'", key);
	s->p++;
	skip_space(s, false);
	if (s->p < s->end && *s->p == '[') {
		if (scan_list(s, &v))
			goto bad;
	} else if (scan_scalar(s, &v)) {
		goto bad;
	}
	skip_space(s, false);
	if (s->p < s->end && *s->p == ';')
		s->p++;
	skip_space(s, false);
	if (s->p < s->end && *s->p != '\n') {
		fail(s, "unexpected %s after the value of '%s'", show(*s->p),
		     key);
		goto bad;
	}
	if (add_entry(c, s, key, &v, line))
		goto bad;
	return 0;
bad:
	value_free(&v);
	return -1;
}

int xmcfg_parse(struct xmcfg *c, const char *file, const char *buf, size_t len,
		char *err, size_t errlen)
{
	struct scan s = {
		.p = buf,
		.end = buf + len,
		.file = file,
		.line = 1,
		.err = err,
		.errlen = errlen,
	};
	const char *nul = memchr(buf, '\0', len);

	if (nul) {
		for (const char *q = buf; q < nul; q++)
			s.line += *q == '\n';
		return fail(&s, "NUL byte (not a text file?)");
	}
	if (len > XMCFG_MAX_FILE)
		return fail(&s, "file larger than %d bytes", XMCFG_MAX_FILE);
	if (!c->file[0])
		snprintf(c->file, sizeof(c->file), "%s", file);
	for (;;) {
		skip_space(&s, true);
		if (s.p >= s.end)
			return 0;
		if (scan_assignment(c, &s))
			return -1;
	}
}

int xmcfg_load(struct xmcfg *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > XMCFG_MAX_FILE) {
		snprintf(err, errlen,
			 "%s: not a regular file of at most %d "
			 "bytes",
			 path, XMCFG_MAX_FILE);
		close(fd);
		return -1;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = read(fd, buf, st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		return -1;
	}
	rc = xmcfg_parse(c, path, buf, n, err, errlen);
	free(buf);
	return rc;
}

const struct xmcfg_entry *xmcfg_get(const struct xmcfg *c, const char *key)
{
	for (size_t i = 0; i < c->nr_entries; i++)
		if (!strcmp(c->entries[i].key, key))
			return &c->entries[i];
	return NULL;
}

void xmcfg_free(struct xmcfg *c)
{
	for (size_t i = 0; i < c->nr_entries; i++)
		value_free(&c->entries[i].v);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}
