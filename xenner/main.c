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

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xenner -kernel FILE [options]\n"
		"       xenner -bootloader pygrub -disk IMAGE [options]\n"
		"Run a Xen PV guest kernel in a KVM virtual machine.\n\n"
		"  -kernel FILE      the guest kernel (ELF or bzImage with Xen notes,\n"
		"                    plain or compressed; with -bootloader: a path\n"
		"                    in the guest's filesystem)\n"
		"  -initrd FILE      initial ramdisk (with -bootloader: in the guest)\n"
		"  -append STRING    kernel command line (with -bootloader: added\n"
		"                    to the one the guest's grub.cfg gives)\n"
		"  -bootloader PROG  run PROG (pygrub: Debian's, from\n"
		"                    /usr/lib/xen-4.17/bin) on the first disk to\n"
		"                    find the kernel, ramdisk and command line\n"
		"  -bootloader-arg ARG  one more argument for it (repeatable:\n"
		"                    --entry=N, --kernel=, ...; a disk's vdev or\n"
		"                    path boots from that disk)\n"
		"  -m MB             memory in MiB (default 256)\n"
		"  -smp N            number of vCPUs (default 1, at most %d)\n"
		"  -name NAME        domain name (default: xenner-<pid>)\n"
		"  -disk PATH[,vdev=xvda][,ro][,format=F][,backend=B]  a virtual\n"
		"                    disk: raw images are served by blkbackd,\n"
		"                    format=qcow2 (qcow, qed, vdi, vmdk, vpc) or\n"
		"                    backend=qdisk by QEMU (qemu-system-xen)\n"
		"  -net tap[,mac=M][,bridge=BR]  a network interface (netbackd\n"
		"                    serves it with a tap vif<domid>.<n>)\n"
		"  -vfb vnc=N[,listen=ADDR]  a framebuffer and keyboard on VNC\n"
		"                    display N (port 5900+N, default address\n"
		"                    127.0.0.1), served by QEMU (qemu-system-xen)\n"
		"  -console WHERE    stdio (default: the guest console on this\n"
		"                    terminal, Ctrl-] stops the guest) or xenconsoled\n"
		"  -keep-vmcore PATH keep the guest's memory there at exit\n"
		"  -stats            print emu's counters at exit\n"
		"  -loglevel LEVEL   err, warn, info (default) or debug\n"
		"  -check-kvm        only check that /dev/kvm is usable (exit 0)\n"
		"  -help             this text\n\n"
		"Exit status: 0 poweroff, 1 error, 2 reboot, 3 crash, "
		"4 watchdog, 5 killed.\n",
		EMU_MAX_VCPUS);
}

static const char *need_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "xenner: %s needs an argument\n", argv[*i]);
		exit(XENNER_EXIT_ERROR);
	}
	return argv[++*i];
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min,
			  uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "xenner: %s wants a number from %llu to %llu, "
				"not '%s'\n",
			opt, (unsigned long long)min, (unsigned long long)max,
			s);
		exit(XENNER_EXIT_ERROR);
	}
	return v;
}

