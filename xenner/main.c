// SPDX-License-Identifier: MIT
/*
 * xenner: run one Xen PV guest in a KVM VM.  Parses the qemu-like command
 * line, builds the domain, runs its vCPUs and waits for the end; every
 * exit path removes the vmcore and the domain's registration.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"

/* SIGTERM asks the guest to power off; it gets this long to do so. */
#define SHUTDOWN_GRACE_SECONDS 30

/* a NULL-terminated copy of n strings; exits when out of memory */
static char **dup_strings(char **in, int n)
{
	char **out = calloc(n + 1, sizeof(*out));

	for (int i = 0; out && i < n; i++)
		if (!(out[i] = strdup(in[i])))
			out = NULL;
	if (!out) {
		fprintf(stderr, "xenner: out of memory\n");
		exit(XENNER_EXIT_ERROR);
	}
	return out;
}

/*
 * -restore FILE: the image's saved options, then the few of this command
 * line that may differ for the new domain.  Exits with one line if the
 * image is unusable.
 */
static void restore_args(struct xenner *x, int argc, char **argv)
{
	static const char *const with_value[] = {
		"-console",	   "-name",	"-loglevel", "-keep-vmcore",
		"-unpause-within", "-ready-fd", NULL,
	};
	static char *all[600];
	const char *path = NULL;
	char **saved;
	int n = 0, nsaved;

	for (int i = 1; i < argc; i++) {
		const char *a =
			argv[i] + (argv[i][0] == '-' && argv[i][1] == '-');

		if (!strcmp(a, "-restore")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "xenner: -restore needs a "
						"file\n");
				exit(XENNER_EXIT_ERROR);
			}
			path = argv[++i];
			continue;
		}
		if (!strcmp(a, "-stats") || !strcmp(a, "-paused") ||
		    !strcmp(a, "-take-image") || !strcmp(a, "-help") ||
		    !strcmp(a, "-h"))
			continue;
		for (unsigned k = 0; with_value[k]; k++)
			if (!strcmp(a, with_value[k])) {
				i++; /* its value: the parser checks it */
				a = NULL;
				break;
			}
		if (a) {
			fprintf(stderr,
				"xenner: -restore takes the domain's "
				"configuration from the image; '%s' "
				"cannot go with it\n",
				argv[i]);
			exit(XENNER_EXIT_ERROR);
		}
	}
	if (restore_open(x, path, &nsaved, &saved)) {
		restore_close(x);
		exit(XENNER_EXIT_ERROR);
	}
	/* copies: the image is let go once the domain is built */
	saved = dup_strings(saved, nsaved);
	if (nsaved + argc >= (int)(sizeof(all) / sizeof(all[0]))) {
		fprintf(stderr, "xenner: too many options\n");
		exit(XENNER_EXIT_ERROR);
	}
	all[n++] = argv[0];
	for (int i = 0; i < nsaved; i++)
		all[n++] = saved[i];
	for (int i = 1; i < argc; i++) {
		const char *a =
			argv[i] + (argv[i][0] == '-' && argv[i][1] == '-');

		if (!strcmp(a, "-restore"))
			i++;
		else
			all[n++] = argv[i];
	}
	if (xenner_parse_args(&x->cfg, n, all))
		exit(XENNER_EXIT_ERROR);
	x->cfg.restore = path;
	x->cfg.argc = nsaved;
	x->cfg.argv = saved;
}

/*
 * -ready-fd: the domain id for whoever started us (xenner-xm), at once
 * rather than when its polling finds the domain.  An error or a death
 * before it closes the pipe with nothing said.
 */
static void say_ready(struct xenner *x)
{
	char line[16];
	int len;

	if (x->cfg.ready_fd < 0)
		return;
	len = snprintf(line, sizeof(line), "%u\n", x->domid);
	if (write(x->cfg.ready_fd, line, len) != len)
		log_warn("-ready-fd %d: %s", x->cfg.ready_fd, strerror(errno));
	close(x->cfg.ready_fd);
	x->cfg.ready_fd = -1;
}

static bool wants_restore(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-restore") ||
		    !strcmp(argv[i], "--restore"))
			return true;
	return false;
}

