/* SPDX-License-Identifier: MIT */
/*
 * The test kernels' store and console rings (tk-xenstore, hk-xm): map
 * them, and a minimal xenstore client over the store ring: one request at
 * a time, polled (guest kernel code runs natively in ring 3, so spinning is
 * cheap), no watches.
 */
#ifndef XENNER_TESTS_XSLIB_H
#define XENNER_TESTS_XSLIB_H

#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "evtlib.h"

static struct xenstore_domain_interface *xs __attribute__((unused));
static struct xencons_interface *cons __attribute__((unused));
static char xs_page[4096] __attribute__((aligned(4096), unused));
static char cons_page[4096] __attribute__((aligned(4096), unused));

static inline void map(void *va, uint64_t mfn)
{
	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)va,
			   (mfn << 12) | 0x67, UVMF_INVLPG, 0, 0),
		 0);
}

static inline void notify(unsigned port)
{
	struct evtchn_send s = { .port = port };

	evtchn_op(EVTCHNOP_send, &s);
}

static inline void ring_write(const void *data, unsigned len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = xs->req_prod;

		if (prod - xs->req_cons >= XENSTORE_RING_SIZE) {
			notify(start_info->store_evtchn);
			continue;
		}
		xs->req[MASK_XENSTORE_IDX(prod)] = *p++;
		__atomic_store_n(&xs->req_prod, prod + 1, __ATOMIC_RELEASE);
		len--;
	}
	notify(start_info->store_evtchn);
}

static inline bool ring_read(void *data, unsigned len)
{
	char *p = data;
	uint64_t end = now() + 5000 * MS;

	while (len) {
		XENSTORE_RING_IDX cons_idx = xs->rsp_cons;

		if (__atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE) == cons_idx) {
			if (now() > end)
				return false;
			continue; /* ring 3 spins natively; events wake us too */
		}
		*p++ = xs->rsp[MASK_XENSTORE_IDX(cons_idx)];
		__atomic_store_n(&xs->rsp_cons, cons_idx + 1, __ATOMIC_RELEASE);
		len--;
	}
	notify(start_info->store_evtchn);
	return true;
}

/*
 * One request; returns the reply type (-1: a broken ring or a reply to
 * another request), the payload in buf (NUL-ended).
 */
static inline int xs_request(unsigned type, const char *a, const char *b, char *buf,
		      unsigned size)
{
	static unsigned req_id;
	struct xsd_sockmsg m = { .type = type, .req_id = ++req_id };
	unsigned la = strlen(a) + 1, lb = b ? strlen(b) : 0;

	m.len = la + lb;
	ring_write(&m, sizeof(m));
	ring_write(a, la);
	if (b)
		ring_write(b, lb);
	if (!ring_read(&m, sizeof(m)) || m.len >= size ||
	    !ring_read(buf, m.len))
		return -1;
	buf[m.len] = '\0';
	return m.req_id == req_id ? (int)m.type : -1;
}

#endif