static void parse_args(struct xenner_config *c, int argc, char **argv)
{
	static char name[64];

	c->mem_mb = 256;
	c->nr_vcpus = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] == '-')
			a++;
		if (!strcmp(a, "-kernel"))
			c->kernel = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-initrd"))
			c->initrd = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-append"))
			c->cmdline = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-bootloader"))
			c->bootloader = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-bootloader-arg")) {
			if (c->nr_bootloader_args >= BOOTLOADER_MAX_ARGS) {
				fprintf(stderr,
					"xenner: more than %d -bootloader-arg\n",
					BOOTLOADER_MAX_ARGS);
				exit(XENNER_EXIT_ERROR);
			}
			c->bootloader_args[c->nr_bootloader_args++] =
				need_arg(argc, argv, &i);
		} else if (!strcmp(a, "-m"))
			c->mem_mb = parse_num(a, need_arg(argc, argv, &i), 16,
					      EMU_MAX_RAM_PAGES / 256 - 1);
		else if (!strcmp(a, "-smp"))
			c->nr_vcpus = parse_num(a, need_arg(argc, argv, &i), 1,
						EMU_MAX_VCPUS);
		else if (!strcmp(a, "-name"))
			c->name = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-disk"))
			disk_parse(c, need_arg(argc, argv, &i));
		else if (!strcmp(a, "-net"))
			net_parse(c, need_arg(argc, argv, &i));
		else if (!strcmp(a, "-vfb"))
			vfb_parse(c, need_arg(argc, argv, &i));
		else if (!strcmp(a, "-console")) {
			const char *w = need_arg(argc, argv, &i);

			if (!strcmp(w, "xenconsoled")) {
				c->console_xenconsoled = true;
			} else if (strcmp(w, "stdio")) {
				fprintf(stderr, "xenner: -console is stdio or "
						"xenconsoled, not '%s'\n", w);
				exit(XENNER_EXIT_ERROR);
			}
		} else if (!strcmp(a, "-keep-vmcore"))
			c->keep_vmcore = need_arg(argc, argv, &i);
		else if (!strcmp(a, "-stats"))
			c->stats = true;
		else if (!strcmp(a, "-check-kvm"))
			c->check_kvm = true;
		else if (!strcmp(a, "-loglevel")) {
			int l = log_level_parse(need_arg(argc, argv, &i));

			if (l < 0) {
				fprintf(stderr, "xenner: bad -loglevel\n");
				exit(XENNER_EXIT_ERROR);
			}
			log_set_level(l);
		} else if (!strcmp(a, "-help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "xenner: unknown option '%s'\n",
				argv[i]);
			usage(stderr);
			exit(XENNER_EXIT_ERROR);
		}
	}
	if (!c->kernel && !c->bootloader && !c->check_kvm) {
		fprintf(stderr, "xenner: -kernel is required (or -bootloader)\n");
		usage(stderr);
		exit(XENNER_EXIT_ERROR);
	}
	if (c->nr_bootloader_args && !c->bootloader) {
		fprintf(stderr,
			"xenner: -bootloader-arg without -bootloader\n");
		exit(XENNER_EXIT_ERROR);
	}
	if (!c->name) {
		snprintf(name, sizeof(name), "xenner-%d", getpid());
		c->name = name;
	} else if (strlen(c->name) >= VMCORE_NAME_LEN) {
		fprintf(stderr, "xenner: -name is longer than %d bytes\n",
			VMCORE_NAME_LEN - 1);
		exit(XENNER_EXIT_ERROR);
	}
}

