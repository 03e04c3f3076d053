/* SPDX-License-Identifier: MIT */
/*
 * The guest-facing half of the netif protocol as pure functions: taking
 * transmit packets (one request, extra-info slots, continuation slots) off
 * the tx ring and checking them, taking receive buffers off the rx ring
 * and answering both.  Nothing here touches xenstore, grants or the tap,
 * so the unit tests feed it hostile rings directly.
 */
#ifndef NETBACKD_NETIF_REQ_H
#define NETBACKD_NETIF_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include <xen/io/ring.h>
#include <xen/io/netif.h>

/* Our own barriers: xen/xen.h maps xen_mb() to a kernel mb(). */
#define ring_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ring_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ring_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#define NETIF_PAGE_SIZE 4096u
/* One page per ring, as Linux's netback and netfront use. */
#define NETIF_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, NETIF_PAGE_SIZE)
#define NETIF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, NETIF_PAGE_SIZE)
/*
 * Data slots of one packet: a frontend may always use
 * XEN_NETIF_NR_SLOTS_MIN; a few more are dropped with an error, and a
 * packet that needs NETIF_FATAL_SLOTS or more breaks the ring (Linux's
 * netback draws the same two lines).
 */
#define NETIF_MAX_SLOTS	  XEN_NETIF_NR_SLOTS_MIN
#define NETIF_FATAL_SLOTS 20
/* Extra-info slots of one packet: one per known type at most. */
#define NETIF_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)
/* Every slot a packet can take off the ring (data and extras). */
#define NETIF_MAX_PKT_SLOTS (NETIF_FATAL_SLOTS + NETIF_MAX_EXTRAS)
/* Largest frame either way: the first request's 16-bit size. */
#define NETIF_MAX_FRAME XEN_NETIF_MAX_TX_SIZE
#define NETIF_MIN_FRAME 14 /* an Ethernet header */

/*
 * Backend view of a tx or rx ring (both are one page).  req_cons and
 * rsp_prod_pvt are ours; only sring is shared with the guest.
 */
struct netif_tx_back {
	netif_tx_sring_t *sring;
	RING_IDX req_cons;
	RING_IDX rsp_prod_pvt;
};

struct netif_rx_back {
	netif_rx_sring_t *sring;
	RING_IDX req_cons;
	RING_IDX rsp_prod_pvt;
};

/* One data slot of a tx packet, checked to lie within its page. */
struct netif_seg {
	grant_ref_t gref;
	uint16_t offset;
	uint16_t len;
};

/* How each consumed slot is answered, in ring order. */
struct netif_slot {
	uint16_t id;
	bool extra; /* an extra-info slot: answered NETIF_RSP_NULL */
};

/* A checked transmit packet, no longer depending on guest memory. */
struct netif_tx_pkt {
	unsigned int nr_slots; /* slots consumed: data and extras */
	struct netif_slot slot[NETIF_MAX_PKT_SLOTS];
	unsigned int nr_segs;
	struct netif_seg seg[NETIF_MAX_SLOTS];
	unsigned int len; /* frame length: the first request's size */
	uint16_t flags;	  /* NETTXF_csum_blank, NETTXF_data_validated */
	uint16_t gso_size;
	uint8_t gso_type; /* XEN_NETIF_GSO_TYPE_*; NONE without GSO */
	bool mcast;	  /* a multicast-control request: no frame */
	const char *why;  /* what was wrong, for a dropped or fatal packet */
};

enum netif_tx_result {
	NETIF_TX_EMPTY = 0, /* no complete packet on the ring */
	NETIF_TX_OK,	    /* *p is a packet to send */
	NETIF_TX_DROP,	    /* consumed; answer every slot NETIF_RSP_ERROR */
	NETIF_TX_FATAL,	    /* the ring is broken: disconnect the vif */
};

/*
 * Takes the next packet off the tx ring.  Every request is copied before
 * it is looked at; nothing is consumed on FATAL.
 */
enum netif_tx_result netif_tx_fetch(struct netif_tx_back *r,
				    struct netif_tx_pkt *p);
/* Answers one packet's slots (status for data slots, NULL for extras). */
void netif_tx_respond(struct netif_tx_back *r, const struct netif_tx_pkt *p,
		      int16_t status);
/* Re-arms req_event; true if requests arrived meanwhile. */
bool netif_tx_final_check(struct netif_tx_back *r);
/* Publishes the responses; true if the frontend wants an event. */
bool netif_tx_push(struct netif_tx_back *r);

/*
 * Receive buffers available: > 0 count, 0 none, -EIO impossible indices.
 * With want > available, asks for an event when more are posted.
 */
int netif_rx_avail(struct netif_rx_back *r, unsigned int want);
/* Copies the next buffer request (the caller checked avail) and consumes. */
void netif_rx_take(struct netif_rx_back *r, netif_rx_request_t *req);
/*
 * Answers in the slot of the request consumed at `idx`: netfront expects
 * each response in the same slot as its request.
 */
void netif_rx_respond(struct netif_rx_back *r, RING_IDX idx, uint16_t id,
		      uint16_t offset, uint16_t flags, int16_t status);
void netif_rx_respond_extra(struct netif_rx_back *r, RING_IDX idx,
			    const struct netif_extra_info *extra);
/* Responses are published up to req_cons; true if an event is wanted. */
bool netif_rx_push(struct netif_rx_back *r);
/* Buffer slots a frame of len bytes takes (plus one for a GSO extra). */
unsigned int netif_rx_slots(unsigned int len, bool gso);

#endif
