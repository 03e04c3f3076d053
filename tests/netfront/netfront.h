/* SPDX-License-Identifier: MIT */
/*
 * xenner-netfront: a guest's netfront played from the host, for testing
 * netbackd without a guest kernel.  On a test domain (tests/testdom) it
 * writes the toolstack's and the frontend's xenstore nodes, follows the
 * xenbus state machine, and sends
 * and receives hand-built Ethernet frames (ARP-free: the test sets static
 * neighbours) over the tx and rx rings.
 */
#ifndef NETFRONT_H
#define NETFRONT_H

#include <stdbool.h>
#include <stdint.h>

/* ring.h maps xen_mb() to mb(): give it ours. */
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/netif.h>

#include "../testdom/testdom.h"

#define NF_GNTTAB_PFN	 1
#define NF_GNTTAB_FRAMES 16
#define NF_MAX_VIFS	 4
#define NF_MAX_QUEUES	 8
#define NF_RING_SIZE	 256 /* both rings: one page each */
#define NF_FRAME_MAX	 65536

struct nf_queue {
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	uint32_t tx_ring_pfn, rx_ring_pfn;
	grant_ref_t tx_ring_gref, rx_ring_gref;
	uint32_t tx_port, rx_port; /* equal without split channels */
	/* one page per tx id, granted read-only for the whole connection */
	uint32_t tx_pfn[NF_RING_SIZE];
	grant_ref_t tx_gref[NF_RING_SIZE];
	bool tx_busy[NF_RING_SIZE];
	int16_t tx_status[NF_RING_SIZE];
	unsigned int tx_next;
	/* rx buffer id i is always page rx_pfn[i] (id = ring index % size) */
	uint32_t rx_pfn[NF_RING_SIZE];
	grant_ref_t rx_gref[NF_RING_SIZE];
};

struct nf_vif {
	struct td_dev d; /* first: tests/testdom's device */
	uint8_t mac[6], dmac[6];
	uint8_t sip[4], dip[4];
	uint16_t ip_id;
	unsigned int nq;
	bool split, sg, gso, csum; /* what we told the backend */
	struct nf_queue q[NF_MAX_QUEUES];
};

/* A frame taken off the rx ring. */
struct nf_frame {
	uint8_t data[NF_FRAME_MAX];
	unsigned int len;
	uint16_t flags; /* NETRXF_* of the first slot */
	uint16_t gso_size;
	uint8_t gso_type;
	bool error; /* a slot came back with a negative status */
	unsigned int queue;
};

/* The domain is tests/testdom's td. */
struct nf {
	struct nf_vif vif[NF_MAX_VIFS];
};

extern struct nf nf;

/* vif.c: the xenstore side */
struct nf_vif *vif_find(uint32_t devid);
int vif_add(uint32_t devid, const char *mac, const char *bridge);
int vif_connect(struct nf_vif *v, unsigned int queues, bool split, bool sg,
		bool gso, bool csum, bool unchecked);

/* ring.c: the rings */
struct nf_txopt {
	unsigned int slots; /* data slots to spread the frame over */
	bool blank;	    /* NETTXF_csum_blank */
	uint16_t gso_size;  /* with gso_type: an extra-info slot */
	uint8_t gso_type;
	unsigned int queue;
};
int ring_setup(struct nf_queue *q);
void ring_free(struct nf_queue *q, bool force);
/* Queues one frame on the tx ring; id of its first slot or -errno. */
int ring_tx(struct nf_vif *v, const uint8_t *f, unsigned int len,
	    const struct nf_txopt *o);
/* Waits until all tx slots are answered; first bad status, 0 or -errno. */
int ring_tx_wait(struct nf_vif *v);
/* Takes the next frame off any rx ring of v; 1, 0 (timeout) or -errno. */
int ring_rx(struct nf_vif *v, struct nf_frame *fr, int timeout_ms);
/* Hands-on hostile requests; prints the result line. */
int ring_bad(struct nf_vif *v, const char *kind);
/* Spoils the next rx buffer's grant, or the rx indices. */
void ring_bad_rx(struct nf_vif *v, bool indices);
/* Waits for the backend to close a vif we broke; prints CLOSING. */
int ring_wait_closing(struct nf_vif *v);

/* frame.c: building and checking frames */
uint8_t nf_pattern(unsigned int off, uint32_t seed);
unsigned int frame_udp(struct nf_vif *v, uint8_t *f, uint16_t sport,
		       uint16_t dport, unsigned int len, uint32_t seed,
		       bool blank);
unsigned int frame_tcp(struct nf_vif *v, uint8_t *f, uint16_t dport,
		       uint32_t seq, unsigned int len, uint32_t seed);
unsigned int frame_icmp_echo(struct nf_vif *v, uint8_t *f, uint16_t seq,
			     unsigned int len);
/*
 * Checks an IPv4 frame's header and L4 checksums (completing a blank one
 * first).  Returns the IP protocol, or -1 with *why set.
 */
int frame_check(struct nf_frame *fr, unsigned int *l4_off, unsigned int *l4_len,
		const char **why);

#endif
