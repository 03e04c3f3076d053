// SPDX-License-Identifier: MIT
/*
 * The command script of the test frontend: traffic commands that send
 * frames and wait for the ones that must come back, each printing one
 * result line the test compares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenner/log.h"

#include "cmds.h"
#include "netfront.h"

#define SPORT_UDP 5555

static uint8_t txf[NF_FRAME_MAX];
static struct nf_frame rxf;

static bool parse_ip(const char *s, uint8_t ip[4])
{
	unsigned int b[4];

	if (sscanf(s, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		ip[i] = b[i];
	return true;
}

static int result(int st)
{
	if (st == 0)
		printf("OK\n");
	else if (st == NETIF_RSP_ERROR || st == NETIF_RSP_DROPPED)
		printf("STATUS %d\n", st);
	else
		printf("ERROR %s\n", strerror(-st));
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static int cmd_udp(struct nf_vif *v, char **w, int n)
{
	unsigned int count = td_opt_val(w, n, "count", 1);
	struct nf_txopt o = {
		.slots = td_opt_val(w, n, "slots", 1),
		.blank = td_has_word(w, n, "blank"),
		.queue = td_opt_val(w, n, "queue", 0),
	};
	int ret = 0;

	for (unsigned int i = 0; i < count && !ret; i++) {
		unsigned int len =
			frame_udp(v, txf, SPORT_UDP, td_num(w[2]), td_num(w[3]),
				  td_num(w[4]), o.blank);

		ret = ring_tx(v, txf, len, &o);
	}
	if (!ret)
		ret = ring_tx_wait(v);
	return result(ret);
}

/* Waits for a frame matching proto/dport, checking it; 1 found, 0 not. */
static int wait_for(struct nf_vif *v, int proto, unsigned int dport,
		    unsigned int *l4_off, unsigned int *l4_len, int timeout)
{
	const char *why;

	for (;;) {
		int got = ring_rx(v, &rxf, timeout), p;

		if (got <= 0)
			return 0;
		if (rxf.error) {
			printf("RXERR\n");
			return -1;
		}
		p = frame_check(&rxf, l4_off, l4_len, &why);
		if (p < 0) {
			/* Other traffic may pass: only ours must be right. */
			if (rxf.len >= 38 && get16(rxf.data + 36) == dport) {
				printf("BAD %s\n", why);
				return -1;
			}
			continue;
		}
		if (p == proto &&
		    (proto == 1 || get16(rxf.data + *l4_off + 2) == dport))
			return 1;
	}
}

static const char *csum_path(const struct nf_frame *f)
{
	if (f->flags & NETRXF_csum_blank)
		return "blank";
	return f->flags & NETRXF_data_validated ? "validated" : "full";
}

static int cmd_recv_udp(struct nf_vif *v, char **w, int n)
{
	unsigned int dport = td_num(w[2]), len = td_num(w[3]),
		     seed = td_num(w[4]);
	unsigned int count = td_opt_val(w, n, "count", 1), off, l4len;
	char path[16] = "";

	for (unsigned int i = 0; i < count; i++) {
		int r = wait_for(v, 17, dport, &off, &l4len, td.timeout_ms);

		if (r < 0)
			return 0;
		if (!r) {
			printf("TIMEOUT after %u frames\n", i);
			return 0;
		}
		if (l4len != 8 + len) {
			printf("BAD length %u\n", l4len - 8);
			return 0;
		}
		for (unsigned int j = 0; j < len; j++)
			if (rxf.data[off + 8 + j] != nf_pattern(j, seed)) {
				printf("MISMATCH at %u\n", j);
				return 0;
			}
		if (!i)
			snprintf(path, sizeof(path), "%s", csum_path(&rxf));
	}
	printf("OK %s\n", path);
	return 0;
}

static int cmd_tcp(struct nf_vif *v, char **w, int n)
{
	unsigned int len = td_num(w[3]), mss = td_opt_val(w, n, "mss", 0);
	struct nf_txopt o = {
		.slots = td_opt_val(w, n, "slots", (len + 54 + 4095) / 4096),
		.blank = true,
		.queue = td_opt_val(w, n, "queue", 0),
	};
	unsigned int flen =
		frame_tcp(v, txf, td_num(w[2]), 1000, len, td_num(w[4]));
	int ret;

	if (mss && mss < len) {
		o.gso_size = mss;
		o.gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
	}
	ret = ring_tx(v, txf, flen, &o);
	if (!ret)
		ret = ring_tx_wait(v);
	return result(ret);
}

