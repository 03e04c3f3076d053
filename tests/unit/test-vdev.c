// SPDX-License-Identifier: MIT
/* Virtual block device names to xenstore device ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xenner/vdev.h"

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(vdev_to_devid("xvda"), 51712);
	assert_int_equal(vdev_to_devid("xvdb"), 51728);
	assert_int_equal(vdev_to_devid("xvda1"), 51713);
	assert_int_equal(vdev_to_devid("xvdp"), (202 << 8) | (15 << 4));
	assert_int_equal(vdev_to_devid("xvdq"), (1 << 28) | (16 << 8));
	assert_int_equal(vdev_to_devid("xvdaa"), (1 << 28) | (26 << 8));
	assert_int_equal(vdev_to_devid("sda"), 2048);
	assert_int_equal(vdev_to_devid("sdb2"), 2048 + 16 + 2);
	assert_int_equal(vdev_to_devid("hda"), 768);
	assert_int_equal(vdev_to_devid("hdb"), 768 + 64);
	assert_int_equal(vdev_to_devid("hdc"), 22 << 8);
	assert_int_equal(vdev_to_devid("51712"), 51712);
}

static void test_garbage(void **state)
{
	(void)state;
	assert_int_equal(vdev_to_devid(""), -1);
	assert_int_equal(vdev_to_devid("xvd"), -1);
	assert_int_equal(vdev_to_devid("xvdA"), -1);
	assert_int_equal(vdev_to_devid("xvda0"), -1);
	assert_int_equal(vdev_to_devid("xvda1x"), -1);
	assert_int_equal(vdev_to_devid("hde"), -1);
	assert_int_equal(vdev_to_devid("sda16"), -1);
	assert_int_equal(vdev_to_devid("0"), -1);
	assert_int_equal(vdev_to_devid("12abc"), -1);
	assert_int_equal(vdev_to_devid("99999999999"), -1);
	assert_int_equal(vdev_to_devid("xvdzzzzzzzzzz"), -1);
	assert_int_equal(vdev_to_devid("eth0"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
