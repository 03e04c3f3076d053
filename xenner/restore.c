// SPDX-License-Identifier: MIT
/*
 * xenner -restore FILE: checks the whole image first (layout, sizes,
 * checksums, emu build; one line and nothing built if anything is wrong),
 * then builds the new domain from it instead of booting a kernel: RAM
 * and emu's memory copied in, the vCPUs' KVM state and the clock loaded,
 * start_info and emu's port table rewritten for the new domain's ports
 * (docs/save-restore.md).
 */
#include <stdint.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <xen/xen.h>

#include "save.h"
#include "xenner/log.h"

#define PAGE	  4096ULL
#define ALIGN4(v) (((v) + 3) & ~3ULL)
#define NOTE_AT	  (VMCORE_NOTES_OFFSET + 4)
#define MAX_ARGS  256

struct restore_image {
	const char *path;
	uint8_t *map; /* the whole file, read-only */
	uint64_t size;
	/*
	 * Which pages from VMCORE_RAM_OFFSET on hold data (SEEK_DATA): a
	 * hole is known to read as zeroes without touching it, and touching
	 * it through the map would allocate it (tmpfs) -- for a 512 MiB
	 * guest that was 1.1 s of a migration's downtime.
	 */
	uint64_t *data;
	bool taken; /* the file is the new vmcore (-take-image) */
	struct xenner_save s;
	struct vmcore_domain dom;
	uint64_t vcpu_off[EMU_MAX_VCPUS]; /* their notes' descriptors */
	const char *xs;
	size_t xs_len;
	char *argv[MAX_ARGS];
};

