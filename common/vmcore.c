// SPDX-License-Identifier: MIT
/*
 * vmcore: guest RAM as an ELF core file (layout in include/xenner/vmcore.h).
 *
 * The domain note starts 4 bytes after VMCORE_NOTES_OFFSET so that its
 * descriptor (after the 12-byte Elf64_Nhdr and the 8-byte padded name) is
 * 8-byte aligned: vc->dom points straight into the shared header mapping
 * and its 64-bit fields must be naturally aligned.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenner/log.h"
#include "xenner/rundir.h"
#include "xenner/vmcore.h"

#define NOTE_OFFSET (VMCORE_NOTES_OFFSET + 4)
#define NOTE_NAMESZ (sizeof(VMCORE_NOTE_NAME)) /* with the NUL */
#define ALIGN4(x)   (((x) + 3) & ~(size_t)3)
#define NOTE_DESC_OFFSET                                                       \
	(NOTE_OFFSET + sizeof(Elf64_Nhdr) + ALIGN4(NOTE_NAMESZ))
#define NOTE_SIZE                                                              \
	(sizeof(Elf64_Nhdr) + ALIGN4(NOTE_NAMESZ) +                            \
	 ALIGN4(sizeof(struct vmcore_domain)))
#define DOMID_LIMIT 0x7ff0 /* DOMID_FIRST_RESERVED */

_Static_assert(NOTE_DESC_OFFSET % 8 == 0, "domain note must be aligned");
_Static_assert(sizeof(Elf64_Ehdr) + VMCORE_MAX_PHDRS * sizeof(Elf64_Phdr) <=
		       VMCORE_NOTES_OFFSET,
	       "phdrs overlap the notes");
_Static_assert(VMCORE_NOTES_OFFSET + VMCORE_NOTES_SIZE <= VMCORE_RAM_OFFSET,
	       "notes overlap RAM");

int vmcore_path(char *buf, size_t len, uint32_t domid)
{
	char name[32];

	snprintf(name, sizeof(name), "vmcore.%" PRIu32, domid);
	return rundir_file(buf, len, name);
}

static void vmcore_reset(struct vmcore *vc)
{
	memset(vc, 0, sizeof(*vc));
	vc->fd = -1;
}

static void fill_header(uint8_t *hdr, uint64_t nr_pages)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)hdr;
	Elf64_Phdr *ph = (Elf64_Phdr *)(hdr + sizeof(*eh));
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(hdr + NOTE_OFFSET);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;

	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = NOTE_OFFSET;
	ph[0].p_filesz = NOTE_SIZE;
	ph[0].p_align = 4;

	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_W | PF_X;
	ph[1].p_offset = VMCORE_RAM_OFFSET;
	ph[1].p_filesz = nr_pages * VMCORE_PAGE_SIZE;
	ph[1].p_memsz = nr_pages * VMCORE_PAGE_SIZE;
	ph[1].p_align = VMCORE_PAGE_SIZE;

	nh->n_namesz = NOTE_NAMESZ;
	nh->n_descsz = sizeof(struct vmcore_domain);
	nh->n_type = VMCORE_NT_DOMAIN;
	memcpy(nh + 1, VMCORE_NOTE_NAME, NOTE_NAMESZ);
}

static void fill_domain(struct vmcore_domain *d, uint32_t domid,
			const char *name, const uint8_t uuid[16],
			uint64_t nr_pages, uint32_t nr_vcpus)
{
	memset(d, 0, sizeof(*d));
	d->version = VMCORE_DOMAIN_VERSION;
	d->domid = domid;
	strcpy(d->name, name);
	if (uuid) {
		memcpy(d->uuid, uuid, 16);
	} else {
		/* A random (version 4) uuid; no libuuid needed here. */
		if (getrandom(d->uuid, 16, 0) != 16)
			memset(d->uuid, 0, 16);
		d->uuid[6] = (d->uuid[6] & 0x0f) | 0x40;
		d->uuid[8] = (d->uuid[8] & 0x3f) | 0x80;
	}
	d->nr_pages = nr_pages;
	d->nr_vcpus = nr_vcpus;
	d->state = VMCORE_STATE_BUILDING;
	d->shared_info_pfn = VMCORE_NO_FRAME;
	d->start_info_pfn = VMCORE_NO_FRAME;
	d->p2m_pfn = VMCORE_NO_FRAME;
	d->store_pfn = VMCORE_NO_FRAME;
	d->console_pfn = VMCORE_NO_FRAME;
	for (int i = 0; i < VMCORE_MAX_GNTTAB_FRAMES; i++)
		d->gnttab_pfns[i] = VMCORE_NO_FRAME;
}

