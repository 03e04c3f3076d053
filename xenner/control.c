// SPDX-License-Identifier: MIT
/*
 * The domain's control socket, $XENNER_RUNDIR/control.<domid>: how the
 * toolstack (xenner-xm) pauses, resumes, saves and migrates a domain.
 * One request per connection, in one SOCK_SEQPACKET message ("pause",
 * "unpause", "ping", "save TIMEOUT 0|1 PATH", "migrate 0|1 TIMEOUT
 * [MIB/S]" with the stream's descriptor as SCM_RIGHTS), answered with
 * "ok" or "error: why"; a save or migration answers at its end (save.c
 * keeps the connection until then).  The listener also tells tools that
 * this xenner is alive: a socket nobody listens on was left by a xenner
 * that died, and SO_PEERCRED gives our pid.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "migrate.h"
#include "xenner.h"
#include "xenner/log.h"
#include "xenner/rundir.h"

int control_start(struct xenner *x)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "control.%u", x->domid);
	if (rundir_file(sa.sun_path, sizeof(sa.sun_path), name))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path); /* left by a xenner that died with this domid */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(sa.sun_path, 0600) || listen(fd, 8)) {
		int rc = -errno;

		log_err("control socket %s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return rc;
	}
	snprintf(x->control_path, sizeof(x->control_path), "%s", sa.sun_path);
	x->control_fd = fd;
	/* the vCPUs start next: `xm list` shows the domain running */
	pthread_mutex_lock(&x->evc_lock);
	evtchn_client_set_state(&x->evc, EVTCHND_DOMF_RUNNING);
	pthread_mutex_unlock(&x->evc_lock);
	return 0;
}

/* *fd, a descriptor that came with the request, is taken or left */
static const char *control_do(struct xenner *x, const char *cmd, int c, int *fd)
{
	const char *r;

	if (!strncmp(cmd, "migrate ", 8)) {
		r = migrate_begin(x, c, cmd + 8, *fd);
		if (!r)
			*fd = -1;
		return r;
	}
	if (!strncmp(cmd, "save ", 5))
		return save_begin(x, c, cmd + 5);
	if (!strcmp(cmd, "ping"))
		return "ok";
	if (!strcmp(cmd, "pause"))
		return vcpus_pause(x, true) ? "error: cannot pause" : "ok";
	if (!strcmp(cmd, "unpause"))
		return vcpus_pause(x, false) ? "error: cannot unpause" : "ok";
	return "error: unknown request";
}

/* The listener is readable: serve one client (never blocks long). */
void control_serve(struct xenner *x)
{
	struct timeval tv = {.tv_sec = 1};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char cmd[4200];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = cmd, .iov_len = sizeof(cmd) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm;
	const char *reply;
	int c, fd = -1;
	ssize_t n;

	c = accept4(x->control_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != getuid())) {
		close(c);
		return;
	}
	n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
	cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	if (n > 0) {
		cmd[n] = '\0';
		reply = control_do(x, cmd, c, &fd);
		if (fd >= 0)
			close(fd);
		if (!reply)
			return; /* save.c answers later */
		log_info("domain %u: %s from pid %d: %s", x->domid, cmd,
			 (int)cred.pid, reply);
		if (send(c, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			log_debug("control reply: %s", strerror(errno));
	}
	close(c);
}

void control_stop(struct xenner *x)
{
	if (x->control_fd < 0)
		return;
	close(x->control_fd);
	x->control_fd = -1;
	unlink(x->control_path);
}
