// SPDX-License-Identifier: MIT
/*
 * Network benchmark run inside a guest (and on the host) by bench/net.
 * Built static (gcc -static -O2) so it runs from the busybox initramfs.
 *
 *   xenner-netbench serve [-p PORT]
 *   xenner-netbench [-s MIB] [-b KIB] [-n RTTS] [-R REPS] [-w SECONDS]
 *                   [-i IFACE] TEST HOST [PORT]
 *
 * "serve" is the peer: it listens on TCP and UDP PORT (default 5201) of
 * every address and serves one client at a time, for ever (bench/net
 * kills it). The client connects to HOST (an IPv4 address), retrying for
 * up to -w SECONDS (default 60: the guest's link and the host's bridge
 * come up while it tries), and runs TEST:
 *   tcpsend  sends -s MIB (default 64) MiB over one TCP connection in
 *            writes of -b KIB (default 128) KiB; the time ends when the
 *            peer says it has read all of it
 *   tcprecv  the peer sends as much, in writes of the same size
 *   udprr    -n RTTS (default 1000) round trips of a 64-byte UDP
 *            datagram that the peer echoes (a datagram not answered
 *            within 200 ms is counted lost and sent again)
 *   tcprr    -n RTTS round trips of one byte over a TCP connection with
 *            TCP_NODELAY on both sides
 *   none     connects once and gets one byte back: bench/net's baseline
 *            boot (the same set-up without the traffic)
 * Each of -R REPS rounds (default 3) runs the whole test on a fresh
 * connection; the line printed has the median round:
 *
 *   XENNER-NETBENCH tcpsend mb_per_s=95.1 reps=3 min=.. max=..
 *     bytes=67108864 pkts=4711 pkt_bytes=70254012
 *   XENNER-NETBENCH udprr rtt_per_s=812.0 us_per_rtt=1231.5 rtts=1000
 *     lost=0 reps=3 min=.. max=.. pkts=6004 pkt_bytes=..
 *
 * (one line each). MB is 10^6 bytes. pkts and pkt_bytes are the packets
 * and bytes IFACE sent plus received over all rounds
 * (/sys/class/net/IFACE/statistics; "-" without -i), so after GSO/GRO:
 * one large TCP segment handed to the driver counts once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_REPS   101
#define UDP_SIZE   64
#define UDP_WAIT   200	       /* ms before a datagram counts as lost */
#define MAGIC	   0x584e4231u /* "XNB1" */
#define MIB	   (1024ull * 1024)
#define PEER_CHUNK (1024 * 1024)

/* What the client asks of the peer at the start of a TCP connection. */
enum op { OP_NONE = 'N', OP_SEND = 'S', OP_RECV = 'R', OP_RR = 'P' };

struct hdr {
	uint32_t magic;
	uint32_t op;
	uint64_t count; /* bytes (OP_SEND, OP_RECV) or round trips */
	uint32_t chunk; /* the peer's write size (OP_RECV) */
	uint32_t pad;
};

struct opts {
	uint64_t bytes;
	size_t chunk;
	long rtts;
	long reps;
	long wait_s;
	const char *iface;
	struct sockaddr_in peer;
};

static uint64_t hton64(uint64_t v)
{
	return ((uint64_t)htonl(v & 0xffffffffu) << 32) | htonl(v >> 32);
}

/* Whole transfers; false at EOF or an error (errno 0 at EOF). */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;
			return false;
		}
		p += n;
		len -= n;
	}
	return true;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* --- the peer ----------------------------------------------------------- */

/* One client connection; returns when it is done or broken. */
static void serve_tcp(int fd, char *buf)
{
	struct hdr h;
	uint64_t left;
	char c = 'k';

	if (!read_all(fd, &h, sizeof(h)) || ntohl(h.magic) != MAGIC)
		return;
	left = hton64(h.count);
	switch (ntohl(h.op)) {
	case OP_NONE:
		write_all(fd, &c, 1);
		break;
	case OP_SEND:
		while (left) {
			ssize_t n = read(fd, buf,
					 left < PEER_CHUNK ? left : PEER_CHUNK);

			if (n <= 0)
				return;
			left -= n;
		}
		write_all(fd, &c, 1);
		break;
	case OP_RECV: {
		size_t chunk = ntohl(h.chunk);

		if (!chunk || chunk > PEER_CHUNK)
			return;
		while (left) {
			size_t n = left < chunk ? left : chunk;

			if (!write_all(fd, buf, n))
				return;
			left -= n;
		}
		/* until the client has all of it and closes */
		while (read(fd, buf, 1) > 0)
			;
		break;
	}
	case OP_RR:
		nodelay(fd);
		while (left-- && read_all(fd, &c, 1) && write_all(fd, &c, 1))
			;
		break;
	}
}

