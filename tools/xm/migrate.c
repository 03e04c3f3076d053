// SPDX-License-Identifier: MIT
/*
 * xenner-xm migrate and migrate-receive (docs/migration.md).  migrate
 * starts the receiver as `ssh HOST xenner-xm migrate-receive` (xl's -s
 * convention: another command, or with -s '' HOST is the command), on a
 * socket pair, and hands its end to the domain's xenner, which does the
 * migration (xenner/migrate-send.c).  migrate-receive reads the stream
 * (include/xenner/migrate-stream.h) on stdin into an image file, restores
 * it paused, answers on stdout, and lets it run on MIG_GO.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenner/migrate-stream.h"
#include "xenner/rundir.h"
#include "xenner/vmcore.h"
#include "xm.h"

#define MIGRATE_DEFAULT_TIMEOUT 30
#define PAGE			4096ULL

int cmd_migrate(int argc, char **argv)
{
	const char *ssh = "ssh";
	unsigned timeout = MIGRATE_DEFAULT_TIMEOUT, mibps = 0;
	bool live = false;
	char cmd[PATH_MAX * 2], req[64], reply[700];
	struct xm_dom d;
	int sv[2], opt, st, rc;
	pid_t pid;

	optind = 0;
	while ((opt = getopt(argc + 1, argv - 1, "+lb:s:t:")) != -1) {
		if (opt == 'l')
			live = true;
		else if (opt == 'b' && atoi(optarg) > 0 &&
			 atoi(optarg) <= 1000000)
			mibps = atoi(optarg);
		else if (opt == 's')
			ssh = optarg;
		else if (opt == 't' && atoi(optarg) > 0)
			timeout = atoi(optarg);
		else
			goto usage;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 2)
		goto usage;
	if (xm_lookup_running("migrate", argv[0], &d))
		return XM_EXIT_FAIL;
	if (*ssh)
		rc = snprintf(cmd, sizeof(cmd),
			      "%s %s xenner-xm migrate-receive", ssh, argv[1]);
	else
		rc = snprintf(cmd, sizeof(cmd), "%s", argv[1]);
	if (rc < 0 || rc >= (int)sizeof(cmd)) {
		xm_err("migrate: command too long");
		return XM_EXIT_FAIL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		xm_err("migrate: socketpair: %s", strerror(errno));
		return XM_EXIT_FAIL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(sv[1], STDIN_FILENO);
		dup2(sv[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		xm_err("migrate: fork: %s", strerror(errno));
		return XM_EXIT_FAIL;
	}
	snprintf(req, sizeof(req), "migrate %d %u %u", live, timeout, mibps);
	/* pre-copy, the guest's time to suspend, the receiver's restore */
	rc = xm_control_ask(d.info.domid, req, sv[0], NULL, reply,
			    sizeof(reply), timeout + 3600);
	close(sv[0]); /* xenner has its own; the receiver sees EOF at its end */
	waitpid(pid, &st, 0);
	if (rc)
		return XM_EXIT_FAIL;
	if (strncmp(reply, "ok", 2)) {
		xm_err("migrate %s: %s", argv[0], reply);
		return XM_EXIT_FAIL;
	}
	if (reply[2] == ':')
		printf("%s migrated:%s\n", d.info.name, reply + 3);
	xm_wait_gone(d.info.domid, 30);
	return XM_EXIT_OK;
usage:
	xm_err("usage: %s migrate [-l] [-b MIB/S] [-s SSHCOMMAND] [-t SECS] "
	       "NAME|ID HOST",
	       XM_PROG);
	return XM_EXIT_USAGE;
}

/* --- the receiving side --- */

struct receiver {
	char path[PATH_MAX]; /* the image file */
	int fd;
	bool unnamed; /* O_TMPFILE: path is its name once it is whole */
	pid_t xenner; /* the paused restore, 0 before */
	int domid;
	struct mig_hello hello;
	uint8_t *buf;
};

