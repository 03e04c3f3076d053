// SPDX-License-Identifier: MIT
/*
 * The domain builder: what Xen's toolstack does for an x86_64 PV guest.
 * From VIRT_BASE on, pseudo-physical frame N is mapped at VIRT_BASE + N*4K:
 *   kernel | initrd | p2m list | start_info | xenstore | console |
 *   page tables (mapped read-only) | boot stack | padding to 4 MiB
 * with at least 512 KiB of padding, as Xen guarantees.  A kernel that
 * names INIT_P2M gets the p2m list at that address instead, in frames
 * after the boot image (start_info's first_p2m_pfn/nr_p2m_frames).  Frames Xen would
 * own (shared_info, grant table) come after the guest's RAM.
 */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include "xenner.h"
#include "xenner/log.h"

#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_US 0x004ULL
#define PTE_A  0x020ULL
#define PTE_D  0x040ULL
#define PAGE   4096ULL
#define ROUND_UP(v, a) (((v) + (a) - 1) & ~((a) - 1))

struct layout {
	uint64_t base; /* VIRT_BASE: pfn 0 */
	uint64_t initrd_va, initrd_len;
	uint64_t p2m_va, p2m_pages;
	uint64_t p2m_pfn; /* first frame of the p2m list */
	bool p2m_apart;	  /* mapped at the kernel's INIT_P2M, not above */
	uint64_t start_info_va, store_va, console_va;
	uint64_t pt_va, pt_pages;
	uint64_t stack_va;
	uint64_t end;
};

static uint64_t pfn_of(const struct layout *l, uint64_t va)
{
	return (va - l->base) / PAGE;
}

static uint64_t span(uint64_t start, uint64_t end, unsigned shift)
{
	return ((end - 1) >> shift) - (start >> shift) + 1;
}

static uint64_t tables_for(uint64_t start, uint64_t end)
{
	return 1 + span(start, end, 39) + span(start, end, 30) +
	       span(start, end, 21);
}

