/* SPDX-License-Identifier: MIT */
/* One xenner process = one domain: its configuration, memory and vCPUs. */
#ifndef XENNER_XENNER_H
#define XENNER_XENNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <xenstore.h>

#include "bootloader.h"
#include "kernel.h"
#include "xenner/emu-abi.h"
#include "xenner/evtchn-client.h"
#include "xenner/log.h"
#include "xenner/vmcore.h"

/* Exit status of xenner: how the domain ended (see xenner(1)). */
enum xenner_exit {
	XENNER_EXIT_POWEROFF = 0,
	XENNER_EXIT_ERROR = 1,
	XENNER_EXIT_REBOOT = 2,
	XENNER_EXIT_CRASH = 3,
	XENNER_EXIT_WATCHDOG = 4,
	XENNER_EXIT_KILLED = 5,	  /* destroyed from dom0 or by a signal */
	XENNER_EXIT_SAVED = 6,	  /* saved to a file (xenner-xm save) */
	XENNER_EXIT_MIGRATED = 7, /* runs on another host now */
};

/* Frames the guest does not own but Xen would: after the guest's RAM. */
#define XENNER_GNTTAB_FRAMES 32
#define XENNER_SPECIAL_PAGES (1 + XENNER_GNTTAB_FRAMES)

struct vcpu {
	struct xenner *x;
	unsigned id;
	int fd;
	int stats_fd; /* KVM_GET_STATS_FD's, or -errno */
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	atomic_bool dump_regs;
	struct emu_vcpu_page *page;
};

#define XENNER_MAX_DISKS 16

struct xenner_disk {
	char *path; /* absolute */
	char vdev[16];
	int devid;
	bool ro;
	const char *driver; /* QEMU's name of the image format: "raw", ... */
	bool qdisk;	    /* served by QEMU (qdisk), not blkbackd (vbd) */
};

#define XENNER_MAX_NICS 8

struct xenner_nic {
	char mac[18]; /* "00:16:3e:xx:xx:xx" */
	char bridge[16];
};

/* -vfb: a framebuffer and keyboard served over VNC by QEMU */
struct xenner_vfb {
	bool enabled;
	int display;	 /* VNC display: port 5900 + display */
	char listen[64]; /* as QEMU's -vnc wants it: IPv6 in [] */
};

struct xenner_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *name;
	uint64_t mem_mb;
	unsigned nr_vcpus;
	bool stats;
	bool paused;		  /* -paused: vCPUs wait for "unpause" */
	uint64_t unpause_within;  /* -unpause-within: s, 0 = forever */
	bool check_kvm;		  /* -check-kvm: only open /dev/kvm */
	bool console_xenconsoled; /* else xenner's stdio is the console */
	struct xenner_disk disks[XENNER_MAX_DISKS];
	unsigned nr_disks;
	struct xenner_nic nics[XENNER_MAX_NICS]; /* -net, served by netbackd */
	unsigned nr_nics;
	struct xenner_vfb vfb;
	const char *keep_vmcore; /* -keep-vmcore: rename it there at exit */
	/* -bootloader: it finds kernel, initrd and cmdline on a disk */
	const char *bootloader;
	const char *bootloader_args[BOOTLOADER_MAX_ARGS];
	unsigned nr_bootloader_args;
	/* the command line, kept in a save image; -restore FILE */
	int argc;
	char **argv;
	const char *restore;
	bool take_image; /* -take-image: FILE becomes the domain's memory */
	int ready_fd;	 /* -ready-fd: told the domain id once it runs; -1 */
};

/* bootloader.c: what the bootloader found; its directory until built */
struct xenner_bootloader {
	char dir[256];	 /* "" once removed */
	char label[300]; /* "the kernel pygrub found on DISK", for messages */
	struct boot_choice choice;
};

struct xenner {
	struct xenner_config cfg;
	struct pv_kernel kernel;
	struct xenner_bootloader bl;

	/* the domain */
	uint32_t domid;
	struct evtchn_client evc;
	struct vmcore vmcore;
	uint8_t *ram;	      /* guest RAM, the vmcore's RAM */
	uint64_t nr_pages;    /* guest-visible */
	uint64_t total_pages; /* plus XENNER_SPECIAL_PAGES */
	uint32_t store_port, console_port;

	/* KVM */
	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	uint8_t *emu;	    /* emu's memory */
	char emu_path[256]; /* $XENNER_RUNDIR/emu.<domid> */
	uint64_t emu_size;
	uint64_t frame_info_off;
	struct emu_header emu_hdr;
	struct emu_boot *boot;
	struct vcpu vcpus[EMU_MAX_VCPUS];