static int read_full(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = read(STDIN_FILENO, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

static void answer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void answer(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(STDOUT_FILENO, line, len) != len)
		xm_err("migrate-receive: the sender is gone");
}

/* Whatever the receiver made goes: the image, a restored domain. */
static int give_up(struct receiver *r, const char *why)
{
	xm_err("migrate-receive: %s%s", why,
	       r->xenner ? "; the restored domain is destroyed" : "");
	if (r->xenner > 0) {
		kill(r->xenner, SIGTERM);
		waitpid(r->xenner, NULL, 0);
	}
	if (r->fd >= 0)
		close(r->fd);
	if (r->path[0])
		unlink(r->path);
	free(r->buf);
	return XM_EXIT_FAIL;
}

/* The whole image gets its name, for xenner -restore. */
static int name_image(struct receiver *r)
{
	char fdpath[64];

	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", r->fd);
	if (linkat(AT_FDCWD, fdpath, AT_FDCWD, r->path, AT_SYMLINK_FOLLOW)) {
		xm_err("migrate-receive: cannot name the image %s: %s", r->path,
		       strerror(errno));
		r->path[0] = '\0';
		return -1;
	}
	r->unnamed = false;
	return 0;
}

static bool hello_ok(const struct mig_hello *h)
{
	uint64_t ram = h->total_pages * PAGE;

	return !memcmp(h->magic, MIG_MAGIC, sizeof(h->magic)) &&
	       h->version == MIG_VERSION && h->total_pages &&
	       h->total_pages < (1ULL << 30) && h->emu_size &&
	       h->emu_size < (1ULL << 36) && h->nr_vcpus &&
	       h->max_size > VMCORE_RAM_OFFSET + ram + h->emu_size &&
	       h->max_size <
		       VMCORE_RAM_OFFSET + ram + h->emu_size + (1ULL << 30) &&
	       memchr(h->name, '\0', sizeof(h->name)) && h->name[0] &&
	       !strchr(h->name, '/');
}

/* MIG_DATA/SIZE until MIG_END (0); anything else ends it (-1, why) */
static int receive_image(struct receiver *r, const char **why)
{
	struct mig_rec rec;

	for (;;) {
		if (read_full(&rec, sizeof(rec))) {
			*why = "the sender went away before the end";
			return -1;
		}
		switch (rec.type) {
		case MIG_DATA:
			if (rec.len > MIG_MAX_LEN ||
			    rec.off > r->hello.max_size - rec.len) {
				*why = "a record outside the image";
				return -1;
			}
			if (read_full(r->buf, rec.len)) {
				*why = "the sender went away in a record";
				return -1;
			}
			if (pwrite(r->fd, r->buf, rec.len, rec.off) !=
			    (ssize_t)rec.len) {
				*why = "cannot write the image";
				return -1;
			}
			break;
		case MIG_SIZE:
			if (rec.len || rec.off > r->hello.max_size ||
			    ftruncate(r->fd, rec.off)) {
				*why = "a bad image size";
				return -1;
			}
			break;
		case MIG_END:
			return rec.len ? (*why = "a bad end", -1) : 0;
		case MIG_ABORT:
			*why = "the sender gave up";
			return -1;
		default:
			*why = "not a migration stream record";
			return -1;
		}
	}
}

int cmd_migrate_receive(int argc, char **argv)
{
	struct receiver r = {.fd = -1};
	struct mig_rec rec;
	const char *why = NULL;
	char dir[PATH_MAX], msg[PATH_MAX + 100];

	(void)argv;
	if (argc) {
		xm_err("usage: %s migrate-receive (the stream on stdin, "
		       "answers on stdout; run by migrate)",
		       XM_PROG);
		return XM_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (read_full(&rec, sizeof(rec)) || rec.type != MIG_HELLO ||
	    rec.len != sizeof(r.hello) || read_full(&r.hello, sizeof(r.hello)))
		return give_up(&r, "not a xenner migration stream");
	if (!hello_ok(&r.hello)) {
		answer("error: the stream's header is not one this xenner "
		       "takes\n");
		return give_up(&r, "a bad stream header");
	}
	r.buf = malloc(MIG_MAX_LEN);
	if (!r.buf || xm_dir(dir, sizeof(dir), NULL))
		return give_up(&r, "out of memory");
	mkdir(dir, 0700);
	if (snprintf(r.path, sizeof(r.path), "%s/migrate-%s.%d.img", dir,
		     r.hello.name, (int)getpid()) >= (int)sizeof(r.path)) {
		r.path[0] = '\0';
		return give_up(&r, "run directory path too long");
	}
	/*
	 * Unnamed until it is whole: a receiver killed mid-stream (SIGKILL:
	 * no give_up) leaves no half image behind in the run directory.
	 */
	r.fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	if (r.fd >= 0)
		r.unnamed = true;
	else
		r.fd = open(r.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
	if (r.fd < 0) {
		snprintf(msg, sizeof(msg), "cannot create %s: %s", r.path,
			 strerror(errno));
		r.path[0] = '\0';
		answer("error: the receiver cannot store the image\n");
		return give_up(&r, msg);
	}
	if (receive_image(&r, &why)) {
		answer("error: the receiver got a broken stream\n");
		if (r.unnamed)
			r.path[0] = '\0';
		return give_up(&r, why);
	}
	if (r.unnamed && name_image(&r)) {
		answer("error: the receiver cannot store the image\n");
		return give_up(&r, "cannot name the image");
	}
	r.domid = xm_restore_start(r.path, r.hello.name, true, &r.xenner);
	if (r.domid < 0) {
		r.xenner = 0; /* it ended; its log says why */
		answer("error: the restore on the receiver failed (see "
		       "xm/%s.log there)\n",
		       r.hello.name);
		return give_up(&r, "the restore failed");
	}
	/* xenner has taken the image over: its domain is built, paused */
	unlink(r.path);
	r.path[0] = '\0';
	answer("ready %d\n", r.domid);
	if (read_full(&rec, sizeof(rec)) || rec.type != MIG_GO)
		return give_up(&r, "the sender did not say go");
	if (xm_control(r.domid, "unpause", NULL))
		return give_up(&r, "cannot unpause the restored domain");
	answer("running %d\n", r.domid);
	close(r.fd);
	free(r.buf);
	return XM_EXIT_OK;
}
