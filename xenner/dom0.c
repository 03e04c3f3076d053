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

static int run_dom0_tool(const char *cmd)
{
	char *argv[] = { dom0_tool, "--rundir", private_rundir, (char *)cmd,
			 NULL };
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int st, rc;

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
	rc = run_dom0_tool("start");
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
		if (run_dom0_tool("stop"))
			log_warn("xenner-dom0 stop failed in %s",
				 private_rundir);
		/* logs and all: nobody else knows this directory */
		nftw(private_rundir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
		private_rundir[0] = '\0';
	}
}