static _Noreturn void serve(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_ANY)};
	int one = 1, ls, us;
	char *buf = malloc(PEER_CHUNK);

	if (!buf)
		die("malloc");
	memset(buf, 0x5a, PEER_CHUNK);
	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	us = socket(AF_INET, SOCK_DGRAM, 0);
	if (ls < 0 || us < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (void *)&a, sizeof(a)) || listen(ls, 8))
		die("tcp bind/listen");
	if (bind(us, (void *)&a, sizeof(a)))
		die("udp bind");
	fprintf(stderr, "xenner-netbench: serving tcp and udp port %d\n", port);
	for (;;) {
		struct pollfd p[2] = {{.fd = ls, .events = POLLIN},
				      {.fd = us, .events = POLLIN}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[1].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(us, buf, PEER_CHUNK, 0,
					     (void *)&from, &fl);

			if (n > 0)
				sendto(us, buf, n, 0, (void *)&from, fl);
		}
		if (p[0].revents & POLLIN) {
			/* a client that died (its guest killed at a time
			 * limit) must not keep the next ones out */
			struct timeval tv = {.tv_sec = 30};
			int fd = accept(ls, NULL, NULL);

			if (fd < 0)
				continue;
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				   sizeof(tv));
			serve_tcp(fd, buf);
			close(fd);
			memset(buf, 0x5a, PEER_CHUNK);
		}
	}
}

/* --- the client ---------------------------------------------------------- */

static uint64_t deadline_ns;

/* A TCP connection to the peer with its request sent; retries until
 * the -w deadline (the link may still be coming up). */
static int tcp_open(const struct opts *o, enum op op, uint64_t count)
{
	struct hdr h = {.magic = htonl(MAGIC),
			.op = htonl(op),
			.count = hton64(count),
			.chunk = htonl(o->chunk)};
	int fd;

	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (!connect(fd, (const void *)&o->peer, sizeof(o->peer)))
			break;
		if (now_ns() > deadline_ns)
			die("connect");
		close(fd);
		usleep(100000);
	}
	if (op == OP_RR)
		nodelay(fd);
	if (!write_all(fd, &h, sizeof(h)))
		die("write request");
	return fd;
}

static void get_ack(int fd)
{
	char c;

	if (!read_all(fd, &c, 1))
		die(errno ? "read ack" : "read ack: connection closed");
}

/* One round of each test; returns the seconds it took. */
static double run_none(const struct opts *o, char *buf, long *lost)
{
	int fd = tcp_open(o, OP_NONE, 0);

	(void)buf;
	(void)lost;
	get_ack(fd);
	close(fd);
	return 0;
}

static double run_send(const struct opts *o, char *buf, long *lost)
{
	uint64_t t0 = now_ns(), left = o->bytes;
	int fd = tcp_open(o, OP_SEND, o->bytes);

	(void)lost;
	while (left) {
		size_t n = left < o->chunk ? left : o->chunk;

		if (!write_all(fd, buf, n))
			die("write");
		left -= n;
	}
	get_ack(fd);
	close(fd);
	return (now_ns() - t0) / 1e9;
}

static double run_recv(const struct opts *o, char *buf, long *lost)
{
	uint64_t t0 = now_ns(), left = o->bytes;
	int fd = tcp_open(o, OP_RECV, o->bytes);

	(void)lost;
	while (left) {
		ssize_t n = read(fd, buf, left < o->chunk ? left : o->chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(n ? "read" : "read: connection closed early");
		left -= n;
	}
	close(fd);
	return (now_ns() - t0) / 1e9;
}

static double run_tcprr(const struct opts *o, char *buf, long *lost)
{
	int fd = tcp_open(o, OP_RR, o->rtts);
	uint64_t t0 = now_ns();
	double s;

	(void)lost;
	for (long i = 0; i < o->rtts; i++) {
		buf[0] = (char)i;
		if (!write_all(fd, buf, 1) || !read_all(fd, buf, 1))
			die("tcp round trip");
	}
	s = (now_ns() - t0) / 1e9;
	close(fd);
	return s;
}

static double run_udprr(const struct opts *o, char *buf, long *lost)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t seq = 0;
	uint64_t t0;

	if (fd < 0)
		die("socket");
	if (connect(fd, (const void *)&o->peer, sizeof(o->peer)))
		die("udp connect");
	t0 = now_ns();
	for (long i = 0; i < o->rtts; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint32_t want = ++seq, got;

		memset(buf, 0, UDP_SIZE);
		memcpy(buf, &want, sizeof(want));
		if (send(fd, buf, UDP_SIZE, 0) != UDP_SIZE)
			die("udp send");
		for (;;) {
			int r = poll(&p, 1, UDP_WAIT);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) { /* lost: this round trip again */
				(*lost)++;
				i--;
				break;
			}
			if (recv(fd, buf, UDP_SIZE, 0) < (ssize_t)sizeof(got))
				continue;
			memcpy(&got, buf, sizeof(got));
			if (got == want)
				break; /* else a late answer to a lost one */
		}
		if (*lost > o->rtts) {
			fprintf(stderr, "xenner-netbench: udprr: more lost "
					"datagrams than round trips\n");
			exit(1);
		}
	}
	close(fd);
	return (now_ns() - t0) / 1e9;
}

struct test {
	const char *name;
	double (*run)(const struct opts *o, char *buf, long *lost);
	bool rr; /* round trips, not bytes */
};

