// SPDX-License-Identifier: MIT
/* The KVM VM: memory slots and vCPUs in 64-bit ring 0 at emu's entry. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"

#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_CSTAR	   0xc0000083
#define MSR_SYSCALL_MASK   0xc0000084
#define MSR_FS_BASE	   0xc0000100
#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

/* rflags bits cleared on syscall entry: TF, IF, DF, NT, AC */
#define SYSCALL_MASK 0x44700

/* What to do about a /dev/kvm that cannot be opened, by errno. */
static const char *kvm_way_out(int err)
{
	if (err == EACCES || err == EPERM)
		return "run xenner as root, or give this user read-write "
		       "access to /dev/kvm (Debian: the kvm group)";
	return "load kvm_intel or kvm_amd (with virtualization enabled in "
	       "the firmware), or on a host that has no hardware "
	       "virtualization run xenner inside a VM with nested "
	       "virtualization: the source tree's scripts/svm-vm does that "
	       "with QEMU TCG (slow)";
}

/*
 * Checked before anything else starts, so that a host without a usable
 * KVM gets one clear message and no dom0 services or files.
 */
int kvm_open(struct xenner *x)
{
	int ver, err;

	x->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (x->kvm_fd < 0) {
		err = errno;
		log_err("no usable KVM: cannot open /dev/kvm: %s; %s",
			strerror(err), kvm_way_out(err));
		return -err;
	}
	ver = ioctl(x->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		log_err("no usable KVM: /dev/kvm answers KVM_GET_API_VERSION "
			"with %d, xenner needs %d; %s",
			ver, KVM_API_VERSION, kvm_way_out(ENODEV));
		close(x->kvm_fd);
		x->kvm_fd = -1;
		return -ENODEV;
	}
	return 0;
}

