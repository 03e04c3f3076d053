// SPDX-License-Identifier: MIT
/*
 * libxenevtchn.so.1 on top of evtchnd: each handle is one connection as
 * domain 0.  Semantics follow Linux's /dev/xen/evtchn: ports bound through
 * a handle belong to it, are closed with it, and notify/unbind of a port
 * the handle did not bind fail with ENOTCONN.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <xenevtchn.h>

#include "shim.h"
#include "xenner/evtchn-client.h"
#include "xenner/rundir.h"

#define NO_RESTRICT UINT32_MAX

struct xenevtchn_handle {
	pthread_mutex_t lock;
	struct evtchn_client c;
	uint32_t restrict_domid;
	/* Ports bound through this handle (Linux tracks them per fd). */
	uint8_t bound[EVTCHND_MAX_PORTS / 8];
};

static bool port_bound(const xenevtchn_handle *h, uint32_t port)
{
	return port < EVTCHND_MAX_PORTS &&
	       (h->bound[port / 8] & 1u << port % 8);
}

static void port_set(xenevtchn_handle *h, uint32_t port, bool on)
{
	if (port >= EVTCHND_MAX_PORTS)
		return;
	if (on)
		h->bound[port / 8] |= 1u << port % 8;
	else
		h->bound[port / 8] &= ~(1u << port % 8);
}

/* Turns a client result (>= 0 or -errno) into the libxenevtchn form. */
static int ret_errno(int ret)
{
	if (ret >= 0)
		return ret;
	errno = -ret;
	return -1;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	int ret;

	(void)logger;
	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->restrict_domid = NO_RESTRICT;
	ret = evtchn_client_connect(&h->c, 0);
	if (ret < 0) {
		log_err("xenevtchn_open: cannot connect to evtchnd in %s: %s",
			rundir_get(), strerror(-ret));
		pthread_mutex_destroy(&h->lock);
		free(h);
		errno = -ret;
		return NULL;
	}
	if (flags & XENEVTCHN_NO_CLOEXEC) {
		fcntl(h->c.sock, F_SETFD, 0);
		fcntl(h->c.event_fd, F_SETFD, 0);
	}
	return h;
}

/* Is fd a connection to evtchnd's socket (the request side of a handle)? */
static bool evtchnd_conn(int fd, const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	struct stat st;

	return !fstat(fd, &st) && S_ISSOCK(st.st_mode) &&
	       !getpeername(fd, (struct sockaddr *)&sa, &len) &&
	       sa.sun_family == AF_UNIX && len > sizeof(sa.sun_family) &&
	       !strncmp(sa.sun_path, path, sizeof(sa.sun_path));
}

/*
 * The handle's request socket, among the fds this process inherited:
 * the one connection to evtchnd without FD_CLOEXEC (those this image
 * opened have it; one that survived exec cannot).  xenstored's live
 * update hands over only xenevtchn_fd(), which is our event socket.
 */
static int find_sock(int event_fd)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int found = -1, n = 0;
	struct dirent *de;
	DIR *d;

	if (rundir_file(path, sizeof(path), EVTCHND_SOCK_NAME))
		return -ENAMETOOLONG;
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == event_fd || fd == dirfd(d) ||
		    (fcntl(fd, F_GETFD) & FD_CLOEXEC) ||
		    !evtchnd_conn(fd, path))
			continue;
		found = fd;
		n++;
	}
	closedir(d);
	return n == 1 ? found : n ? -EEXIST : -ENOENT;
}

