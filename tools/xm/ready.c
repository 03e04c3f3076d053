// SPDX-License-Identifier: MIT
/*
 * How xenner-xm learns the domain of a xenner it started: xenner's
 * -ready-fd pipe says the domain id once the domain runs, at once and
 * without polling evtchnd and xenstore for a domain of that name; a
 * xenner that fails or dies first closes it unsaid.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xm.h"

int xm_ready_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC)) {
		xm_err("pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int xm_ready_child(int wfd)
{
	/* dup2 leaves the copy open across exec; the same fd stays as is */
	if (wfd == XM_READY_FD)
		return fcntl(wfd, F_SETFD, 0);
	return dup2(wfd, XM_READY_FD) == XM_READY_FD ? 0 : -1;
}

int xm_ready_read(int rfd, unsigned timeout_s)
{
	struct pollfd p = {.fd = rfd, .events = POLLIN};
	char line[16];
	size_t len = 0;

	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		ssize_t r;
		int n = poll(&p, 1, timeout_s * 1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r = read(rfd, line + len, sizeof(line) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += r;
	}
	line[len] = '\0';
	return line[0] >= '0' && line[0] <= '9' ? atoi(line) : -1;
}
