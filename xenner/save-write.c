// SPDX-License-Identifier: MIT
/*
 * Writes a suspended domain's image (include/xenner/save-image.h): the
 * header and notes, guest RAM, emu's memory, the state notes.  All-zero
 * pages stay holes.  The caller has paused every vCPU; the file is
 * FILE.part, renamed by the caller once this returned 0.  A migration
 * writes the same image into its stream (migrate-send.c).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "save.h"
#include "xenner/log.h"

#define PAGE	  4096ULL
#define ALIGN4(v) (((v) + 3) & ~3ULL)
#define NOTE_AT	  (VMCORE_NOTES_OFFSET + 4) /* as the vmcore's */

extern const uint8_t emu_elf_start[], emu_elf_end[];

uint32_t save_emu_build_crc(void)
{
	return crc32(0, emu_elf_start, emu_elf_end - emu_elf_start);
}

/* Appends one ELF note at buf + off; returns the new offset. */
static size_t note_put(uint8_t *buf, size_t off, const char *name,
		       uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr nh = {
		.n_namesz = strlen(name) + 1, .n_descsz = len, .n_type = type};

	memcpy(buf + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memset(buf + off, 0, ALIGN4(nh.n_namesz));
	memcpy(buf + off, name, nh.n_namesz);
	off += ALIGN4(nh.n_namesz);
	memset(buf + off, 0, ALIGN4(len));
	memcpy(buf + off, desc, len);
	return off + ALIGN4(len);
}

static size_t note_size(const char *name, size_t len)
{
	return sizeof(Elf64_Nhdr) + ALIGN4(strlen(name) + 1) + ALIGN4(len);
}

/* gdb -c shows the vCPUs' registers from these */
static void prstatus_of(const struct save_vcpu *s, struct elf_prstatus *p)
{
	const struct kvm_regs *r = &s->regs;
	const struct kvm_sregs *sr = &s->sregs;
	struct user_regs_struct u = {
		.r15 = r->r15,
		.r14 = r->r14,
		.r13 = r->r13,
		.r12 = r->r12,
		.rbp = r->rbp,
		.rbx = r->rbx,
		.r11 = r->r11,
		.r10 = r->r10,
		.r9 = r->r9,
		.r8 = r->r8,
		.rax = r->rax,
		.rcx = r->rcx,
		.rdx = r->rdx,
		.rsi = r->rsi,
		.rdi = r->rdi,
		.rip = r->rip,
		.cs = sr->cs.selector,
		.eflags = r->rflags,
		.rsp = r->rsp,
		.ss = sr->ss.selector,
		.fs_base = sr->fs.base,
		.gs_base = sr->gs.base,
		.ds = sr->ds.selector,
		.es = sr->es.selector,
		.fs = sr->fs.selector,
		.gs = sr->gs.selector,
	};

	memset(p, 0, sizeof(*p));
	p->pr_pid = s->id + 1;
	memcpy(&p->pr_reg, &u, sizeof(u));
}

static const uint8_t zero_page[PAGE];

uint64_t save_page_hash(const void *page, uint64_t len)
{
	return XXH3_64bits(page, len < PAGE ? len : PAGE);
}

uint64_t save_zero_hash(void)
{
	/* asked once per page of a save: hashed once (threads may race to
	 * store the same value) */
	static uint64_t h;
	uint64_t v = __atomic_load_n(&h, __ATOMIC_RELAXED);

	if (!v) {
		v = save_page_hash(zero_page, PAGE);
		__atomic_store_n(&h, v, __ATOMIC_RELAXED);
	}
	return v;
}

void seg_hash_add(struct seg_hash *sh, uint64_t h, bool last)
{
	if (sh->n < 512)
		sh->h[sh->n++] = h;
	if (sh->n == 512 || (last && sh->n)) {
		sh->acc = XXH3_64bits_withSeed(sh->h, sh->n * sizeof(uint64_t),
					       sh->acc);
		sh->n = 0;
	}
}

/* Pages copied before they are written: a run is sent from the copy. */
#define BOUNCE_PAGES 256

/*
 * Writes len bytes of memory at image offset off, except the pages the
 * reader has already (holes of a fresh file; pages a migration sent
 * before); the hash covers all of them.
 *
 * Host processes may write the memory while this runs (netbackd's
 * receive copies, blkbackd's reads, events from evtchnd), vCPUs parked
 * or not.  So a page is copied once, and its copy is both hashed and
 * written: the image always matches its checksum.  What such a writer
 * does after its page was copied is lost, as after Xen's last pass; the
 * resumed frontends reconnect and issue their requests again.
 */
static int write_segment(struct image_out *o, uint64_t off, const uint8_t *src,
			 uint64_t len, uint64_t *hash, int fd, uint64_t fd_off)
{
	uint64_t pages = (len + PAGE - 1) / PAGE;
	uint64_t *hashes = malloc(pages * sizeof(*hashes));
	uint64_t *held = fd >= 0 ? malloc((pages + 63) / 64 * 8) : NULL;
	uint8_t *bounce = malloc(BOUNCE_PAGES * PAGE);
	uint64_t run = 0, blen = 0; /* image offset and bytes in bounce */
	struct seg_hash sh = {0};
	int rc = 0;

	if (!hashes || !bounce || (fd >= 0 && !held)) {
		rc = -ENOMEM;
		goto out;
	}
	/* the file's holes are zero pages: not read (nor allocated) to hash */
	if (held)
		save_data_pages(fd, fd_off, len, held);
	save_hash_pages(src, len, hashes, held);
	for (uint64_t p = 0; p < len && !rc; p += PAGE) {
		uint64_t n = len - p < PAGE ? len - p : PAGE;
		uint64_t h = hashes[p / PAGE];
		bool data = !o->have(o, off + p, h);

		if (blen && (!data || blen == BOUNCE_PAGES * PAGE)) {
			rc = o->write(o, bounce, blen, run);
			blen = 0;
		}
		if (data) {
			if (!blen)
				run = off + p;
			memcpy(bounce + blen, src + p, n);
			h = save_page_hash(bounce + blen, n);
			blen += n;
		}
		seg_hash_add(&sh, h, p + PAGE >= len);
	}
	if (!rc && blen)
		rc = o->write(o, bounce, blen, run);
	*hash = sh.acc;
out:
	free(hashes);
	free(held);
	free(bounce);
	return rc;
}

static int file_write(struct image_out *o, const void *buf, uint64_t len,
		      uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = pwrite(o->fd, p, len, off);

		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= w;
		off += w;
	}
	return 0;
}

