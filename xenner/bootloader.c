// SPDX-License-Identifier: MIT
/*
 * -bootloader: runs a Xen bootloader, Debian's unmodified pygrub, on the
 * guest's disk before the domain is built, as xl does for bootloader =
 * "pygrub".  pygrub reads the guest's grub.cfg (or menu.lst) from the
 * disk image, copies the chosen kernel and ramdisk into a private
 * directory and answers with their names and the command line.  xenner
 * loads them from there and removes the directory once they are in the
 * guest's memory.  As with xl, -kernel, -initrd and -append become
 * --kernel, --ramdisk and --args: paths inside the guest, and words added
 * to the command line the guest's configuration gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

extern char **environ;

/* Where xen-utils-4.17 puts pygrub; xl looks there first, then $PATH. */
#define XEN_BINDIR_DEFAULT "/usr/lib/xen-4.17/bin"
#define OUTPUT_TAIL	   4096 /* kept of what the bootloader prints */
#define ANSWER_MAX	   (64 << 10)
#define OPTS		   5 /* xenner's options with a value */

/* The first disk, or the one a bootloader argument names (vdev or path). */
static const struct xenner_disk *boot_disk(const struct xenner_config *c,
					   const char **named)
{
	*named = NULL;
	for (unsigned i = 0; i < c->nr_bootloader_args; i++) {
		const char *a = c->bootloader_args[i];

		for (unsigned j = 0; j < c->nr_disks; j++)
			if (!strcmp(a, c->disks[j].vdev) ||
			    !strcmp(a, c->disks[j].path)) {
				*named = a;
				return &c->disks[j];
			}
	}
	return c->nr_disks ? &c->disks[0] : NULL;
}

/* A bare name is looked for in $XEN_BINDIR (Debian's place), then $PATH. */
static int find_program(const char *name, char *out, size_t len)
{
	const char *bindir = getenv("XEN_BINDIR"), *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) ? -errno : 0;
	}
	snprintf(out, len, "%s/%s", bindir ? bindir : XEN_BINDIR_DEFAULT, name);
	if (!access(out, X_OK))
		return 0;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(out, len, "%.*s/%s", (int)n, path, name);
		if (n && !access(out, X_OK))
			return 0;
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void bootloader_cleanup(struct xenner *x)
{
	if (!x->bl.dir[0])
		return;
	if (nftw(x->bl.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS))
		log_warn("cannot remove %s: %s", x->bl.dir, strerror(errno));
	x->bl.dir[0] = '\0';
}

/*
 * Runs argv with its output (both streams) into tail, the last part of it
 * kept.  SIGTERM, SIGINT and SIGHUP stop the bootloader and us with it.
 */
