// SPDX-License-Identifier: MIT
/* Unit tests of evtchnd's pure port table (evtchnd/ports.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#include "../../evtchnd/ports.h"

#define NDOMS	      3
#define MAX_DELIVERED 64

/* A world of three domains that records deliveries. */
struct test_world {
	struct port_world w;
	struct port_table t[NDOMS];
	int n;
	struct {
		uint32_t dom, port;
		void *owner;
	} got[MAX_DELIVERED];
};

static struct port_table *tw_lookup(struct port_world *w, uint32_t domid)
{
	struct test_world *tw = (struct test_world *)w;

	return domid < NDOMS && tw->t[domid].port ? &tw->t[domid] : NULL;
}

static void tw_deliver(struct port_world *w, struct port_table *t,
		       uint32_t port, void *owner)
{
	struct test_world *tw = (struct test_world *)w;

	assert_true(tw->n < MAX_DELIVERED);
	tw->got[tw->n].dom = t->domid;
	tw->got[tw->n].port = port;
	tw->got[tw->n].owner = owner;
	tw->n++;
}

static char owner_a, owner_b; /* distinct owner pointers */
#define A (&owner_a)
#define B (&owner_b)

static int setup(void **state)
{
	struct test_world *tw = test_calloc(1, sizeof(*tw));

	tw->w.lookup = tw_lookup;
	tw->w.deliver = tw_deliver;
	for (uint32_t i = 0; i < NDOMS; i++)
		assert_int_equal(ports_init(&tw->t[i], i, 16, 2), 0);
	*state = tw;
	return 0;
}

static int teardown(void **state)
{
	struct test_world *tw = *state;

	for (int i = 0; i < NDOMS; i++)
		ports_fini(&tw->w, &tw->t[i]);
	test_free(tw);
	return 0;
}

static void test_init_bad(void **state)
{
	struct port_table t;

	(void)state;
	assert_int_equal(ports_init(&t, 0, 1, 1), -EINVAL);
	assert_int_equal(ports_init(&t, 0, EVTCHND_MAX_PORTS + 1, 1), -EINVAL);
	assert_int_equal(ports_init(&t, 0, 8, 0), -EINVAL);
}

static void test_lowest_free(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[1];

	assert_int_equal(ports_alloc_unbound(t, 0, A), 1);
	assert_int_equal(ports_alloc_unbound(t, 0, A), 2);
	assert_int_equal(ports_alloc_unbound(t, 0, A), 3);
	assert_int_equal(ports_close(&tw->w, t, 2), 0);
	assert_int_equal(ports_bind_ipi(t, 0, A), 2);
	assert_int_equal(ports_alloc_unbound(t, DOMID_SELF, A), 4);
	assert_int_equal(ports_get(t, 4)->remote_dom, 1);
}

