// SPDX-License-Identifier: MIT
/* Header parsing and checksums (see netif-csum.h). */
#include <errno.h>
#include <string.h>

#include "netif-csum.h"

#define ETH_HLEN    14
#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86dd
#define ETH_P_8021Q 0x8100
#define PROTO_TCP   6
#define PROTO_UDP   17
#define IPV6_HLEN   40

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static unsigned int l3_start(const uint8_t *f, size_t len, uint16_t *type)
{
	unsigned int off = ETH_HLEN;

	if (len < ETH_HLEN)
		return 0;
	*type = get16(f + 12);
	if (*type == ETH_P_8021Q) {
		if (len < ETH_HLEN + 4)
			return 0;
		*type = get16(f + 16);
		off += 4;
	}
	return off;
}

int pkt_ip_version(const uint8_t *f, size_t len)
{
	uint16_t type = 0;

	if (!l3_start(f, len, &type))
		return 0;
	return type == ETH_P_IP ? 4 : type == ETH_P_IPV6 ? 6 : 0;
}

static int find_l4_v4(const uint8_t *f, size_t len, struct pkt_l4 *l4)
{
	const uint8_t *ip = f + l4->l3_off;
	unsigned int ihl;

	if (len < l4->l3_off + 20 || (ip[0] >> 4) != 4)
		return -EINVAL;
	ihl = (ip[0] & 15) * 4;
	/* A fragment's first bytes are not the L4 header of the datagram. */
	if (ihl < 20 || (get16(ip + 6) & 0x3fff))
		return -EINVAL;
	l4->proto = ip[9];
	l4->l4_off = l4->l3_off + ihl;
	return 0;
}

static int find_l4_v6(const uint8_t *f, size_t len, struct pkt_l4 *l4)
{
	unsigned int off = l4->l3_off + IPV6_HLEN;
	uint8_t next;

	if (len < off || (f[l4->l3_off] >> 4) != 6)
		return -EINVAL;
	next = f[l4->l3_off + 6];
	/* Hop-by-hop, routing and destination options: skip them. */
	for (int n = 0; n < 8 && (next == 0 || next == 43 || next == 60); n++) {
		if (len < off + 8)
			return -EINVAL;
		next = f[off];
		off += (f[off + 1] + 1) * 8;
	}
	l4->proto = next;
	l4->l4_off = off;
	return 0;
}

int pkt_find_l4(const uint8_t *f, size_t len, struct pkt_l4 *l4)
{
	uint16_t type = 0;
	int ret;

	memset(l4, 0, sizeof(*l4));
	l4->l3_off = l3_start(f, len, &type);
	if (!l4->l3_off)
		return -EINVAL;
	if (type == ETH_P_IP) {
		l4->ipv = 4;
		ret = find_l4_v4(f, len, l4);
	} else if (type == ETH_P_IPV6) {
		l4->ipv = 6;
		ret = find_l4_v6(f, len, l4);
	} else {
		return -EINVAL;
	}
	if (ret)
		return ret;
	if (l4->proto == PROTO_TCP) {
		if (len < l4->l4_off + 20)
			return -EINVAL;
		l4->l4_hdr = (f[l4->l4_off + 12] >> 4) * 4;
		l4->csum_off = 16;
		if (l4->l4_hdr < 20 || len < l4->l4_off + l4->l4_hdr)
			return -EINVAL;
	} else if (l4->proto == PROTO_UDP) {
		if (len < l4->l4_off + 8)
			return -EINVAL;
		l4->l4_hdr = 8;
		l4->csum_off = 6;
	} else {
		return -EINVAL;
	}
	return 0;
}

uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void pkt_set_pseudo_csum(uint8_t *f, size_t len, const struct pkt_l4 *l4)
{
	uint32_t l4len = len - l4->l4_off, sum;
	const uint8_t *ip = f + l4->l3_off;
	uint16_t v;

	if (l4->ipv == 4)
		sum = csum_add(0, ip + 12, 8);
	else
		sum = csum_add(0, ip + 8, 32);
	sum += l4->proto + (l4len >> 16) + (l4len & 0xffff);
	v = csum_fold(sum);
	f[l4->l4_off + l4->csum_off] = v >> 8;
	f[l4->l4_off + l4->csum_off + 1] = v & 0xff;
}

int pkt_csum_complete(uint8_t *f, size_t len, unsigned int start,
		      unsigned int off)
{
	uint16_t v;

	if (start > len || off > len - start || len - start - off < 2)
		return -EINVAL;
	v = ~csum_fold(csum_add(0, f + start, len - start));
	/* UDP sends 0 as "no checksum": an all-ones result is its zero. */
	if (!v)
		v = 0xffff;
	f[start + off] = v >> 8;
	f[start + off + 1] = v & 0xff;
	return 0;
}