static int run(char *const argv[], char *tail, size_t *tail_len, int *status)
{
	posix_spawn_file_actions_t fa;
	sigset_t stop, old, none;
	posix_spawnattr_t attr;
	int p[2], sfd, rc;
	pid_t pid = -1;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = sfd < 0 ? errno
		     : posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	*tail_len = 0;
	while (!rc) {
		struct pollfd pf[2] = {{p[0], POLLIN, 0}, {sfd, POLLIN, 0}};
		char buf[4096];
		ssize_t n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = errno;
			kill(pid, SIGTERM);
		} else if (pf[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				log_info("signal %u: stopping the bootloader",
					 si.ssi_signo);
			kill(pid, SIGTERM);
			rc = EINTR;
		} else if ((n = read(p[0], buf, sizeof(buf))) > 0) {
			if (*tail_len + n > OUTPUT_TAIL * 2) {
				memmove(tail, tail + OUTPUT_TAIL,
					*tail_len - OUTPUT_TAIL);
				*tail_len -= OUTPUT_TAIL;
			}
			memcpy(tail + *tail_len, buf, n);
			*tail_len += n;
		} else if (n == 0 || errno != EINTR) {
			break; /* the bootloader closed its output: it ends */
		}
	}
	while (pid > 0 && waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (sfd >= 0)
		close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

static int read_answer(const char *path, char *buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, ANSWER_MAX);
	close(fd);
	if (n < 0)
		return -errno;
	*len = n;
	return 0;
}

/* The bootloader failed: one line with what it said last. */
static void report(const struct xenner *x, const char *disk, int status,
		   const char *tail, size_t tail_len)
{
	char last[512];

	log_debug("bootloader output:\n%.*s", (int)tail_len, tail);
	bootloader_last_line(tail, tail_len, last, sizeof(last));
	if (!last[0] && WIFEXITED(status))
		snprintf(last, sizeof(last), "exit status %d",
			 WEXITSTATUS(status));
	else if (!last[0])
		snprintf(last, sizeof(last), "killed by signal %d",
			 WTERMSIG(status));
	log_err("bootloader %s failed on %s: %s%s", x->cfg.bootloader, disk,
		last,
		strstr(last, "Unable to find partition containing kernel")
			? " (no /boot/grub/grub.cfg, menu.lst or "
			  "extlinux.conf on a filesystem it reads)"
			: "");
}

/* The bootloader's arguments, as xl orders them. */
static int build_argv(const struct xenner *x, const char *prog,
		      const char *named, const char *disk,
		      char *const opts[OPTS], const char *argv[])
{
	const struct xenner_config *c = &x->cfg;
	unsigned n = 0;

	argv[n++] = prog;
	argv[n++] = "-q";
	for (unsigned i = 0; i < OPTS; i++)
		if (opts[i])
			argv[n++] = opts[i];
	argv[n++] = "--output-format=simple0";
	for (unsigned i = 0; i < c->nr_bootloader_args; i++) {
		const char *a = c->bootloader_args[i], *why;

		if (a == named)
			continue;
		why = bootloader_arg_refused(a);
		if (why) {
			log_err("-bootloader-arg %s: not supported (%s)", a,
				why);
			return -EINVAL;
		}
		argv[n++] = a;
	}
	argv[n++] = disk;
	argv[n] = NULL;
	return 0;
}

/*
 * --output, --output-directory, and -kernel, -initrd and -append as
 * --kernel, --ramdisk and --args; NULL where not given.
 */
static int make_opts(const struct xenner *x, const char *answer,
		     char *opts[OPTS])
{
	const struct xenner_config *c = &x->cfg;

	if (asprintf(&opts[0], "--output=%s", answer) < 0 ||
	    asprintf(&opts[1], "--output-directory=%s", x->bl.dir) < 0 ||
	    (c->kernel && asprintf(&opts[2], "--kernel=%s", c->kernel) < 0) ||
	    (c->initrd && asprintf(&opts[3], "--ramdisk=%s", c->initrd) < 0) ||
	    (c->cmdline && *c->cmdline &&
	     asprintf(&opts[4], "--args=%s", c->cmdline) < 0))
		return -ENOMEM;
	return 0;
}

/* The answer names the files and the line the domain is built with. */
static int take_answer(struct xenner *x, const char *path, const char *disk)
{
	struct xenner_config *c = &x->cfg;
	char *buf = malloc(ANSWER_MAX), err[512];
	size_t len = 0;
	int rc = buf ? read_answer(path, buf, &len) : -ENOMEM;

	if (rc) {
		log_err("bootloader %s: cannot read its answer: %s",
			c->bootloader, strerror(-rc));
	} else if (boot_choice_parse(&x->bl.choice, buf, len, x->bl.dir, err,
				     sizeof(err))) {
		log_err("bootloader %s on %s: %s", c->bootloader, disk, err);
		rc = -EINVAL;
	} else {
		c->kernel = x->bl.choice.kernel;
		c->initrd =
			x->bl.choice.ramdisk[0] ? x->bl.choice.ramdisk : NULL;
		c->cmdline =
			x->bl.choice.has_cmdline ? x->bl.choice.cmdline : NULL;
		log_info("bootloader %s found a kernel%s on %s", c->bootloader,
			 c->initrd ? " and a ramdisk" : "", disk);
	}
	free(buf);
	return rc;
}

int bootloader_run(struct xenner *x)
{
	struct xenner_config *c = &x->cfg;
	const char *argv[BOOTLOADER_MAX_ARGS + OPTS + 5], *named;
	const struct xenner_disk *d = boot_disk(c, &named);
	char prog[PATH_MAX], answer[300], *opts[OPTS] = {NULL};
	char tail[OUTPUT_TAIL * 2];
	size_t tail_len = 0;
	int rc, fd, status = 0;

	if (!d) {
		log_err("-bootloader %s needs a -disk to boot from",
			c->bootloader);
		return -EINVAL;
	}
	if (strcmp(d->driver, "raw")) {
		log_err("-bootloader %s reads raw disk images; %s is %s",
			c->bootloader, d->path, d->driver);
		return -EINVAL;
	}
	rc = find_program(c->bootloader, prog, sizeof(prog));
	if (rc && strchr(c->bootloader, '/')) {
		log_err("bootloader %s: %s", c->bootloader, strerror(-rc));
		return rc;
	}
	if (rc) {
		log_err("bootloader %s: not in %s nor in $PATH (Debian's pygrub "
			"is in xen-utils-4.17)",
			c->bootloader,
			getenv("XEN_BINDIR") ? getenv("XEN_BINDIR")
					     : XEN_BINDIR_DEFAULT);
		return rc;
	}
	snprintf(x->bl.label, sizeof(x->bl.label), "the kernel %s found on %s",
		 c->bootloader, d->path);
	if (rundir_ensure() ||
	    snprintf(x->bl.dir, sizeof(x->bl.dir), "%s/bootloader.%d.XXXXXX",
		     rundir_get(), (int)getpid()) >= (int)sizeof(x->bl.dir) ||
	    !mkdtemp(x->bl.dir)) {
		log_err("cannot make a directory for the bootloader in %s: %s",
			rundir_get(), strerror(errno));
		x->bl.dir[0] = '\0';
		return -EIO;
	}
	/* pygrub writes its answer only into a file that exists */
	snprintf(answer, sizeof(answer), "%s/answer", x->bl.dir);
	fd = open(answer, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || make_opts(x, answer, opts)) {
		rc = fd < 0 ? -errno : -ENOMEM;
		log_err("cannot prepare the bootloader: %s", strerror(-rc));
		goto out;
	}
	rc = build_argv(x, prog, named, d->path, opts, argv);
	if (rc)
		goto out;
	log_debug("running bootloader %s on %s", prog, d->path);
	rc = run((char *const *)argv, tail, &tail_len, &status);
	if (rc) {
		log_err("bootloader %s on %s: %s", c->bootloader, d->path,
			rc == -EINTR ? "interrupted" : strerror(-rc));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		report(x, d->path, status, tail, tail_len);
		rc = -EIO;
	} else {
		rc = take_answer(x, answer, d->path);
	}
out:
	if (fd >= 0)
		close(fd);
	for (unsigned i = 0; i < OPTS; i++)
		free(opts[i]);
	return rc;
}