static void test_bad_ports(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[1];
	struct evtchnd_status st;

	assert_null(ports_get(t, 0));
	assert_null(ports_get(t, 16));
	assert_int_equal(ports_close(&tw->w, t, 0), -EINVAL);
	assert_int_equal(ports_close(&tw->w, t, 16), -EINVAL);
	assert_int_equal(ports_close(&tw->w, t, 0xffffffff), -EINVAL);
	assert_int_equal(ports_close(&tw->w, t, 5), -EINVAL); /* free */
	assert_int_equal(ports_send(&tw->w, t, 0), -EINVAL);
	assert_int_equal(ports_send(&tw->w, t, 5), -EINVAL);
	assert_int_equal(ports_send(&tw->w, t, 99999), -EINVAL);
	assert_int_equal(ports_unmask(&tw->w, t, 0), -EINVAL);
	assert_int_equal(ports_unmask(&tw->w, t, 16), -EINVAL);
	assert_int_equal(ports_status(t, 0, &st), -EINVAL);
	assert_int_equal(ports_status(t, 16, &st), -EINVAL);
	assert_int_equal(ports_status(t, 5, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(ports_alloc_unbound(t, DOMID_SELF + 1, A), -EINVAL);
	assert_int_equal(tw->n, 0);
}

static void test_full(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[2];

	for (int i = 1; i < 16; i++)
		assert_int_equal(ports_alloc_unbound(t, 0, A), i);
	assert_int_equal(ports_alloc_unbound(t, 0, A), -ENOSPC);
	assert_int_equal(ports_bind_ipi(t, 0, A), -ENOSPC);
	assert_int_equal(ports_bind_virq(t, VIRQ_DOM_EXC, 0, A), -ENOSPC);
	/* A port waiting for domain 2 exists, but 2 has no room left. */
	assert_int_equal(ports_alloc_unbound(&tw->t[0], 2, A), 1);
	assert_int_equal(ports_bind_interdomain(&tw->w, t, 0, 1, A), -ENOSPC);
	assert_int_equal(ports_get(&tw->t[0], 1)->state, PORT_UNBOUND);
	assert_int_equal(ports_close(&tw->w, t, 7), 0);
	assert_int_equal(ports_bind_interdomain(&tw->w, t, 0, 1, A), 7);
}

static void test_interdomain(void **state)
{
	struct test_world *tw = *state;
	struct port_table *d0 = &tw->t[0], *d1 = &tw->t[1];
	struct evtchnd_status st;
	int rp, lp;

	rp = ports_alloc_unbound(d1, 0, B); /* guest waits for dom0 */
	assert_int_equal(rp, 1);
	assert_int_equal(ports_status(d1, rp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.remote_dom, 0);

	/* Bad binds: no such domain, bad port, not unbound, not for us. */
	assert_int_equal(ports_bind_interdomain(&tw->w, d0, 7, rp, A), -ESRCH);
	assert_int_equal(ports_bind_interdomain(&tw->w, d0, 0x7ff1, rp, A),
			 -ESRCH);
	assert_int_equal(ports_bind_interdomain(&tw->w, d0, 1, 0, A), -EINVAL);
	assert_int_equal(ports_bind_interdomain(&tw->w, d0, 1, 9, A), -EINVAL);
	assert_int_equal(ports_bind_interdomain(&tw->w, &tw->t[2], 1, rp, A),
			 -EINVAL);
	assert_int_equal(tw->n, 0);

	lp = ports_bind_interdomain(&tw->w, d0, 1, rp, A);
	assert_int_equal(lp, 1);
	/* As Xen, the new local port starts pending: delivered to A. */
	assert_int_equal(tw->n, 1);
	assert_int_equal(tw->got[0].dom, 0);
	assert_int_equal(tw->got[0].port, lp);
	assert_ptr_equal(tw->got[0].owner, A);
	assert_int_equal(ports_unmask(&tw->w, d0, lp), 0);
	assert_int_equal(tw->n, 1);

	assert_int_equal(ports_status(d0, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.remote_dom, 1);
	assert_int_equal(st.remote_port, rp);
	assert_int_equal(ports_status(d1, rp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.remote_dom, 0);
	assert_int_equal(st.remote_port, lp);
	/* Already bound: a second bind fails. */
	assert_int_equal(ports_bind_interdomain(&tw->w, d0, 1, rp, A), -EINVAL);

	/* Sends cross over. */
	assert_int_equal(ports_send(&tw->w, d0, lp), 0);
	assert_int_equal(tw->n, 2);
	assert_int_equal(tw->got[1].dom, 1);
	assert_int_equal(tw->got[1].port, rp);
	assert_ptr_equal(tw->got[1].owner, B);
	assert_int_equal(ports_send(&tw->w, d1, rp), 0);
	assert_int_equal(tw->n, 3);
	assert_int_equal(tw->got[2].dom, 0);
	assert_int_equal(tw->got[2].port, lp);

	/* Closing one end leaves the peer unbound, waiting for the closer. */
	assert_int_equal(ports_close(&tw->w, d1, rp), 0);
	assert_int_equal(ports_status(d1, rp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(ports_status(d0, lp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.remote_dom, 1);
	/* Sending on an unbound port is silently dropped. */
	assert_int_equal(ports_send(&tw->w, d0, lp), 0);
	assert_int_equal(tw->n, 3);
	/* The guest can bind again to the waiting dom0 port. */
	assert_int_equal(ports_bind_interdomain(&tw->w, d1, 0, lp, B), rp);
	assert_int_equal(ports_get(d0, lp)->remote_port, rp);
}

static void test_loopback(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[1];
	int a, b;

	a = ports_alloc_unbound(t, DOMID_SELF, A);
	b = ports_bind_interdomain(&tw->w, t, DOMID_SELF, a, A);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(ports_close(&tw->w, t, a), 0);
	assert_int_equal(ports_get(t, b)->state, PORT_UNBOUND);
	assert_int_equal(ports_get(t, b)->remote_dom, 1);
}

static void test_mask_pending(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[1];
	int p = ports_bind_ipi(t, 1, A);

	assert_int_equal(p, 1);
	assert_int_equal(ports_send(&tw->w, t, p), 0);
	assert_int_equal(tw->n, 1);
	assert_true(ports_get(t, p)->masked);
	/* Masked: further sends only mark it pending, once. */
	assert_int_equal(ports_send(&tw->w, t, p), 0);
	assert_int_equal(ports_send(&tw->w, t, p), 0);
	assert_int_equal(tw->n, 1);
	assert_true(ports_get(t, p)->pending);
	/* Unmask re-delivers at once and masks again. */
	assert_int_equal(ports_unmask(&tw->w, t, p), 0);
	assert_int_equal(tw->n, 2);
	assert_true(ports_get(t, p)->masked);
	assert_false(ports_get(t, p)->pending);
	/* Unmask with nothing pending delivers nothing. */
	assert_int_equal(ports_unmask(&tw->w, t, p), 0);
	assert_int_equal(tw->n, 2);
	assert_false(ports_get(t, p)->masked);
	assert_int_equal(ports_send(&tw->w, t, p), 0);
	assert_int_equal(tw->n, 3);
	/* A closed and reused port starts clean. */
	assert_int_equal(ports_close(&tw->w, t, p), 0);
	assert_int_equal(ports_bind_ipi(t, 0, A), p);
	assert_false(ports_get(t, p)->masked);
	assert_false(ports_get(t, p)->pending);
}

static void test_virq(void **state)
{
	struct test_world *tw = *state;
	struct port_table *t = &tw->t[0];
	struct evtchnd_status st;
	int a, b;

	assert_int_equal(ports_bind_virq(t, NR_VIRQS, 0, A), -EINVAL);
	assert_int_equal(ports_bind_virq(t, VIRQ_DOM_EXC, 1, A), -EINVAL);
	assert_int_equal(ports_bind_virq(t, VIRQ_TIMER, 2, A), -ENOENT);
	assert_int_equal(ports_bind_ipi(t, 2, A), -ENOENT);
	a = ports_bind_virq(t, VIRQ_DOM_EXC, 0, A);
	assert_int_equal(a, 1);
	assert_int_equal(ports_bind_virq(t, VIRQ_DOM_EXC, 0, A), -EEXIST);
	/* Another dom0 process has its own binding. */
	b = ports_bind_virq(t, VIRQ_DOM_EXC, 0, B);
	assert_int_equal(b, 2);
	assert_int_equal(ports_bind_virq(t, VIRQ_TIMER, 1, A), 3);
	assert_int_equal(ports_status(t, a, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.virq, VIRQ_DOM_EXC);
	/* Sending on a virq port is refused, as on Xen. */
	assert_int_equal(ports_send(&tw->w, t, a), -EINVAL);

	assert_int_equal(ports_raise_virq(&tw->w, t, VIRQ_DOM_EXC), 2);
	assert_int_equal(tw->n, 2);
	assert_ptr_equal(tw->got[0].owner, A);
	assert_ptr_equal(tw->got[1].owner, B);
	assert_int_equal(ports_raise_virq(&tw->w, t, VIRQ_CONSOLE), 0);
	assert_int_equal(tw->n, 2);
}

static void test_close_owned_reset(void **state)
{
	struct test_world *tw = *state;
	struct port_table *d0 = &tw->t[0], *d1 = &tw->t[1];
	int g, p;

	g = ports_alloc_unbound(d1, 0, B);
	p = ports_bind_interdomain(&tw->w, d0, 1, g, A);
	assert_int_equal(ports_bind_virq(d0, VIRQ_DOM_EXC, 0, A), 2);
	assert_int_equal(ports_bind_virq(d0, VIRQ_DOM_EXC, 0, B), 3);
	ports_close_owned(&tw->w, d0, A);
	assert_int_equal(ports_get(d0, p)->state, PORT_FREE);
	assert_int_equal(ports_get(d0, 2)->state, PORT_FREE);
	assert_int_equal(ports_get(d0, 3)->state, PORT_VIRQ);
	assert_int_equal(ports_get(d1, g)->state, PORT_UNBOUND);

	p = ports_bind_interdomain(&tw->w, d0, 1, g, A);
	assert_int_equal(p, 1);
	ports_reset(&tw->w, d1);
	assert_int_equal(ports_get(d1, g)->state, PORT_FREE);
	assert_int_equal(ports_get(d0, p)->state, PORT_UNBOUND);
	assert_int_equal(ports_get(d0, p)->remote_dom, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bad),
		cmocka_unit_test_setup_teardown(test_lowest_free, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_ports, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interdomain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_virq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_owned_reset, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
