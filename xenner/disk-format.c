// SPDX-License-Identifier: MIT
/*
 * Disk image formats for -disk ...,format=NAME: raw images go to blkbackd
 * (or QEMU with backend=qdisk), the others to QEMU's qdisk backend, whose
 * block layer reads them.  The image's magic is checked here so that a
 * wrong format= is a clear error at start rather than a backend QEMU
 * refuses after the guest has booted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenner.h"

struct disk_format {
	const char *name;   /* as -disk format= (and xl's format=) */
	const char *driver; /* QEMU's block driver: the prefix of params */
	unsigned magic_off;
	const char *magic; /* NULL: no check */
	size_t magic_len;
};

#define MAGIC(off, s)                                                          \
	.magic_off = (off), .magic = (s), .magic_len = sizeof(s) - 1

static const struct disk_format formats[] = {
	{.name = "raw", .driver = "raw"},
	/* qcow and qcow2 share the magic; the version follows it */
	{.name = "qcow2", .driver = "qcow2", MAGIC(0, "QFI\xfb")},
	{.name = "qcow", .driver = "qcow", MAGIC(0, "QFI\xfb")},
	{.name = "qed", .driver = "qed", MAGIC(0, "QED\0")},
	{.name = "vdi", .driver = "vdi", MAGIC(0x40, "\x7f\x10\xda\xbe")},
	{.name = "vmdk", .driver = "vmdk"}, /* sparse or a text descriptor */
	{.name = "vpc", .driver = "vpc"},   /* VHD: fixed ones keep the */
	{.name = "vhd", .driver = "vpc"},   /* footer at the end only */
};

const char *disk_format_driver(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (!strcmp(formats[i].name, name))
			return formats[i].driver;
	return NULL;
}

static const struct disk_format *find(const char *driver)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (!strcmp(formats[i].driver, driver))
			return &formats[i];
	return NULL;
}

/* 1 if the file at fd carries f's magic, 0 if not, -errno. */
static int has_magic(int fd, const struct disk_format *f)
{
	unsigned char buf[16];
	uint32_t version;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf), f->magic_off);
	if (n < 0)
		return -errno;
	if ((size_t)n < f->magic_len || memcmp(buf, f->magic, f->magic_len))
		return 0;
	if (strcmp(f->driver, "qcow") && strcmp(f->driver, "qcow2"))
		return 1;
	if (n < 8)
		return 0;
	version = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
	return !strcmp(f->driver, "qcow") ? version == 1 : version >= 2;
}

/*
 * Does the image at path look like driver's format?  0 if it does (or the
 * format has no magic to check), -EINVAL if not, other -errno if the file
 * cannot be read.
 */
int disk_format_check(const char *path, const char *driver)
{
	const struct disk_format *f = find(driver);
	int fd, rc;

	if (!f || !f->magic)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = has_magic(fd, f);
	close(fd);
	return rc < 0 ? rc : rc ? 0 : -EINVAL;
}

/* The format an image's magic says, for a raw disk that is none: or NULL. */
const char *disk_format_guess(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *name = NULL;

	if (fd < 0)
		return NULL;
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats) && !name; i++)
		if (formats[i].magic && has_magic(fd, &formats[i]) == 1)
			name = formats[i].name;
	close(fd);
	return name;
}