#define BAD(fmt, ...)                                                          \
	do {                                                                   \
		log_err("restore %s: " fmt, r->path, ##__VA_ARGS__);           \
		return -EINVAL;                                                \
	} while (0)

/* Visits the notes in [off, off + len); fn returns nonzero to stop. */
typedef int note_fn(struct restore_image *r, const char *name, uint32_t type,
		    uint64_t desc_off, uint32_t desc_len);
static int walk_notes(struct restore_image *r, uint64_t off, uint64_t len,
		      note_fn *fn)
{
	uint64_t end = off + len;

	while (off + sizeof(Elf64_Nhdr) <= end) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off;
		char name[16];
		int rc;

		memcpy(&nh, r->map + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + ALIGN4((uint64_t)nh.n_namesz);
		if (nh.n_namesz == 0 || nh.n_namesz > sizeof(name) ||
		    desc_off + nh.n_descsz > end)
			BAD("a note runs past its segment");
		memcpy(name, r->map + name_off, nh.n_namesz);
		name[nh.n_namesz - 1] = '\0';
		rc = fn(r, name, nh.n_type, desc_off, nh.n_descsz);
		if (rc)
			return rc;
		off = desc_off + ALIGN4((uint64_t)nh.n_descsz);
	}
	return 0;
}

static int header_note(struct restore_image *r, const char *name, uint32_t type,
		       uint64_t off, uint32_t len)
{
	if (strcmp(name, "XENNER"))
		return 0;
	if (type == VMCORE_NT_DOMAIN && len >= sizeof(r->dom))
		memcpy(&r->dom, r->map + off, sizeof(r->dom));
	else if (type == SAVE_NT_SAVE && len == sizeof(r->s))
		memcpy(&r->s, r->map + off, sizeof(r->s));
	else if (type == SAVE_NT_SAVE)
		BAD("save note of %u bytes, expected %zu (another version?)",
		    len, sizeof(r->s));
	return 0;
}

static int state_note(struct restore_image *r, const char *name, uint32_t type,
		      uint64_t off, uint32_t len)
{
	struct save_vcpu v;

	if (strcmp(name, "XENNER"))
		return 0; /* CORE: for gdb */
	switch (type) {
	case SAVE_NT_VCPU:
		if (len != sizeof(v))
			BAD("vCPU note of %u bytes, expected %zu", len,
			    sizeof(v));
		memcpy(&v, r->map + off, sizeof(v));
		if (v.id >= r->s.nr_vcpus || r->vcpu_off[v.id] ||
		    v.nr_msrs > SAVE_MAX_MSRS)
			BAD("bad vCPU note (vCPU %u)", v.id);
		r->vcpu_off[v.id] = off;
		return 0;
	case SAVE_NT_CONFIG: {
		const char *p = (const char *)r->map + off, *end = p + len;
		unsigned n = 0;

		if (!len || p[len - 1])
			BAD("the saved options are not NUL-terminated");
		for (; p < end && n < MAX_ARGS - 1; p += strlen(p) + 1)
			r->argv[n++] = (char *)p;
		if (p < end)
			BAD("more than %d saved options", MAX_ARGS - 1);
		return 0;
	}
	case SAVE_NT_XENSTORE:
		r->xs = (const char *)r->map + off;
		r->xs_len = len;
		return 0;
	default:
		return 0;
	}
}

static int check_layout(struct restore_image *r)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)r->map;
	const Elf64_Phdr *ph;
	const struct xenner_save *s = &r->s;
	uint64_t ram_len, crc_self;
	struct xenner_save tmp;

	if (r->size < VMCORE_RAM_OFFSET || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		BAD("not a xenner save image (no ELF header)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_CORE ||
	    eh->e_machine != EM_X86_64 || eh->e_phoff != sizeof(*eh) ||
	    eh->e_phentsize != sizeof(*ph))
		BAD("not a xenner save image (not an x86-64 ELF core)");
	if (eh->e_phnum != SAVE_NR_PHDRS)
		BAD("not a xenner save image (%u program headers: a vmcore?)",
		    eh->e_phnum);
	ph = (const Elf64_Phdr *)(r->map + eh->e_phoff);
	if (ph[0].p_type != PT_NOTE || ph[0].p_offset != NOTE_AT ||
	    ph[0].p_filesz > VMCORE_RAM_OFFSET - NOTE_AT)
		BAD("the first PT_NOTE is not where it belongs");
	if (walk_notes(r, NOTE_AT, ph[0].p_filesz, header_note))
		return -EINVAL;
	if (memcmp(s->magic, SAVE_MAGIC, sizeof(s->magic)))
		BAD("not a xenner save image (no save note)");
	tmp = *s;
	tmp.self_crc = 0;
	crc_self = crc32(0, (const uint8_t *)&tmp, sizeof(tmp));
	if (crc_self != s->self_crc)
		BAD("the save note is corrupt (CRC)");
	if (s->version != SAVE_VERSION)
		BAD("image format version %u; this xenner reads version %d",
		    s->version, SAVE_VERSION);
	if (s->nr_vcpus == 0 || s->nr_vcpus > EMU_MAX_VCPUS ||
	    s->total_pages <= XENNER_SPECIAL_PAGES ||
	    s->total_pages > EMU_MAX_RAM_PAGES ||
	    r->dom.nr_pages != s->total_pages ||
	    s->suspend_vcpu >= s->nr_vcpus ||
	    s->start_info_pfn >= s->total_pages - XENNER_SPECIAL_PAGES ||
	    s->state_size > SAVE_MAX_STATE)
		BAD("the save note's sizes are inconsistent");
	ram_len = s->total_pages * PAGE;
	if (ph[1].p_type != PT_LOAD || ph[1].p_offset != VMCORE_RAM_OFFSET ||
	    ph[1].p_filesz != ram_len || ph[2].p_type != PT_LOAD ||
	    ph[2].p_offset != VMCORE_RAM_OFFSET + ram_len ||
	    ph[2].p_filesz != s->emu_size || ph[3].p_type != PT_NOTE ||
	    ph[3].p_offset != ph[2].p_offset + s->emu_size ||
	    ph[3].p_offset != s->state_offset ||
	    ph[3].p_filesz != s->state_size ||
	    s->file_size != s->state_offset + s->state_size)
		BAD("the segments do not match the save note");
	if (r->size < s->file_size)
		BAD("truncated: %llu bytes, the image needs %llu",
		    (unsigned long long)r->size,
		    (unsigned long long)s->file_size);
	if (s->emu_build_crc != save_emu_build_crc())
		BAD("saved by another xenner build (its emu differs): restore "
		    "it with the xenner that saved it");
	return 0;
}

static bool has_data(const struct restore_image *r, uint64_t off)
{
	uint64_t i = (off - VMCORE_RAM_OFFSET) / PAGE;

	return !r->data || save_page_bit(r->data, i);
}

/* Marks the pages of the file's data extents (all of them where the
 * file system cannot tell: r->data stays NULL). */
static void find_data(struct restore_image *r, int fd)
{
	uint64_t len = r->size - VMCORE_RAM_OFFSET;

	r->data = calloc(((len + PAGE - 1) / PAGE + 63) / 64, sizeof(uint64_t));
	if (r->data && save_data_pages(fd, VMCORE_RAM_OFFSET, len, r->data)) {
		free(r->data);
		r->data = NULL;
	}
}

/* The image's checksum of a memory segment (save_page_hash). */
static uint64_t segment_hash(struct restore_image *r, uint64_t off,
			     uint64_t len)
{
	uint64_t zero_hash = save_zero_hash();
	struct seg_hash sh = {0};

	for (uint64_t p = 0; p < len; p += PAGE) {
		uint64_t h = has_data(r, off + p) || len - p < PAGE
				     ? save_page_hash(r->map + off + p, len - p)
				     : zero_hash;

		seg_hash_add(&sh, h, p + PAGE >= len);
	}
	return sh.acc;
}

