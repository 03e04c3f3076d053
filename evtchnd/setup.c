// SPDX-License-Identifier: MIT
/*
 * Files evtchnd keeps in the run directory: its socket, and xsd_port and
 * xsd_kva, which the shim's preload serves to xenstored as
 * /proc/xen/xsd_port and /proc/xen/xsd_kva.  All are removed at exit, the
 * socket only if it is still ours.  (The pidfile is common/daemon.c's.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenner/rundir.h"
#include "evtchnd.h"

#define XSD_KVA_SIZE 4096

static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ino_t sock_ino;
static char port_path[4096];
static char kva_path[4096];

/* Is an evtchnd answering on path?  A leftover socket file is not. */
static bool sock_is_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	return live;
}

int setup_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (sock_is_live(&sa))
		return -EADDRINUSE;
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 64) || stat(path, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	strcpy(sock_path, path);
	sock_ino = st.st_ino;
	return fd;
}

static int write_file(const char *path, const char *text, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	int err = 0;

	if (fd < 0)
		return -errno;
	if ((len && write(fd, text, len) != (ssize_t)len) ||
	    (size && ftruncate(fd, size)))
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int setup_xsd_files(int port)
{
	char buf[16];
	int ret;

	ret = rundir_file(port_path, sizeof(port_path), "xsd_port");
	if (!ret)
		ret = rundir_file(kva_path, sizeof(kva_path), "xsd_kva");
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%d\n", port);
	ret = write_file(port_path, buf, 0);
	if (!ret)
		ret = write_file(kva_path, "", XSD_KVA_SIZE);
	return ret;
}

void setup_cleanup(void)
{
	struct stat st;

	if (sock_path[0] && !stat(sock_path, &st) && st.st_ino == sock_ino)
		unlink(sock_path);
	if (port_path[0])
		unlink(port_path);
	if (kva_path[0])
		unlink(kva_path);
}
