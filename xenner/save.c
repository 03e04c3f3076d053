// SPDX-License-Identifier: MIT
/*
 * `save` on the control socket: asks the guest to suspend (Xen's
 * control/shutdown = suspend), waits for its SCHEDOP_shutdown(suspend)
 * or the timeout, writes the image while every vCPU is parked, then ends
 * the domain (or resumes it: checkpoint, or the save failed).  The
 * client's connection stays open until then and gets "ok" or "error:
 * why".  Runs on the main thread except save_suspended (a vCPU thread).
 */
#include <stdint.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/sched.h>

#include "migrate.h"
#include "save.h"
#include "xenner/log.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void reply(struct xenner *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct xenner *x, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (send(x->save_client, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		log_warn("domain %u: save: the client is gone (%s)", x->domid,
			 strerror(errno));
}

/* Forgets the save in progress; the .part file goes unless kept. */
static void save_end(struct xenner *x, bool keep)
{
	char part[sizeof(x->save_path) + 8];

	snprintf(part, sizeof(part), "%s.part", x->save_path);
	if (!keep && x->save_path[0])
		unlink(part);
	if (x->save_fd >= 0)
		close(x->save_fd);
	close(x->save_client);
	migrate_end(x);
	pthread_mutex_lock(&x->save_lock);
	x->save_fd = x->save_client = x->suspend_vcpu = -1;
	x->save_waiting = false;
	x->save_path[0] = '\0';
	pthread_mutex_unlock(&x->save_lock);
}

/* The client's connection is the save's (or migration's) from now on. */
void save_begin_common(struct xenner *x, int client, unsigned timeout)
{
	pthread_mutex_lock(&x->save_lock);
	x->save_client = client;
	pthread_mutex_unlock(&x->save_lock);
	x->save_timeout = timeout;
	x->save_deadline = 1e300; /* until the guest is asked */
}

/* control/shutdown = suspend; the guest has save_timeout to do it */
int save_request_suspend(struct xenner *x)
{
	if (xenstore_request_shutdown(x, "suspend"))
		return -EIO;
	pthread_mutex_lock(&x->save_lock);
	x->save_waiting = true;
	pthread_mutex_unlock(&x->save_lock);
	x->save_deadline = now() + x->save_timeout;
	return 0;
}

bool save_pending(struct xenner *x)
{
	return x->save_client >= 0;
}

