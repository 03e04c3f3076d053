/* SPDX-License-Identifier: MIT */
/* Save and restore inside xenner (docs/save-restore.md). */
#ifndef XENNER_SAVE_H
#define XENNER_SAVE_H

#include <linux/kvm.h>

#include "xenner.h"
#include "xenner/save-image.h"

#define SAVE_MAX_MSRS	 24
#define SAVE_MAX_TIMEOUT 3600 /* s for the guest to suspend */

/* save.c, shared with migrate-send.c */
void save_begin_common(struct xenner *x, int client, unsigned timeout);
int save_request_suspend(struct xenner *x);

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

/*
 * Where an image goes: a file, or a migration's stream.  write puts len
 * bytes at image offset off; have says the reader has this page at off
 * already (it is then not written); size gives the image's size first,
 * done ends it.  Each returns 0 or -errno.
 */
struct image_out {
	int fd;
	void *priv;
	int (*write)(struct image_out *o, const void *buf, uint64_t len,
		     uint64_t off);
	/* hash: the page's XXH3-64 (save_page_hash) as it was read */
	bool (*have)(struct image_out *o, uint64_t off, uint64_t hash);
	int (*size)(struct image_out *o, uint64_t size);
	int (*done)(struct image_out *o);
};

/* save-write.c: writes the image of the paused, suspended domain */
void image_out_file(struct image_out *o, int fd); /* holes for zero pages */
int save_image_write(struct xenner *x, struct image_out *o, const char *path,
		     unsigned suspend_vcpu, uint64_t start_info_pfn);
/* CRC-32 of emu's ELF image, the build a save belongs to */
uint32_t save_emu_build_crc(void);
/*
 * A memory segment's checksum in the image: XXH3-64 over its pages'
 * XXH3-64 hashes in order (a last partial page hashed as it is).  Per
 * page, so that a migration's final pass hashes each page once both to
 * find what changed and for this.
 */
uint64_t save_page_hash(const void *page, uint64_t len);
struct seg_hash {
	uint64_t acc;
	unsigned n;
	uint64_t h[512]; /* folded 512 at a time: one XXH3 call per 2 MiB */
};
void seg_hash_add(struct seg_hash *sh, uint64_t page_hash, bool last);
/* save_page_hash of a page of zeroes (holes, a receiver's fresh file) */
uint64_t save_zero_hash(void);
/* bit i of a page bitmap (save_data_pages, KVM's dirty log) */
static inline bool save_page_bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}
/*
 * save-hash.c.  save_data_pages: a bitmap of the pages of fd's [off,
 * off + len) that hold data (SEEK_DATA); pages in holes read as zeroes.
 * 0, or -errno with every page marked (no SEEK_DATA there).
 * save_hash_pages: out[i] = save_page_hash of page i of src, on all CPUs;
 * a page data (if not NULL) does not mark is taken as zeroes, unread.
 */
int save_data_pages(int fd, uint64_t off, uint64_t len, uint64_t *data);
void save_hash_pages(const uint8_t *src, uint64_t len, uint64_t *out,
		     const uint64_t *data);

/* save-xenstore.c: the guest's own nodes, "relpath\0value\0" pairs */
int save_xenstore_collect(struct xenner *x, char **out, size_t *len);
int restore_xenstore_apply(struct xenner *x, const char *buf, size_t len);

#endif