static int setup_memory(struct xenner *x)
{
	char path[256];
	int rc;

	rc = vmcore_path(path, sizeof(path), x->domid);
	if (rc)
		return rc;
	rc = x->cfg.restore
		     ? restore_vmcore(x, path)
		     : vmcore_create(&x->vmcore, path, x->domid, x->cfg.name,
				     NULL, x->total_pages, x->cfg.nr_vcpus);
	if (rc)
		return rc;
	rc = vmcore_map_ram(&x->vmcore);
	if (rc)
		return rc;
	x->ram = x->vmcore.ram;

	/* the M2P, then one byte of type per frame, each 2 MiB aligned */
	x->frame_info_off =
		EMU_OFF_M2P +
		((x->total_pages * 8 + (2 << 20) - 1) & ~((2ULL << 20) - 1));
	x->emu_size = x->frame_info_off +
		      ((x->total_pages + (2 << 20) - 1) & ~((2ULL << 20) - 1));
	rc = emu_memory_create(x);
	if (rc)
		return rc;
	rc = kvm_init_vm(x);
	if (rc)
		return rc;
	rc = kvm_add_memory(x, 0, 0, x->total_pages * 4096, x->ram);
	if (rc)
		return rc;
	return kvm_add_memory(x, 1, EMU_GPA, x->emu_size, x->emu);
}

static int build(struct xenner *x)
{
	struct emu_boot *b;
	int rc = emu_load(x);

	if (rc)
		return rc;
	b = x->boot = (struct emu_boot *)(x->emu + EMU_OFF_BOOT);
	b->magic = EMU_BOOT_MAGIC;
	b->nr_vcpus = x->cfg.nr_vcpus;
	b->domid = x->domid;
	b->nr_pages = x->nr_pages;
	b->total_pages = x->total_pages;
	b->shared_info_pfn = x->nr_pages;
	b->gnttab_first_pfn = x->nr_pages + 1;
	b->gnttab_max_frames = XENNER_GNTTAB_FRAMES;
	b->m2p_pages = (x->total_pages * 8 + 4095) / 4096;
	b->frame_info_off = x->frame_info_off;
	b->debug = log_get_level() >= XLOG_DEBUG;
	rc = emu_tables_build(x);
	if (rc)
		return rc;
	rc = start_of_day(x);
	if (rc)
		return rc;
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		x->vcpus[i].x = x;
		x->vcpus[i].id = i;
		rc = kvm_create_vcpu(x, &x->vcpus[i]);
		if (rc)
			return rc;
	}
	events_init(x);
	x->vmcore.dom->state = VMCORE_STATE_RUNNING;
	return 0;
}

/*
 * -unpause-within: a domain built paused for someone who never came (the
 * receiver of a migration that died before it said go) does not stay.
 */
static void unpause_tick(struct xenner *x)
{
	if (!x->unpause_deadline)
		return;
	if (!__atomic_load_n(&x->paused, __ATOMIC_ACQUIRE)) {
		x->unpause_deadline = 0; /* unpaused: it runs on for good */
		return;
	}
	if (time(NULL) < x->unpause_deadline)
		return;
	log_err("domain %u was not unpaused within %llu s: destroying it",
		x->domid, (unsigned long long)x->cfg.unpause_within);
	x->unpause_deadline = 0;
	vcpus_stop(x, XENNER_EXIT_KILLED);
}

