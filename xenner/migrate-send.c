// SPDX-License-Identifier: MIT
/*
 * `migrate` on the control socket: sends the domain's save image into a
 * stream (include/xenner/migrate-stream.h) while the guest runs, then
 * suspends it, sends what changed, and ends it here once the receiver
 * has it restored and was told to run it (docs/migration.md).
 *
 * Which pages changed is decided by content: for every page of RAM and
 * of emu's memory the sender keeps a 64-bit hash (XXH3) of what the
 * receiver holds.  A pre-copy round sends the pages whose hash differs;
 * the final pass, with every vCPU parked, does the same over all memory.
 * That catches every writer of guest memory (the guest, emu, and the
 * host processes that write through the vmcore: backends, xenstored,
 * xenconsoled, evtchnd), which KVM's dirty log alone would not see.
 * Where KVM keeps a dirty log, rounds after the first look only at the
 * pages it names (the guest's and emu's writes); the host's writes wait
 * for the final pass.
 *
 * The rounds run on their own thread; the suspend, the final pass and
 * the handshake on the main thread, through save.c's suspend path.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "migrate.h"
#include "save.h"
#include "xenner/log.h"
#include "xenner/migrate-stream.h"

#define PAGE		 4096ULL
#define RUN_PAGES	 (MIG_MAX_LEN / PAGE)
#define MAX_ROUNDS	 30
#define SMALL_ENOUGH	 64	/* pages: a round this small ends pre-copy */
#define READY_TIMEOUT_MS 120000 /* the receiver restores the image */
#define GO_TIMEOUT_MS	 30000

