// SPDX-License-Identifier: MIT
/*
 * Reads what a Xen PV kernel asks of its domain builder: the "Xen" ELF
 * notes, or for old kernels the __xen_guest section string, and computes
 * where its segments go (Xen's rule: virtual = paddr - PADDR_OFFSET +
 * VIRT_BASE, PADDR_OFFSET defaulting to 0 with notes, VIRT_BASE with the
 * legacy string).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/elfnote.h>

#include "kernel.h"

#define PAGE_ALIGN_DOWN(x) ((x) & ~0xfffULL)
#define PAGE_ALIGN_UP(x)   (((x) + 0xfffULL) & ~0xfffULL)

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -ENOEXEC;
}

static bool in_file(const struct pv_kernel *k, uint64_t off, uint64_t len)
{
	return off <= k->elf_size && len <= k->elf_size - off;
}

static uint64_t note_num(const uint8_t *desc, uint32_t size)
{
	uint64_t v = 0;

	if (size == 4 || size == 8)
		memcpy(&v, desc, size);
	return v;
}

static void note_str(char *dst, size_t len, const uint8_t *desc,
		     uint32_t size)
{
	size_t n = strnlen((const char *)desc, size);

	if (n >= len)
		n = len - 1;
	memcpy(dst, desc, n);
	dst[n] = '\0';
}

static void apply_note(struct pv_kernel *k, uint32_t type, const uint8_t *d,
		       uint32_t size)
{
	switch (type) {
	case XEN_ELFNOTE_ENTRY: k->entry = note_num(d, size); break;
	case XEN_ELFNOTE_HYPERCALL_PAGE: k->hypercall_page = note_num(d, size); break;
	case XEN_ELFNOTE_VIRT_BASE: k->virt_base = note_num(d, size); break;
	case XEN_ELFNOTE_PADDR_OFFSET: k->paddr_offset = note_num(d, size); break;
	case XEN_ELFNOTE_HV_START_LOW: k->hv_start_low = note_num(d, size); break;
	case XEN_ELFNOTE_INIT_P2M: k->init_p2m = note_num(d, size); break;
	case XEN_ELFNOTE_MOD_START_PFN: k->mod_start_pfn = note_num(d, size); break;
	case XEN_ELFNOTE_PHYS32_ENTRY: k->phys32_entry = note_num(d, size); break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		k->supported_features = note_num(d, size);
		break;
	case XEN_ELFNOTE_GUEST_OS: note_str(k->guest_os, sizeof(k->guest_os), d, size); break;
	case XEN_ELFNOTE_XEN_VERSION: note_str(k->xen_version, sizeof(k->xen_version), d, size); break;
	case XEN_ELFNOTE_LOADER: note_str(k->loader, sizeof(k->loader), d, size); break;
	case XEN_ELFNOTE_FEATURES: note_str(k->features, sizeof(k->features), d, size); break;
	case XEN_ELFNOTE_PAE_MODE: note_str(k->pae_mode, sizeof(k->pae_mode), d, size); break;
	default: break;
	}
}

/* Walks one SHT_NOTE/PT_NOTE area; returns how many Xen notes it had. */
static int parse_notes(struct pv_kernel *k, uint64_t off, uint64_t len)
{
	uint64_t pos = off, end = off + len;
	int found = 0;

	while (end - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, k->elf + pos, sizeof(nh));
		name_off = pos + sizeof(nh);
		desc_off = name_off + ((nh.n_namesz + 3ULL) & ~3ULL);
		next = desc_off + ((nh.n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			break;
		if (nh.n_namesz == 4 && !memcmp(k->elf + name_off, "Xen", 4)) {
			apply_note(k, nh.n_type, k->elf + desc_off, nh.n_descsz);
			found++;
		}
		pos = next;
	}
	return found;
}

/* "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0x...,..." */
static void parse_legacy(struct pv_kernel *k, const char *s, size_t len)
{
	char buf[1024], *save, *tok;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *v = eq ? eq + 1 : "";

		if (eq)
			*eq = '\0';
		if (!strcmp(tok, "GUEST_OS"))
			snprintf(k->guest_os, sizeof(k->guest_os), "%s", v);
		else if (!strcmp(tok, "XEN_VER"))
			snprintf(k->xen_version, sizeof(k->xen_version), "%s", v);
		else if (!strcmp(tok, "LOADER"))
			snprintf(k->loader, sizeof(k->loader), "%s", v);
		else if (!strcmp(tok, "FEATURES"))
			snprintf(k->features, sizeof(k->features), "%s", v);
		else if (!strcmp(tok, "PAE"))
			snprintf(k->pae_mode, sizeof(k->pae_mode), "%s", v);
		else if (!strcmp(tok, "VIRT_BASE"))
			k->virt_base = strtoull(v, NULL, 0);
		else if (!strcmp(tok, "ELF_PADDR_OFFSET"))
			k->paddr_offset = strtoull(v, NULL, 0);
		else if (!strcmp(tok, "VIRT_ENTRY"))
			k->entry = strtoull(v, NULL, 0);
		else if (!strcmp(tok, "HYPERCALL_PAGE"))
			/* legacy: a page number relative to VIRT_BASE */
			k->hypercall_page = strtoull(v, NULL, 0);
	}
}