static const struct test tests[] = {
	{.name = "tcpsend", .run = run_send},
	{.name = "tcprecv", .run = run_recv},
	{.name = "udprr", .run = run_udprr, .rr = true},
	{.name = "tcprr", .run = run_tcprr, .rr = true},
	{.name = "none", .run = run_none},
};

/* tx + rx packets and bytes of IFACE, or -1 */
static long long if_stat(const char *iface, const char *what)
{
	static const char *const dir[2] = {"tx", "rx"};
	long long sum = 0;

	if (!iface)
		return -1;
	for (int i = 0; i < 2; i++) {
		char path[128];
		unsigned long long v;
		FILE *f;
		int n;

		snprintf(path, sizeof(path),
			 "/sys/class/net/%s/statistics/%s_%s", iface, dir[i],
			 what);
		f = fopen(path, "r");
		if (!f)
			return -1;
		n = fscanf(f, "%llu", &v);
		fclose(f);
		if (n != 1)
			return -1;
		sum += v;
	}
	return sum;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenner-netbench serve [-p PORT]\n"
		"       xenner-netbench [-s MIB] [-b KIB] [-n RTTS] [-R REPS] "
		"[-w SECONDS] [-i IFACE]\n"
		"       tcpsend|tcprecv|udprr|tcprr|none HOST [PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.bytes = 64 * MIB,
			 .chunk = 128 * 1024,
			 .rtts = 1000,
			 .reps = 3,
			 .wait_s = 60};
	const struct test *t = NULL;
	long port = 5201, lost = 0;
	long long p0, p1, b0, b1;
	double rate[MAX_REPS], med;
	char *buf;
	int c;

	bench_prog = "xenner-netbench";
	while ((c = getopt(argc, argv, "s:b:n:R:w:i:p:")) != -1) {
		switch (c) {
		case 's':
			o.bytes = arg_long(optarg, 1, 1 << 20) * MIB;
			break;
		case 'b':
			o.chunk = arg_long(optarg, 1, PEER_CHUNK / 1024) * 1024;
			break;
		case 'n':
			o.rtts = arg_long(optarg, 1, 100000000);
			break;
		case 'R':
			o.reps = arg_long(optarg, 1, MAX_REPS);
			break;
		case 'w':
			o.wait_s = arg_long(optarg, 0, 3600);
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'p':
			port = arg_long(optarg, 1, 65535);
			break;
		default:
			usage();
		}
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "serve"))
		serve(port);
	if (argc - optind != 2 && argc - optind != 3)
		usage();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[optind], tests[i].name))
			t = &tests[i];
	if (!t) {
		fprintf(stderr, "xenner-netbench: unknown test '%s'\n",
			argv[optind]);
		usage();
	}
	if (argc - optind == 3)
		port = arg_long(argv[optind + 2], 1, 65535);
	o.peer.sin_family = AF_INET;
	o.peer.sin_port = htons(port);
	if (inet_pton(AF_INET, argv[optind + 1], &o.peer.sin_addr) != 1) {
		fprintf(stderr, "xenner-netbench: not an IPv4 address: %s\n",
			argv[optind + 1]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	buf = malloc(o.chunk > UDP_SIZE ? o.chunk : UDP_SIZE);
	if (!buf)
		die("malloc");
	for (size_t i = 0; i < o.chunk; i++)
		buf[i] = (char)(i * 7);
	deadline_ns = now_ns() + o.wait_s * 1000000000ull;

	/* the peer reachable before the counting starts */
	run_none(&o, buf, &lost);
	if (t->run == run_none) {
		printf("XENNER-NETBENCH none ok\n");
		return 0;
	}
	p0 = if_stat(o.iface, "packets");
	b0 = if_stat(o.iface, "bytes");
	for (long r = 0; r < o.reps; r++) {
		double s = t->run(&o, buf, &lost);

		if (s <= 0)
			s = 1e-9;
		rate[r] = t->rr ? o.rtts / s : o.bytes / s / 1e6;
	}
	p1 = if_stat(o.iface, "packets");
	b1 = if_stat(o.iface, "bytes");
	qsort(rate, o.reps, sizeof(rate[0]), cmp_double);
	med = rate[o.reps / 2];
	if (t->rr)
		printf("XENNER-NETBENCH %s rtt_per_s=%.1f us_per_rtt=%.1f "
		       "rtts=%ld lost=%ld reps=%ld min=%.1f max=%.1f",
		       t->name, med, 1e6 / med, o.rtts, lost, o.reps, rate[0],
		       rate[o.reps - 1]);
	else
		printf("XENNER-NETBENCH %s mb_per_s=%.2f reps=%ld min=%.2f "
		       "max=%.2f bytes=%llu chunk=%zu",
		       t->name, med, o.reps, rate[0], rate[o.reps - 1],
		       (unsigned long long)o.bytes, o.chunk);
	if (p0 >= 0 && p1 >= 0 && b0 >= 0 && b1 >= 0)
		printf(" pkts=%lld pkt_bytes=%lld\n", p1 - p0, b1 - b0);
	else
		printf(" pkts=- pkt_bytes=-\n");
	free(buf);
	return 0;
}
