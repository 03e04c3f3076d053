// SPDX-License-Identifier: MIT
/*
 * Hand-built IPv4 frames (UDP, TCP, ICMP echo) with a payload pattern, and
 * the checks a guest's stack would do on what arrives: IP header checksum,
 * TCP/UDP checksum (a blank one is completed first, as Linux's netfront
 * does with a CHECKSUM_PARTIAL frame).  Checksums come from netbackd's own
 * pure helpers.
 */
#include <string.h>

#include "../../netbackd/netif-csum.h"
#include "netfront.h"

#define ETH_HLEN 14
#define IP_HLEN	 20

uint8_t nf_pattern(unsigned int off, uint32_t seed)
{
	return (uint8_t)(off * 7 + seed * 29 + (off >> 8) * 3);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet and IPv4 headers for an l4len-byte payload of proto. */
static void headers(struct nf_vif *v, uint8_t *f, uint8_t proto,
		    unsigned int l4len)
{
	uint8_t *ip = f + ETH_HLEN;

	memcpy(f, v->dmac, 6);
	memcpy(f + 6, v->mac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + l4len);
	put16(ip + 4, v->ip_id++);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, v->sip, 4);
	memcpy(ip + 16, v->dip, 4);
	put16(ip + 10, ~csum_fold(csum_add(0, ip, IP_HLEN)));
}

/* Fills the L4 checksum: the full one, or only the pseudo-header sum. */
static void l4_csum(uint8_t *f, unsigned int len, bool blank)
{
	struct pkt_l4 l4;

	if (pkt_find_l4(f, len, &l4))
		return;
	pkt_set_pseudo_csum(f, len, &l4);
	if (!blank)
		pkt_csum_complete(f, len, l4.l4_off, l4.csum_off);
}

unsigned int frame_udp(struct nf_vif *v, uint8_t *f, uint16_t sport,
		       uint16_t dport, unsigned int len, uint32_t seed,
		       bool blank)
{
	uint8_t *udp = f + ETH_HLEN + IP_HLEN;

	headers(v, f, 17, 8 + len);
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, 8 + len);
	put16(udp + 6, 0);
	for (unsigned int i = 0; i < len; i++)
		udp[8 + i] = nf_pattern(i, seed);
	l4_csum(f, ETH_HLEN + IP_HLEN + 8 + len, blank);
	return ETH_HLEN + IP_HLEN + 8 + len;
}

/* One TCP segment (ACK|PSH, no connection: receivers only check it). */
unsigned int frame_tcp(struct nf_vif *v, uint8_t *f, uint16_t dport,
		       uint32_t seq, unsigned int len, uint32_t seed)
{
	uint8_t *tcp = f + ETH_HLEN + IP_HLEN;

	headers(v, f, 6, 20 + len);
	memset(tcp, 0, 20);
	put16(tcp, 6000);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	put16(tcp + 14, 65535);
	for (unsigned int i = 0; i < len; i++)
		tcp[20 + i] = nf_pattern(i, seed);
	/* GSO frames carry only the pseudo-header sum (csum_blank). */
	l4_csum(f, ETH_HLEN + IP_HLEN + 20 + len, true);
	return ETH_HLEN + IP_HLEN + 20 + len;
}

unsigned int frame_icmp_echo(struct nf_vif *v, uint8_t *f, uint16_t seq,
			     unsigned int len)
{
	uint8_t *icmp = f + ETH_HLEN + IP_HLEN;

	headers(v, f, 1, 8 + len);
	icmp[0] = 8;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0x4e46);
	put16(icmp + 6, seq);
	for (unsigned int i = 0; i < len; i++)
		icmp[8 + i] = nf_pattern(i, seq);
	put16(icmp + 2, ~csum_fold(csum_add(0, icmp, 8 + len)));
	return ETH_HLEN + IP_HLEN + 8 + len;
}

int frame_check(struct nf_frame *fr, unsigned int *l4_off, unsigned int *l4_len,
		const char **why)
{
	uint8_t *f = fr->data, *ip = f + ETH_HLEN;
	unsigned int iplen, ihl;
	struct pkt_l4 l4;
	uint32_t sum;

	if (fr->len < ETH_HLEN + IP_HLEN || get16(f + 12) != 0x0800 ||
	    (ip[0] >> 4) != 4) {
		*why = "not IPv4";
		return -1;
	}
	ihl = (ip[0] & 15) * 4;
	iplen = get16(ip + 2);
	if (ihl < IP_HLEN || iplen < ihl || ETH_HLEN + iplen > fr->len) {
		*why = "bad IP lengths";
		return -1;
	}
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff) {
		*why = "bad IP header checksum";
		return -1;
	}
	*l4_off = ETH_HLEN + ihl;
	*l4_len = iplen - ihl;
	if (ip[9] != 6 && ip[9] != 17) {
		if (ip[9] == 1 &&
		    csum_fold(csum_add(0, f + *l4_off, *l4_len)) != 0xffff) {
			*why = "bad ICMP checksum";
			return -1;
		}
		return ip[9];
	}
	/* Ethernet padding is not part of the datagram. */
	if (pkt_find_l4(f, ETH_HLEN + iplen, &l4)) {
		*why = "no L4 header";
		return -1;
	}
	if ((fr->flags & NETRXF_csum_blank) &&
	    pkt_csum_complete(f, ETH_HLEN + iplen, l4.l4_off, l4.csum_off)) {
		*why = "cannot complete the checksum";
		return -1;
	}
	sum = csum_add(0, ip + 12, 8);
	sum += ip[9] + *l4_len;
	sum = csum_add(sum, f + *l4_off, *l4_len);
	if (csum_fold(sum) != 0xffff) {
		*why = ip[9] == 6 ? "bad TCP checksum" : "bad UDP checksum";
		return -1;
	}
	return ip[9];
}