/* Waits for the end: a vCPU stopping, a signal, or evtchnd news. */
static void wait_for_end(struct xenner *x, int sfd)
{
	time_t shutdown_deadline = 0;

	while (!atomic_load(&x->stopping)) {
		struct pollfd p[5] = {
			{.fd = x->stop_fd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = x->evc.event_fd, .events = POLLIN},
			{.fd = x->control_fd, .events = POLLIN},
			{.fd = x->suspend_efd, .events = POLLIN},
		};
		struct signalfd_siginfo si;

		if (poll(p, 5,
			 shutdown_deadline || save_pending(x) ||
					 x->unpause_deadline
				 ? 200
				 : GRANT_RELEASE_SECONDS * 1000) < 0 &&
		    errno != EINTR)
			break;
		grant_release_tick(x);
		if (p[4].revents & POLLIN)
			save_finish(x); /* the guest suspended for a save */
		save_tick(x);
		if (p[3].revents & POLLIN)
			control_serve(x); /* pause, unpause */
		unpause_tick(x);
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR1) {
				stats_print(x, stderr);
				vcpus_dump(x);
				continue;
			}
			if (!shutdown_deadline &&
			    !xenstore_request_shutdown(x, "poweroff")) {
				/* as `xl shutdown`: the guest's turn first */
				log_info("signal %u: asked domain %u to power "
					 "off (again to stop it at once)",
					 si.ssi_signo, x->domid);
				shutdown_deadline =
					time(NULL) + SHUTDOWN_GRACE_SECONDS;
				continue;
			}
			log_info("signal %u: stopping domain %u", si.ssi_signo,
				 x->domid);
			vcpus_stop(x, XENNER_EXIT_KILLED);
		}
		if (shutdown_deadline && time(NULL) >= shutdown_deadline) {
			log_warn("domain %u did not shut down within %d s: "
				 "stopping it",
				 x->domid, SHUTDOWN_GRACE_SECONDS);
			vcpus_stop(x, XENNER_EXIT_KILLED);
		}
		if (p[2].revents & POLLIN)
			events_drain(x); /* ports, shutdown, destroy */
		if (p[2].revents & (POLLHUP | POLLERR)) {
			log_err("evtchnd went away: stopping domain %u",
				x->domid);
			vcpus_stop(x, XENNER_EXIT_ERROR);
		}
	}
}