static int setup_memory(struct xenner *x)
{
	char path[256];
	int rc;

	rc = vmcore_path(path, sizeof(path), x->domid);
	if (rc)
		return rc;
	rc = vmcore_create(&x->vmcore, path, x->domid, x->cfg.name, NULL,
			   x->total_pages, x->cfg.nr_vcpus);
	if (rc)
		return rc;
	rc = vmcore_map_ram(&x->vmcore);
	if (rc)
		return rc;
	x->ram = x->vmcore.ram;

	/* the M2P, then one byte of type per frame, each 2 MiB aligned */
	x->frame_info_off = EMU_OFF_M2P + ((x->total_pages * 8 + (2 << 20) - 1) &
					   ~((2ULL << 20) - 1));
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

/* Waits for the end: a vCPU stopping, a signal, or evtchnd news. */
static void wait_for_end(struct xenner *x, int sfd)
{
	time_t shutdown_deadline = 0;

	while (!atomic_load(&x->stopping)) {
		struct pollfd p[4] = {
			{ .fd = x->stop_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = x->evc.event_fd, .events = POLLIN },
			{ .fd = x->control_fd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(p, 4, shutdown_deadline ? 1000 : -1) < 0 &&
		    errno != EINTR)
			break;
		if (p[3].revents & POLLIN)
			control_serve(x); /* pause, unpause */
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
				shutdown_deadline = time(NULL) +
						    SHUTDOWN_GRACE_SECONDS;
				continue;
			}
			log_info("signal %u: stopping domain %u", si.ssi_signo,
				 x->domid);
			vcpus_stop(x, XENNER_EXIT_KILLED);
		}
		if (shutdown_deadline && time(NULL) >= shutdown_deadline) {
			log_warn("domain %u did not shut down within %d s: "
				 "stopping it", x->domid,
				 SHUTDOWN_GRACE_SECONDS);
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
		.kvm_fd = -1, .vm_fd = -1, .stop_fd = -1,
		.evc = { .sock = -1, .event_fd = -1 },
		.con_evc = { .sock = -1, .event_fd = -1 },
		.console_rl = RATELIMIT_INIT(5, 10),
		.console_lock = PTHREAD_MUTEX_INITIALIZER,
		.evc_lock = PTHREAD_MUTEX_INITIALIZER,
		.control_fd = -1,
		.pause_lock = PTHREAD_MUTEX_INITIALIZER,
		.pause_cond = PTHREAD_COND_INITIALIZER,
	};
	struct xenner *x = &xen;
	char err[256];
	sigset_t set;
	int sfd = -1, rc, status;

	log_init("xenner", XLOG_INFO, false);
	parse_args(&x->cfg, argc, argv);
	x->nr_pages = x->cfg.mem_mb * 256;
	x->total_pages = x->nr_pages + XENNER_SPECIAL_PAGES;
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++)
		x->vcpus[i].fd = -1;
	x->vmcore.fd = -1;

	if (x->cfg.check_kvm) {
		if (kvm_open(x))
			return XENNER_EXIT_ERROR;
		printf("xenner: /dev/kvm is usable (KVM API %d)\n",
		       KVM_API_VERSION);
		return 0;
	}
	if (x->cfg.bootloader) {
		rc = bootloader_run(x);
		if (rc) {
			bootloader_cleanup(x);
			return rc == -EINTR ? XENNER_EXIT_KILLED
					    : XENNER_EXIT_ERROR;
		}
	}
	rc = pv_kernel_open(&x->kernel, x->cfg.kernel, err, sizeof(err));
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
	atomic_store(&x->exit_status, XENNER_EXIT_ERROR);

	rc = sfd < 0 || x->stop_fd < 0 ? -errno : dom0_connect(x);
	if (!rc)
		rc = dom0_create_domain(x);
	if (!rc)
		rc = setup_memory(x);
	if (!rc)
		rc = build(x);
	/* the kernel and ramdisk are in guest memory (or never will be) */
	bootloader_cleanup(x);
	if (!rc) {
		log_info("domain %u (%s): %llu MiB, %u vCPU%s, %s", x->domid,
			 x->cfg.name, (unsigned long long)x->cfg.mem_mb,
			 x->cfg.nr_vcpus, x->cfg.nr_vcpus > 1 ? "s" : "",
			 x->cfg.bootloader ? x->bl.label : x->cfg.kernel);
		rc = xenstore_introduce(x);
		if (!rc)
			rc = devmodel_start(x);
		if (!rc)
			rc = control_start(x);
		if (!rc)
			rc = console_start(x);
		/* all of them: emu keeps a vCPU parked until VCPUOP_up */
		for (unsigned i = 0; !rc && i < x->cfg.nr_vcpus; i++)
			rc = vcpu_start(&x->vcpus[i]);
	}
	if (!rc)
		wait_for_end(x, sfd);
	else
		vcpus_stop(x, XENNER_EXIT_ERROR);
	vcpus_join(x);
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
		vmcore_close(&x->vmcore);
	}
	emu_memory_destroy(x);
	dom0_disconnect(x);
	pv_kernel_free(&x->kernel);
	/* -disk: realpath()s */
	for (unsigned i = 0; i < x->cfg.nr_disks; i++)
		free(x->cfg.disks[i].path);
	if (sfd >= 0)
		close(sfd);
	if (x->stop_fd >= 0)
		close(x->stop_fd);
	return status;
}
