/* SPDX-License-Identifier: MIT */
/*
 * xm configuration files: the Python-like `key = value` syntax Xen users
 * write (strings in '' or "", integers, lists that may span lines, #
 * comments).  This layer only knows the syntax; xmdom.c gives the keys
 * their meaning.  Input is untrusted: every limit is checked and every
 * error names the file and line.
 */
#ifndef XENNER_XMCFG_H
#define XENNER_XMCFG_H

#include <stddef.h>

#define XMCFG_MAX_FILE	  (1 << 20) /* bytes */
#define XMCFG_MAX_STRING  4096	    /* bytes in one string */
#define XMCFG_MAX_ITEMS	  64	    /* items in one list */
#define XMCFG_MAX_ENTRIES 256	    /* assignments in one file */
#define XMCFG_MAX_KEY	  64

enum xmcfg_type {
	XMCFG_STR,
	XMCFG_INT,
	XMCFG_LIST, /* of XMCFG_STR and XMCFG_INT items */
};

struct xmcfg_value {
	enum xmcfg_type type;
	char *str;
	long long num;
	struct xmcfg_value *items;
	size_t nr_items;
};

struct xmcfg_entry {
	char key[XMCFG_MAX_KEY];
	char file[128]; /* the source, for messages */
	unsigned line;
	struct xmcfg_value v;
};

struct xmcfg {
	struct xmcfg_entry *entries;
	size_t nr_entries;
	char file[256];
};

/*
 * Parses buf (len bytes; may contain NULs, which are refused) and appends
 * its assignments; a later assignment of a key overrides an earlier one
 * (as Python's would).  Returns 0, or -1 with a message "FILE:LINE: what"
 * in err.
 */
int xmcfg_parse(struct xmcfg *c, const char *file, const char *buf, size_t len,
		char *err, size_t errlen);
/* Reads and parses a file. */
int xmcfg_load(struct xmcfg *c, const char *path, char *err, size_t errlen);
/* The last assignment of key, or NULL. */
const struct xmcfg_entry *xmcfg_get(const struct xmcfg *c, const char *key);
void xmcfg_free(struct xmcfg *c);

#endif
