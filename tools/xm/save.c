// SPDX-License-Identifier: MIT
/*
 * xenner-xm save and restore (docs/save-restore.md).  save asks the
 * domain's xenner over its control socket, which asks the guest to
 * suspend and writes the image; restore starts `xenner -restore FILE`
 * in the background with its console on xenconsoled, and returns once
 * the new domain is introduced to xenstore.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenner/rundir.h"
#include "xenner/vmcore.h"
#include "xm.h"

#define SAVE_DEFAULT_TIMEOUT 30

/* FILE made absolute: xenner runs elsewhere */
static int absolute(const char *file, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (file[0] == '/')
		return snprintf(out, len, "%s", file) >= (int)len ? -1 : 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	return snprintf(out, len, "%s/%s", cwd, file) >= (int)len ? -1 : 0;
}

int cmd_save(int argc, char **argv)
{
	unsigned timeout = SAVE_DEFAULT_TIMEOUT;
	bool checkpoint = false;
	char path[PATH_MAX], req[PATH_MAX + 32];
	struct xm_dom d;
	int opt;

	optind = 0;
	while ((opt = getopt(argc + 1, argv - 1, "+ct:")) != -1) {
		if (opt == 'c')
			checkpoint = true;
		else if (opt == 't' && atoi(optarg) > 0)
			timeout = atoi(optarg);
		else
			goto usage;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 2)
		goto usage;
	if (xm_lookup_running("save", argv[0], &d))
		return XM_EXIT_FAIL;
	if (absolute(argv[1], path, sizeof(path))) {
		xm_err("save: %s: path too long", argv[1]);
		return XM_EXIT_FAIL;
	}
	snprintf(req, sizeof(req), "save %u %d %s", timeout, checkpoint, path);
	/* the guest's time to suspend, then writing the image */
	if (xm_control_wait(d.info.domid, req, NULL, timeout + 300))
		return XM_EXIT_FAIL;
	if (!checkpoint)
		xm_wait_gone(d.info.domid, 30);
	return XM_EXIT_OK;
usage:
	xm_err("usage: %s save [-c] [-t SECS] NAME|ID FILE", XM_PROG);
	return XM_EXIT_USAGE;
}

/*
 * Starts `xenner -restore PATH` in the background (log in xm/NAME.log);
 * paused: a migration receiver's, whose image file xenner takes as the
 * domain's memory.  Returns the new domain's id once it is introduced, or
 * -1 with a message.  *pid is xenner's.
 */
int xm_restore_start(const char *path, const char *name, bool paused,
		     pid_t *pid)
{
	char log[PATH_MAX];
	const char *xenner = xm_xenner_path();
	int fd, st, domid, ready[2];

	if (!xenner) {
		xm_err("cannot find xenner (set XENNER=/path/to/xenner)");
		return -1;
	}
	if (rundir_file(log, sizeof(log), "xm"))
		return -1;
	mkdir(log, 0700);
	snprintf(log + strlen(log), sizeof(log) - strlen(log), "/%s.log", name);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		xm_err("restore: %s: %s", log, strerror(errno));
		return -1;
	}
	if (xm_ready_pipe(ready)) {
		close(fd);
		return -1;
	}
	*pid = fork();
	if (*pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		/* "xenner -restore FILE" first, as ps and pgrep show it */
		char *args[] = {(char *)xenner,
				"-restore",
				(char *)path,
				"-ready-fd",
				XM_READY_FD_STR,
				"-console",
				"xenconsoled",
				NULL,
				NULL,
				NULL,
				NULL,
				NULL};

		if (paused) {
			/* a receiver that dies before go leaves nothing */
			args[7] = "-paused";
			args[8] = "-unpause-within";
			args[9] = "120";
			/* the receiver's own copy: no second copy of it */
			args[10] = "-take-image";
		}
		setsid();
		/* not migrate-receive's stdin, the stream: a receiver that
		 * dies must close it */
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (xm_ready_child(ready[1]))
			_exit(127);
		signal(SIGTERM, SIG_DFL);
		execv(xenner, args);
		_exit(127);
	}
	close(fd);
	close(ready[1]);
	if (*pid < 0) {
		close(ready[0]);
		return -1;
	}
	domid = xm_ready_read(ready[0], XM_READY_TIMEOUT);
	close(ready[0]);
	if (domid < 0) {
		char line[512] = "", last[512] = "";
		FILE *f;

		kill(*pid, SIGTERM); /* it may only be slow */
		waitpid(*pid, &st, 0);
		f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f))
			snprintf(last, sizeof(last), "%s", line);
		if (f)
			fclose(f);
		last[strcspn(last, "\n")] = '\0';
		xm_err("restore of %s failed: %s", path,
		       *last ? last : "xenner ended");
		return -1;
	}
	return domid;
}

int cmd_restore(int argc, char **argv)
{
	char path[PATH_MAX], name[VMCORE_NAME_LEN];
	struct vmcore vc;
	int domid;
	pid_t pid;

	if (argc != 1 || argv[0][0] == '-') {
		xm_err("usage: %s restore FILE", XM_PROG);
		return XM_EXIT_USAGE;
	}
	if (absolute(argv[0], path, sizeof(path)))
		return XM_EXIT_FAIL;
	/* its name, to find the new domain (xenner checks the rest) */
	if (vmcore_open(&vc, path, false)) {
		xm_err("restore: %s is not a xenner save image", path);
		return XM_EXIT_FAIL;
	}
	snprintf(name, sizeof(name), "%s", vc.dom->name);
	vmcore_close(&vc);
	domid = xm_restore_start(path, name, false, &pid);
	if (domid < 0)
		return XM_EXIT_FAIL;
	printf("%s restored as domain %d\n", name, domid);
	return XM_EXIT_OK;
}
