// SPDX-License-Identifier: MIT
/*
 * Unit tests of the stand-in's guest-side rings (xs-ring.c, console-ring.c,
 * gnttab.c) against a fake xenstore daemon on an in-memory page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenner/log.h"

#include "../standin/console-ring.h"
#include "../testdom/gnttab.h"
#include "../standin/xs-ring.h"

#define NKEYS 16

/* A tiny xenstored: consumes requests on wait(), answers in chunks. */
struct fake {
	struct xenstore_domain_interface intf;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	size_t got;
	char out[65536];
	size_t out_len, out_off;
	size_t chunk; /* bytes pushed per wait; 0 = all that fits */
	bool silent;  /* never answer: the client must time out */
	int nr_requests, notifies, waits;
	struct xsd_sockmsg last;
	char last_body[XENSTORE_PAYLOAD_MAX + 1];
	char *keys[NKEYS], *vals[NKEYS];
	const char *events_before; /* raw event body sent before a reply */
	size_t events_before_len;
};

static void queue_msg(struct fake *f, uint32_t type, uint32_t req_id,
		      const void *body, size_t len)
{
	struct xsd_sockmsg h = {.type = type, .req_id = req_id, .len = len};

	assert_true(f->out_len + sizeof(h) + len <= sizeof(f->out));
	memcpy(f->out + f->out_len, &h, sizeof(h));
	memcpy(f->out + f->out_len + sizeof(h), body, len);
	f->out_len += sizeof(h) + len;
}

static int find_key(struct fake *f, const char *k)
{
	for (int i = 0; i < NKEYS; i++)
		if (f->keys[i] && !strcmp(f->keys[i], k))
			return i;
	return -1;
}

static void answer(struct fake *f)
{
	uint32_t id = f->hdr.req_id;
	char *b = f->body;
	int i;

	f->nr_requests++;
	f->last = f->hdr;
	memcpy(f->last_body, f->body, f->hdr.len + 1);
	if (f->events_before) {
		queue_msg(f, XS_WATCH_EVENT, 0, f->events_before,
			  f->events_before_len);
		f->events_before = NULL;
	}
	switch (f->hdr.type) {
	case XS_WRITE:
		i = find_key(f, b);
		if (i < 0)
			for (i = 0; f->keys[i]; i++)
				;
		free(f->keys[i]);
		free(f->vals[i]);
		f->keys[i] = strdup(b);
		f->vals[i] =
			strndup(b + strlen(b) + 1, f->hdr.len - strlen(b) - 1);
		queue_msg(f, XS_WRITE, id, "OK", 3);
		break;
	case XS_READ:
		i = find_key(f, b);
		if (i < 0)
			queue_msg(f, XS_ERROR, id, "ENOENT", 7);
		else
			queue_msg(f, XS_READ, id, f->vals[i],
				  strlen(f->vals[i]));
		break;
	case XS_DIRECTORY:
		queue_msg(f, XS_DIRECTORY, id, "a\0bb\0c", 7);
		break;
	case XS_WATCH:
		queue_msg(f, XS_WATCH, id, "OK", 3);
		/* Like xenstored: fire once at registration. */
		queue_msg(f, XS_WATCH_EVENT, 0, b, f->hdr.len);
		break;
	default:
		queue_msg(f, f->hdr.type, id, "OK", 3);
		break;
	}
}

static int fake_wait(void *opaque, int timeout_ms)
{
	struct fake *f = opaque;
	struct xenstore_domain_interface *in = &f->intf;
	size_t n;

	(void)timeout_ms;
	f->waits++;
	if (f->silent)
		return -ETIMEDOUT;
	/* Consume requests byte by byte (simple and index-exact). */
	while (in->req_cons != in->req_prod) {
		char c = in->req[MASK_XENSTORE_IDX(in->req_cons)];

		in->req_cons++;
		if (f->got < sizeof(f->hdr)) {
			((char *)&f->hdr)[f->got++] = c;
		} else {
			f->body[f->got++ - sizeof(f->hdr)] = c;
		}
		if (f->got >= sizeof(f->hdr) &&
		    f->got == sizeof(f->hdr) + f->hdr.len) {
			f->body[f->hdr.len] = '\0';
			f->got = 0;
			answer(f);
		}
	}
	n = f->out_len - f->out_off;
	if (f->chunk && n > f->chunk)
		n = f->chunk;
	while (n && in->rsp_prod - in->rsp_cons < XENSTORE_RING_SIZE) {
		in->rsp[MASK_XENSTORE_IDX(in->rsp_prod)] = f->out[f->out_off++];
		in->rsp_prod++;
		n--;
	}
	return 0;
}

