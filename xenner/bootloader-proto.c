// SPDX-License-Identifier: MIT
/*
 * The bootloader protocol xl speaks with pygrub, as pure functions: the
 * answer pygrub writes with --output-format=simple0 (NUL-ended records,
 * so a command line may hold any quotes and blanks), and the arguments
 * a user may add.  The answer is untrusted input: every length is checked.
 */
#include <stdio.h>
#include <string.h>

#include "bootloader.h"

/* "kernel PATH": PATH must be a file directly inside dir. */
static int take_path(char *dst, size_t size, const char *path, const char *dir,
		     const char *what, char *err, size_t errlen)
{
	size_t dl = strlen(dir);
	const char *name = path + dl;

	if (strncmp(path, dir, dl) || *name != '/') {
		snprintf(err, errlen,
			 "the bootloader put its %s outside %s: '%.200s'", what,
			 dir, path);
		return -1;
	}
	while (*name == '/')
		name++;
	if (!*name || strchr(name, '/') || !strcmp(name, "..")) {
		snprintf(err, errlen, "the bootloader named its %s '%.200s'",
			 what, path);
		return -1;
	}
	if (strlen(path) >= size) {
		snprintf(err, errlen, "the bootloader's %s path is too long",
			 what);
		return -1;
	}
	strcpy(dst, path);
	return 0;
}

int boot_choice_parse(struct boot_choice *c, const char *buf, size_t len,
		      const char *dir, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *nul = memchr(p, '\0', end - p);
		int rc = 0;

		if (!nul) {
			snprintf(err, errlen,
				 "the bootloader's answer ends "
				 "inside a record");
			return -1;
		}
		if (nul == p) /* the empty record ends the answer */
			break;
		if (!strncmp(p, "kernel ", 7)) {
			rc = take_path(c->kernel, sizeof(c->kernel), p + 7, dir,
				       "kernel", err, errlen);
		} else if (!strncmp(p, "ramdisk ", 8)) {
			rc = take_path(c->ramdisk, sizeof(c->ramdisk), p + 8,
				       dir, "ramdisk", err, errlen);
		} else if (!strncmp(p, "args ", 5)) {
			if ((size_t)(nul - p - 5) >= sizeof(c->cmdline)) {
				snprintf(err, errlen,
					 "the guest's command line is longer "
					 "than Xen's %d bytes",
					 BOOT_CMDLINE_MAX - 1);
				return -1;
			}
			strcpy(c->cmdline, p + 5);
			c->has_cmdline = true;
		} else {
			snprintf(err, errlen,
				 "unexpected answer from the bootloader: "
				 "'%.60s'",
				 p);
			return -1;
		}
		if (rc)
			return rc;
		p = nul + 1;
	}
	if (!c->kernel[0]) {
		snprintf(err, errlen, "the bootloader named no kernel");
		return -1;
	}
	return 0;
}

static const struct {
	const char *opt; /* "--x" also refuses "--x=..." */
	const char *why;
} refused[] = {
	{"--output", "xenner sets it"},
	{"--output-format", "xenner sets it"},
	{"--output-directory", "xenner sets it"},
	{"--interactive", "no interactive menu: choose with --entry="},
	{"--list-entries", "it makes the bootloader list, not boot"},
	{"--not-really", "it makes the bootloader pretend"},
	{"--isconfig", "it makes the bootloader print its configuration"},
	{"--help", "it makes the bootloader print its usage"},
};

const char *bootloader_arg_refused(const char *arg)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		size_t n = strlen(refused[i].opt);

		if (!strncmp(arg, refused[i].opt, n) &&
		    (!arg[n] || arg[n] == '='))
			return refused[i].why;
	}
	/* pygrub's short options may come bundled: -qi */
	if (arg[0] == '-' && arg[1] != '-') {
		for (const char *p = arg + 1; *p; p++) {
			if (*p == 'i')
				return refused[3].why;
			if (*p == 'l')
				return refused[4].why;
			if (*p == 'n')
				return refused[5].why;
			if (*p == 'h')
				return refused[7].why;
		}
	}
	return NULL;
}

void bootloader_last_line(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *start;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\r' || buf[len - 1] == '\t'))
		len--;
	start = buf + len;
	while (start > buf && start[-1] != '\n')
		start--;
	snprintf(out, outlen, "%.*s", (int)(len - (start - buf)), start);
	/* what the bootloader prints is shown to the user: no controls */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
}