/* What vmcore_create and vmcore_adopt check first (no name: ""). */
static int begin(struct vmcore *vc, const char *path, const char **name,
		 uint64_t nr_pages, uint32_t nr_vcpus, uint32_t domid)
{
	vmcore_reset(vc);
	if (!*name)
		*name = "";
	if (strlen(*name) >= VMCORE_NAME_LEN) {
		log_err("vmcore %s: name '%s' is longer than %d bytes", path,
			*name, VMCORE_NAME_LEN - 1);
		return -EINVAL;
	}
	if (nr_pages == 0 || nr_pages > VMCORE_MAX_PAGES) {
		log_err("vmcore %s: %" PRIu64 " pages out of range 1..%llu",
			path, nr_pages, VMCORE_MAX_PAGES);
		return -EINVAL;
	}
	if (nr_vcpus == 0) {
		log_err("vmcore %s: a domain needs at least one vCPU", path);
		return -EINVAL;
	}
	if (domid >= DOMID_LIMIT) {
		log_err("vmcore %s: domid %" PRIu32 " out of range", path,
			domid);
		return -EINVAL;
	}
	return 0;
}

/* The header and domain note into the file fd at path, then open it. */
static int finish(struct vmcore *vc, const char *path, int fd, uint32_t domid,
		  const char *name, const uint8_t uuid[16], uint64_t nr_pages,
		  uint32_t nr_vcpus)
{
	void *hdr;
	int ret;

	hdr = mmap(NULL, VMCORE_RAM_OFFSET, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (hdr == MAP_FAILED) {
		ret = -errno;
		log_err("vmcore %s: map header: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	fill_header(hdr, nr_pages);
	fill_domain((struct vmcore_domain *)((uint8_t *)hdr + NOTE_DESC_OFFSET),
		    domid, name, uuid, nr_pages, nr_vcpus);
	munmap(hdr, VMCORE_RAM_OFFSET);
	close(fd);
	return vmcore_open(vc, path, true);
}

int vmcore_create(struct vmcore *vc, const char *path, uint32_t domid,
		  const char *name, const uint8_t uuid[16], uint64_t nr_pages,
		  uint32_t nr_vcpus)
{
	off_t size;
	int fd, ret;

	ret = begin(vc, path, &name, nr_pages, nr_vcpus, domid);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		log_err("vmcore %s: create: %s", path, strerror(errno));
		return ret;
	}
	/* Sparse: tmpfs allocates RAM pages only when they are touched. */
	size = VMCORE_RAM_OFFSET + nr_pages * VMCORE_PAGE_SIZE;
	if (ftruncate(fd, size)) {
		ret = -errno;
		log_err("vmcore %s: resize to %lld bytes: %s", path,
			(long long)size, strerror(errno));
		close(fd);
		unlink(path);
		return ret;
	}
	ret = finish(vc, path, fd, domid, name, uuid, nr_pages, nr_vcpus);
	if (ret)
		unlink(path);
	return ret;
}

int vmcore_adopt(struct vmcore *vc, const char *path, const char *from,
		 uint32_t domid, const char *name, const uint8_t uuid[16],
		 uint64_t nr_pages, uint32_t nr_vcpus)
{
	struct stat st;
	int fd, ret;

	ret = begin(vc, path, &name, nr_pages, nr_vcpus, domid);
	if (ret)
		return ret;
	/* never over another file; -EXDEV: the caller copies instead */
	if (renameat2(AT_FDCWD, from, AT_FDCWD, path, RENAME_NOREPLACE)) {
		ret = -errno;
		if (ret != -EXDEV)
			log_err("vmcore %s: cannot take %s: %s", path, from,
				strerror(errno));
		return ret;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		log_err("vmcore %s: open: %s", path, strerror(errno));
		goto err;
	}
	if ((uint64_t)st.st_size <
	    VMCORE_RAM_OFFSET + nr_pages * VMCORE_PAGE_SIZE) {
		log_err("vmcore %s: %s is too short for %" PRIu64 " pages",
			path, from, nr_pages);
		ret = -EINVAL;
		goto err;
	}
	ret = finish(vc, path, fd, domid, name, uuid, nr_pages, nr_vcpus);
	fd = -1;
	if (!ret)
		return 0;
err:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ret;
}

/* Each check logs one line naming the problem; the caller adds nothing. */
static int check_header(const uint8_t *hdr, const char *path,
			uint64_t file_size, uint64_t *nr_pages)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hdr;
	const Elf64_Phdr *ph;
	const Elf64_Nhdr *nh;
	const struct vmcore_domain *d;
	uint64_t ram_size, ram_end;

#define BAD(fmt, ...)                                                          \
	do {                                                                   \
		log_err("vmcore %s: " fmt, path, ##__VA_ARGS__);               \
		return -EINVAL;                                                \
	} while (0)

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		BAD("not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		BAD("not a little-endian ELF64 file");
	if (eh->e_type != ET_CORE)
		BAD("ELF type %u is not ET_CORE", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		BAD("ELF machine %u is not EM_X86_64", eh->e_machine);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		BAD("program header size %u, expected %zu", eh->e_phentsize,
		    sizeof(Elf64_Phdr));
	if (eh->e_phnum < 2 || eh->e_phnum > VMCORE_MAX_PHDRS)
		BAD("%u program headers, expected 2..%d", eh->e_phnum,
		    VMCORE_MAX_PHDRS);
	if (eh->e_phoff != sizeof(Elf64_Ehdr))
		BAD("program headers at offset %" PRIu64 ", expected %zu",
		    (uint64_t)eh->e_phoff, sizeof(Elf64_Ehdr));

	ph = (const Elf64_Phdr *)(hdr + eh->e_phoff);
	if (ph[0].p_type != PT_NOTE)
		BAD("first program header is not PT_NOTE");
	if (ph[0].p_offset != NOTE_OFFSET || ph[0].p_filesz < NOTE_SIZE ||
	    ph[0].p_filesz >
		    VMCORE_NOTES_OFFSET + VMCORE_NOTES_SIZE - NOTE_OFFSET)
		BAD("PT_NOTE at offset %" PRIu64 " size %" PRIu64
		    " is outside the notes area",
		    (uint64_t)ph[0].p_offset, (uint64_t)ph[0].p_filesz);

	nh = (const Elf64_Nhdr *)(hdr + NOTE_OFFSET);
	if (nh->n_namesz != NOTE_NAMESZ ||
	    memcmp(nh + 1, VMCORE_NOTE_NAME, NOTE_NAMESZ))
		BAD("first note is not named " VMCORE_NOTE_NAME);
	if (nh->n_type != VMCORE_NT_DOMAIN)
		BAD("first note has type %#x, expected %#x", nh->n_type,
		    VMCORE_NT_DOMAIN);
	if (nh->n_descsz < sizeof(*d) ||
	    ALIGN4((uint64_t)nh->n_descsz) >
		    ph[0].p_filesz - (NOTE_DESC_OFFSET - NOTE_OFFSET))
		BAD("domain note has %u bytes, expected %zu", nh->n_descsz,
		    sizeof(*d));
	d = (const struct vmcore_domain *)(hdr + NOTE_DESC_OFFSET);
	if (d->version < VMCORE_DOMAIN_VERSION)
		BAD("domain note version %u is unknown", d->version);

	if (ph[1].p_type != PT_LOAD)
		BAD("second program header is not PT_LOAD");
	if (d->nr_pages == 0 || d->nr_pages > VMCORE_MAX_PAGES)
		BAD("%" PRIu64 " pages out of range 1..%llu", d->nr_pages,
		    VMCORE_MAX_PAGES);
	ram_size = d->nr_pages * VMCORE_PAGE_SIZE;
	if (ph[1].p_offset != VMCORE_RAM_OFFSET || ph[1].p_paddr != 0)
		BAD("PT_LOAD at offset %" PRIu64 " paddr %#" PRIx64
		    ", expected %lu and 0",
		    (uint64_t)ph[1].p_offset, (uint64_t)ph[1].p_paddr,
		    VMCORE_RAM_OFFSET);
	if (ph[1].p_filesz != ram_size || ph[1].p_memsz != ram_size)
		BAD("PT_LOAD has %" PRIu64 "/%" PRIu64
		    " bytes but the domain has %" PRIu64 " pages",
		    (uint64_t)ph[1].p_filesz, (uint64_t)ph[1].p_memsz,
		    d->nr_pages);
	ram_end = VMCORE_RAM_OFFSET + ram_size;
	if (file_size < ram_end)
		BAD("truncated: file has %" PRIu64 " bytes, RAM needs %" PRIu64,
		    file_size, ram_end);
	if (d->nr_gnttab_frames > VMCORE_MAX_GNTTAB_FRAMES)
		BAD("%u grant-table frames, at most %d", d->nr_gnttab_frames,
		    VMCORE_MAX_GNTTAB_FRAMES);
	if (!memchr(d->name, '\0', sizeof(d->name)))
		BAD("domain name is not NUL-terminated");
	if (d->domid >= DOMID_LIMIT)
		BAD("domid %u out of range", d->domid);
#undef BAD
	*nr_pages = d->nr_pages;
	return 0;
}

int vmcore_open(struct vmcore *vc, const char *path, bool writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	struct stat st;
	int ret;

	vmcore_reset(vc);
	vc->writable = writable;
	vc->hdr_size = VMCORE_RAM_OFFSET;
	if (snprintf(vc->path, sizeof(vc->path), "%s", path) >=
	    (int)sizeof(vc->path)) {
		log_err("vmcore %s: path too long", path);
		return -ENAMETOOLONG;
	}
	vc->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (vc->fd < 0) {
		ret = -errno;
		log_err("vmcore %s: open: %s", path, strerror(errno));
		goto err;
	}
	if (fstat(vc->fd, &st)) {
		ret = -errno;
		log_err("vmcore %s: stat: %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("vmcore %s: not a regular file", path);
		ret = -EINVAL;
		goto err;
	}
	if ((uint64_t)st.st_size < VMCORE_RAM_OFFSET) {
		log_err("vmcore %s: truncated: file has %lld bytes, the header "
			"needs %lu",
			path, (long long)st.st_size, VMCORE_RAM_OFFSET);
		ret = -EINVAL;
		goto err;
	}
	vc->hdr = mmap(NULL, vc->hdr_size, prot, MAP_SHARED, vc->fd, 0);
	if (vc->hdr == MAP_FAILED) {
		ret = -errno;
		vc->hdr = NULL;
		log_err("vmcore %s: map header: %s", path, strerror(errno));
		goto err;
	}
	ret = check_header(vc->hdr, path, st.st_size, &vc->nr_pages);
	if (ret)
		goto err;
	vc->dom =
		(struct vmcore_domain *)((uint8_t *)vc->hdr + NOTE_DESC_OFFSET);
	return 0;

err:
	vmcore_close(vc);
	return ret;
}

int vmcore_open_domid(struct vmcore *vc, uint32_t domid, bool writable)
{
	char path[sizeof(vc->path)];
	int ret = vmcore_path(path, sizeof(path), domid);

	if (ret) {
		vmcore_reset(vc);
		log_err("vmcore of domain %" PRIu32 ": run directory path "
			"too long",
			domid);
		return ret;
	}
	return vmcore_open(vc, path, writable);
}

void vmcore_close(struct vmcore *vc)
{
	if (vc->ram)
		munmap(vc->ram, vc->nr_pages * VMCORE_PAGE_SIZE);
	if (vc->hdr)
		munmap(vc->hdr, vc->hdr_size);
	if (vc->fd >= 0)
		close(vc->fd);
	vc->ram = NULL;
	vc->hdr = NULL;
	vc->dom = NULL;
	vc->fd = -1;
}

int vmcore_map_ram(struct vmcore *vc)
{
	void *p;

	if (vc->ram)
		return 0;
	p = vmcore_map_frames(vc, 0, vc->nr_pages,
			      PROT_READ | (vc->writable ? PROT_WRITE : 0),
			      NULL);
	if (p == MAP_FAILED) {
		int ret = -errno;

		log_err("vmcore %s: map RAM: %s", vc->path, strerror(errno));
		return ret;
	}
	vc->ram = p;
	return 0;
}

off_t vmcore_pfn_offset(const struct vmcore *vc, uint64_t pfn)
{
	if (pfn >= vc->nr_pages)
		return -1;
	return VMCORE_RAM_OFFSET + pfn * VMCORE_PAGE_SIZE;
}

void *vmcore_map_frames(const struct vmcore *vc, uint64_t pfn, size_t count,
			int prot, void *addr)
{
	int flags = MAP_SHARED | (addr ? MAP_FIXED : 0);

	/* count <= nr_pages - pfn cannot overflow once pfn < nr_pages. */
	if (count == 0 || pfn >= vc->nr_pages || count > vc->nr_pages - pfn) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return mmap(addr, count * VMCORE_PAGE_SIZE, prot, flags, vc->fd,
		    vmcore_pfn_offset(vc, pfn));
}

static int check_range(const struct vmcore *vc, uint64_t paddr, size_t len)
{
	uint64_t ram_size = vc->nr_pages * VMCORE_PAGE_SIZE;

	if (paddr > ram_size || len > ram_size - paddr)
		return -EINVAL;
	return 0;
}

int vmcore_read(const struct vmcore *vc, uint64_t paddr, void *buf, size_t len)
{
	uint8_t *p = buf;
	int ret = check_range(vc, paddr, len);

	if (ret)
		return ret;
	while (len) {
		ssize_t n = pread(vc->fd, p, len, VMCORE_RAM_OFFSET + paddr);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* truncated behind our back */
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

int vmcore_write(const struct vmcore *vc, uint64_t paddr, const void *buf,
		 size_t len)
{
	const uint8_t *p = buf;
	int ret = check_range(vc, paddr, len);

	if (ret)
		return ret;
	if (!vc->writable)
		return -EBADF;
	while (len) {
		ssize_t n = pwrite(vc->fd, p, len, VMCORE_RAM_OFFSET + paddr);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

const char *vmcore_state_name(uint32_t state)
{
	static const char *const names[] = {
		[VMCORE_STATE_BUILDING] = "building",
		[VMCORE_STATE_RUNNING] = "running",
		[VMCORE_STATE_PAUSED] = "paused",
		[VMCORE_STATE_SHUTDOWN] = "shutdown",
		[VMCORE_STATE_CRASHED] = "crashed",
		[VMCORE_STATE_DYING] = "dying",
	};

	if (state >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[state];
}

static void describe_frame(FILE *out, const char *what, uint64_t pfn)
{
	if (pfn == VMCORE_NO_FRAME)
		fprintf(out, "%-17s none\n", what);
	else
		fprintf(out, "%-17s %#" PRIx64 "\n", what, pfn);
}

void vmcore_describe(const struct vmcore *vc, FILE *out)
{
	/* Copy first: the builder may change the note while we print. */
	struct vmcore_domain d = *vc->dom;
	const uint8_t *u = d.uuid;
	uint32_t nr_gnttab = d.nr_gnttab_frames;

	d.name[sizeof(d.name) - 1] = '\0';
	for (char *c = d.name; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(out, "%-17s %s\n", "path:", vc->path);
	fprintf(out, "%-17s %" PRIu32 "\n", "domid:", d.domid);
	fprintf(out, "%-17s %s\n", "name:", d.name);
	fprintf(out,
		"%-17s %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x\n",
		"uuid:", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
		u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	fprintf(out, "%-17s %s\n", "state:", vmcore_state_name(d.state));
	if (d.state == VMCORE_STATE_SHUTDOWN || d.state == VMCORE_STATE_CRASHED)
		fprintf(out, "%-17s %" PRIu32 "\n",
			"shutdown_reason:", d.shutdown_reason);
	fprintf(out, "%-17s %" PRIu64 " (%" PRIu64 " KiB)\n",
		"nr_pages:", d.nr_pages, d.nr_pages * 4);
	fprintf(out, "%-17s %" PRIu32 "\n", "nr_vcpus:", d.nr_vcpus);
	describe_frame(out, "shared_info_pfn:", d.shared_info_pfn);
	describe_frame(out, "start_info_pfn:", d.start_info_pfn);
	describe_frame(out, "p2m_pfn:", d.p2m_pfn);
	fprintf(out, "%-17s %" PRIu64 "\n", "nr_p2m_frames:", d.nr_p2m_frames);
	describe_frame(out, "store_pfn:", d.store_pfn);
	fprintf(out, "%-17s %" PRIu32 "\n", "store_port:", d.store_port);
	describe_frame(out, "console_pfn:", d.console_pfn);
	fprintf(out, "%-17s %" PRIu32 "\n", "console_port:", d.console_port);
	if (nr_gnttab > VMCORE_MAX_GNTTAB_FRAMES)
		nr_gnttab = VMCORE_MAX_GNTTAB_FRAMES;
	fprintf(out, "%-17s %" PRIu32, "gnttab_frames:", nr_gnttab);
	for (uint32_t i = 0; i < nr_gnttab; i++)
		fprintf(out, " %#" PRIx64, d.gnttab_pfns[i]);
	fputc('\n', out);
}