static int fake_notify(void *opaque)
{
	((struct fake *)opaque)->notifies++;
	return 0;
}

static const struct xs_ring_ops fake_ops = {
	.notify = fake_notify,
	.wait = fake_wait,
};

struct ctx {
	struct fake f;
	struct xs_ring r;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	xs_ring_init(&c->r, &c->f.intf, &fake_ops, &c->f, 1000);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	xs_ring_cleanup(&c->r);
	for (int i = 0; i < NKEYS; i++) {
		free(c->f.keys[i]);
		free(c->f.vals[i]);
	}
	free(c);
	return 0;
}

static void test_encode_write_read(void **state)
{
	struct ctx *c = *state;
	char *val = NULL;

	assert_int_equal(xs_ring_write(&c->r, "data/x", "hello world"), 0);
	assert_int_equal(c->f.last.type, XS_WRITE);
	assert_int_equal(c->f.last.req_id, 1);
	assert_int_equal(c->f.last.tx_id, 0);
	assert_int_equal(c->f.last.len, 7 + 11);
	assert_memory_equal(c->f.last_body, "data/x\0hello world", 18);
	assert_true(c->f.notifies > 0);

	assert_int_equal(xs_ring_read(&c->r, "data/x", &val), 0);
	assert_int_equal(c->f.last.type, XS_READ);
	assert_int_equal(c->f.last.req_id, 2);
	assert_memory_equal(c->f.last_body, "data/x\0", 7);
	assert_string_equal(val, "hello world");
	free(val);

	assert_int_equal(xs_ring_read(&c->r, "nope", &val), -ENOENT);
	assert_int_equal(c->r.daemon_error, ENOENT);
	assert_null(val);
	assert_int_equal(xs_ring_rm(&c->r, "data/x"), 0);
	assert_int_equal(c->r.daemon_error, 0);
	assert_int_equal(c->f.last.type, XS_RM);
}

static void test_directory(void **state)
{
	struct ctx *c = *state;
	char *list = NULL;
	size_t len;

	assert_int_equal(xs_ring_directory(&c->r, "x", &list, &len), 3);
	assert_int_equal(len, 7);
	assert_string_equal(list + 2, "bb");
	free(list);
}

/* Indices wrap at 2^32 and the ring at 1024; replies come in pieces. */
static void test_wrap_and_chunks(void **state)
{
	struct ctx *c = *state;
	char key[32], val[64], *got;

	c->f.intf.req_cons = c->f.intf.req_prod = UINT32_MAX - 100;
	c->f.intf.rsp_cons = c->f.intf.rsp_prod = UINT32_MAX - 3;
	c->f.chunk = 7;
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "k%d", i % NKEYS);
		snprintf(val, sizeof(val), "value-%d-%0*d", i, i % 40, 0);
		assert_int_equal(xs_ring_write(&c->r, key, val), 0);
		assert_int_equal(xs_ring_read(&c->r, key, &got), 0);
		assert_string_equal(got, val);
		free(got);
	}
	assert_true(c->f.intf.req_prod < 100000); /* it did wrap */
}

