// SPDX-License-Identifier: MIT
/*
 * xenner's command line: the qemu-like options into struct xenner_config.
 * Apart from main.c so that it returns instead of exiting, and so can be
 * fuzzed (tests/fuzz/fuzz-args.c); what it prints is unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xenner -kernel FILE [options]\n"
		"       xenner -bootloader pygrub -disk IMAGE [options]\n"
		"       xenner -restore FILE [-console C] [-name N] [-stats] [-paused]\n"
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
		"  -restore FILE     build the domain from a save image\n"
		"  -take-image       with -restore: FILE itself becomes the\n"
		"                    domain's memory, no copy (FILE is gone;\n"
		"                    a migration receiver's own image)\n"
		"                    (xenner-xm save), not from a kernel\n"
		"  -stats            print emu's counters at exit\n"
		"  -paused           build the domain but do not run it until\n"
		"                    `xenner-xm unpause` (xm create -p)\n"
		"  -unpause-within S with -paused: destroy the domain if it is\n"
		"                    not unpaused within S seconds\n"
		"  -ready-fd FD      write the domain id and a newline to FD\n"
		"                    once the domain runs (or is built, with\n"
		"                    -paused), then close it\n"
		"  -loglevel LEVEL   err, warn, info (default) or debug\n"
		"  -check-kvm        only check that /dev/kvm is usable (exit 0)\n"
		"  -help             this text\n\n"
		"Exit status: 0 poweroff, 1 error, 2 reboot, 3 crash, "
		"4 watchdog, 5 killed, 6 saved.\n",
		EMU_MAX_VCPUS);
}

/* The option's argument, or NULL (said) if it has none. */
static const char *need_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "xenner: %s needs an argument\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* A number from min to max into *out; 0, or -1 (said). */
static int parse_num(const char *opt, const char *s, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr,
			"xenner: %s wants a number from %llu to %llu, "
			"not '%s'\n",
			opt, (unsigned long long)min, (unsigned long long)max,
			s);
		return -1;
	}
	*out = v;
	return 0;
}

/* A string option's argument into *out; 0 or -1 (said). */
static int str_arg(int argc, char **argv, int *i, const char **out)
{
	*out = need_arg(argc, argv, i);
	return *out ? 0 : -1;
}

int xenner_parse_args(struct xenner_config *c, int argc, char **argv)
{
	static char name[64];
	const char *v;

	c->mem_mb = 256;
	c->nr_vcpus = 1;
	c->ready_fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc = 0;

		if (a[0] == '-' && a[1] == '-')
			a++;
		if (!strcmp(a, "-kernel"))
			rc = str_arg(argc, argv, &i, &c->kernel);
		else if (!strcmp(a, "-initrd"))
			rc = str_arg(argc, argv, &i, &c->initrd);
		else if (!strcmp(a, "-append"))
			rc = str_arg(argc, argv, &i, &c->cmdline);
		else if (!strcmp(a, "-bootloader"))
			rc = str_arg(argc, argv, &i, &c->bootloader);
		else if (!strcmp(a, "-bootloader-arg")) {
			if (c->nr_bootloader_args >= BOOTLOADER_MAX_ARGS) {
				fprintf(stderr,
					"xenner: more than %d -bootloader-arg\n",
					BOOTLOADER_MAX_ARGS);
				return -1;
			}
			rc = str_arg(
				argc, argv, &i,
				&c->bootloader_args[c->nr_bootloader_args]);
			c->nr_bootloader_args += !rc;
		} else if (!strcmp(a, "-m"))
			rc = parse_num(a, need_arg(argc, argv, &i), 16,
				       EMU_MAX_RAM_PAGES / 256 - 1, &c->mem_mb);
		else if (!strcmp(a, "-smp")) {
			uint64_t n = 0;

			rc = parse_num(a, need_arg(argc, argv, &i), 1,
				       EMU_MAX_VCPUS, &n);
			c->nr_vcpus = rc ? c->nr_vcpus : n;
		} else if (!strcmp(a, "-name"))
			rc = str_arg(argc, argv, &i, &c->name);
		else if (!strcmp(a, "-disk"))
			rc = str_arg(argc, argv, &i, &v) ?: disk_parse(c, v);
		else if (!strcmp(a, "-net"))
			rc = str_arg(argc, argv, &i, &v) ?: net_parse(c, v);
		else if (!strcmp(a, "-vfb"))
			rc = str_arg(argc, argv, &i, &v) ?: vfb_parse(c, v);
		else if (!strcmp(a, "-console")) {
			rc = str_arg(argc, argv, &i, &v);
			if (!rc && !strcmp(v, "xenconsoled")) {
				c->console_xenconsoled = true;
			} else if (!rc && strcmp(v, "stdio")) {
				fprintf(stderr,
					"xenner: -console is stdio or "
					"xenconsoled, not '%s'\n",
					v);
				return -1;
			}
		} else if (!strcmp(a, "-keep-vmcore"))
			rc = str_arg(argc, argv, &i, &c->keep_vmcore);
		else if (!strcmp(a, "-stats"))
			c->stats = true;
		else if (!strcmp(a, "-paused"))
			c->paused = true;
		else if (!strcmp(a, "-take-image"))
			c->take_image = true;
		else if (!strcmp(a, "-unpause-within"))
			rc = parse_num(a, need_arg(argc, argv, &i), 1, 86400,
				       &c->unpause_within);
		else if (!strcmp(a, "-ready-fd")) {
			uint64_t fd;

			rc = parse_num(a, need_arg(argc, argv, &i), 3, 65535,
				       &fd);
			/* not for the processes xenner starts (QEMU) */
			if (!rc && fcntl((int)fd, F_SETFD, FD_CLOEXEC)) {
				fprintf(stderr, "xenner: -ready-fd %d: %s\n",
					(int)fd, strerror(errno));
				return -1;
			}
			c->ready_fd = (int)fd;
		} else if (!strcmp(a, "-check-kvm"))
			c->check_kvm = true;
		else if (!strcmp(a, "-loglevel")) {
			int l;

			if (str_arg(argc, argv, &i, &v))
				return -1;
			l = log_level_parse(v);
			if (l < 0) {
				fprintf(stderr, "xenner: bad -loglevel\n");
				return -1;
			}
			log_set_level(l);
		} else if (!strcmp(a, "-help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else {
			fprintf(stderr, "xenner: unknown option '%s'\n",
				argv[i]);
			usage(stderr);
			return -1;
		}
		if (rc)
			return -1;
	}
	if (!c->kernel && !c->bootloader && !c->check_kvm) {
		fprintf(stderr,
			"xenner: -kernel is required (or -bootloader)\n");
		usage(stderr);
		return -1;
	}
	if (c->unpause_within && !c->paused) {
		fprintf(stderr, "xenner: -unpause-within needs -paused\n");
		return -1;
	}
	if (c->nr_bootloader_args && !c->bootloader) {
		fprintf(stderr,
			"xenner: -bootloader-arg without -bootloader\n");
		return -1;
	}
	if (!c->name) {
		snprintf(name, sizeof(name), "xenner-%d", getpid());
		c->name = name;
	} else if (strlen(c->name) >= VMCORE_NAME_LEN) {
		fprintf(stderr, "xenner: -name is longer than %d bytes\n",
			VMCORE_NAME_LEN - 1);
		return -1;
	}
	return 0;
}
