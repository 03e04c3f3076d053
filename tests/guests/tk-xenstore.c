// SPDX-License-Identifier: MIT
/*
 * The domain's store and console rings with the real dom0: the stock
 * xenstored answers over the store ring (grant ref 1, event channel through
 * evtchnd) — write, read, directory, an error for a path outside the
 * domain's area — and text written into the console ring reaches the
 * console backend (guest-kernels.sh checks xenner's output for it).
 */
/* xenner-expect: tk-xenstore says hello on the console ring */
#include "xslib.h"

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