int kvm_init_vm(struct xenner *x)
{
	x->vm_fd = ioctl(x->kvm_fd, KVM_CREATE_VM, 0);
	if (x->vm_fd < 0) {
		log_err("KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	x->vcpu_mmap_size = ioctl(x->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (x->vcpu_mmap_size <= 0) {
		log_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -EINVAL;
	}
	/* The LAPIC timer and IPIs will drive VIRQ_TIMER and SMP. */
	if (ioctl(x->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		log_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm_add_memory(struct xenner *x, unsigned slot, uint64_t gpa, uint64_t size,
		   void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)host,
	};

	if (ioctl(x->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		log_err("KVM_SET_USER_MEMORY_REGION slot %u: %s", slot,
			strerror(errno));
		return -errno;
	}
	return 0;
}

/* Turns KVM's dirty-page log of a slot on or off (the slot as added). */
int kvm_dirty_log(struct xenner *x, unsigned slot, uint64_t gpa, uint64_t size,
		  void *host, bool on)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)host,
	};

	return ioctl(x->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/* The pages written since the last call (one bit each), and clears it. */
int kvm_dirty_log_get(struct xenner *x, unsigned slot, uint64_t *bitmap)
{
	struct kvm_dirty_log d = {.slot = slot, .dirty_bitmap = bitmap};

	return ioctl(x->vm_fd, KVM_GET_DIRTY_LOG, &d) < 0 ? -errno : 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	if (code) {
		s->type = 0xb;
		s->l = 1;
	} else {
		s->type = 0x3;
		s->db = 1;
	}
}

static int set_cpuid(struct xenner *x, struct vcpu *v)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cp = {.c.nent = 256};

	if (ioctl(x->kvm_fd, KVM_GET_SUPPORTED_CPUID, &cp) < 0)
		return -errno;
	for (unsigned i = 0; i < cp.c.nent; i++) {
		struct kvm_cpuid_entry2 *e = &cp.e[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | (v->id << 24);
			/* emu drives its LAPIC as x2APIC with the TSC-deadline
			 * timer (the guest's CPUID view is emu's business) */
			e->ecx |= (1u << 21) | (1u << 24);
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->id;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, &cp) < 0)
		return -errno;
	return 0;
}

int kvm_create_vcpu(struct xenner *x, struct vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[8];
	} msrs = {.m.nmsrs = 6};
	int rc;

	v->fd = ioctl(x->vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0) {
		log_err("KVM_CREATE_VCPU %u: %s", v->id, strerror(errno));
		return -errno;
	}
	/* opened now: reading it later needs no vCPU lock, while another
	 * vCPU ioctl from the main thread would wait for KVM_RUN to end */
	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (v->stats_fd < 0)
		v->stats_fd = -errno;
	v->run = mmap(NULL, x->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	rc = set_cpuid(x, v);
	if (rc) {
		log_err("KVM_SET_CPUID2: %s", strerror(-rc));
		return rc;
	}
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	seg(&s.cs, EMU_CS, true);
	seg(&s.ds, EMU_DS, false);
	s.es = s.ss = s.ds;
	seg(&s.fs, 0, false);
	s.fs.present = 0;
	s.fs.unusable = 1;
	s.gs = s.fs;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.selector = EMU_TSS_SEL;
	s.tr.base = emu_tss_va(v->id);
	s.tr.limit = 0x67;
	s.tr.type = 0xb;
	s.tr.present = 1;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.unusable = 1;
	s.ldt.type = 2;
	s.gdt.base = emu_gdt_va(v->id);
	s.gdt.limit = EMU_GDT_PAGES * 4096 - 1;
	s.idt.base = EMU_VA + EMU_OFF_IDT;
	s.idt.limit = 256 * 16 - 1;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	/* vCPUs other than 0 wait in emu until the guest starts them */
	s.cr3 = v->id ? x->boot->idle_cr3 : x->boot->guest_cr3;
	s.cr4 = 0x6a0;	/* OSXMMEXCPT OSFXSR PGE PAE */
	s.efer = 0xd01; /* NXE LMA LME SCE */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0) {
		log_err("KVM_SET_SREGS: %s", strerror(errno));
		return -errno;
	}
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rip = x->emu_hdr.entry;
	r.rsp = emu_stack_top(v->id, false);
	r.rdi = v->id;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	msrs.e[0].index = MSR_STAR;
	msrs.e[0].data = (uint64_t)EMU_CS << 32;
	msrs.e[1].index = MSR_LSTAR;
	msrs.e[1].data =
		x->emu_hdr.syscall_stubs + v->id * EMU_SYSCALL_STUB_SIZE;
	msrs.e[2].index = MSR_SYSCALL_MASK;
	msrs.e[2].data = SYSCALL_MASK;
	msrs.e[3].index = MSR_CSTAR;
	msrs.e[3].data = 0;
	msrs.e[4].index = MSR_GS_BASE;
	msrs.e[4].data = 0;
	msrs.e[5].index = MSR_KERNEL_GS_BASE;
	msrs.e[5].data = 0;
	rc = ioctl(v->fd, KVM_SET_MSRS, &msrs);
	if (rc != (int)msrs.m.nmsrs) {
		log_err("KVM_SET_MSRS set %d of %u", rc, msrs.m.nmsrs);
		return -EINVAL;
	}
	/* With the in-kernel LAPIC, vCPUs other than 0 would wait for
	 * INIT/SIPI; emu parks them itself until VCPUOP_up (emu/smp.c). */
	if (v->id) {
		struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};

		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
			log_err("KVM_SET_MP_STATE vcpu%u: %s", v->id,
				strerror(errno));
			return -errno;
		}
	}
	return 0;
}

void kvm_close_vm(struct xenner *x)
{
	for (unsigned i = 0; i < EMU_MAX_VCPUS; i++) {
		struct vcpu *v = &x->vcpus[i];

		if (v->run)
			munmap(v->run, x->vcpu_mmap_size);
		if (v->fd > 0)
			close(v->fd);
		if (v->stats_fd >= 0)
			close(v->stats_fd);
		v->run = NULL;
		v->fd = -1;
		v->stats_fd = -ENODEV;
	}
	if (x->vm_fd >= 0)
		close(x->vm_fd);
	if (x->kvm_fd >= 0)
		close(x->kvm_fd);
	x->vm_fd = x->kvm_fd = -1;
}