static int check_contents(struct restore_image *r)
{
	const struct xenner_save *s = &r->s;

	if (crc32(0, r->map + s->state_offset, s->state_size) != s->state_crc)
		BAD("the vCPU and config notes are corrupt (CRC)");
	if (segment_hash(r, VMCORE_RAM_OFFSET, s->total_pages * PAGE) !=
	    s->ram_hash)
		BAD("guest memory is corrupt (checksum)");
	if (segment_hash(r, VMCORE_RAM_OFFSET + s->total_pages * PAGE,
			 s->emu_size) != s->emu_hash)
		BAD("emu's memory is corrupt (checksum)");
	if (walk_notes(r, s->state_offset, s->state_size, state_note))
		return -EINVAL;
	for (unsigned i = 0; i < s->nr_vcpus; i++)
		if (!r->vcpu_off[i])
			BAD("no state for vCPU %u", i);
	if (!r->argv[0])
		BAD("no saved options");
	return 0;
}
#undef BAD

int restore_open(struct xenner *x, const char *path, int *argc, char ***argv)
{
	struct restore_image *r = calloc(1, sizeof(*r));
	struct stat st;
	int fd, rc;

	if (!r)
		return -ENOMEM;
	r->path = path;
	x->restore = r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		log_err("restore %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	r->size = st.st_size;
	if (!S_ISREG(st.st_mode) || r->size < VMCORE_RAM_OFFSET) {
		close(fd);
		log_err("restore %s: not a xenner save image (%s)", path,
			S_ISREG(st.st_mode) ? "too short" : "not a file");
		return -EINVAL;
	}
	r->map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	find_data(r, fd);
	close(fd);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		log_err("restore %s: mmap: %s", path, strerror(errno));
		return -EIO;
	}
	rc = check_layout(r);
	if (!rc)
		rc = check_contents(r);
	if (rc)
		return rc;
	for (*argc = 0; r->argv[*argc]; ++*argc)
		;
	*argv = r->argv;
	return 0;
}

/* Copies the image's pages at off into fresh (zero) memory. */
static void copy_data(struct restore_image *r, uint8_t *dst, uint64_t off,
		      uint64_t len)
{
	static const uint8_t zero[PAGE];

	/* the new memory is fresh zeroes: holes stay unallocated */
	for (uint64_t o = 0; o < len; o += PAGE) {
		uint64_t n = len - o < PAGE ? len - o : PAGE;

		if (has_data(r, off + o) && memcmp(r->map + off + o, zero, n))
			memcpy(dst + o, r->map + off + o, n);
	}
}

int restore_vmcore(struct xenner *x, const char *path)
{
	struct restore_image *r = x->restore;
	int rc;

	if (x->cfg.take_image) {
		rc = vmcore_adopt(&x->vmcore, path, r->path, x->domid,
				  x->cfg.name, NULL, x->total_pages,
				  x->cfg.nr_vcpus);
		if (rc != -EXDEV) {
			r->taken = !rc;
			return rc;
		}
		log_info("restore %s: on another file system than %s: "
			 "copying it",
			 r->path, path);
	}
	return vmcore_create(&x->vmcore, path, x->domid, x->cfg.name, NULL,
			     x->total_pages, x->cfg.nr_vcpus);
}

/* start_info for the new domain: its ports, Xen's frames (identity p2m) */
static int rewrite_start_info(struct xenner *x)
{
	start_info_t *si =
		(start_info_t *)(x->ram + x->restore->s.start_info_pfn * PAGE);

	if (memcmp(si->magic, "xen-3.0-x86_64", 14)) {
		log_err("restore %s: frame %llu holds no start_info",
			x->restore->path,
			(unsigned long long)x->restore->s.start_info_pfn);
		return -EINVAL;
	}
	if (si->store_mfn >= x->nr_pages ||
	    si->console.domU.mfn >= x->nr_pages) {
		log_err("restore %s: start_info names store/console frames "
			"outside the domain",
			x->restore->path);
		return -EINVAL;
	}
	si->shared_info = x->boot->shared_info_pfn * PAGE;
	si->store_evtchn = x->store_port;
	si->console.domU.evtchn = x->console_port;
	x->vmcore.dom->store_pfn = si->store_mfn;
	x->vmcore.dom->console_pfn = si->console.domU.mfn;
	return 0;
}

/*
 * The new domain's event channels as Xen's toolstack leaves them on a
 * restore: nothing pending, every port masked.  The guest unmasks the
 * ports it binds again; one it binds but never unmasks (Linux's spinlock
 * kicker IPI, which it only polls) must not inherit an old port's clear
 * mask bit, or its first kick is delivered (Linux: BUG in dummy_handler).
 */
