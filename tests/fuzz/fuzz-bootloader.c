// SPDX-License-Identifier: MIT
/*
 * xenner's side of the bootloader protocol (xenner/bootloader-proto.c):
 * pygrub's simple0 answer, which comes from a program reading a disk the
 * guest wrote, the line of a failed bootloader's output, and the
 * -bootloader-arg check.
 */
#include <stdlib.h>

#include "bootloader.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-bootloader");
	return 0;
}

/* A file directly inside dir, as bootloader.c opens and later removes. */
static void check_path(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	fz_assert(!strncmp(path, dir, dl) && path[dl] == '/');
	path += dl;
	while (*path == '/')
		path++;
	fz_assert(*path && !strchr(path, '/') && strcmp(path, ".."));
}

static bool has_nul(const char *s, size_t len)
{
	return memchr(s, 0, len) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char dir[] = "/run/xenner/bootloader.1";
	struct boot_choice c;
	char err[256], line[128], *buf, *arg;

	/* An exact-size copy: ASan sees a read past the answer. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!boot_choice_parse(&c, buf, size, dir, err, sizeof(err))) {
		/* What bootloader.c then opens and passes on. */
		fz_assert(has_nul(c.kernel, sizeof(c.kernel)) &&
			  has_nul(c.ramdisk, sizeof(c.ramdisk)) &&
			  has_nul(c.cmdline, sizeof(c.cmdline)));
		check_path(c.kernel, dir);
		if (c.ramdisk[0])
			check_path(c.ramdisk, dir);
	} else {
		fz_assert(err[0]);
	}
	bootloader_last_line(buf, size, line, sizeof(line));
	fz_assert(has_nul(line, sizeof(line)));
	arg = strndup(buf, size);
	if (arg)
		bootloader_arg_refused(arg);
	free(arg);
	free(buf);
	return 0;
}