static void test_large_request(void **state)
{
	struct ctx *c = *state;
	char *big = malloc(XENSTORE_PAYLOAD_MAX + 2), *got;

	/* 4000 bytes do not fit the 1024-byte ring at once. */
	memset(big, 'v', 4000);
	big[4000] = '\0';
	assert_int_equal(xs_ring_write(&c->r, "big", big), 0);
	assert_int_equal(xs_ring_read(&c->r, "big", &got), 0);
	assert_string_equal(got, big);
	free(got);

	memset(big, 'v', XENSTORE_PAYLOAD_MAX + 1);
	big[XENSTORE_PAYLOAD_MAX + 1] = '\0';
	assert_int_equal(xs_ring_write(&c->r, "big", big), -E2BIG);
	free(big);
}

static void test_watch_events(void **state)
{
	struct ctx *c = *state;
	char *path = NULL, *val;

	assert_int_equal(xs_ring_watch(&c->r, "data", "tok1"), 0);
	assert_memory_equal(c->f.last_body, "data\0tok1\0", 10);
	/* An event for another token arrives before the next reply. */
	c->f.events_before = "data/y\0tok2";
	c->f.events_before_len = 12;
	assert_int_equal(xs_ring_write(&c->r, "data/y", "1"), 0);
	assert_int_equal(c->r.nr_events, 2);

	assert_int_equal(xs_ring_wait_watch(&c->r, "tok2", 100, &path), 0);
	assert_string_equal(path, "data/y");
	free(path);
	assert_int_equal(xs_ring_wait_watch(&c->r, "tok1", 100, &path), 0);
	assert_string_equal(path, "data");
	free(path);
	assert_int_equal(xs_ring_wait_watch(&c->r, "tok1", 100, &path),
			 -ETIMEDOUT);

	/* Malformed event (no separator): dropped, nothing breaks. */
	c->f.events_before = "garbage";
	c->f.events_before_len = 7;
	assert_int_equal(xs_ring_read(&c->r, "data/y", &val), 0);
	free(val);
	assert_int_equal(c->r.nr_events, 0);
	assert_int_equal(xs_ring_unwatch(&c->r, "data", "tok1"), 0);
	assert_int_equal(c->f.last.type, XS_UNWATCH);
}

static void test_event_flood_bounded(void **state)
{
	struct ctx *c = *state;

	for (int i = 0; i < XS_RING_MAX_EVENTS + 50; i++)
		queue_msg(&c->f, XS_WATCH_EVENT, 0, "p\0t", 4);
	assert_int_equal(xs_ring_write(&c->r, "x", "1"), 0);
	assert_int_equal(c->r.nr_events, XS_RING_MAX_EVENTS);
}

static void test_timeout(void **state)
{
	struct ctx *c = *state;

	c->f.silent = true;
	assert_int_equal(xs_ring_write(&c->r, "x", "1"), -ETIMEDOUT);
	assert_int_equal(c->r.daemon_error, 0);
	/* The late reply is dropped when the next request runs. */
	c->f.silent = false;
	fake_wait(&c->f, 0);
	assert_int_equal(xs_ring_write(&c->r, "x", "2"), 0);
	assert_int_equal(c->f.last.req_id, 2);
}

static void test_corrupt_rsp_index(void **state)
{
	struct ctx *c = *state;

	c->f.intf.rsp_prod = c->f.intf.rsp_cons + XENSTORE_RING_SIZE + 1;
	assert_int_equal(xs_ring_write(&c->r, "x", "1"), -EIO);
	assert_int_equal(c->r.daemon_error, 0);
}

static void test_corrupt_req_index(void **state)
{
	struct ctx *c = *state;

	c->f.intf.req_cons = c->f.intf.req_prod + 1; /* cons ahead of prod */
	assert_int_equal(xs_ring_write(&c->r, "x", "1"), -EIO);
}

static void test_oversized_reply(void **state)
{
	struct ctx *c = *state;
	struct xsd_sockmsg h = {.type = XS_READ, .req_id = 1, .len = 5000};

	memcpy(c->f.out, &h, sizeof(h));
	c->f.out_len = sizeof(h);
	assert_int_equal(xs_ring_read(&c->r, "x", &(char *){NULL}), -EIO);
}

