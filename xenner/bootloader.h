/* SPDX-License-Identifier: MIT */
/*
 * -bootloader: what xl's bootloader protocol asks of the toolstack, as
 * pure functions (bootloader-proto.c, unit-tested) beside the code that
 * runs the bootloader (bootloader.c).
 */
#ifndef XENNER_BOOTLOADER_H
#define XENNER_BOOTLOADER_H

#include <stdbool.h>
#include <stddef.h>

#define BOOTLOADER_MAX_ARGS 32
/* Xen's start_info holds at most this much command line (with its NUL). */
#define BOOT_CMDLINE_MAX 1024

/* What the bootloader chose: files in its output directory, the line. */
struct boot_choice {
	char kernel[256];
	char ramdisk[256]; /* "" without one */
	char cmdline[BOOT_CMDLINE_MAX];
	bool has_cmdline;
};

/*
 * Parses pygrub's --output-format=simple0 answer: NUL-ended records
 * "kernel PATH", "ramdisk PATH" and "args LINE", then an empty one.  The
 * files must lie directly in dir.  0, or -1 with the reason in err.
 */
int boot_choice_parse(struct boot_choice *c, const char *buf, size_t len,
		      const char *dir, char *err, size_t errlen);

/*
 * NULL if a -bootloader-arg may go to the bootloader, else why not:
 * xenner sets the output options itself and the bootloader must boot,
 * non-interactively.
 */
const char *bootloader_arg_refused(const char *arg);

/*
 * The last line a failed bootloader printed (Python's traceback ends with
 * the exception), trailing blanks cut, in out; "" if it printed nothing.
 */
void bootloader_last_line(const char *buf, size_t len, char *out,
			  size_t outlen);

#endif