/* Segments (or one GSO frame) carrying LEN bytes from sequence 1000. */
static int cmd_recv_tcp(struct nf_vif *v, char **w)
{
	unsigned int dport = td_num(w[2]), len = td_num(w[3]),
		     seed = td_num(w[4]);
	unsigned int got = 0, segs = 0, gso = 0, off, l4len;
	static uint8_t seen[NF_FRAME_MAX];

	if (len > NF_FRAME_MAX) {
		printf("ERROR too long\n");
		return 0;
	}
	memset(seen, 0, len);
	while (got < len) {
		int r = wait_for(v, 6, dport, &off, &l4len, td.timeout_ms);
		unsigned int hl, pl, seq;

		if (r < 0)
			return 0;
		if (!r) {
			printf("TIMEOUT after %u bytes\n", got);
			return 0;
		}
		hl = (rxf.data[off + 12] >> 4) * 4;
		seq = get32(rxf.data + off + 4) - 1000;
		pl = l4len - hl;
		if (seq > len || pl > len - seq) {
			printf("BAD segment at %u+%u\n", seq, pl);
			return 0;
		}
		for (unsigned int j = 0; j < pl; j++) {
			if (rxf.data[off + hl + j] !=
			    nf_pattern(seq + j, seed)) {
				printf("MISMATCH at %u\n", seq + j);
				return 0;
			}
			if (!seen[seq + j]++)
				got++;
		}
		segs++;
		gso += rxf.gso_size != 0;
	}
	/* How it came (whole with GSO, or cut by the host) is the point. */
	if (segs == 1 && gso)
		printf("OK gso\n");
	else if (segs > 1 && !gso)
		printf("OK segmented\n");
	else
		printf("OK segs=%u gso=%u\n", segs, gso);
	log_info("recv-tcp: %u segments, %u GSO", segs, gso);
	return 0;
}

/*
 * Like ping(8), the first echo is sent again each second until one is
 * answered: a tap that netbackd just brought up (carrier on at connect)
 * drops what the host sends until the kernel has activated its queue,
 * which a loaded host may take a second or more to do.
 */
static int cmd_ping(struct nf_vif *v, unsigned int count, unsigned int len)
{
	struct nf_txopt o = {0};
	unsigned int off, l4len;

	for (unsigned int i = 0; i < count; i++) {
		unsigned int flen = frame_icmp_echo(v, txf, i, len);
		int64_t end = td_now_ms() + td.timeout_ms;
		int r;

		do {
			int wait = td.timeout_ms;

			if (i == 0 && end - td_now_ms() < wait)
				wait = end - td_now_ms();
			if (i == 0 && wait > 1000)
				wait = 1000;
			r = ring_tx(v, txf, flen, &o);
			if (!r)
				r = ring_tx_wait(v);
			if (r)
				return result(r);
			do {
				r = wait_for(v, 1, 0, &off, &l4len, wait);
			} while (r > 0 && (rxf.data[off] != 0 ||
					   get16(rxf.data + off + 6) != i));
		} while (!r && i == 0 && td_now_ms() < end);
		if (r < 0)
			return 0;
		if (!r) {
			printf("TIMEOUT no reply to echo %u\n", i);
			return 0;
		}
		if (l4len != 8 + len ||
		    memcmp(rxf.data + off + 8, txf + off + 8, len)) {
			printf("MISMATCH in echo reply %u\n", i);
			return 0;
		}
	}
	printf("OK\n");
	return 0;
}

/* The host's echo reply lands on the spoilt rx buffer or ring. */
static int cmd_bad_rx(struct nf_vif *v, bool indices)
{
	struct nf_txopt o = {0};
	unsigned int len;

	if (v->nq != 1) {
		printf("ERROR use one queue\n");
		return -1;
	}
	ring_bad_rx(v, indices);
	if (!indices)
		return cmd_ping(v, 1, 56); /* prints RXERR */
	len = frame_icmp_echo(v, txf, 0, 56);
	if (ring_tx(v, txf, len, &o)) {
		printf("ERROR tx\n");
		return -1;
	}
	return ring_wait_closing(v);
}

