// SPDX-License-Identifier: MIT
/*
 * console: this terminal on the pty xenconsoled made for the domain
 * (/local/domain/<id>/console/tty), raw, until Ctrl-] or the domain ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <xenstore.h>

#include "xm.h"

#define DETACH_CHAR 0x1d /* Ctrl-] */

static char *read_tty(uint32_t domid, unsigned wait_s)
{
	struct xs_handle *h = xs_open(0);
	char path[64];
	char *tty = NULL;

	if (!h) {
		xm_err("cannot reach xenstored: %s", strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
	for (unsigned i = 0; i <= wait_s * 10 && !tty; i++) {
		unsigned int n;

		tty = xs_read(h, XBT_NULL, path, &n);
		if (tty && !tty[0]) {
			free(tty);
			tty = NULL;
		}
		if (!tty)
			usleep(100 * 1000);
	}
	xs_close(h);
	if (!tty)
		xm_err("domain %u has no console pty (%s): is xenconsoled "
		       "running and the domain started with -console "
		       "xenconsoled?",
		       domid, path);
	return tty;
}

static bool domain_exists(uint32_t domid)
{
	struct evtchn_client c;
	struct evtchnd_dominfo info;
	int rc;

	if (evtchn_client_connect(&c, 0))
		return false;
	rc = evtchn_client_getinfo(&c, domid, &info);
	evtchn_client_close(&c);
	return rc >= 0 && (uint32_t)rc == domid;
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

int xm_console_attach(uint32_t domid, unsigned wait_s)
{
	struct termios old, raw;
	bool is_tty = isatty(STDIN_FILENO);
	char *tty = read_tty(domid, wait_s);
	int fd, rc = XM_EXIT_OK;
	bool in_open = true;

	if (!tty)
		return XM_EXIT_FAIL;
	fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		xm_err("%s: %s", tty, strerror(errno));
		free(tty);
		return XM_EXIT_FAIL;
	}
	free(tty);
	/* the pty's own line discipline must not echo or translate */
	if (!tcgetattr(fd, &raw)) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	if (is_tty) {
		tcgetattr(STDIN_FILENO, &old);
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fprintf(stderr, "[console of domain %u; Ctrl-] detaches]\r\n",
			domid);
	}
	for (;;) {
		struct pollfd p[2] = {
			{.fd = fd, .events = POLLIN},
			{.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
		};
		char buf[4096];
		ssize_t n;
		int r = poll(p, 2, 1000);

		if (r < 0 && errno != EINTR)
			break;
		if (r == 0) {
			if (!domain_exists(domid))
				break; /* the domain ended */
			continue;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR))
				break; /* xenconsoled closed the pty */
			if (n > 0 && !write_all(STDOUT_FILENO, buf, n))
				break;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char *ctl;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false; /* keep showing output */
				continue;
			}
			ctl = memchr(buf, DETACH_CHAR, n);
			if (ctl) {
				write_all(fd, buf, ctl - buf);
				break;
			}
			if (!write_all(fd, buf, n)) {
				rc = XM_EXIT_FAIL;
				break;
			}
		}
	}
	if (is_tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	close(fd);
	return rc;
}

int cmd_console(int argc, char **argv)
{
	struct xm_dom d;

	if (argc != 1 || argv[0][0] == '-') {
		xm_err("usage: %s console NAME|ID", XM_PROG);
		return XM_EXIT_USAGE;
	}
	if (xm_lookup(argv[0], &d))
		return XM_EXIT_FAIL;
	if (d.preserved || !d.info.domid) {
		xm_err("domain %s has no console here", argv[0]);
		return XM_EXIT_FAIL;
	}
	return xm_console_attach(d.info.domid, 5);
}
