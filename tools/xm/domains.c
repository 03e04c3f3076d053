// SPDX-License-Identifier: MIT
/*
 * Finding domains: evtchnd's registry is the truth for live domains,
 * xenner's control socket gives the process behind one, and
 * $XENNER_RUNDIR/xm/ holds the vmcores kept by on_*=preserve.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xenner/rundir.h"
#include "xenner/vmcore.h"
#include "xm.h"

void xm_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", XM_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void xm_setup_env(void)
{
	char sock[512];

	if (!rundir_file(sock, sizeof(sock), "xenstored/socket"))
		setenv("XENSTORED_PATH", sock, 1);
}

int xm_dir(char *buf, size_t len, const char *name)
{
	int n = name ? snprintf(buf, len, "%s/xm/%s", rundir_get(), name)
		     : snprintf(buf, len, "%s/xm", rundir_get());

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int xm_connect(struct evtchn_client *c)
{
	int rc = evtchn_client_connect(c, 0);

	if (rc < 0) {
		xm_err("no dom0 services in %s (%s): start them with "
		       "'xenner-dom0 start' or 'systemctl start xenner.target'",
		       rundir_get(), strerror(-rc));
		return -1;
	}
	return 0;
}

int xm_control(uint32_t domid, const char *req, pid_t *pid)
{
	return xm_control_wait(domid, req, pid, 10);
}

int xm_control_wait(uint32_t domid, const char *req, pid_t *pid,
		    unsigned timeout_s)
{
	char reply[700];

	if (xm_control_ask(domid, req, -1, pid, reply, sizeof(reply),
			   timeout_s))
		return -1;
	if (req && strcmp(reply, "ok")) {
		xm_err("domain %u: %s: %s", domid, req, reply);
		return -1;
	}
	return 0;
}

int xm_control_ask(uint32_t domid, const char *req, int pass_fd, pid_t *pid,
		   char *reply, size_t len, unsigned timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_s};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = {0};
	struct iovec iov = {.iov_base = (void *)req};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char name[32];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "control.%u", domid);
	if (rundir_file(sa.sun_path, sizeof(sa.sun_path), name))
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (req)
			xm_err("domain %u has no control socket (%s): not "
			       "run by xenner, or xenner is gone",
			       domid, strerror(errno));
		close(fd);
		return -1;
	}
	if (pid && !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		*pid = cred.pid;
	if (!req) {
		close(fd);
		return 0;
	}
	iov.iov_len = strlen(req);
	if (pass_fd >= 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		CMSG_FIRSTHDR(&msg)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&msg)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&msg)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&msg)), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ||
	    (n = recv(fd, reply, len - 1, 0)) <= 0) {
		xm_err("domain %u: no answer to '%s'", domid, req);
		close(fd);
		return -1;
	}
	close(fd);
	reply[n] = '\0';
	return 0;
}

double xm_cpu_seconds(pid_t pid, pid_t tid, int *cpu)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	int c = -1;
	FILE *f;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* after "(comm)": field 3 is the state; utime/stime are 14, 15 */
	if (!p || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
		   "%llu %*d %*d %*d %*d %*d %*d %*u %*u %*d %*u %*u "
		   "%*u %*u %*u %*u %*u %*u %*u %*u %*u %*u %*u "
		   "%*d %d",
		   &ut, &st, &c) < 2)
		return 0;
	if (cpu)
		*cpu = c;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static int add_preserved(struct xm_dom **arr, int n, int *cap)
{
	char dir[512];
	struct dirent *de;
	DIR *d;

	if (xm_dir(dir, sizeof(dir), NULL) || !(d = opendir(dir)))
		return n;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		struct vmcore vc;
		struct xm_dom *x;

		if (l < 6 || strcmp(de->d_name + l - 5, ".core"))
			continue;
		if (n == *cap) {
			void *p = realloc(*arr, (*cap *= 2) * sizeof(**arr));

			if (!p)
				break;
			*arr = p;
		}
		x = &(*arr)[n];
		memset(x, 0, sizeof(*x));
		if ((size_t)snprintf(x->core, sizeof(x->core), "%s/%s", dir,
				     de->d_name) >= sizeof(x->core) ||
		    vmcore_open(&vc, x->core, false))
			continue;
		x->preserved = true;
		x->info.domid = vc.dom->domid;
		snprintf(x->info.name, sizeof(x->info.name), "%s",
			 vc.dom->name);
		x->info.nr_pages = vc.nr_pages;
		x->info.nr_vcpus = vc.dom->nr_vcpus;
		x->info.shutdown_reason = vc.dom->shutdown_reason;
		x->info.flags = vc.dom->state == VMCORE_STATE_CRASHED
					? EVTCHND_DOMF_CRASHED
					: EVTCHND_DOMF_SHUTDOWN;
		memcpy(x->info.uuid, vc.dom->uuid, 16);
		vmcore_close(&vc);
		n++;
	}
	closedir(d);
	return n;
}

