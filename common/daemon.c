// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xenner/daemon.h"
#include "xenner/log.h"

void daemon_write_pidfile(const char *path, const char *prog)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	long pid;
	int fd;

	if (f) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() &&
		    !kill(pid, 0))
			die("another %s (pid %ld) runs: %s", prog, pid, path);
		fclose(f);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		die("cannot write %s: %s", path, strerror(errno));
	close(fd);
}

void daemon_detach_stdio(bool syslog)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	/* Without syslog, stderr is where the log goes: keep it. */
	if (syslog)
		dup2(fd, STDERR_FILENO);
	close(fd);
}

void daemon_detach(bool syslog)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/"))
		die("chdir /: %s", strerror(errno));
	daemon_detach_stdio(syslog);
}
