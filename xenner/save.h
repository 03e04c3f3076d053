/* SPDX-License-Identifier: MIT */
/* Save and restore inside xenner (docs/save-restore.md). */
#ifndef XENNER_SAVE_H
#define XENNER_SAVE_H

#include <linux/kvm.h>

#include "xenner.h"
#include "xenner/save-image.h"

#define SAVE_MAX_MSRS 24

/* One vCPU's KVM state, the SAVE_NT_VCPU note (KVM's own structs). */
struct save_vcpu {
	uint32_t id;
	uint32_t nr_msrs;
	uint32_t has_xsave;
	uint32_t pad;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_msr_entry msrs[SAVE_MAX_MSRS];
};

/* vcpu-state.c: with the vCPU thread parked (out of KVM_RUN) */
int vcpu_state_get(struct vcpu *v, struct save_vcpu *s);
int vcpu_state_set(struct vcpu *v, const struct save_vcpu *s);
/* Finishes the vCPU's pending port I/O, so its RIP is past the `out`. */
int vcpu_state_settle(struct vcpu *v);

/* save-write.c: writes the image of the paused, suspended domain */
int save_image_write(struct xenner *x, int fd, const char *path,
		     unsigned suspend_vcpu, uint64_t start_info_pfn);
/* CRC-32 of emu's ELF image, the build a save belongs to */
uint32_t save_emu_build_crc(void);

/* save-xenstore.c: the guest's own nodes, "relpath\0value\0" pairs */
int save_xenstore_collect(struct xenner *x, char **out, size_t *len);
int restore_xenstore_apply(struct xenner *x, const char *buf, size_t len);

#endif