int xm_domains(struct xm_dom **out, bool with_dom0)
{
	struct evtchn_client c;
	struct evtchnd_dominfo info;
	int n = 0, cap = 16, rc;
	struct xm_dom *arr;
	uint32_t first = with_dom0 ? 0 : 1;

	if (xm_connect(&c))
		return -1;
	arr = calloc(cap, sizeof(*arr));
	if (!arr) {
		evtchn_client_close(&c);
		return -1;
	}
	while ((rc = evtchn_client_getinfo(&c, first, &info)) >= 0) {
		if (n == cap) {
			void *p = realloc(arr, (cap *= 2) * sizeof(*arr));

			if (!p)
				break;
			arr = p;
		}
		memset(&arr[n], 0, sizeof(arr[n]));
		arr[n].info = info;
		arr[n].info.name[sizeof(info.name) - 1] = '\0';
		if (rc == 0)
			snprintf(arr[n].info.name, sizeof(info.name),
				 "Domain-0");
		else
			xm_control(rc, NULL, &arr[n].xenner_pid);
		n++;
		first = rc + 1;
	}
	evtchn_client_close(&c);
	if (rc != -ESRCH) {
		xm_err("evtchnd: %s", strerror(-rc));
		free(arr);
		return -1;
	}
	n = add_preserved(&arr, n, &cap);
	*out = arr;
	return n;
}

static int lookup(const char *arg, struct xm_dom *d, bool quiet)
{
	struct xm_dom *all;
	char *end;
	long id = strtol(arg, &end, 10);
	bool by_id = *arg && !*end;
	int n = xm_domains(&all, false), found = -1;

	if (n < 0)
		return -1;
	/* a live domain wins over a kept vmcore of the same name or id */
	for (int i = n - 1; i >= 0; i--)
		if (by_id ? all[i].info.domid == id
			  : !strcmp(all[i].info.name, arg))
			found = i;
	if (found >= 0)
		*d = all[found];
	free(all);
	if (found < 0) {
		if (!quiet)
			xm_err("no domain '%s' (see '%s list')", arg, XM_PROG);
		return -1;
	}
	return 0;
}

int xm_lookup(const char *arg, struct xm_dom *d)
{
	return lookup(arg, d, false);
}

int xm_lookup_quiet(const char *arg, struct xm_dom *d)
{
	return lookup(arg, d, true);
}

int xm_lookup_running(const char *cmd, const char *arg, struct xm_dom *d)
{
	if (xm_lookup(arg, d))
		return -1;
	if (d->preserved || !d->info.domid) {
		xm_err("%s: domain %s is not a running xenner domain", cmd,
		       arg);
		return -1;
	}
	return 0;
}

int xm_wait_gone(uint32_t domid, unsigned timeout_s)
{
	time_t end = time(NULL) + timeout_s;
	struct evtchn_client c;
	struct evtchnd_dominfo info;

	if (xm_connect(&c))
		return -1;
	for (;;) {
		int rc = evtchn_client_getinfo(&c, domid, &info);

		if (rc < 0 || (uint32_t)rc != domid)
			break;
		if (timeout_s && time(NULL) >= end) {
			evtchn_client_close(&c);
			return -1;
		}
		usleep(100 * 1000);
	}
	evtchn_client_close(&c);
	return 0;
}

void xm_state_string(const struct xm_dom *d, char out[7])
{
	uint32_t f = d->info.flags;

	memcpy(out, "------", 7);
	if ((f & EVTCHND_DOMF_RUNNING) && d->info.domid)
		out[0] = 'r';
	else if (!d->info.domid)
		out[0] = 'r';
	if (f & EVTCHND_DOMF_BLOCKED)
		out[1] = 'b';
	if (f & EVTCHND_DOMF_PAUSED) {
		out[0] = '-';
		out[2] = 'p';
	}
	if ((f & EVTCHND_DOMF_SHUTDOWN) && !(f & EVTCHND_DOMF_CRASHED))
		out[3] = 's';
	if (f & EVTCHND_DOMF_CRASHED)
		out[4] = 'c';
	if (f & EVTCHND_DOMF_DYING)
		out[5] = 'd';
	if (out[3] != '-' || out[4] != '-' || out[5] != '-')
		out[0] = '-';
}