	/* dom0 side: xenstore and the stdio console backend */
	struct xs_handle *xsh;
	bool introduced;
	struct evtchn_client con_evc;
	uint32_t con_port;
	pthread_t con_thread;
	bool con_started;
	struct ratelimit console_rl;
	/* console.c: what the guest may still print (console_lock) */
	struct console_budget {
		double rate, burst; /* bytes/s, bytes; rate 0: no limit */
		double tokens, last;
		uint64_t dropped; /* since dropping began */
		bool dropping;
	} con_budget;
	bool dm_started; /* devmodel.c: the domain's QEMU runs */

	/* ending */
	atomic_bool stopping;
	int stop_fd; /* eventfd: a vCPU asks the main thread to end */
	atomic_int exit_status;
	pthread_mutex_t console_lock;
	/* events.c: x->evc is used by the main and the vCPU threads */
	pthread_mutex_t evc_lock;
	/* control.c: the toolstack's socket; vcpu.c: pausing */
	int control_fd;
	char control_path[108];
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool paused;
	unsigned nr_parked; /* vCPU threads waiting in the pause */
	/* save.c: a save in progress; save_lock guards what vCPUs touch */
	pthread_mutex_t save_lock;
	int save_client; /* the control connection waiting; -1: none */
	int save_fd;	 /* FILE.part */
	char save_path[4096];
	bool save_checkpoint, save_waiting;
	unsigned save_timeout;
	double save_deadline;
	int suspend_efd;  /* eventfd: a vCPU suspended for the save */
	int suspend_vcpu; /* -1: none yet */
	uint64_t suspend_si_pfn;
	/* restore.c: the image being restored */
	struct restore_image *restore;
	/* main.c: -unpause-within's end (0: none pending) */
	time_t unpause_deadline;
	/* migrate-send.c: a migration in progress (with the save_ fields) */
	struct migration *mig;
};

/* kvm.c */
int kvm_open(struct xenner *x);
/* KVM's own counters of the vCPUs (kvm-stats.c), as "  kvm NAME N" lines */
void kvm_stats_print(struct xenner *x, FILE *out);
int kvm_init_vm(struct xenner *x);
int kvm_add_memory(struct xenner *x, unsigned slot, uint64_t gpa, uint64_t size,
		   void *host);
int kvm_dirty_log(struct xenner *x, unsigned slot, uint64_t gpa, uint64_t size,
		  void *host, bool on);
int kvm_dirty_log_get(struct xenner *x, unsigned slot, uint64_t *bitmap);
int kvm_create_vcpu(struct xenner *x, struct vcpu *v);
void kvm_close_vm(struct xenner *x);

/* emu-memory.c: emu's memory, a file others can read counters from */
int emu_memory_create(struct xenner *x);
void emu_memory_destroy(struct xenner *x);

/* emu-load.c */
int emu_load(struct xenner *x);

/* emu-tables.c: GDT, IDT, TSS, emu page tables, M2P */
int emu_tables_build(struct xenner *x);
uint64_t emu_gdt_va(unsigned cpu);
uint64_t emu_tss_va(unsigned cpu);
uint64_t emu_stack_top(unsigned cpu, bool ist);
uint64_t emu_cpu_va(unsigned cpu);

/* start-of-day.c */
int start_of_day(struct xenner *x);

/* vcpu.c */
int vcpu_start(struct vcpu *v);
void vcpus_stop(struct xenner *x, int status);
void vcpus_join(struct xenner *x);
void vcpus_dump(struct xenner *x);
/* Stops (true) or resumes the vCPU threads; waits until they are parked.
 * Marks the domain paused in evtchnd and the vmcore. */
int vcpus_pause(struct xenner *x, bool pause);
/* Exit status for a SHUTDOWN_* reason, -1 for one xenner cannot honour. */
int shutdown_status(uint64_t reason);

/* vcpu-dump.c: logs the vCPU's registers and what would wake it */
void vcpu_dump(struct vcpu *v);

/* dom0.c: the dom0 services a domain needs, and its registration */
int dom0_connect(struct xenner *x);
int dom0_create_domain(struct xenner *x);
void dom0_disconnect(struct xenner *x);
/* Runs xenner-dom0 ARGS... in the run directory in use; 0 if it worked. */
int dom0_run_tool(const char *const args[]);

/* events.c: event channels on the host side */
void events_init(struct xenner *x);
/* EMU_REQ_EVTCHN from a vCPU thread. */
void events_request(struct vcpu *v);
/* Reads evtchnd's event socket (any thread): delivers ports to the
 * guest, stops the domain on shutdown/destroy. */
void events_drain(struct xenner *x);
struct vcpu_info;
/* Where the vCPU's vcpu_info is (emu publishes it), for reading. */
const struct vcpu_info *events_vcpu_info(struct xenner *x, unsigned vcpu);