static void fresh_event_state(struct xenner *x)
{
	shared_info_t *sh =
		(shared_info_t *)(x->ram + x->boot->shared_info_pfn * PAGE);

	memset(sh->evtchn_pending, 0, sizeof(sh->evtchn_pending));
	memset(sh->evtchn_mask, 0xff, sizeof(sh->evtchn_mask));
	for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		sh->vcpu_info[i].evtchn_pending_sel = 0;
}

int restore_build(struct xenner *x)
{
	struct restore_image *r = x->restore;
	const struct vmcore_domain *sd = &r->dom;
	struct vmcore_domain *d = x->vmcore.dom;
	struct kvm_clock_data clock = {.clock = r->s.kvm_clock};
	struct save_vcpu *sv;
	int rc;

	if (x->total_pages != r->s.total_pages ||
	    x->emu_size != r->s.emu_size || x->cfg.nr_vcpus != r->s.nr_vcpus) {
		log_err("restore %s: the saved options do not match the saved "
			"memory (corrupt image?)",
			r->path);
		return -EINVAL;
	}
	if (!r->taken)
		copy_data(r, x->ram, VMCORE_RAM_OFFSET, x->total_pages * PAGE);
	copy_data(r, x->emu, VMCORE_RAM_OFFSET + x->total_pages * PAGE,
		  x->emu_size);
	memcpy(&x->emu_hdr, x->emu + EMU_OFF_IMAGE, sizeof(x->emu_hdr));
	x->boot = (struct emu_boot *)(x->emu + EMU_OFF_BOOT);
	if (x->emu_hdr.magic != EMU_BOOT_MAGIC ||
	    x->boot->magic != EMU_BOOT_MAGIC ||
	    x->boot->total_pages != x->total_pages) {
		log_err("restore %s: emu's memory is not emu's", r->path);
		return -EINVAL;
	}
	x->boot->domid = x->domid;

	memcpy(d->uuid, sd->uuid, sizeof(d->uuid));
	d->shared_info_pfn = sd->shared_info_pfn;
	d->start_info_pfn = r->s.start_info_pfn;
	d->p2m_pfn = sd->p2m_pfn;
	d->nr_p2m_frames = sd->nr_p2m_frames;
	d->nr_gnttab_frames = sd->nr_gnttab_frames;
	memcpy(d->gnttab_pfns, sd->gnttab_pfns, sizeof(d->gnttab_pfns));
	d->store_port = x->store_port;
	d->console_port = x->console_port;
	rc = rewrite_start_info(x);
	if (rc)
		return rc;

	/* the old domain's ports are gone; the guest binds its own again */
	memset(x->emu + EMU_OFF_PORTS, 0,
	       EMU_NR_PORTS * sizeof(struct emu_port));
	fresh_event_state(x);
	events_init(x);

	sv = malloc(sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	for (unsigned i = 0; i < x->cfg.nr_vcpus && !rc; i++) {
		struct vcpu *v = &x->vcpus[i];

		v->x = x;
		v->id = i;
		v->page = (struct emu_vcpu_page *)(x->emu + EMU_OFF_VCPU +
						   i * EMU_VCPU_AREA +
						   EMU_VCPU_PAGE_OFF);
		memcpy(sv, r->map + r->vcpu_off[i], sizeof(*sv));
		rc = kvm_create_vcpu(x, v);
		if (!rc)
			rc = vcpu_state_set(v, sv);
	}
	free(sv);
	if (rc)
		return rc;
	/* the suspend returns 0 there: resumed in a new domain */
	x->vcpus[r->s.suspend_vcpu].page->result = 0;
	x->vcpus[r->s.suspend_vcpu].page->req = EMU_REQ_NONE;
	if (ioctl(x->vm_fd, KVM_SET_CLOCK, &clock) < 0) {
		rc = -errno;
		log_err("restore %s: cannot set the VM's clock: %s", r->path,
			strerror(errno));
		return rc;
	}
	d->state = VMCORE_STATE_RUNNING;
	return 0;
}

int restore_after_introduce(struct xenner *x)
{
	return restore_xenstore_apply(x, x->restore->xs, x->restore->xs_len);
}

void restore_close(struct xenner *x)
{
	struct restore_image *r = x->restore;

	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->size);
	/* the emu segment and state notes after the RAM go */
	if (r->taken && ftruncate(x->vmcore.fd,
				  VMCORE_RAM_OFFSET + r->s.total_pages * PAGE))
		log_warn("restore: cannot trim %s: %s", x->vmcore.path,
			 strerror(errno));
	free(r->data);
	free(r);
	x->restore = NULL;
}
