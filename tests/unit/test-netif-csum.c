// SPDX-License-Identifier: MIT
/*
 * netbackd's header parsing and checksums: known-good frames (checked
 * against independently computed sums), VLAN tags, IPv6 extension
 * headers, fragments, truncated and garbage frames, and a partial checksum
 * completed in software equal to the full one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../netbackd/netif-csum.h"

/* A UDP/IPv4 frame, 10.0.0.2:5555 -> 10.0.0.1:7777, payload "hello!". */
static size_t udp4(uint8_t *f)
{
	static const uint8_t hdr[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
				      0x16, 0x3e, 0, 0, 1, 0x08, 0x00,
				      /* IPv4 */
				      0x45, 0, 0, 34, 0, 1, 0x40, 0, 64, 17, 0,
				      0, 10, 0, 0, 2, 10, 0, 0, 1,
				      /* UDP */
				      0x15, 0xb3, 0x1e, 0x61, 0, 14, 0, 0, 'h',
				      'e', 'l', 'l', 'o', '!'};

	memcpy(f, hdr, sizeof(hdr));
	return sizeof(hdr);
}

/* Reference: sum of the pseudo header and the UDP datagram, by hand. */
static uint16_t udp4_ref(const uint8_t *f)
{
	uint32_t s = 0x0a00 + 0x0002 + 0x0a00 + 0x0001 + 17 + 14;

	for (int i = 34; i < 48; i += 2)
		s += (f[i] << 8 | f[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void test_find_udp4(void **state)
{
	uint8_t f[64];
	size_t len = udp4(f);
	struct pkt_l4 l4;

	(void)state;
	assert_int_equal(pkt_find_l4(f, len, &l4), 0);
	assert_int_equal(l4.ipv, 4);
	assert_int_equal(l4.proto, 17);
	assert_int_equal(l4.l3_off, 14);
	assert_int_equal(l4.l4_off, 34);
	assert_int_equal(l4.csum_off, 6);
	assert_int_equal(pkt_ip_version(f, len), 4);
}

static void test_complete_equals_full(void **state)
{
	uint8_t f[64];
	size_t len = udp4(f);
	struct pkt_l4 l4;
	uint16_t want = udp4_ref(f);

	(void)state;
	assert_int_equal(pkt_find_l4(f, len, &l4), 0);
	pkt_set_pseudo_csum(f, len, &l4);
	/* The partial field is the folded pseudo-header sum, not inverted */
	assert_int_equal(f[40] << 8 | f[41],
			 csum_fold(0x0a00 + 2 + 0x0a00 + 1 + 17 + 14));
	assert_int_equal(pkt_csum_complete(f, len, l4.l4_off, l4.csum_off), 0);
	assert_int_equal(f[40] << 8 | f[41], want);
	/* And the receiver's check sums to all ones. */
	assert_int_equal(csum_fold(csum_add(0x0a00 + 2 + 0x0a00 + 1 + 17 + 14,
					    f + 34, 14)),
			 0xffff);
}

static void test_tcp_vlan_and_options(void **state)
{
	uint8_t f[128] = {0};
	struct pkt_l4 l4;

	(void)state;
	/* VLAN-tagged IPv4 with 4 bytes of IP options, TCP with 12 of its
	 * own. */
	f[12] = 0x81;
	f[13] = 0x00;
	f[16] = 0x08;
	f[17] = 0x00;
	f[18] = 0x46;
	f[27] = 6;
	f[18 + 24 + 12] = 8 << 4;
	assert_int_equal(pkt_find_l4(f, 18 + 24 + 32, &l4), 0);
	assert_int_equal(l4.l3_off, 18);
	assert_int_equal(l4.l4_off, 42);
	assert_int_equal(l4.l4_hdr, 32);
	assert_int_equal(l4.csum_off, 16);
	/* Truncated inside the TCP options. */
	assert_int_equal(pkt_find_l4(f, 18 + 24 + 31, &l4), -EINVAL);
	/* A TCP data offset below 5 words. */
	f[18 + 24 + 12] = 4 << 4;
	assert_int_equal(pkt_find_l4(f, 18 + 24 + 32, &l4), -EINVAL);
}

static void test_ipv6_ext(void **state)
{
	uint8_t f[128] = {0};
	struct pkt_l4 l4;

	(void)state;
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 6] = 0; /* hop-by-hop */
	f[54] = 17;    /* next: UDP */
	f[55] = 0;     /* 8 bytes */
	assert_int_equal(pkt_find_l4(f, 54 + 8 + 8, &l4), 0);
	assert_int_equal(l4.ipv, 6);
	assert_int_equal(l4.l4_off, 62);
	/* A fragment header: no L4 checksum to find. */
	f[54] = 44;
	assert_int_equal(pkt_find_l4(f, 54 + 8 + 8, &l4), -EINVAL);
	/* An extension header that claims to run past the frame. */
	f[54] = 60;
	f[55] = 200;
	assert_int_equal(pkt_find_l4(f, 100, &l4), -EINVAL);
}

static void test_garbage(void **state)
{
	uint8_t f[64];
	size_t len = udp4(f);
	struct pkt_l4 l4;

	(void)state;
	assert_int_equal(pkt_find_l4(f, 10, &l4), -EINVAL);
	assert_int_equal(pkt_find_l4(f, 30, &l4), -EINVAL);
	/* A fragment (MF set). */
	f[20] = 0x20;
	assert_int_equal(pkt_find_l4(f, len, &l4), -EINVAL);
	udp4(f);
	/* IHL below 5. */
	f[14] = 0x44;
	assert_int_equal(pkt_find_l4(f, len, &l4), -EINVAL);
	udp4(f);
	/* Not TCP/UDP. */
	f[23] = 1;
	assert_int_equal(pkt_find_l4(f, len, &l4), -EINVAL);
	/* ARP. */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(pkt_find_l4(f, len, &l4), -EINVAL);
	assert_int_equal(pkt_ip_version(f, len), 0);
	/* The checksum field outside the frame. */
	assert_int_equal(pkt_csum_complete(f, len, len - 1, 0), -EINVAL);
	assert_int_equal(pkt_csum_complete(f, len, 34, 0xfff0), -EINVAL);
	assert_int_equal(pkt_csum_complete(f, len, 0xfffffff0, 6), -EINVAL);
}

static void test_odd_length_sum(void **state)
{
	const uint8_t b[] = {0x12, 0x34, 0x56};

	(void)state;
	assert_int_equal(csum_add(0, b, 3), 0x1234 + 0x5600);
	assert_int_equal(csum_fold(0x1ffff), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_udp4),
		cmocka_unit_test(test_complete_equals_full),
		cmocka_unit_test(test_tcp_vlan_and_options),
		cmocka_unit_test(test_ipv6_ext),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_odd_length_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
