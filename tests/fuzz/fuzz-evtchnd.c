// SPDX-License-Identifier: MIT
/*
 * evtchnd's protocol handler with its real connection layer (evtchnd/
 * conn.c, proto.c, domains.c, ports.c) and libevent loop, in process:
 * up to three clients connect to a listening socket and send what the
 * input says (any size; HELLO with a fresh event socket), read their
 * replies and events, and hang up.  Each message is one record:
 *   u8 how: bits 0-1 the client, 0x04 pass an event socket, 0x08 drain
 *           the client's events, 0x10 hang up after, 0x80 a full-size
 *           request follows (else a u8 length, then that many bytes)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "evtchnd.h"
#include "fuzz.h"

#define NR_CLIENTS 3

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;
static struct sockaddr_un addr;
static socklen_t addr_len;
static int lfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-evtchnd");
	/* An abstract socket: nothing in the file system to clean up. */
	addr.sun_family = AF_UNIX;
	addr_len = offsetof(struct sockaddr_un, sun_path) + 1 +
		   snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
			    "xenner-fuzz-evtchnd.%d", getpid());
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	base = event_base_new();
	if (lfd < 0 || !base || bind(lfd, (struct sockaddr *)&addr, addr_len) ||
	    listen(lfd, 16)) {
		perror("fuzz-evtchnd");
		exit(1);
	}
	return 0;
}

struct client {
	int sock;
	int ev; /* our end of the event socket last passed */
};

static void spin(void)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static int send_fd(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (fd >= 0) {
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void hang_up(struct client *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->ev >= 0)
		close(c->ev);
	c->sock = c->ev = -1;
}

static void drain(int fd)
{
	struct evtchnd_event ev;

	while (fd >= 0 && recv(fd, &ev, sizeof(ev), MSG_DONTWAIT) > 0)
		;
}

static void one(struct fz *f, struct client *cl)
{
	uint8_t how = fz_u8(f), msg[sizeof(struct evtchnd_req) + 64];
	struct client *c = &cl[how % NR_CLIENTS];
	size_t len = (how & 0x80) ? sizeof(struct evtchnd_req)
				  : fz_u8(f) % sizeof(msg);
	struct evtchnd_reply rep;
	int sp[2] = {-1, -1};

	fz_bytes(f, msg, len);
	if (c->sock < 0) {
		c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (c->sock < 0 ||
		    connect(c->sock, (struct sockaddr *)&addr, addr_len))
			abort();
		spin(); /* accepted */
	}
	if ((how & 0x04) &&
	    !socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp)) {
		if (c->ev >= 0)
			close(c->ev);
		c->ev = sp[0];
	}
	/* A zero-length message cannot be told from a hang-up: not sent. */
	if (len && !send_fd(c->sock, msg, len, sp[1])) {
		spin();
		/* Every request is answered, even one that drops us. */
		fz_assert(recv(c->sock, &rep, sizeof(rep), MSG_DONTWAIT) ==
			  sizeof(rep));
	}
	if (sp[1] >= 0)
		close(sp[1]);
	if (how & 0x08)
		drain(c->ev);
	if (how & 0x10) {
		hang_up(c);
		spin();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct client cl[NR_CLIENTS];

	if (domains_init() || conn_listen(base, lfd))
		abort();
	/* As evtchnd's main: dom0's port for xenstored's own ring. */
	ports_alloc_unbound(&domain_get(0)->ports, 0, NULL);
	for (int i = 0; i < NR_CLIENTS; i++)
		cl[i].sock = cl[i].ev = -1;
	for (int i = 0; i < 64 && f.n; i++)
		one(&f, cl);
	for (int i = 0; i < NR_CLIENTS; i++)
		hang_up(&cl[i]);
	spin();
	conn_close_all();
	domains_fini();
	return 0;
}