/* a fresh file reads zeroes where nothing was written */
static bool file_have(struct image_out *o, uint64_t off, uint64_t hash)
{
	(void)o;
	(void)off;
	return hash == save_zero_hash();
}

static int file_size(struct image_out *o, uint64_t size)
{
	return ftruncate(o->fd, 0) || ftruncate(o->fd, size) ? -errno : 0;
}

static int file_done(struct image_out *o)
{
	return fdatasync(o->fd) ? -errno : 0;
}

void image_out_file(struct image_out *o, int fd)
{
	*o = (struct image_out){.fd = fd,
				.write = file_write,
				.have = file_have,
				.size = file_size,
				.done = file_done};
}

/*
 * Options about this start, not the domain, which a restore must not
 * take from the image: how many words they are (0: a domain's option).
 */
static int start_only(const char *a)
{
	a += a[0] == '-' && a[1] == '-';
	if (!strcmp(a, "-paused"))
		return 1;
	if (!strcmp(a, "-ready-fd") || !strcmp(a, "-unpause-within"))
		return 2;
	return 0;
}

/* The state notes: vCPUs, config, xenstore; malloc'd into *out. */
static int build_state(struct xenner *x, uint8_t **out, size_t *len)
{
	struct save_vcpu *sv = calloc(1, sizeof(*sv));
	struct elf_prstatus pr;
	char *xs = NULL, *cfg = NULL;
	size_t xs_len = 0, cfg_len = 0, size, off = 0;
	uint8_t *buf = NULL;
	int rc = -ENOMEM;

	if (!sv)
		goto out;
	for (int i = 0; i < x->cfg.argc; i++)
		cfg_len += strlen(x->cfg.argv[i]) + 1;
	cfg = malloc(cfg_len + 1);
	if (!cfg)
		goto out;
	cfg_len = 0;
	for (int i = 0; i < x->cfg.argc; i++) {
		int skip = start_only(x->cfg.argv[i]);

		if (skip) {
			i += skip - 1;
			continue;
		}
		strcpy(cfg + cfg_len, x->cfg.argv[i]);
		cfg_len += strlen(x->cfg.argv[i]) + 1;
	}
	rc = save_xenstore_collect(x, &xs, &xs_len);
	size = x->cfg.nr_vcpus * (note_size("XENNER", sizeof(*sv)) +
				  note_size("CORE", sizeof(pr))) +
	       note_size("XENNER", cfg_len) + note_size("XENNER", xs_len);
	if (rc == -EFBIG || (!rc && size > SAVE_MAX_STATE)) {
		log_err("domain %u: its xenstore nodes are more than a save "
			"image holds (%llu MiB of state at most)",
			x->domid, SAVE_MAX_STATE >> 20);
		rc = -EFBIG;
	}
	if (rc)
		goto out;
	rc = -ENOMEM;
	buf = calloc(1, size);
	if (!buf)
		goto out;
	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++) {
		rc = vcpu_state_get(&x->vcpus[i], sv);
		if (rc)
			goto out;
		off = note_put(buf, off, "XENNER", SAVE_NT_VCPU, sv,
			       sizeof(*sv));
		prstatus_of(sv, &pr);
		off = note_put(buf, off, "CORE", NT_PRSTATUS, &pr, sizeof(pr));
	}
	off = note_put(buf, off, "XENNER", SAVE_NT_CONFIG, cfg, cfg_len);
	off = note_put(buf, off, "XENNER", SAVE_NT_XENSTORE, xs, xs_len);
	*out = buf;
	*len = off;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(cfg);
	free(xs);
	free(sv);
	return rc;
}