static int find_legacy(struct pv_kernel *k, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *sh, *strtab;

	if (!eh->e_shoff || eh->e_shoff % _Alignof(Elf64_Shdr) ||
	    eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(k, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh)))
		return 0;
	sh = (const Elf64_Shdr *)(k->elf + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	if (!in_file(k, strtab->sh_offset, strtab->sh_size))
		return 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *name = (const char *)k->elf + strtab->sh_offset +
				   sh[i].sh_name;

		if (sh[i].sh_name >= strtab->sh_size ||
		    strncmp(name, "__xen_guest",
			    strtab->sh_size - sh[i].sh_name))
			continue;
		if (!in_file(k, sh[i].sh_offset, sh[i].sh_size))
			return 0;
		parse_legacy(k, (const char *)k->elf + sh[i].sh_offset,
			     sh[i].sh_size);
		return 1;
	}
	return 0;
}

int pv_kernel_parse_elf(struct pv_kernel *k, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k->elf;
	const Elf64_Phdr *ph;
	uint64_t pstart = UINT64_MAX, pend = 0;
	int notes = 0;

	if (k->elf_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(err, errlen, "not an ELF file");
	if (eh->e_ident[EI_CLASS] == ELFCLASS32)
		return fail(err, errlen,
			    "32-bit PV kernels are not supported yet");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return fail(err, errlen, "not an x86_64 ELF file");
	/* aligned, as the ELF spec wants: they are read in place */
	if (eh->e_phentsize != sizeof(*ph) || !eh->e_phnum ||
	    eh->e_phoff % _Alignof(Elf64_Phdr) ||
	    !in_file(k, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph)))
		return fail(err, errlen, "ELF program headers are corrupt");
	k->is_64bit = true;
	ph = (const Elf64_Phdr *)(k->elf + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE &&
		    in_file(k, ph[i].p_offset, ph[i].p_filesz))
			notes += parse_notes(k, ph[i].p_offset, ph[i].p_filesz);
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (!in_file(k, ph[i].p_offset, ph[i].p_filesz) ||
		    ph[i].p_filesz > ph[i].p_memsz ||
		    ph[i].p_paddr + ph[i].p_memsz < ph[i].p_paddr)
			return fail(err, errlen, "ELF segment is corrupt");
		if (ph[i].p_paddr < pstart)
			pstart = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > pend)
			pend = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (!notes) {
		if (!find_legacy(k, eh))
			return fail(err, errlen,
				    "no Xen ELF notes and no __xen_guest "
				    "section: not a Xen PV kernel");
		k->legacy_guest_string = true;
		if (k->paddr_offset == KERNEL_UNSET)
			k->paddr_offset = k->virt_base;
	}
	if (pend == 0)
		return fail(err, errlen, "ELF file has no loadable segment");
	if (!k->guest_os[0])
		return fail(err, errlen, "kernel names no GUEST_OS");
	if (k->loader[0] && strcmp(k->loader, "generic"))
		return fail(err, errlen, "kernel wants an unknown LOADER");
	if (k->xen_version[0] && strcmp(k->xen_version, "xen-3.0"))
		return fail(err, errlen, "kernel wants a XEN_VERSION other "
					 "than xen-3.0");
	if (k->virt_base == KERNEL_UNSET)
		k->virt_base = 0;
	if (k->paddr_offset == KERNEL_UNSET)
		k->paddr_offset = 0;
	if (k->entry == KERNEL_UNSET)
		k->entry = eh->e_entry;
	k->virt_kstart = PAGE_ALIGN_DOWN(pstart - k->paddr_offset +
					 k->virt_base);
	k->virt_kend = PAGE_ALIGN_UP(pend - k->paddr_offset + k->virt_base);
	if (k->virt_kend <= k->virt_kstart || k->entry < k->virt_kstart ||
	    k->entry >= k->virt_kend)
		return fail(err, errlen, "kernel entry point lies outside "
					 "its segments");
	if (k->hypercall_page != KERNEL_UNSET && k->legacy_guest_string)
		k->hypercall_page = k->virt_base + (k->hypercall_page << 12);
	if (k->hypercall_page != KERNEL_UNSET &&
	    (k->hypercall_page < k->virt_kstart ||
	     k->hypercall_page >= k->virt_kend || k->hypercall_page & 0xfff))
		return fail(err, errlen, "HYPERCALL_PAGE lies outside the "
					 "kernel or is not page aligned");
	return 0;
}