/* "save TIMEOUT CHECKPOINT PATH"; NULL: the connection is ours now. */
const char *save_begin(struct xenner *x, int client, const char *args)
{
	static char err[sizeof(x->save_path) + 100];
	unsigned timeout, checkpoint;
	int n = 0;
	char part[sizeof(x->save_path) + 8];

	if (save_pending(x))
		return "error: a save of this domain is in progress";
	if (sscanf(args, "%u %u %n", &timeout, &checkpoint, &n) != 2 || !n ||
	    args[n] != '/' || timeout == 0 || timeout > SAVE_MAX_TIMEOUT ||
	    strlen(args + n) >= sizeof(x->save_path))
		return "error: usage: save TIMEOUT 0|1 /ABSOLUTE/PATH";
	snprintf(x->save_path, sizeof(x->save_path), "%s", args + n);
	snprintf(part, sizeof(part), "%s.part", x->save_path);
	x->save_fd = open(part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (x->save_fd < 0) {
		snprintf(err, sizeof(err), "error: cannot create %s: %s", part,
			 strerror(errno));
		return err;
	}
	save_begin_common(x, client, timeout);
	if (save_request_suspend(x)) {
		pthread_mutex_lock(&x->save_lock);
		x->save_client = -1;
		pthread_mutex_unlock(&x->save_lock);
		close(x->save_fd);
		x->save_fd = -1;
		unlink(part);
		x->save_path[0] = '\0';
		return "error: cannot write control/shutdown in xenstore";
	}
	x->save_checkpoint = checkpoint;
	log_info("domain %u: asked to suspend for a save to %s", x->domid,
		 x->save_path);
	return NULL;
}

void save_suspended(struct vcpu *v)
{
	struct xenner *x = v->x;
	uint64_t one = 1;

	pthread_mutex_lock(&x->save_lock);
	if (!x->save_waiting || x->suspend_vcpu >= 0) {
		pthread_mutex_unlock(&x->save_lock);
		/* as Xen when the toolstack does not save: cancelled */
		log_info("domain %u suspended with no save in progress: it "
			 "resumes in place",
			 x->domid);
		v->page->result = 1;
		return;
	}
	x->suspend_vcpu = v->id;
	x->suspend_si_pfn = v->page->arg1;
	/* park this thread before it enters KVM again */
	pthread_mutex_lock(&x->pause_lock);
	__atomic_store_n(&x->paused, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&x->pause_lock);
	pthread_mutex_unlock(&x->save_lock);
	if (write(x->suspend_efd, &one, sizeof(one)) < 0)
		log_err("cannot wake the main thread: %s", strerror(errno));
}

/* The guest never suspended: it runs on, the request is withdrawn. */
void save_tick(struct xenner *x)
{
	int rc;

	if (save_pending(x) && x->suspend_vcpu < 0 && (rc = migrate_tick(x))) {
		log_err("domain %u: migration failed (%s): it keeps running "
			"here",
			x->domid, strerror(-rc));
		reply(x,
		      "error: migrating domain %u failed (%s); it keeps "
		      "running here",
		      x->domid, strerror(-rc));
		migrate_abort(x);
		save_end(x, false);
		return;
	}
	if (!save_pending(x) || x->suspend_vcpu >= 0 ||
	    now() < x->save_deadline)
		return;
	pthread_mutex_lock(&x->save_lock);
	if (x->suspend_vcpu >= 0) { /* just now */
		pthread_mutex_unlock(&x->save_lock);
		return;
	}
	x->save_waiting = false; /* a late suspend is cancelled */
	pthread_mutex_unlock(&x->save_lock);
	xenstore_request_shutdown(x, "");
	log_err("domain %u did not suspend within %u s: not saved, it keeps "
		"running",
		x->domid, x->save_timeout);
	migrate_abort(x);
	reply(x,
	      "error: domain %u did not suspend within %u s (no "
	      "control/shutdown support?); it keeps running",
	      x->domid, x->save_timeout);
	save_end(x, false);
}

/* The domain ended here: saved, or moved to another host. */
static void save_ended(struct xenner *x, enum xenner_exit status)
{
	x->vmcore.dom->state = VMCORE_STATE_SHUTDOWN;
	x->vmcore.dom->shutdown_reason = SHUTDOWN_suspend;
	save_end(x, true);
	vcpus_stop(x, status);
	pthread_mutex_lock(&x->evc_lock);
	evtchn_client_shutdown(&x->evc, x->domid, SHUTDOWN_suspend);
	pthread_mutex_unlock(&x->evc_lock);
}

static void finish_migration(struct xenner *x, unsigned sv)
{
	char msg[700];
	int rc;

	/* what the guest sees on the receiver: resumed in a new domain */
	x->vcpus[sv].page->result = 0;
	rc = migrate_final(x, sv, msg, sizeof(msg));
	if (!rc) {
		reply(x, "%s", msg);
		save_ended(x, XENNER_EXIT_MIGRATED);
		return;
	}
	if (rc > 0) {
		/* unknown whether it runs there: parked here, as cancelled */
		x->vcpus[sv].page->result = 1;
		reply(x, "%s", msg);
		migrate_end(x);
		save_end(x, false);
		return;
	}
	/* here: cancelled, it runs on */
	x->vcpus[sv].page->result = 1;
	log_err("domain %u: %s: it keeps running here", x->domid, msg);
	reply(x, "%s; it keeps running here", msg);
	migrate_abort(x);
	save_end(x, false);
	vcpus_pause(x, false);
}

void save_finish(struct xenner *x)
{
	char part[sizeof(x->save_path) + 8];
	uint64_t cnt;
	unsigned sv;
	double t0 = now();
	int rc;

	if (read(x->suspend_efd, &cnt, sizeof(cnt)) < 0 || x->suspend_vcpu < 0)
		return;
	sv = x->suspend_vcpu;
	snprintf(part, sizeof(part), "%s.part", x->save_path);
	rc = vcpus_pause(x, true);
	for (unsigned i = 0; !rc && i < x->cfg.nr_vcpus; i++)
		rc = vcpu_state_settle(&x->vcpus[i]);
	if (!rc && x->suspend_si_pfn >= x->nr_pages) {
		log_err("domain %u: suspend named start_info frame %llu, not "
			"one of its frames",
			x->domid, (unsigned long long)x->suspend_si_pfn);
		rc = -EINVAL;
	}
	if (!rc && migrate_pending(x)) {
		finish_migration(x, sv);
		return;
	}
	if (!rc) {
		/* what the guest sees in the new domain: resumed there */
		x->vcpus[sv].page->result = 0;
		struct image_out o;

		image_out_file(&o, x->save_fd);
		rc = save_image_write(x, &o, x->save_path, sv,
				      x->suspend_si_pfn);
		if (!rc && rename(part, x->save_path)) {
			rc = -errno;
			log_err("save: cannot rename %s: %s", part,
				strerror(errno));
		}
	}
	/* what it sees here, if it runs on: cancelled (or checkpointed) */
	x->vcpus[sv].page->result = 1;
	if (!rc && !x->save_checkpoint) {
		log_info("domain %u saved to %s (%llu MiB, %.2f s)", x->domid,
			 x->save_path, (unsigned long long)x->cfg.mem_mb,
			 now() - t0);
		reply(x, "ok");
		save_ended(x, XENNER_EXIT_SAVED);
		return;
	}
	if (!rc) {
		log_info("domain %u checkpointed to %s (%.2f s): it runs on",
			 x->domid, x->save_path, now() - t0);
		reply(x, "ok");
	} else {
		reply(x,
		      "error: saving domain %u failed (%s): it keeps "
		      "running",
		      x->domid, strerror(-rc));
	}
	save_end(x, !rc);
	vcpus_pause(x, false);
}

void save_cancel(struct xenner *x)
{
	if (!save_pending(x))
		return;
	migrate_abort(x);
	reply(x, "error: domain %u ended before it was saved", x->domid);
	save_end(x, false);
}
