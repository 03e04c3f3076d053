// SPDX-License-Identifier: MIT
/*
 * One thread per vCPU: KVM_RUN and the requests emu makes through its
 * vCPU page.  Nothing here trusts the page: emu runs inside the VM.
 */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <xen/sched.h>

#include "xenner.h"
#include "xenner/log.h"

#define SIG_KICK SIGUSR2

/*
 * A line in the kernel's trace where one is being recorded (the SVM test
 * VM records KVM's events): the events before it are where the guest
 * was, after a triple fault whose registers KVM threw away.
 */
static void trace_mark(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0) /* a mark that is not written is no loss */
		n = write(fd, line,
			  (size_t)n < sizeof(line) ? (size_t)n
						   : sizeof(line) - 1);
	close(fd);
}

int shutdown_status(uint64_t reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return XENNER_EXIT_POWEROFF;
	case SHUTDOWN_reboot:
		return XENNER_EXIT_REBOOT;
	case SHUTDOWN_crash:
		return XENNER_EXIT_CRASH;
	case SHUTDOWN_watchdog:
		return XENNER_EXIT_WATCHDOG;
	default:
		return -1;
	}
}

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

static void handle_request(struct vcpu *v)
{
	struct xenner *x = v->x;
	struct emu_vcpu_page *p = v->page;
	uint32_t req = p->req, len = p->len;
	int status;

	p->result = 0;
	switch (req) {
	case EMU_REQ_CONSOLE_WRITE:
		if (len > sizeof(p->data))
			len = sizeof(p->data);
		console_emit(x, p->data, len);
		break;
	case EMU_REQ_SHUTDOWN:
		if (p->arg0 == SHUTDOWN_suspend) {
			save_suspended(v);
			break;
		}
		status = shutdown_status(p->arg0);
		if (status < 0) {
			log_warn("domain %u asked for shutdown reason %llu, "
				 "which xenner does not support",
				 x->domid, (unsigned long long)p->arg0);
			p->result = -38; /* ENOSYS */
			break;
		}
		log_info("domain %u: shutdown (%s)", x->domid,
			 shutdown_names[p->arg0]);
		x->vmcore.dom->shutdown_reason = p->arg0;
		x->vmcore.dom->state = p->arg0 == SHUTDOWN_crash
					       ? VMCORE_STATE_CRASHED
					       : VMCORE_STATE_SHUTDOWN;
		/* first: evtchnd echoes the shutdown to our event socket */
		vcpus_stop(x, status);
		pthread_mutex_lock(&x->evc_lock);
		evtchn_client_shutdown(&x->evc, x->domid, p->arg0);
		pthread_mutex_unlock(&x->evc_lock);
		break;
	case EMU_REQ_EVTCHN:
		events_request(v);
		break;
	case EMU_REQ_PIN:
		/* Xen's errno values equal Linux's for EINVAL */
		p->result = pagetable_validate(x, p->arg0, p->arg1);
		break;
	case EMU_REQ_PANIC:
		if (len >= sizeof(p->data))
			len = sizeof(p->data) - 1;
		log_err("domain %u crashed: %.*s", x->domid, (int)len,
			(const char *)p->data);
		vcpu_dump(v);
		x->vmcore.dom->state = VMCORE_STATE_CRASHED;
		vcpus_stop(x, XENNER_EXIT_CRASH);
		break;
	default:
		log_err("vcpu%u: emu made unknown request %u", v->id, req);
		vcpus_stop(x, XENNER_EXIT_CRASH);
		break;
	}
	p->req = EMU_REQ_NONE;
}

static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct xenner *x = v->x;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == EMU_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			handle_request(v);
			return true;
		}
		log_err("vcpu%u: unexpected I/O port %#x", v->id, run->io.port);
		break;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		trace_mark("xenner: domain %u vcpu%u triple fault", x->domid,
			   v->id);
		log_err("domain %u: vcpu%u triple fault", x->domid, v->id);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		log_err("domain %u: vcpu%u KVM internal error %u "
			"(an instruction KVM could not emulate?)",
			x->domid, v->id, run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		log_err("domain %u: vcpu%u entry failed, reason %llx", x->domid,
			v->id, run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		log_err("domain %u: vcpu%u unexpected exit %u", x->domid, v->id,
			run->exit_reason);
		break;
	}
	vcpu_dump(v);
	x->vmcore.dom->state = VMCORE_STATE_CRASHED;
	vcpus_stop(x, XENNER_EXIT_CRASH);
	return false;
}