static int cmd_bench(struct nf_vif *v, unsigned int secs, const char *what)
{
	int64_t start = td_now_ms(), end = start + secs * 1000LL, ms;
	unsigned long frames = 0;
	struct nf_txopt o = {0};
	unsigned int len, off, l4len;
	bool ping = !strcmp(what, "ping"), gso = !strcmp(what, "gso");
	uint8_t dmac[6];

	/* Frames for a MAC nobody has: the host drops them at once. */
	memcpy(dmac, v->dmac, 6);
	if (!ping)
		memcpy(v->dmac, "\x02\x00\x00\x00\x00\x01", 6);
	if (gso) {
		len = frame_tcp(v, txf, 9, 1000, 60000, 1);
		o = (struct nf_txopt){.slots = 16,
				      .blank = true,
				      .gso_size = 1448,
				      .gso_type = XEN_NETIF_GSO_TYPE_TCPV4};
	} else {
		len = frame_udp(v, txf, SPORT_UDP, 9, 18, 1, false);
	}
	while (td_now_ms() < end) {
		if (ping) {
			len = frame_icmp_echo(v, txf, frames & 0xffff, 56);
			if (ring_tx(v, txf, len, &o) || ring_tx_wait(v) ||
			    wait_for(v, 1, 0, &off, &l4len, 1000) <= 0)
				break;
		} else {
			int i;

			for (i = 0; i < 64; i++)
				if (ring_tx(v, txf, len, &o))
					break;
			frames += i;
			if (i < 64)
				break;
			continue;
		}
		frames++;
	}
	if (!ping)
		ring_tx_wait(v);
	memcpy(v->dmac, dmac, 6);
	ms = td_now_ms() - start;
	if (ping)
		printf("BENCH ping: %lu round trips in %lld ms: %.0f/s, "
		       "%.1f us each\n",
		       frames, (long long)ms, frames * 1000.0 / ms,
		       ms * 1000.0 / (frames ? frames : 1));
	else
		printf("BENCH tx %s: %lu frames of %u bytes in %lld ms: "
		       "%.0f frames/s, %.2f Gbit/s\n",
		       what, frames, len, (long long)ms, frames * 1000.0 / ms,
		       frames * (double)len * 8 / ms / 1e6);
	return 0;
}

static int run_cmd(char **w, int n)
{
	struct nf_vif *v = NULL;
	int ret;

	if (!strcmp(w[0], "add") && n >= 2)
		return vif_add(td_num(w[1]), td_opt_str(w, n, "mac"),
			       td_opt_str(w, n, "bridge"));
	if (n >= 2)
		v = vif_find(td_num(w[1]));
	if (!v) {
		log_err("bad command or unknown vif: %s", w[0]);
		return -1;
	}
	if (!strcmp(w[0], "addr") && n >= 4) {
		unsigned int b[6];

		if (!parse_ip(w[2], v->sip) || !parse_ip(w[3], v->dip)) {
			printf("ERROR bad address\n");
			return -1;
		}
		if (n >= 5 && sscanf(w[4], "%x:%x:%x:%x:%x:%x", &b[0], &b[1],
				     &b[2], &b[3], &b[4], &b[5]) == 6)
			for (int i = 0; i < 6; i++)
				v->dmac[i] = b[i];
		printf("OK\n");
		return 0;
	}
	if (!strcmp(w[0], "connect"))
		return vif_connect(v, td_opt_val(w, n, "queues", 1),
				   td_has_word(w, n, "split"),
				   !td_has_word(w, n, "nosg"),
				   !td_has_word(w, n, "nogso"),
				   !td_has_word(w, n, "nocsum"),
				   td_has_word(w, n, "unchecked"));
	if (!v->d.connected && strcmp(w[0], "remove") &&
	    strcmp(w[0], "wait-reconnect") && strcmp(w[0], "reboot")) {
		printf("ERROR not connected\n");
		return -1;
	}
	if (!strcmp(w[0], "udp") && n >= 5)
		return cmd_udp(v, w, n);
	if (!strcmp(w[0], "recv-udp") && n >= 5)
		return cmd_recv_udp(v, w, n);
	if (!strcmp(w[0], "tcp") && n >= 5)
		return cmd_tcp(v, w, n);
	if (!strcmp(w[0], "recv-tcp") && n >= 5)
		return cmd_recv_tcp(v, w);
	if (!strcmp(w[0], "ping") && n >= 3)
		return cmd_ping(v, td_num(w[2]), n > 3 ? td_num(w[3]) : 56);
	if (!strcmp(w[0], "bad") && n >= 3 && !strncmp(w[2], "rx-", 3))
		return cmd_bad_rx(v, !strcmp(w[2], "rx-ring"));
	if (!strcmp(w[0], "bad") && n >= 3)
		return ring_bad(v, w[2]);
	if (!strcmp(w[0], "bench") && n >= 4)
		return cmd_bench(v, td_num(w[2]), w[3]);
	ret = td_dev_cmd(&v->d, w, n);
	if (ret <= 0)
		return ret;
	log_err("unknown command %s", w[0]);
	return -1;
}

int cmd_run(char *line)
{
	return td_cmd_line(line, run_cmd);
}
