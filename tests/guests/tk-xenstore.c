// SPDX-License-Identifier: MIT
/*
 * The domain's store and console rings with the real dom0: the stock
 * xenstored answers over the store ring (grant ref 1, event channel through
 * evtchnd) — write, read, directory, an error for a path outside the
 * domain's area — and text written into the console ring reaches the
 * console backend (guest-kernels.sh checks xenner's output for it).
 */
/* xenner-expect: tk-xenstore says hello on the console ring */
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "evtlib.h"

static struct xenstore_domain_interface *xs;
static struct xencons_interface *cons;
static char xs_page[4096] __attribute__((aligned(4096)));
static char cons_page[4096] __attribute__((aligned(4096)));

static void map(void *va, uint64_t mfn)
{
	CHECK_EQ(hypercall(__HYPERVISOR_update_va_mapping, (uint64_t)va,
			   (mfn << 12) | 0x67, UVMF_INVLPG, 0, 0),
		 0);
}

static void notify(unsigned port)
{
	struct evtchn_send s = { .port = port };

	CHECK_EQ(evtchn_op(EVTCHNOP_send, &s), 0);
}

static void ring_write(const void *data, unsigned len)
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

static bool ring_read(void *data, unsigned len)
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

/* One request; returns the reply type, the payload in buf (NUL-ended). */
static int xs_request(unsigned type, const char *a, const char *b, char *buf,
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
	CHECK_EQ(m.req_id, req_id);
	return m.type;
}

void test_main(void)
{
	static const char hello[] = "tk-xenstore says hello on the console ring\n";
	char buf[512];

	events_setup();
	xs = (void *)xs_page;
	cons = (void *)cons_page;
	map(xs, start_info->store_mfn);
	map(cons, start_info->console.domU.mfn);

	CHECK_EQ(xs_request(XS_WRITE, "data/tk", "hello", buf, sizeof(buf)),
		 XS_WRITE);
	CHECK_EQ(xs_request(XS_READ, "data/tk", NULL, buf, sizeof(buf)),
		 XS_READ);
	CHECK(!memcmp(buf, "hello", 6));
	CHECK_EQ(xs_request(XS_READ, "name", NULL, buf, sizeof(buf)), XS_READ);
	printf("  my name in xenstore: %s\n", buf);
	CHECK(!memcmp(buf, "tk-xenstore", 11));
	CHECK_EQ(xs_request(XS_DIRECTORY, "data", NULL, buf, sizeof(buf)),
		 XS_DIRECTORY);
	CHECK(!memcmp(buf, "tk", 3));
	/* not ours: xenstored refuses (an XS_ERROR reply) */
	CHECK_EQ(xs_request(XS_WRITE, "/local/domain/0/tk", "x", buf,
			    sizeof(buf)),
		 XS_ERROR);
	CHECK(!memcmp(buf, "EACCES", 7));

	/* the console ring: the backend copies it to xenner's output */
	for (unsigned i = 0; i < sizeof(hello) - 1; i++)
		cons->out[MASK_XENCONS_IDX(cons->out_prod + i, cons->out)] =
			hello[i];
	__atomic_store_n(&cons->out_prod, cons->out_prod + sizeof(hello) - 1,
			 __ATOMIC_RELEASE);
	notify(start_info->console.domU.evtchn);
	CHECK(WAIT_FOR(cons->out_cons == cons->out_prod, 5000 * MS));
}
