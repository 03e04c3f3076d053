// SPDX-License-Identifier: MIT
/*
 * libxenner-preload.so: LD_PRELOADed into the stock daemons so that the
 * /proc/xen files they read exist without Xen:
 *   /proc/xen/capabilities  "control_d\n" (we are the control domain)
 *   /proc/xen/xsd_port      $XENNER_RUNDIR/xsd_port (written by evtchnd)
 *   /proc/xen/xsd_kva       $XENNER_RUNDIR/xsd_kva (the xenstore page of
 *                           dom0, created by evtchnd; mmapped shared)
 * and so that /dev/xen/<dev> never reaches a real Xen device node if the
 * host happens to have one: the shim libraries do that work, so those
 * opens fail with ENOENT, as on a host without Xen.
 *
 * Every libc entry point that can open a path by name is wrapped: glibc's
 * fortified __open_2 and friends, the 64-bit aliases, openat, fopen.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenner/rundir.h"

#define CAPABILITIES "control_d\n"

enum fake {
	FAKE_NONE,
	FAKE_CAPS,     /* serve from memory */
	FAKE_REDIRECT, /* open a file in the run directory instead */
	FAKE_NODEV,    /* ENOENT */
};

static const struct {
	const char *path;
	enum fake how;
	const char *name; /* FAKE_REDIRECT: file in the run directory */
} fakes[] = {
	{"/proc/xen/capabilities", FAKE_CAPS, NULL},
	{"/proc/xen/xsd_port", FAKE_REDIRECT, "xsd_port"},
	{"/proc/xen/xsd_kva", FAKE_REDIRECT, "xsd_kva"},
};

static enum fake classify(const char *path, const char **name)
{
	if (!path)
		return FAKE_NONE;
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		if (!strcmp(path, fakes[i].path)) {
			*name = fakes[i].name;
			return fakes[i].how;
		}
	}
	if (!strncmp(path, "/dev/xen/", 9))
		return FAKE_NODEV;
	return FAKE_NONE;
}

static void *next_sym(const char *sym)
{
	return dlsym(RTLD_NEXT, sym);
}

#define REAL(sym)                                                              \
	({                                                                     \
		static __typeof__(sym) *real_;                                 \
		if (!real_)                                                    \
			real_ = next_sym(#sym);                                \
		real_;                                                         \
	})

static int caps_fd(void)
{
	int fd = memfd_create("xen-capabilities", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, CAPABILITIES, strlen(CAPABILITIES)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Returns -2 if path is not ours (caller does the real open), else the
 * result of the fake open (fd or -1 with errno).  rpath gets the
 * redirected name for FAKE_REDIRECT.
 */
static int fake_open(const char *path, char *rpath, size_t len)
{
	const char *name = NULL;

	switch (classify(path, &name)) {
	case FAKE_NONE:
		return -2;
	case FAKE_CAPS:
		return caps_fd();
	case FAKE_NODEV:
		errno = ENOENT;
		return -1;
	case FAKE_REDIRECT:
		if (rundir_file(rpath, len, name) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return -3;
	}
	return -2;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

#define OPEN_WRAPPER(fn, realfn)                                               \
	int fn(const char *path, int flags, ...)                               \
	{                                                                      \
		char rpath[512];                                               \
		mode_t mode;                                                   \
		va_list ap;                                                    \
		int fd;                                                        \
                                                                               \
		va_start(ap, flags);                                           \
		mode = open_mode(flags, ap);                                   \
		va_end(ap);                                                    \
		fd = fake_open(path, rpath, sizeof(rpath));                    \
		if (fd == -3)                                                  \
			path = rpath;                                          \
		else if (fd != -2)                                             \
			return fd;                                             \
		return REAL(realfn)(path, flags, mode);                        \
	}

OPEN_WRAPPER(open, open)
OPEN_WRAPPER(open64, open64)

#define OPEN2_WRAPPER(fn)                                                      \
	int fn(const char *path, int flags)                                    \
	{                                                                      \
		char rpath[512];                                               \
		int fd = fake_open(path, rpath, sizeof(rpath));                \
                                                                               \
		if (fd == -3)                                                  \
			path = rpath;                                          \
		else if (fd != -2)                                             \
			return fd;                                             \
		return REAL(fn)(path, flags);                                  \
	}

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)

#define OPENAT_WRAPPER(fn)                                                     \
	int fn(int dirfd, const char *path, int flags, ...)                    \
	{                                                                      \
		char rpath[512];                                               \
		mode_t mode;                                                   \
		va_list ap;                                                    \
		int fd;                                                        \
                                                                               \
		va_start(ap, flags);                                           \
		mode = open_mode(flags, ap);                                   \
		va_end(ap);                                                    \
		fd = fake_open(path, rpath, sizeof(rpath));                    \
		if (fd == -3)                                                  \
			path = rpath;                                          \
		else if (fd != -2)                                             \
			return fd;                                             \
		return REAL(fn)(dirfd, path, flags, mode);                     \
	}

OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define OPENAT2_WRAPPER(fn)                                                    \
	int fn(int dirfd, const char *path, int flags)                         \
	{                                                                      \
		char rpath[512];                                               \
		int fd = fake_open(path, rpath, sizeof(rpath));                \
                                                                               \
		if (fd == -3)                                                  \
			path = rpath;                                          \
		else if (fd != -2)                                             \
			return fd;                                             \
		return REAL(fn)(dirfd, path, flags);                           \
	}

int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
OPENAT2_WRAPPER(__openat_2)
OPENAT2_WRAPPER(__openat64_2)

#define FOPEN_WRAPPER(fn)                                                      \
	FILE *fn(const char *path, const char *mode)                           \
	{                                                                      \
		char rpath[512];                                               \
		int fd = fake_open(path, rpath, sizeof(rpath));                \
		FILE *f;                                                       \
                                                                               \
		if (fd == -3)                                                  \
			return REAL(fn)(rpath, mode);                          \
		if (fd == -2)                                                  \
			return REAL(fn)(path, mode);                           \
		if (fd < 0)                                                    \
			return NULL;                                           \
		f = fdopen(fd, mode);                                          \
		if (!f)                                                        \
			close(fd);                                             \
		return f;                                                      \
	}

FOPEN_WRAPPER(fopen)
FOPEN_WRAPPER(fopen64)