/*
 * A handle a process had before exec() (xenstored's live update: it
 * opened it with XENEVTCHN_NO_CLOEXEC and passes xenevtchn_fd() to its
 * new image).  Both sockets survived; the ports it bound are still its
 * own in evtchnd, which says which they are.
 */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
				   unsigned open_flags)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	struct evtchnd_status st;
	int sock, n = 0;

	(void)logger;
	if (!h)
		return NULL;
	sock = find_sock(fd);
	if (sock < 0) {
		log_err("xenevtchn_fdopen(%d): %s", fd,
			sock == -EEXIST ? "more than one inherited evtchnd "
					  "connection: which is ours?"
					: "no inherited evtchnd connection");
		free(h);
		errno = EBADF;
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->restrict_domid = NO_RESTRICT;
	h->c = (struct evtchn_client){.sock = sock, .event_fd = fd};
	for (uint32_t port = 1; port < EVTCHND_MAX_PORTS; port++) {
		if (evtchn_client_status(&h->c, 0, port, &st) < 0 || !st.mine)
			continue;
		port_set(h, port, true);
		n++;
	}
	if (!(open_flags & XENEVTCHN_NO_CLOEXEC)) {
		fcntl(sock, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	log_info("xenevtchn_fdopen: took over the handle of fd %d (%d ports)",
		 fd, n);
	return h;
}

int xenevtchn_close(xenevtchn_handle *h)
{
	if (!h)
		return 0;
	/* Linux closes every port of the fd on release; do the same. */
	for (uint32_t port = 1; port < EVTCHND_MAX_PORTS; port++)
		if (port_bound(h, port))
			evtchn_client_close_port(&h->c, port);
	evtchn_client_close(&h->c);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *h)
{
	return h->c.event_fd;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	int ret = -ENOTCONN;

	pthread_mutex_lock(&h->lock);
	if (port_bound(h, port))
		ret = evtchn_client_send(&h->c, port);
	pthread_mutex_unlock(&h->lock);
	return ret_errno(ret < 0 ? ret : 0);
}

/* Common tail of the bind calls: remember the new port. */
static int bound(xenevtchn_handle *h, int ret)
{
	if (ret > 0)
		port_set(h, ret, true);
	pthread_mutex_unlock(&h->lock);
	return ret_errno(ret);
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h,
						      uint32_t domid)
{
	pthread_mutex_lock(&h->lock);
	if (h->restrict_domid != NO_RESTRICT && domid != h->restrict_domid)
		return bound(h, -EPERM);
	return bound(h, evtchn_client_alloc_unbound(&h->c, domid));
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	pthread_mutex_lock(&h->lock);
	if (h->restrict_domid != NO_RESTRICT && domid != h->restrict_domid)
		return bound(h, -EPERM);
	return bound(h,
		     evtchn_client_bind_interdomain(&h->c, domid, remote_port));
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h,
					      unsigned int virq)
{
	pthread_mutex_lock(&h->lock);
	/* A restricted handle may not bind VIRQs (as in Linux). */
	if (h->restrict_domid != NO_RESTRICT)
		return bound(h, -EPERM);
	return bound(h, evtchn_client_bind_virq(&h->c, virq, 0));
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
	int ret = -ENOTCONN;

	pthread_mutex_lock(&h->lock);
	if (port_bound(h, port)) {
		ret = evtchn_client_close_port(&h->c, port);
		if (ret >= 0)
			port_set(h, port, false);
	}
	pthread_mutex_unlock(&h->lock);
	return ret_errno(ret < 0 ? ret : 0);
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
	struct evtchnd_event ev;
	int ret;

	pthread_mutex_lock(&h->lock);
	do {
		ret = evtchn_client_read_event(&h->c, &ev);
		/* Domain-owner events never reach dom0; skip if they do. */
	} while (ret == 1 && ev.type != EVTCHND_EV_PORT);
	pthread_mutex_unlock(&h->lock);
	if (ret == 0)
		ret = -EAGAIN;
	if (ret < 0)
		return ret_errno(ret);
	return ev.port;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	/* Linux silently ignores unmask writes for ports of other fds. */
	if (port_bound(h, port))
		ret = evtchn_client_unmask(&h->c, port);
	pthread_mutex_unlock(&h->lock);
	return ret_errno(ret < 0 ? ret : 0);
}

int xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	/* Restriction is one-way: it may not be lifted or moved. */
	if (h->restrict_domid != NO_RESTRICT && h->restrict_domid != domid)
		ret = -EPERM;
	else
		h->restrict_domid = domid;
	pthread_mutex_unlock(&h->lock);
	return ret_errno(ret);
}