int main(int argc, char **argv)
{
	static struct xenner xen = {
		.kvm_fd = -1,
		.vm_fd = -1,
		.stop_fd = -1,
		.evc = {.sock = -1, .event_fd = -1},
		.con_evc = {.sock = -1, .event_fd = -1},
		.console_rl = RATELIMIT_INIT(5, 10),
		.console_lock = PTHREAD_MUTEX_INITIALIZER,
		.evc_lock = PTHREAD_MUTEX_INITIALIZER,
		.control_fd = -1,
		.pause_lock = PTHREAD_MUTEX_INITIALIZER,
		.pause_cond = PTHREAD_COND_INITIALIZER,
		.save_lock = PTHREAD_MUTEX_INITIALIZER,
		.save_client = -1,
		.save_fd = -1,
		.suspend_efd = -1,
		.suspend_vcpu = -1,
	};
	struct xenner *x = &xen;
	char err[256];
	sigset_t set;
	int sfd = -1, rc, status;

	log_init("xenner", XLOG_INFO, false);
	if (wants_restore(argc, argv)) {
		restore_args(x, argc, argv);
	} else {
		rc = xenner_parse_args(&x->cfg, argc, argv);
		if (rc)
			return rc > 0 ? 0 : XENNER_EXIT_ERROR;
		if (x->cfg.take_image) {
			fprintf(stderr, "xenner: -take-image goes with "
					"-restore\n");
			return XENNER_EXIT_ERROR;
		}
		x->cfg.argc = argc - 1;
		x->cfg.argv = argv + 1;
	}
	x->nr_pages = x->cfg.mem_mb * 256;
	x->total_pages = x->nr_pages + XENNER_SPECIAL_PAGES;
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++) {
		x->vcpus[i].fd = -1;
		x->vcpus[i].stats_fd = -ENODEV;
	}
	x->vmcore.fd = -1;

	if (x->cfg.check_kvm) {
		if (kvm_open(x))
			return XENNER_EXIT_ERROR;
		printf("xenner: /dev/kvm is usable (KVM API %d)\n",
		       KVM_API_VERSION);
		return 0;
	}
	if (x->cfg.bootloader && !x->cfg.restore) {
		rc = bootloader_run(x);
		if (rc) {
			bootloader_cleanup(x);
			return rc == -EINTR ? XENNER_EXIT_KILLED
					    : XENNER_EXIT_ERROR;
		}
	}
	rc = x->cfg.restore ? 0
			    : pv_kernel_open(&x->kernel, x->cfg.kernel, err,
					     sizeof(err));
	if (rc) {
		log_err("%s: %s",
			x->cfg.bootloader ? x->bl.label : x->cfg.kernel, err);
		bootloader_cleanup(x);
		return XENNER_EXIT_ERROR;
	}
	if (kvm_open(x)) {
		pv_kernel_free(&x->kernel);
		bootloader_cleanup(x);
		return XENNER_EXIT_ERROR;
	}

	/* Signals go to the main thread's signalfd; vCPU threads get none. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR2);
	sigdelset(&set, SIGPIPE);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	x->stop_fd = eventfd(0, EFD_CLOEXEC);
	x->suspend_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	console_budget_init(x);
	atomic_store(&x->exit_status, XENNER_EXIT_ERROR);

	rc = sfd < 0 || x->stop_fd < 0 || x->suspend_efd < 0 ? -errno
							     : dom0_connect(x);
	if (!rc)
		rc = dom0_create_domain(x);
	if (!rc)
		rc = setup_memory(x);
	if (!rc)
		rc = x->cfg.restore ? restore_build(x) : build(x);
	/* the kernel and ramdisk are in guest memory (or never will be) */
	bootloader_cleanup(x);
	if (!rc) {
		log_info("domain %u (%s): %llu MiB, %u vCPU%s, %s", x->domid,
			 x->cfg.name, (unsigned long long)x->cfg.mem_mb,
			 x->cfg.nr_vcpus, x->cfg.nr_vcpus > 1 ? "s" : "",
			 x->cfg.restore	     ? x->cfg.restore
			 : x->cfg.bootloader ? x->bl.label
					     : x->cfg.kernel);
		rc = xenstore_introduce(x);
		if (!rc && x->cfg.restore)
			rc = restore_after_introduce(x);
		restore_close(x); /* its memory is copied: let it go */
		if (!rc)
			rc = devmodel_start(x);
		if (!rc)
			rc = control_start(x);
		if (!rc)
			rc = console_start(x);
		if (!rc && x->cfg.paused)
			rc = vcpus_pause(x, true); /* none runs yet */
		if (!rc && x->cfg.unpause_within)
			x->unpause_deadline =
				time(NULL) + x->cfg.unpause_within;
		/* all of them: emu keeps a vCPU parked until VCPUOP_up */
		for (unsigned i = 0; !rc && i < x->cfg.nr_vcpus; i++)
			rc = vcpu_start(&x->vcpus[i]);
		if (!rc)
			say_ready(x);
	}
	if (!rc)
		wait_for_end(x, sfd);
	else
		vcpus_stop(x, XENNER_EXIT_ERROR);
	vcpus_join(x);
	save_cancel(x); /* a save the domain's end overtook */
	control_stop(x);
	console_stop(x);
	devmodel_stop(x); /* QEMU lets go of the domain before its nodes go */
	xenstore_release(x); /* uses the vmcore's note */
	status = atomic_load(&x->exit_status);

	if (x->cfg.stats && x->boot)
		stats_print(x, stderr);
	kvm_close_vm(x);
	if (x->vmcore.fd >= 0) {
		/* the toolstack keeps a crashed guest's memory (preserve) */
		if (x->cfg.keep_vmcore && x->boot &&
		    !rename(x->vmcore.path, x->cfg.keep_vmcore))
			log_info("domain %u: memory kept in %s", x->domid,
				 x->cfg.keep_vmcore);
		else if (x->cfg.keep_vmcore && x->boot)
			log_err("cannot keep the vmcore as %s: %s",
				x->cfg.keep_vmcore, strerror(errno));
		unlink(x->vmcore.path);
		grant_release_remove(x);
		vmcore_close(&x->vmcore);
	}
	emu_memory_destroy(x);
	dom0_disconnect(x);
	pv_kernel_free(&x->kernel);
	restore_close(x);
	for (int i = 0; x->cfg.restore && i < x->cfg.argc; i++)
		free(x->cfg.argv[i]); /* dup_strings */
	if (x->cfg.restore)
		free(x->cfg.argv);
	/* -disk: realpath()s */
	for (unsigned i = 0; i < x->cfg.nr_disks; i++)
		free(x->cfg.disks[i].path);
	if (sfd >= 0)
		close(sfd);
	if (x->stop_fd >= 0)
		close(x->stop_fd);
	if (x->suspend_efd >= 0)
		close(x->suspend_efd);
	return status;
}
