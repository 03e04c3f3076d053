// SPDX-License-Identifier: MIT
/*
 * The domain's place in dom0: registration with evtchnd (which gives it its
 * domid) and its event channels.  When no dom0 services run in
 * $XENNER_RUNDIR, xenner starts a private set with xenner-dom0 in a
 * directory of its own and stops it on exit, so that `xenner -kernel K`
 * alone boots a guest.
 */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

extern char **environ;

static char private_rundir[PATH_MAX];
static char dom0_tool[PATH_MAX];

/* $XENNER_DOM0, else beside the binary (installed) or in the source tree. */
static int find_dom0_tool(void)
{
	char exe[PATH_MAX], *dir;
	const char *env = getenv("XENNER_DOM0");
	ssize_t n;

	if (env) {
		snprintf(dom0_tool, sizeof(dom0_tool), "%s", env);
		return access(dom0_tool, X_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(dom0_tool, sizeof(dom0_tool), "%s/xenner-dom0", dir);
	if (!access(dom0_tool, X_OK))
		return 0;
	snprintf(dom0_tool, sizeof(dom0_tool), "%s/../../tools/xenner-dom0",
		 dir);
	if (!access(dom0_tool, X_OK))
		return 0;
	return -ENOENT;
}

/* Runs xenner-dom0 --rundir DIR ARGS... and waits for it: 0 if it says so. */
static int run_dom0_tool(const char *dir, const char *const args[])
{
	char *argv[16] = { dom0_tool, "--rundir", (char *)dir };
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int st, rc;
	size_t n = 3;

	for (; *args && n < sizeof(argv) / sizeof(*argv) - 1; args++)
		argv[n++] = (char *)*args;
	if (*args)
		return -E2BIG;
	argv[n] = NULL;
	/* The daemons must not inherit the signals xenner blocks. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&pid, dom0_tool, NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc)
		return -rc;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int run_dom0_cmd(const char *dir, const char *cmd)
{
	const char *args[] = { cmd, NULL };

	return run_dom0_tool(dir, args);
}

static int start_private_dom0(void)
{
	int rc = find_dom0_tool();

	if (rc) {
		log_err("no dom0 services run in %s and xenner-dom0 was not "
			"found to start a private set (set XENNER_DOM0)",
			rundir_get());
		return rc;
	}
	rc = rundir_ensure();
	if (rc)
		return rc;
	snprintf(private_rundir, sizeof(private_rundir), "%s/private.%d",
		 rundir_get(), getpid());
	if (mkdir(private_rundir, 0700) && errno != EEXIST)
		return -errno;
	log_info("no dom0 services in %s: starting a private set in %s",
		 rundir_get(), private_rundir);
	/* dom0's own QEMU (qdisk) serves nothing of ours: save its start */
	setenv("XENNER_QEMU_DM", "none", 0);
	rc = run_dom0_cmd(private_rundir, "start");
	if (rc) {
		log_err("xenner-dom0 start failed in %s", private_rundir);
		rmdir(private_rundir);
		private_rundir[0] = '\0';
		return rc;
	}
	setenv("XENNER_RUNDIR", private_rundir, 1);
	return 0;
}

int dom0_connect(struct xenner *x)
{
	int rc = evtchn_client_connect(&x->evc, 0);

	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		rc = start_private_dom0();
		if (rc)
			return rc;
		rc = evtchn_client_connect(&x->evc, 0);
	}
	if (rc)
		log_err("cannot reach evtchnd in %s: %s", rundir_get(),
			strerror(-rc));
	else
		evtchn_client_close(&x->evc);
	return rc;
}

int dom0_create_domain(struct xenner *x)
{
	struct evtchnd_dominfo info = {
		.nr_vcpus = x->cfg.nr_vcpus,
		.nr_pages = x->nr_pages,
		.max_pages = x->nr_pages,
	};
	int rc;

	snprintf(info.name, sizeof(info.name), "%s", x->cfg.name);
	rc = evtchn_client_create_domain(&x->evc, &info);
	if (rc < 0) {
		log_err("evtchnd refused to create domain %s: %s",
			x->cfg.name, strerror(-rc));
		return rc;
	}
	x->domid = rc;
	rc = evtchn_client_alloc_unbound(&x->evc, 0);
	if (rc < 0)
		return rc;
	x->store_port = rc;
	rc = evtchn_client_alloc_unbound(&x->evc, 0);
	if (rc < 0)
		return rc;
	x->console_port = rc;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path))
		log_warn("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

void dom0_disconnect(struct xenner *x)
{
	evtchn_client_close(&x->evc);
	if (private_rundir[0]) {
		if (run_dom0_cmd(private_rundir, "stop"))
			log_warn("xenner-dom0 stop failed in %s",
				 private_rundir);
		/* logs and all: nobody else knows this directory */
		nftw(private_rundir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
		private_rundir[0] = '\0';
	}
}

/*
 * xenner-dom0 dm-start/dm-stop DOMID ... in the run directory in use:
 * the domain's device model (QEMU), as libxl starts one per domain.
 */
int dom0_run_tool(const char *const args[])
{
	int rc = dom0_tool[0] ? 0 : find_dom0_tool();

	if (rc) {
		dom0_tool[0] = '\0';
		log_err("xenner-dom0 not found (set XENNER_DOM0)");
		return rc;
	}
	return run_dom0_tool(rundir_get(), args);
}
