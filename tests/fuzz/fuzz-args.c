// SPDX-License-Identifier: MIT
/*
 * xenner's command line (xenner/args.c with the -disk, -net and -vfb
 * parsers of disk.c, net.c and vfb.c): the input is argv, NUL-separated.
 * -disk looks at the file it names: /dev/null and missing paths are what
 * the fuzzer can reach.  What the parsers print goes to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "xenner.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-args");
	/* stdio only: the sanitizers' reports still reach fd 2 */
	stdout = stderr = fopen("/dev/null", "w");
	if (!stdout)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xenner_config c;
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 1];
	int argc = 0, level = log_get_level();

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "xenner";
	for (char *p = buf; p < buf + size && argc < MAX_ARGS;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memset(&c, 0, sizeof(c));
	if (xenner_parse_args(&c, argc, argv) == 0) {
		fz_assert(c.name && strlen(c.name) < VMCORE_NAME_LEN);
		fz_assert(c.kernel || c.bootloader || c.check_kvm);
		fz_assert(c.mem_mb >= 16 && c.nr_vcpus >= 1 &&
			  c.nr_vcpus <= EMU_MAX_VCPUS);
	}
	fz_assert(c.nr_disks <= XENNER_MAX_DISKS &&
		  c.nr_nics <= XENNER_MAX_NICS &&
		  c.nr_bootloader_args <= BOOTLOADER_MAX_ARGS);
	/* main() frees these at exit (realpath()s) */
	for (unsigned int i = 0; i < c.nr_disks; i++)
		free(c.disks[i].path);
	log_set_level(level); /* -loglevel */
	free(buf);
	return 0;
}