int pv_kernel_copy(const struct pv_kernel *k, uint8_t *dst, size_t dst_size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(k->elf + eh->e_phoff);

	if (k->virt_kend - k->virt_kstart > dst_size)
		return -ENOSPC;
	for (int i = 0; i < eh->e_phnum; i++) {
		uint64_t va;

		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		va = ph[i].p_paddr - k->paddr_offset + k->virt_base;
		memcpy(dst + (va - k->virt_kstart), k->elf + ph[i].p_offset,
		       ph[i].p_filesz);
		memset(dst + (va - k->virt_kstart) + ph[i].p_filesz, 0,
		       ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *size)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > KERNEL_MAX_SIZE) {
		close(fd);
		return -EFBIG;
	}
	*buf = malloc(st.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, *buf, st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(*buf);
		return -EIO;
	}
	*size = st.st_size;
	return 0;
}

/* A compressed kernel holds an ELF file or (rarely) a bzImage. */
static int open_compressed(struct pv_kernel *k, uint8_t *file, size_t size,
			   char *err, size_t errlen)
{
	uint8_t *raw;
	size_t raw_size;
	int rc;

	rc = decompress_kernel(file, size, KERNEL_MAX_SIZE, &raw, &raw_size,
			       err, errlen);
	if (rc)
		return rc;
	if (raw_size >= SELFMAG && !memcmp(raw, ELFMAG, SELFMAG)) {
		k->elf = raw;
		k->elf_size = raw_size;
		return 0;
	}
	rc = bzimage_extract(raw, raw_size, &k->elf, &k->elf_size, err, errlen);
	free(raw);
	return rc;
}

int pv_kernel_open(struct pv_kernel *k, const char *path, char *err,
		   size_t errlen)
{
	uint8_t *file = NULL;
	size_t size = 0;
	int rc;

	memset(k, 0, sizeof(*k));
	k->entry = k->virt_base = k->paddr_offset = k->hypercall_page =
		k->hv_start_low = k->init_p2m = k->mod_start_pfn =
			k->phys32_entry = KERNEL_UNSET;
	rc = read_file(path, &file, &size);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 rc == -EINVAL	? "not a regular non-empty file"
			 : rc == -EFBIG ? "larger than 1 GiB"
					: strerror(-rc));
		return rc;
	}
	if (size >= SELFMAG && !memcmp(file, ELFMAG, SELFMAG)) {
		k->elf = file;
		k->elf_size = size;
	} else if (compression_name(file, size)) {
		rc = open_compressed(k, file, size, err, errlen);
		free(file);
		if (rc)
			return rc;
	} else {
		rc = bzimage_extract(file, size, &k->elf, &k->elf_size, err,
				     errlen);
		free(file);
		if (rc)
			return rc;
	}
	rc = pv_kernel_parse_elf(k, err, errlen);
	if (rc)
		pv_kernel_free(k);
	return rc;
}

void pv_kernel_free(struct pv_kernel *k)
{
	free(k->elf);
	k->elf = NULL;
}