static void test_bad_replies(void **state)
{
	struct ctx *c = *state;
	char *val = NULL;

	/* Wrong type for the request. */
	queue_msg(&c->f, XS_DIRECTORY, 1, "", 0);
	assert_int_equal(xs_ring_read(&c->r, "x", &val), -EIO);
	/* Unknown error name. */
	queue_msg(&c->f, XS_ERROR, 2, "EWHAT", 6);
	assert_int_equal(xs_ring_read(&c->r, "x", &val), -EINVAL);
	assert_int_equal(c->r.daemon_error, EINVAL);
	/* Unterminated reply body is terminated by the client. */
	queue_msg(&c->f, XS_READ, 3, "abc", 3);
	assert_int_equal(xs_ring_read(&c->r, "x", &val), 0);
	assert_string_equal(val, "abc");
	free(val);
	/* Daemon-declared ring error. */
	c->f.intf.error = XENSTORE_ERROR_RINGIDX;
	assert_int_equal(xs_ring_read(&c->r, "x", &val), -EIO);
}

static void test_errnames(void **state)
{
	(void)state;
	assert_int_equal(xs_ring_errno("EACCES"), EACCES);
	assert_int_equal(xs_ring_errno("bogus"), 0);
	assert_string_equal(xs_ring_errname(-ENOENT), "ENOENT");
	assert_string_equal(xs_ring_errname(EPERM), "EPERM");
	assert_string_equal(xs_ring_errname(ETIMEDOUT), "EIO");
}

static void test_console_ring(void **state)
{
	struct xencons_interface *in = calloc(1, sizeof(*in));
	char buf[3000];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	in->out_prod = in->out_cons = UINT32_MAX - 3; /* wraps */
	assert_int_equal(console_ring_write(in, "hello\n", 6), 6);
	assert_memory_equal(in->out + 2044, "hell", 4);
	assert_memory_equal(in->out, "o\n", 2);
	assert_int_equal(in->out_prod, 2);
	assert_int_equal(console_ring_write(in, buf, sizeof(buf)), 2048 - 6);
	assert_int_equal(console_ring_write(in, buf, 1), 0); /* full */
	in->out_cons += 100;
	assert_int_equal(console_ring_write(in, buf, sizeof(buf)), 100);
	in->out_cons = in->out_prod + 1;
	assert_int_equal(console_ring_write(in, buf, 1), -EIO);
	free(in);
}

static void test_gnttab(void **state)
{
	struct grant_entry_v1 t[512] = {0};

	(void)state;
	assert_int_equal(gnttab_grant_access(t, 512, GNTTAB_RESERVED_XENSTORE,
					     0, 2, false),
			 0);
	assert_int_equal(t[1].flags, GTF_permit_access);
	assert_int_equal(t[1].domid, 0);
	assert_int_equal(t[1].frame, 2);
	assert_int_equal(gnttab_grant_access(t, 512, 5, 3, 9, true), 0);
	assert_int_equal(t[5].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(gnttab_grant_access(t, 512, 5, 3, 9, true), -EBUSY);
	assert_int_equal(gnttab_grant_access(t, 512, 512, 0, 1, false),
			 -EINVAL);
	t[5].flags |= GTF_reading;
	assert_int_equal(gnttab_end_access(t, 512, 5), -EBUSY);
	t[5].flags &= ~GTF_reading;
	assert_int_equal(gnttab_end_access(t, 512, 5), 0);
	assert_int_equal(t[5].flags, 0);
	assert_int_equal(gnttab_end_access(t, 512, 9999), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_encode_write_read),
		T(test_directory),
		T(test_wrap_and_chunks),
		T(test_large_request),
		T(test_watch_events),
		T(test_event_flood_bounded),
		T(test_timeout),
		T(test_corrupt_rsp_index),
		T(test_corrupt_req_index),
		T(test_oversized_reply),
		T(test_bad_replies),
		cmocka_unit_test(test_errnames),
		cmocka_unit_test(test_console_ring),
		cmocka_unit_test(test_gnttab),
	};

	log_init("test-xs-ring", getenv("V") ? XLOG_DEBUG : XLOG_ERR, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
