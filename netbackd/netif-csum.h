/* SPDX-License-Identifier: MIT */
/*
 * Ethernet/IP/TCP/UDP header parsing and Internet checksums, as pure
 * functions over a frame in our own memory: where a partial checksum goes
 * (Xen's csum_blank carries no offsets, virtio-net's header needs them),
 * the pseudo-header sum a GSO frame must carry, and a checksum done in
 * software for a frontend that cannot take a blank one.
 */
#ifndef NETBACKD_NETIF_CSUM_H
#define NETBACKD_NETIF_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt_l4 {
	unsigned int l3_off; /* IPv4 or IPv6 header */
	unsigned int l4_off; /* TCP or UDP header */
	unsigned int l4_hdr; /* TCP header length with options; 8 for UDP */
	uint8_t ipv;	     /* 4 or 6 */
	uint8_t proto;	     /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t csum_off;   /* checksum field, from l4_off */
};

/*
 * Finds the TCP or UDP header of an Ethernet frame (one VLAN tag, IPv6
 * extension headers allowed; fragments are not).  0 or -EINVAL.
 */
int pkt_find_l4(const uint8_t *f, size_t len, struct pkt_l4 *l4);
/* Writes the pseudo-header sum into the checksum field (as a partial
 * checksum wants it); l4 from pkt_find_l4 on the same frame. */
void pkt_set_pseudo_csum(uint8_t *f, size_t len, const struct pkt_l4 *l4);
/*
 * Completes a partial checksum: sums from start to the end of the frame
 * (the field holds the pseudo-header sum) and stores the result at
 * start + off.  -EINVAL if the field lies outside the frame.
 */
int pkt_csum_complete(uint8_t *f, size_t len, unsigned int start,
		      unsigned int off);
/* One's complement sum of a buffer added to sum (not folded). */
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold(uint32_t sum);
/* 4 or 6 for an IPv4/IPv6 frame (after one VLAN tag), else 0. */
int pkt_ip_version(const uint8_t *f, size_t len);

#endif
