// SPDX-License-Identifier: MIT
/*
 * The bootloader protocol: pygrub's simple0 answer (good ones, hostile
 * ones), the arguments a user may add, the line shown when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bootloader.h"

#define DIR "/run/xenner/bootloader.1.abc"

static int parse(struct boot_choice *c, const char *buf, size_t len, char *err)
{
	return boot_choice_parse(c, buf, len, DIR, err, 256);
}

#define ANSWER(s) s, sizeof(s) - 1

static void test_answer(void **state)
{
	struct boot_choice c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c,
			       ANSWER("kernel " DIR "/boot_kernel.x\0"
				      "ramdisk " DIR "//boot_ramdisk.y\0"
				      "args root=/dev/xvda1 x=\"a b\"\0"
				      "\0"),
			       err),
			 0);
	assert_string_equal(c.kernel, DIR "/boot_kernel.x");
	assert_string_equal(c.ramdisk, DIR "//boot_ramdisk.y");
	assert_true(c.has_cmdline);
	assert_string_equal(c.cmdline, "root=/dev/xvda1 x=\"a b\"");

	/* no ramdisk, no args; the closing empty record may be missing */
	assert_int_equal(parse(&c, ANSWER("kernel " DIR "/k\0"), err), 0);
	assert_string_equal(c.ramdisk, "");
	assert_false(c.has_cmdline);
}

static void expect_bad(const char *buf, size_t len, const char *want)
{
	struct boot_choice c;
	char err[256];

	assert_int_equal(parse(&c, buf, len, err), -1);
	if (!strstr(err, want)) {
		print_error("'%s' is not '%s'\n", err, want);
		fail();
	}
}

static void test_bad_answers(void **state)
{
	char big[2048];

	(void)state;
	expect_bad(ANSWER(""), "named no kernel");
	expect_bad(ANSWER("ramdisk " DIR "/r\0\0"), "named no kernel");
	expect_bad(ANSWER("kernel /etc/shadow\0"), "outside");
	expect_bad(ANSWER("kernel " DIR "x/k\0"), "outside");
	expect_bad(ANSWER("kernel " DIR "/../k\0"), "named its kernel");
	expect_bad(ANSWER("kernel " DIR "/a/k\0"), "named its kernel");
	expect_bad(ANSWER("kernel " DIR "/\0"), "named its kernel");
	expect_bad(ANSWER("kernel " DIR "/k"), "ends inside a record");
	expect_bad(ANSWER("linux (kernel /k)\0"), "unexpected answer");
	memcpy(big, "args ", 5);
	memset(big + 5, 'a', sizeof(big) - 6);
	big[sizeof(big) - 1] = '\0';
	expect_bad(big, sizeof(big), "longer than Xen's 1023 bytes");
}

static void test_args(void **state)
{
	(void)state;
	assert_null(bootloader_arg_refused("--entry=1"));
	assert_null(bootloader_arg_refused("--kernel=/boot/vmlinuz"));
	assert_null(bootloader_arg_refused("-q"));
	assert_null(bootloader_arg_refused("--runas=1000"));
	assert_null(bootloader_arg_refused("xvda"));
	assert_null(bootloader_arg_refused("--outputs"));
	assert_non_null(bootloader_arg_refused("--output=/tmp/x"));
	assert_non_null(bootloader_arg_refused("--output-directory=/tmp"));
	assert_non_null(bootloader_arg_refused("--output-format=sxp"));
	assert_non_null(strstr(bootloader_arg_refused("-i"), "--entry="));
	assert_non_null(bootloader_arg_refused("-qi"));
	assert_non_null(bootloader_arg_refused("--interactive"));
	assert_non_null(bootloader_arg_refused("-l"));
	assert_non_null(bootloader_arg_refused("--not-really"));
	assert_non_null(bootloader_arg_refused("--help"));
}

static void test_last_line(void **state)
{
	static const char tb[] =
		"Using <class 'grub.GrubConf.Grub2ConfigFile'>\n"
		"Traceback (most recent call last):\n"
		"  File \"pygrub\", line 1032, in <module>\n"
		"RuntimeError: Unable to find partition containing kernel\n\n";
	char out[128];

	(void)state;
	bootloader_last_line(tb, sizeof(tb) - 1, out, sizeof(out));
	assert_string_equal(out, "RuntimeError: Unable to find partition "
				 "containing kernel");
	bootloader_last_line("one line", 8, out, sizeof(out));
	assert_string_equal(out, "one line");
	bootloader_last_line("\n\n  \n", 5, out, sizeof(out));
	assert_string_equal(out, "");
	bootloader_last_line("a\x1b[2Jb\n", 7, out, sizeof(out));
	assert_string_equal(out, "a [2Jb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_last_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