int save_image_write(struct xenner *x, struct image_out *o, const char *path,
		     unsigned suspend_vcpu, uint64_t start_info_pfn)
{
	uint64_t ram_len = x->total_pages * PAGE;
	uint64_t emu_off = VMCORE_RAM_OFFSET + ram_len;
	uint64_t state_off = emu_off + x->emu_size;
	struct kvm_clock_data clock = {0};
	struct xenner_save s = {.magic = SAVE_MAGIC};
	struct vmcore_domain dom = *x->vmcore.dom;
	uint8_t *hdr = NULL, *state = NULL;
	size_t state_len = 0, noff;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	int rc;

	if (ioctl(x->vm_fd, KVM_GET_CLOCK, &clock) < 0) {
		rc = -errno;
		log_err("save %s: cannot read the VM's clock: %s", path,
			strerror(errno));
		return rc;
	}
	rc = build_state(x, &state, &state_len);
	if (rc)
		goto out;
	rc = o->size(o, state_off + state_len);
	if (!rc)
		rc = write_segment(o, VMCORE_RAM_OFFSET, x->ram, ram_len,
				   &s.ram_hash, x->vmcore.fd,
				   VMCORE_RAM_OFFSET);
	if (!rc)
		rc = write_segment(o, emu_off, x->emu, x->emu_size, &s.emu_hash,
				   -1, 0);
	if (!rc)
		rc = o->write(o, state, state_len, state_off);
	if (rc)
		goto out_io;

	s.version = SAVE_VERSION;
	s.nr_vcpus = x->cfg.nr_vcpus;
	s.total_pages = x->total_pages;
	s.emu_size = x->emu_size;
	s.state_offset = state_off;
	s.state_size = state_len;
	s.file_size = state_off + state_len;
	s.suspend_vcpu = suspend_vcpu;
	s.start_info_pfn = start_info_pfn;
	s.kvm_clock = clock.clock;
	s.emu_build_crc = save_emu_build_crc();
	s.state_crc = crc32(0, state, state_len);
	s.self_crc = crc32(0, (const uint8_t *)&s, sizeof(s));

	rc = -ENOMEM;
	hdr = calloc(1, VMCORE_RAM_OFFSET);
	if (!hdr)
		goto out;
	eh = (Elf64_Ehdr *)hdr;
	ph = (Elf64_Phdr *)(hdr + sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = SAVE_NR_PHDRS;

	dom.state = VMCORE_STATE_SHUTDOWN;
	dom.shutdown_reason = 2; /* SHUTDOWN_suspend */
	noff = note_put(hdr, NOTE_AT, VMCORE_NOTE_NAME, VMCORE_NT_DOMAIN, &dom,
			sizeof(dom));
	noff = note_put(hdr, noff, "XENNER", SAVE_NT_SAVE, &s, sizeof(s));
	ph[0] = (Elf64_Phdr){.p_type = PT_NOTE,
			     .p_offset = NOTE_AT,
			     .p_filesz = noff - NOTE_AT,
			     .p_align = 4};
	ph[1] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_W | PF_X,
			     .p_offset = VMCORE_RAM_OFFSET,
			     .p_paddr = 0,
			     .p_filesz = ram_len,
			     .p_memsz = ram_len,
			     .p_align = PAGE};
	ph[2] = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_W | PF_X,
			     .p_offset = emu_off,
			     .p_paddr = EMU_GPA,
			     .p_vaddr = EMU_VA,
			     .p_filesz = x->emu_size,
			     .p_memsz = x->emu_size,
			     .p_align = PAGE};
	ph[3] = (Elf64_Phdr){.p_type = PT_NOTE,
			     .p_offset = state_off,
			     .p_filesz = state_len,
			     .p_align = 4};
	/* the header last: a file cut short never has a valid one */
	rc = o->write(o, hdr, noff, 0);
	if (!rc)
		rc = o->done(o);
out_io:
	if (rc)
		log_err("save %s: %s", path, strerror(-rc));
out:
	free(hdr);
	free(state);
	return rc;
}