struct migration {
	int fd; /* records out, the receiver's lines in */
	bool live;
	double max_bps; /* pre-copy's bound in bytes/s; 0: none */
	pthread_t thread;
	bool thread_started;
	atomic_bool thread_done; /* pre-copy over (see rc) */
	atomic_bool abort;	 /* the main thread gave up: stop sending */
	int rc;			 /* the thread's result */
	bool suspend_asked;
	bool dirty_log;	    /* KVM logs writes to both slots */
	uint64_t *bitmap;   /* KVM's log: RAM's words, then emu's */
	uint64_t *held;	    /* RAM pages with data in the file (no log) */
	uint64_t ram_words; /* 64-page words of RAM in bitmap */
	uint64_t *sent;	    /* per page: hash of what the receiver holds */
	uint64_t nr_pages;  /* RAM pages, then emu's */
	uint8_t *buf;	    /* a run of pages being sent */
	/* what is reported */
	unsigned rounds;
	uint64_t pages_sent, final_pages, bytes, scanned;
	double t_start, t_suspend, t_sent, t_ready;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_all(struct migration *m, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = send(m->fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		p += w;
		len -= w;
	}
	return 0;
}

static int send_rec(struct migration *m, uint32_t type, uint64_t off,
		    const void *data, uint64_t len)
{
	struct mig_rec r = {.type = type, .off = off, .len = len};
	int rc = send_all(m, &r, sizeof(r));

	if (!rc && len)
		rc = send_all(m, data, len);
	m->bytes += sizeof(r) + len;
	return rc;
}

/* page i of the image's RAM and emu segments, which follow each other */
static const uint8_t *page_at(struct xenner *x, uint64_t i)
{
	return i < x->total_pages ? x->ram + i * PAGE
				  : x->emu + (i - x->total_pages) * PAGE;
}

/*
 * Holds pre-copy to its bandwidth bound: what was sent so far may not
 * have taken less than it allows.  The final pass is not held back: its
 * time is the guest's downtime.
 */
static int pace(struct migration *m)
{
	double due, left;

	if (!m->max_bps)
		return 0;
	due = m->t_start + m->bytes / m->max_bps;
	while ((left = due - now()) > 0) {
		if (atomic_load(&m->abort))
			return -ECANCELED;
		if (left > 0.1)
			left = 0.1; /* an abort is seen soon */
		nanosleep(&(struct timespec){.tv_nsec = left * 1e9}, NULL);
	}
	return 0;
}

static int flush_run(struct migration *m, uint64_t first, uint64_t *n,
		     uint64_t *sent)
{
	int rc = 0;

	if (*n)
		rc = send_rec(m, MIG_DATA, VMCORE_RAM_OFFSET + first * PAGE,
			      m->buf, *n * PAGE);
	if (!rc && *n)
		rc = pace(m);
	*sent += *n;
	*n = 0;
	return rc;
}

/* KVM's log of both slots (main.c adds RAM as slot 0, emu as 1) */
static int dirty_log_set(struct xenner *x, bool on)
{
	int rc = kvm_dirty_log(x, 0, 0, x->total_pages * PAGE, x->ram, on);

	if (!rc)
		rc = kvm_dirty_log(x, 1, EMU_GPA, x->emu_size, x->emu, on);
	if (rc && on)
		kvm_dirty_log(x, 0, 0, x->total_pages * PAGE, x->ram, false);
	return rc;
}

/* page i was written since the last round, as far as KVM knows */
static bool logged(const struct migration *m, uint64_t i)
{
	return save_page_bit(m->bitmap, i);
}

/*
 * One pre-copy round: every page whose content differs from what the
 * receiver holds, copied first (the guest runs) and hashed as copied;
 * with use_log only the pages KVM's log names.  Returns the number of
 * pages sent or -errno.
 */
static int64_t round_send(struct xenner *x, struct migration *m, bool use_log)
{
	uint64_t first = 0, n = 0, sent = 0;
	int rc = 0;

	if (use_log) {
		rc = kvm_dirty_log_get(x, 0, m->bitmap);
		if (!rc)
			rc = kvm_dirty_log_get(x, 1, m->bitmap + m->ram_words);
		if (rc)
			return rc;
	} else {
		/*
		 * RAM's holes are zero pages, which the receiver has: reading
		 * them would allocate the whole file here.  A page that gets
		 * data later is the guest's write (KVM's log) or the host's
		 * (the final pass).
		 */
		save_data_pages(x->vmcore.fd, VMCORE_RAM_OFFSET,
				x->total_pages * PAGE, m->held);
	}
	for (uint64_t i = 0; !rc && i < m->nr_pages; i++) {
		uint8_t *slot = m->buf + n * PAGE;
		uint64_t bit = i < x->total_pages
				       ? i
				       : m->ram_words * 64 + i - x->total_pages;
		uint64_t h;

		if (atomic_load(&m->abort))
			return -ECANCELED;
		if (use_log ? !logged(m, bit)
			    : i < x->total_pages &&
				      !save_page_bit(m->held, i)) {
			rc = flush_run(m, first, &n, &sent);
			continue;
		}
		m->scanned++;
		memcpy(slot, page_at(x, i), PAGE);
		h = save_page_hash(slot, PAGE);
		if (h == m->sent[i]) {
			rc = flush_run(m, first, &n, &sent);
			continue;
		}
		m->sent[i] = h;
		if (!n)
			first = i;
		if (++n == RUN_PAGES)
			rc = flush_run(m, first, &n, &sent);
	}
	if (!rc)
		rc = flush_run(m, first, &n, &sent);
	return rc ? rc : (int64_t)sent;
}

static void *precopy(void *arg)
{
	struct xenner *x = arg;
	struct migration *m = x->mig;
	struct mig_hello h = {.magic = MIG_MAGIC,
			      .version = MIG_VERSION,
			      .nr_vcpus = x->cfg.nr_vcpus,
			      .total_pages = x->total_pages,
			      .emu_size = x->emu_size};
	int64_t n = 0;

	h.max_size = VMCORE_RAM_OFFSET + x->total_pages * PAGE + x->emu_size +
		     SAVE_MAX_STATE;
	snprintf(h.name, sizeof(h.name), "%s", x->cfg.name);
	m->rc = send_rec(m, MIG_HELLO, 0, &h, sizeof(h));
	if (!m->rc && m->live) {
		int rc = dirty_log_set(x, true);

		m->dirty_log = !rc;
		if (rc)
			log_info("domain %u: no KVM dirty log here (%s): every "
				 "round reads all memory",
				 x->domid, strerror(-rc));
	}
	while (!m->rc && m->live && m->rounds < MAX_ROUNDS) {
		/* the first round reads everything, the log starts with it */
		n = round_send(x, m, m->rounds > 0 && m->dirty_log);
		if (n < 0) {
			m->rc = n;
			break;
		}
		m->rounds++;
		m->pages_sent += n;
		log_debug("domain %u: migration round %u: %lld pages", x->domid,
			  m->rounds, (long long)n);
		if (m->rounds > 1 && n <= SMALL_ENOUGH)
			break;
	}
	atomic_store(&m->thread_done, true);
	return NULL;
}

static void migration_free(struct xenner *x)
{
	struct migration *m = x->mig;

	if (!m)
		return;
	if (m->thread_started) {
		atomic_store(&m->abort, true);
		pthread_join(m->thread, NULL);
	}
	if (m->dirty_log)
		dirty_log_set(x, false);
	if (m->fd >= 0)
		close(m->fd);
	free(m->bitmap);
	free(m->held);
	free(m->sent);
	free(m->buf);
	free(m);
	x->mig = NULL;
}

/* "migrate LIVE TIMEOUT" with the stream's fd; NULL: the client is ours */
const char *migrate_begin(struct xenner *x, int client, const char *args,
			  int stream)
{
	struct migration *m;
	unsigned live, timeout, mibps = 0;
	uint64_t zero_hash;
	int n = 0, k = 0;

	if (save_pending(x))
		return "error: a save or migration of this domain is in "
		       "progress";
	if (stream < 0)
		return "error: migrate needs the stream's descriptor";
	if (sscanf(args, "%u %u%n", &live, &timeout, &n) != 2 ||
	    (args[n] &&
	     (sscanf(args + n, " %u%n", &mibps, &k) != 1 || args[n + k])) ||
	    live > 1 || timeout == 0 || timeout > SAVE_MAX_TIMEOUT ||
	    mibps > 1000000)
		return "error: usage: migrate 0|1 TIMEOUT [MIB/S] (and the "
		       "stream)";
	/* a receiver that stops reading fails the migration, not hangs it */
	if (setsockopt(stream, SOL_SOCKET, SO_SNDTIMEO,
		       &(struct timeval){.tv_sec = 60}, sizeof(struct timeval)))
		return "error: the migration stream must be a socket";
	m = calloc(1, sizeof(*m));
	if (!m)
		return "error: out of memory";
	m->fd = stream;
	m->live = live;
	m->max_bps = mibps * 1048576.0;
	m->nr_pages = x->total_pages + x->emu_size / PAGE;
	m->sent = malloc(m->nr_pages * sizeof(*m->sent));
	m->buf = malloc(RUN_PAGES * PAGE);
	m->ram_words = (x->total_pages + 63) / 64;
	m->bitmap = calloc(m->ram_words + (x->emu_size / PAGE + 63) / 64,
			   sizeof(uint64_t));
	m->held = calloc(m->ram_words, sizeof(uint64_t));
	x->mig = m;
	if (!m->sent || !m->buf || !m->bitmap || !m->held) {
		m->fd = -1; /* the caller closes it */
		migration_free(x);
		return "error: out of memory";
	}
	/* the receiver's new file reads zeroes */
	zero_hash = save_zero_hash();
	for (uint64_t i = 0; i < m->nr_pages; i++)
		m->sent[i] = zero_hash;
	m->t_start = now();
	if (pthread_create(&m->thread, NULL, precopy, x)) {
		m->fd = -1;
		migration_free(x);
		return "error: cannot start the migration thread";
	}
	m->thread_started = true;
	save_begin_common(x, client, timeout);
	log_info("domain %u: %s migration started", x->domid,
		 live ? "live" : "stop-and-copy");
	return NULL;
}

bool migrate_pending(struct xenner *x)
{
	return x->mig;
}

/*
 * From save_tick: the pre-copy ended (ask the guest to suspend now) or
 * failed, or the client that asked went away (give up).  Returns 0, or
 * -errno when the migration failed before the guest was suspended.
 */
int migrate_tick(struct xenner *x)
{
	struct migration *m = x->mig;
	char c;

	if (!m || m->suspend_asked)
		return 0;
	if (recv(x->save_client, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
		log_err("domain %u: the migration's client went away: "
			"migration stopped",
			x->domid);
		return -ECONNABORTED;
	}
	if (!atomic_load(&m->thread_done))
		return 0;
	pthread_join(m->thread, NULL);
	m->thread_started = false;
	if (m->rc)
		return m->rc;
	m->suspend_asked = true;
	return save_request_suspend(x);
}

/* reads one "word ..." line from the receiver within ms; 0 or -errno */
static int read_line(struct migration *m, char *line, size_t len, int ms)
{
	size_t n = 0;
	double end = now() + ms / 1000.0;

	while (n + 1 < len) {
		struct pollfd p = {.fd = m->fd, .events = POLLIN};
		int left = (end - now()) * 1000;
		ssize_t r;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -ETIMEDOUT;
		r = read(m->fd, line + n, 1);
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

/* the final pass: what the receiver lacks; the guest is parked */
static int mig_write(struct image_out *o, const void *buf, uint64_t len,
		     uint64_t off)
{
	struct migration *m = o->priv;
	const uint8_t *p = buf;
	int rc = 0;

	for (uint64_t done = 0; !rc && done < len;) {
		uint64_t n =
			len - done < MIG_MAX_LEN ? len - done : MIG_MAX_LEN;

		rc = send_rec(m, MIG_DATA, off + done, p + done, n);
		done += n;
	}
	return rc;
}

static bool mig_have(struct image_out *o, uint64_t off, uint64_t hash)
{
	struct migration *m = o->priv;
	uint64_t i = (off - VMCORE_RAM_OFFSET) / PAGE;
	bool have = hash == m->sent[i];

	m->final_pages += !have;
	return have;
}

static int mig_size(struct image_out *o, uint64_t size)
{
	return send_rec(o->priv, MIG_SIZE, size, NULL, 0);
}

static int mig_done(struct image_out *o)
{
	return send_rec(o->priv, MIG_END, 0, NULL, 0);
}

/*
 * With every vCPU parked in the suspend: sends the rest, has the
 * receiver restore it, and tells it to run.  0: the domain runs there now
 * (report in msg); -errno: it never ran there and resumes here.
 */
int migrate_final(struct xenner *x, unsigned sv, char *msg, size_t len)
{
	struct migration *m = x->mig;
	struct image_out o = {.priv = m,
			      .write = mig_write,
			      .have = mig_have,
			      .size = mig_size,
			      .done = mig_done};
	char line[200];
	unsigned domid;
	int rc;

	m->t_suspend = now();
	rc = save_image_write(x, &o, "the migration stream", sv,
			      x->suspend_si_pfn);
	m->t_sent = now();
	if (!rc)
		rc = read_line(m, line, sizeof(line), READY_TIMEOUT_MS);
	m->t_ready = now();
	if (!rc && sscanf(line, "ready %u", &domid) != 1) {
		log_err("domain %u: the receiver did not take it: %s", x->domid,
			line);
		snprintf(msg, len, "error: the receiver: %s", line);
		rc = -EPROTO;
	} else if (rc) {
		snprintf(msg, len, "error: migrating domain %u failed (%s)",
			 x->domid, strerror(-rc));
	}
	if (rc) {
		send_rec(m, MIG_ABORT, 0, NULL, 0); /* it may be gone */
		return rc;
	}
	/* the move: once GO is out the guest is the receiver's */
	rc = send_rec(m, MIG_GO, 0, NULL, 0);
	if (rc) {
		/* it never got GO: its paused copy goes (-unpause-within) */
		snprintf(msg, len,
			 "error: the receiver went away before it was told "
			 "to run domain %u (%s)",
			 domid, strerror(-rc));
		return rc;
	}
	rc = read_line(m, line, sizeof(line), GO_TIMEOUT_MS);
	if (rc || strncmp(line, "running ", 8)) {
		/*
		 * It may run there, or its paused copy ends by itself there
		 * (-unpause-within): resuming here could make two, ending it
		 * here none.  Parked, nothing is lost either way.
		 */
		snprintf(msg, len,
			 "error: told the receiver to run it as domain %u but "
			 "got no confirmation (%s): it stays here, paused. If "
			 "it does not run there, `xenner-xm unpause %s` "
			 "resumes it here (a copy there that was never "
			 "unpaused ends by itself); if it does, `xenner-xm "
			 "destroy %s` ends this one",
			 domid, rc ? strerror(-rc) : line, x->cfg.name,
			 x->cfg.name);
		log_err("domain %u: %s", x->domid, msg + 7);
		return 1;
	}
	snprintf(msg, len,
		 "ok: domain %u on the receiver; %u round%s, %llu pages "
		 "while running, %llu stopped, %.1f MiB, %.3f s in all, "
		 "%.3f s stopped; %llu pages read in the rounds (%s)",
		 domid, m->rounds, m->rounds == 1 ? "" : "s",
		 (unsigned long long)m->pages_sent,
		 (unsigned long long)m->final_pages, m->bytes / 1048576.0,
		 now() - m->t_start, now() - m->t_suspend,
		 (unsigned long long)m->scanned,
		 m->dirty_log ? "KVM's dirty log" : "no dirty log");
	log_info("domain %u migrated: %s", x->domid, msg + 4);
	/* where the stopped time went */
	log_info("domain %u: stopped %.3f s: final pass and send %.3f s, "
		 "receiver's restore %.3f s, go and confirm %.3f s",
		 x->domid, now() - m->t_suspend, m->t_sent - m->t_suspend,
		 m->t_ready - m->t_sent, now() - m->t_ready);
	return 0;
}

void migrate_abort(struct xenner *x)
{
	struct migration *m = x->mig;

	if (!m)
		return;
	atomic_store(&m->abort, true);
	if (m->thread_started) {
		/* a send blocked on a receiver that stopped reading ends */
		shutdown(m->fd, SHUT_RDWR);
		pthread_join(m->thread, NULL);
		m->thread_started = false;
	} else {
		send_rec(m, MIG_ABORT, 0, NULL, 0); /* it may be gone */
	}
	migration_free(x);
}

void migrate_end(struct xenner *x)
{
	migration_free(x);
}