static int load_initrd(struct xenner *x, struct layout *l, uint64_t va)
{
	struct stat st;
	ssize_t n;
	int fd;

	l->initrd_va = va;
	l->initrd_len = 0;
	if (!x->cfg.initrd)
		return 0;
	fd = open(x->cfg.initrd, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_err("cannot read initrd %s: %s", x->cfg.initrd,
			fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > (x->nr_pages - pfn_of(l, va)) * PAGE) {
		log_err("initrd %s (%lld bytes) does not fit in %llu MiB",
			x->cfg.initrd, (long long)st.st_size,
			(unsigned long long)x->cfg.mem_mb);
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, x->ram + pfn_of(l, va) * PAGE, st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		log_err("short read of initrd %s", x->cfg.initrd);
		return -EIO;
	}
	l->initrd_len = st.st_size;
	return 0;
}

/* An INIT_P2M range must be canonical, in the guest's half, below the kernel. */
static bool guest_va_free(uint64_t va, uint64_t len)
{
	return va + len > va && va + len <= 0x800000000000ULL;
}

static int plan(struct xenner *x, struct layout *l)
{
	const struct pv_kernel *k = &x->kernel;
	uint64_t v, n = 0, need;
	int rc;

	l->base = k->virt_base;
	rc = pv_kernel_copy(k, x->ram + pfn_of(l, k->virt_kstart) * PAGE,
			    (x->nr_pages - pfn_of(l, k->virt_kstart)) * PAGE);
	if (rc) {
		log_err("the kernel does not fit in %llu MiB",
			(unsigned long long)x->cfg.mem_mb);
		return rc;
	}
	rc = load_initrd(x, l, k->virt_kend);
	if (rc)
		return rc;
	v = ROUND_UP(l->initrd_va + l->initrd_len, PAGE);
	l->p2m_pages = ROUND_UP(x->nr_pages * 8, PAGE) / PAGE;
	l->p2m_apart = k->init_p2m != KERNEL_UNSET && !(k->init_p2m & 0xfff) &&
		       guest_va_free(k->init_p2m, l->p2m_pages * PAGE);
	if (!l->p2m_apart) {
		l->p2m_va = v;
		v += l->p2m_pages * PAGE;
	} else {
		l->p2m_va = k->init_p2m;
	}
	l->start_info_va = v;
	l->store_va = v + PAGE;
	l->console_va = v + 2 * PAGE;
	l->pt_va = v + 3 * PAGE;
	for (;;) {
		l->stack_va = l->pt_va + n * PAGE;
		l->end = ROUND_UP(l->stack_va + PAGE + (512 << 10), 4 << 20);
		need = tables_for(l->base, l->end);
		if (l->p2m_apart) /* its own L3/L2/L1s; the L4 is shared */
			need += tables_for(l->p2m_va,
					   l->p2m_va + l->p2m_pages * PAGE) - 1;
		if (need <= n)
			break;
		n = need;
	}
	l->pt_pages = n;
	l->p2m_pfn = l->p2m_apart ? pfn_of(l, l->end) : pfn_of(l, l->p2m_va);
	need = pfn_of(l, l->end) + (l->p2m_apart ? l->p2m_pages : 0);
	if (need > x->nr_pages) {
		/* rounded up: "needs 64 MiB; the guest has 64" helps no one */
		log_err("the boot image needs %llu MiB; the guest has %llu MiB",
			(unsigned long long)((need + 255) >> 8),
			(unsigned long long)x->cfg.mem_mb);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Maps [va, end) to frames from first_pfn on, taking page-table frames
 * from *next; frames in [pt_first, pt_end) are mapped read-only.
 */
static void map_range(struct xenner *x, uint64_t *l4, uint64_t va,
		      uint64_t end, uint64_t first_pfn, uint64_t *next,
		      uint64_t pt_first, uint64_t pt_end)
{
	for (uint64_t pfn = first_pfn; va < end; va += PAGE, pfn++) {
		uint64_t *t = l4;
		unsigned shift;

		for (shift = 39; shift > 12; shift -= 9) {
			uint64_t *e = &t[(va >> shift) & 511];

			if (!*e)
				*e = ((*next)++ * PAGE) | PTE_P | PTE_RW |
				     PTE_US | PTE_A;
			t = (uint64_t *)(x->ram + (*e & 0x000ffffffffff000ULL));
		}
		/* Page tables are read-only to the guest, as on Xen. */
		t[(va >> 12) & 511] = pfn * PAGE | PTE_P | PTE_US | PTE_A |
				      ((pfn >= pt_first && pfn < pt_end)
					       ? 0
					       : PTE_RW | PTE_D);
	}
}

/* Builds the boot page tables inside [pt_va, pt_va + pt_pages). */
static void build_page_tables(struct xenner *x, const struct layout *l)
{
	uint64_t next = pfn_of(l, l->pt_va), l4_pfn = next++;
	uint64_t *l4 = (uint64_t *)(x->ram + l4_pfn * PAGE);
	uint64_t pt_first = pfn_of(l, l->pt_va),
		 pt_end = pt_first + l->pt_pages;

	memset(x->ram + pt_first * PAGE, 0, l->pt_pages * PAGE);
	map_range(x, l4, l->base, l->end, 0, &next, pt_first, pt_end);
	if (l->p2m_apart)
		map_range(x, l4, l->p2m_va, l->p2m_va + l->p2m_pages * PAGE,
			  l->p2m_pfn, &next, pt_first, pt_end);
	l4[EMU_L4_SLOT_M2P_XEN] = x->boot->emu_l4e[0];
	l4[EMU_L4_SLOT_M2P] = x->boot->emu_l4e[0];
	l4[EMU_L4_SLOT_EMU] = x->boot->emu_l4e[1];
	l4[EMU_L4_SLOT_PHYSMAP] = x->boot->emu_l4e[2];
	x->boot->guest_cr3 = l4_pfn * PAGE;
}

/* 32-byte stubs as Xen writes them: syscall from guest kernel mode. */
static void build_hypercall_page(struct xenner *x, const struct layout *l)
{
	uint8_t *p;

	if (x->kernel.hypercall_page == KERNEL_UNSET)
		return;
	p = x->ram + pfn_of(l, x->kernel.hypercall_page) * PAGE;
	memset(p, 0xcc, PAGE);
	for (unsigned i = 0; i < PAGE / 32; i++, p += 32) {
		static const uint8_t stub[] = {
			0x51,		    /* push %rcx */
			0x41, 0x53,	    /* push %r11 */
			0xb8, 0, 0, 0, 0,   /* mov $i, %eax */
			0x0f, 0x05,	    /* syscall */
			0x41, 0x5b,	    /* pop %r11 */
			0x59,		    /* pop %rcx */
			0xc3,		    /* ret */
		};
		static const uint8_t iret[] = {
			0x51, 0x41, 0x53, 0x50, /* push rcx, r11, rax */
			0xb8, __HYPERVISOR_iret, 0, 0, 0,
			0x0f, 0x05,		/* syscall */
			0x0f, 0x0b,		/* ud2 */
		};

		if (i == __HYPERVISOR_iret) {
			memcpy(p, iret, sizeof(iret));
			continue;
		}
		memcpy(p, stub, sizeof(stub));
		memcpy(p + 4, &i, 4);
	}
}

static void grant(struct xenner *x, unsigned ref, uint64_t frame)
{
	grant_entry_v1_t *gt = (grant_entry_v1_t *)(x->ram +
			       x->boot->gnttab_first_pfn * PAGE);

	gt[ref].domid = 0;
	gt[ref].frame = frame;
	__atomic_store_n(&gt[ref].flags, GTF_permit_access, __ATOMIC_RELEASE);
}

int start_of_day(struct xenner *x)
{
	struct layout l;
	start_info_t *si;
	uint64_t *p2m;
	struct vmcore_domain *d = x->vmcore.dom;
	int rc = plan(x, &l);

	if (rc)
		return rc;
	p2m = (uint64_t *)(x->ram + l.p2m_pfn * PAGE);
	for (uint64_t pfn = 0; pfn < x->nr_pages; pfn++)
		p2m[pfn] = pfn;
	build_page_tables(x, &l);
	build_hypercall_page(x, &l);

	si = (start_info_t *)(x->ram + pfn_of(&l, l.start_info_va) * PAGE);
	memset(si, 0, PAGE);
	snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
	si->nr_pages = x->nr_pages;
	si->shared_info = x->boot->shared_info_pfn * PAGE;
	si->pt_base = l.pt_va;
	si->nr_pt_frames = l.pt_pages;
	si->mfn_list = l.p2m_va;
	if (l.p2m_apart) {
		si->first_p2m_pfn = l.p2m_pfn;
		si->nr_p2m_frames = l.p2m_pages;
	}
	si->mod_start = l.initrd_len ? l.initrd_va : 0;
	si->mod_len = l.initrd_len;
	si->store_mfn = pfn_of(&l, l.store_va);
	si->store_evtchn = x->store_port;
	si->console.domU.mfn = pfn_of(&l, l.console_va);
	si->console.domU.evtchn = x->console_port;
	if (x->cfg.cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s",
			 x->cfg.cmdline);
	memset(x->ram + si->store_mfn * PAGE, 0, PAGE);
	memset(x->ram + si->console.domU.mfn * PAGE, 0, PAGE);

	/* Xen starts a vCPU with its event upcalls masked. */
	{
		shared_info_t *sh = (shared_info_t *)(x->ram +
				    x->boot->shared_info_pfn * PAGE);

		memset(sh, 0, PAGE);
		for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
			sh->vcpu_info[i].evtchn_upcall_mask = 1;
	}
	memset(x->ram + x->boot->gnttab_first_pfn * PAGE, 0,
	       XENNER_GNTTAB_FRAMES * PAGE);
	grant(x, GNTTAB_RESERVED_CONSOLE, si->console.domU.mfn);
	grant(x, GNTTAB_RESERVED_XENSTORE, si->store_mfn);

	x->boot->guest_entry = x->kernel.entry;
	x->boot->guest_stack = l.stack_va + PAGE;
	x->boot->start_info_va = l.start_info_va;

	d->shared_info_pfn = x->boot->shared_info_pfn;
	d->start_info_pfn = pfn_of(&l, l.start_info_va);
	d->p2m_pfn = l.p2m_pfn;
	d->nr_p2m_frames = l.p2m_pages;
	d->store_pfn = si->store_mfn;
	d->console_pfn = si->console.domU.mfn;
	d->store_port = x->store_port;
	d->console_port = x->console_port;
	for (unsigned i = 0; i < XENNER_GNTTAB_FRAMES; i++)
		d->gnttab_pfns[i] = x->boot->gnttab_first_pfn + i;
	d->nr_gnttab_frames = XENNER_GNTTAB_FRAMES;
	log_debug("start of day: kernel %llx-%llx entry %llx, start_info %llx, "
		  "%llu page-table frames, boot image ends at %llx",
		  (unsigned long long)x->kernel.virt_kstart,
		  (unsigned long long)x->kernel.virt_kend,
		  (unsigned long long)x->kernel.entry,
		  (unsigned long long)l.start_info_va,
		  (unsigned long long)l.pt_pages, (unsigned long long)l.end);
	return 0;
}