/* pagetable.c */
int pagetable_validate(struct xenner *x, uint64_t mfn, unsigned level);

/*
 * args.c: the command line into c.  0: go on, 1: -help was printed,
 * -1: an error was printed.
 */
int xenner_parse_args(struct xenner_config *c, int argc, char **argv);

/* disk.c: -disk (0, or -1 with the reason printed) */
int disk_parse(struct xenner_config *c, const char *arg);
int disk_write_nodes(struct xenner *x, xs_transaction_t t);
void disk_remove_nodes(struct xenner *x);
/* "vbd" (blkbackd) or "qdisk" (QEMU): the backend's directory name */
const char *disk_backend_type(const struct xenner_disk *d);
bool disk_any_qdisk(const struct xenner_config *c);

/* disk-format.c: -disk format= */
/* QEMU's block driver for a format name, or NULL for an unknown one. */
const char *disk_format_driver(const char *name);
/* 0 if the image has the driver's magic (or it has none to check),
 * -EINVAL if not, another -errno if it cannot be read. */
int disk_format_check(const char *path, const char *driver);
/* The format an image's magic names, or NULL (raw or unknown). */
const char *disk_format_guess(const char *path);

/* net.c: -net */
int net_parse(struct xenner_config *c, const char *arg);
int net_write_nodes(struct xenner *x, xs_transaction_t t);
void net_remove_nodes(struct xenner *x);

/* xenbus-dev.c: a device's two directories and common nodes (0 or not) */
#define XENBUS_DEV_PATH 128
int xenbus_dev_nodes(struct xenner *x, xs_transaction_t t, const char *fe_type,
		     const char *be_type, unsigned devid,
		     char be[XENBUS_DEV_PATH], char fe[XENBUS_DEV_PATH]);

/* vfb.c: -vfb (QEMU's vfb and vkbd backends over VNC) */
int vfb_parse(struct xenner_config *c, const char *arg);
int vfb_write_nodes(struct xenner *x, xs_transaction_t t);
void vfb_remove_nodes(struct xenner *x);

/* devmodel.c: the domain's QEMU, for -vfb and qdisk disks.  Started after
 * the introduction (0 if none is needed), stopped before the nodes go. */
int devmodel_start(struct xenner *x);
void devmodel_stop(struct xenner *x);

/*
 * bootloader.c: -bootloader runs it on the boot disk and points cfg's
 * kernel, initrd and cmdline at what it found (one error line if not);
 * bootloader_cleanup() removes its files once the domain is built.
 */
int bootloader_run(struct xenner *x);
void bootloader_cleanup(struct xenner *x);

/* xenstore.c */
int xenstore_introduce(struct xenner *x);
int xenstore_request_shutdown(struct xenner *x, const char *how);
void xenstore_release(struct xenner *x);

/* console.c */
int console_start(struct xenner *x);
void console_stop(struct xenner *x);
/* The guest's console output (the ring, CONSOLEIO_write) to stdout, within
 * its budget: XENNER_CONSOLE_RATE KiB/s, bursts of 16 s of that. */
void console_budget_init(struct xenner *x);
void console_emit(struct xenner *x, const void *buf, size_t len);

/* control.c: $XENNER_RUNDIR/control.<domid> for xenner-xm */
int control_start(struct xenner *x);
void control_serve(struct xenner *x);
void control_stop(struct xenner *x);
/* save.c: the control socket's "save"; NULL if it took the client */
const char *save_begin(struct xenner *x, int client, const char *args);
bool save_pending(struct xenner *x);
void save_suspended(struct vcpu *v); /* a vCPU's SHUTDOWN_suspend */
void save_finish(struct xenner *x);  /* suspend_efd is readable */
void save_tick(struct xenner *x);    /* the timeout */
void save_cancel(struct xenner *x);  /* the domain ends first */

/* restore.c: -restore FILE.  restore_open checks the whole image and
 * gives its saved options; restore_build replaces build(). */
int restore_open(struct xenner *x, const char *path, int *argc, char ***argv);
/* The new domain's vmcore at path: the image's own file (-take-image, on
 * the same file system) or a new one its memory is copied into. */
int restore_vmcore(struct xenner *x, const char *path);
int restore_build(struct xenner *x);
int restore_after_introduce(struct xenner *x);
void restore_close(struct xenner *x);

/* stats.c */
/* grant-release.c: dead dom0 processes' grant pins (gntpin.<domid>) */
#define GRANT_RELEASE_SECONDS 5
void grant_release_tick(struct xenner *x);
void grant_release_remove(struct xenner *x); /* with the vmcore */

void stats_print(struct xenner *x, FILE *out);

#define GPA_TO_EMU(x, gpa) ((x)->emu + ((gpa)-EMU_GPA))

#endif