/* Paused by the toolstack: wait here, outside KVM_RUN, until resumed. */
static void vcpu_park(struct xenner *x)
{
	pthread_mutex_lock(&x->pause_lock);
	x->nr_parked++;
	pthread_cond_broadcast(&x->pause_cond);
	while (x->paused && !atomic_load(&x->stopping))
		pthread_cond_wait(&x->pause_cond, &x->pause_lock);
	x->nr_parked--;
	pthread_mutex_unlock(&x->pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct xenner *x = v->x;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&x->stopping)) {
		if (__atomic_load_n(&x->paused, __ATOMIC_ACQUIRE))
			vcpu_park(x);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				if (atomic_exchange(&v->dump_regs, false))
					vcpu_dump(v);
				continue;
			}
			log_err("vcpu%u: KVM_RUN: %s", v->id, strerror(errno));
			vcpus_stop(x, XENNER_EXIT_ERROR);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig;
}

int vcpu_start(struct vcpu *v)
{
	struct sigaction sa = {.sa_handler = on_kick};
	char name[16];
	int rc;

	sigaction(SIG_KICK, &sa, NULL);
	rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (rc) {
		log_err("cannot start vcpu%u: %s", v->id, strerror(rc));
		return -rc;
	}
	v->started = true;
	/* xenner-xm vcpu-list finds the vCPU threads by name */
	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(v->thread, name);
	return 0;
}

void vcpus_stop(struct xenner *x, int status)
{
	bool was = atomic_exchange(&x->stopping, true);

	if (!was)
		atomic_store(&x->exit_status, status);
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		if (!v->started || pthread_equal(v->thread, pthread_self()))
			continue;
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, SIG_KICK);
	}
	/* paused vCPU threads wake up and see `stopping` */
	pthread_mutex_lock(&x->pause_lock);
	pthread_cond_broadcast(&x->pause_cond);
	pthread_mutex_unlock(&x->pause_lock);
	if (!was) {
		uint64_t one = 1;

		/* wake the main thread */
		if (write(x->stop_fd, &one, sizeof(one)) < 0)
			log_err("cannot wake the main thread: %s",
				strerror(errno));
	}
}

int vcpus_pause(struct xenner *x, bool pause)
{
	struct timespec deadline;
	unsigned started = 0;
	int rc = 0;

	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++)
		started += x->vcpus[i].started;
	pthread_mutex_lock(&x->pause_lock);
	__atomic_store_n(&x->paused, pause, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&x->pause_cond);
	pthread_mutex_unlock(&x->pause_lock);
	for (unsigned i = 0; pause && i < x->cfg.nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		if (!v->started)
			continue;
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, SIG_KICK);
	}
	/* pause returns when no vCPU runs guest code any more */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&x->pause_lock);
	while (pause && x->nr_parked < started && !atomic_load(&x->stopping) &&
	       !rc)
		rc = pthread_cond_timedwait(&x->pause_cond, &x->pause_lock,
					    &deadline);
	pthread_mutex_unlock(&x->pause_lock);
	if (rc)
		log_err("domain %u: vCPUs did not stop: %s", x->domid,
			strerror(rc));
	x->vmcore.dom->state =
		pause ? VMCORE_STATE_PAUSED : VMCORE_STATE_RUNNING;
	pthread_mutex_lock(&x->evc_lock);
	evtchn_client_set_state(&x->evc, pause ? EVTCHND_DOMF_PAUSED
					       : EVTCHND_DOMF_RUNNING);
	pthread_mutex_unlock(&x->evc_lock);
	return rc ? -rc : 0;
}

/* SIGUSR1: each running vCPU logs its registers (KVM_RUN must stop). */
void vcpus_dump(struct xenner *x)
{
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		struct vcpu *v = &x->vcpus[i];

		if (!v->started)
			continue;
		atomic_store(&v->dump_regs, true);
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, SIG_KICK);
	}
}

void vcpus_join(struct xenner *x)
{
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++)
		if (x->vcpus[i].started)
			pthread_join(x->vcpus[i].thread, NULL);
}
