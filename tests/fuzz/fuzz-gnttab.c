// SPDX-License-Identifier: MIT
/*
 * The shim's grant-table and foreign-map checks (libxenctrl/gnttab*.c,
 * foreignmemory.c, shim-dom.c) against a vmcore the guest controls: its
 * domain note (grant-table frames, size, state) and its grant entries
 * come from the input, then a sequence of maps, grant copies, foreign
 * maps and unmaps through the public xengnttab/xenforeignmemory API, as
 * blkbackd, netbackd, xenstored and xenconsoled call it.  A vmcore of
 * TEST_NR_PAGES pages lives in a private run directory on /dev/shm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "../unit/shim-test-dom.h"
#include "fuzz.h"

#define DOMID	 1
#define MAX_MAPS 8
#define NR_ENTS	 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmcore vc;
static struct vmcore_domain good;

static void cleanup(void)
{
	test_dom_destroy(&vc);
	test_rundir_teardown();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet("fuzz-gnttab");
	if (test_rundir_setup() || test_dom_create(&vc, DOMID)) {
		fprintf(stderr, "fuzz-gnttab: cannot create the test domain\n");
		exit(1);
	}
	good = *vc.dom;
	atexit(cleanup);
	return 0;
}

/* The note and grant entries of this run. */
static void set_domain(struct fz *f)
{
	uint8_t k = fz_u8(f);

	*vc.dom = good;
	if (k & 1)
		vc.dom->nr_gnttab_frames = fz_u8(f);
	if (k & 2)
		for (int i = 0; i < 4; i++)
			vc.dom->gnttab_pfns[i] = (k & 4) ? fz_u64(f) : fz_u8(f);
	if (k & 8)
		vc.dom->state = fz_u8(f);
	if (k & 16)
		vc.dom->nr_pages = fz_u8(f);
	memset(test_frame(&vc, TEST_GNTTAB_PFN), 0, VMCORE_PAGE_SIZE);
	fz_bytes(f, test_frame(&vc, TEST_GNTTAB_PFN),
		 NR_ENTS * sizeof(grant_entry_v1_t));
}

struct maps {
	void *addr[MAX_MAPS];
	uint32_t count[MAX_MAPS];
	bool foreign[MAX_MAPS];
	unsigned int n;
};

static void map_grants(struct fz *f, xengnttab_handle *g, struct maps *m)
{
	uint32_t refs[8], count = fz_u8(f) % 8 + 1;
	int prot = (fz_u8(f) & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;

	for (uint32_t i = 0; i < count; i++)
		refs[i] = fz_u8(f) < 240 ? fz_u8(f) % NR_ENTS : fz_u32(f);
	p = xengnttab_map_domain_grant_refs(g, count, DOMID, refs, prot);
	if (!p || m->n == MAX_MAPS) {
		if (p)
			xengnttab_unmap(g, p, count);
		return;
	}
	/* Every mapped page is backed: touching it must not fault. */
	for (uint32_t i = 0; i < count; i++)
		((volatile uint8_t *)p)[i * VMCORE_PAGE_SIZE];
	m->addr[m->n] = p;
	m->count[m->n] = count;
	m->foreign[m->n++] = false;
}

static void copy(struct fz *f, xengnttab_handle *g)
{
	static uint8_t local[2 * VMCORE_PAGE_SIZE];
	xengnttab_grant_copy_segment_t segs[4];
	uint32_t count = fz_u8(f) % 4 + 1;

	for (uint32_t i = 0; i < count; i++) {
		uint8_t how = fz_u8(f);
		xengnttab_grant_copy_segment_t *s = &segs[i];

		memset(s, 0, sizeof(*s));
		s->flags = how & 3;
		s->len = fz_u16(f) % (VMCORE_PAGE_SIZE + 16);
		/* a local side is ours: the caller keeps it in its buffer */
		if (how & 1) {
			s->source.foreign.ref = fz_u8(f) % (NR_ENTS + 2);
			s->source.foreign.offset = fz_u16(f);
			s->source.foreign.domid = (how & 4) ? fz_u16(f) : DOMID;
		} else {
			s->source.virt = local + fz_u16(f) % VMCORE_PAGE_SIZE;
		}
		if (how & 2) {
			s->dest.foreign.ref = fz_u8(f) % (NR_ENTS + 2);
			s->dest.foreign.offset = fz_u16(f);
			s->dest.foreign.domid = (how & 8) ? fz_u16(f) : DOMID;
		} else {
			s->dest.virt = local + fz_u16(f) % VMCORE_PAGE_SIZE;
		}
		if (s->len > VMCORE_PAGE_SIZE && !(how & 3))
			s->len = VMCORE_PAGE_SIZE;
	}
	xengnttab_grant_copy(g, count, segs);
}

static void map_foreign(struct fz *f, xenforeignmemory_handle *fm,
			struct maps *m)
{
	xen_pfn_t pfns[8];
	int err[8];
	size_t count = fz_u8(f) % 8 + 1;
	uint8_t how = fz_u8(f);
	void *p;

	for (size_t i = 0; i < count; i++)
		pfns[i] = (how & 1) ? fz_u64(f) : fz_u8(f);
	p = xenforeignmemory_map2(fm, (how & 2) ? fz_u16(f) : DOMID, NULL,
				  (how & 4) ? PROT_READ
					    : PROT_READ | PROT_WRITE,
				  0, count, pfns, (how & 8) ? err : NULL);
	if (!p)
		return;
	for (size_t i = 0; i < count; i++)
		if (!(how & 8) || !err[i])
			((volatile uint8_t *)p)[i * VMCORE_PAGE_SIZE];
	if (m->n == MAX_MAPS) {
		xenforeignmemory_unmap(fm, p, count);
		return;
	}
	m->addr[m->n] = p;
	m->count[m->n] = count;
	m->foreign[m->n++] = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct maps m = {.n = 0};
	xengnttab_handle *g;
	xenforeignmemory_handle *fm;

	set_domain(&f);
	g = xengnttab_open(NULL, 0);
	fm = xenforeignmemory_open(NULL, 0);
	if (!g || !fm)
		abort();
	for (int i = 0; i < 16 && f.n; i++) {
		switch (fz_u8(&f) % 4) {
		case 0:
			map_grants(&f, g, &m);
			break;
		case 1:
			copy(&f, g);
			break;
		case 2:
			map_foreign(&f, fm, &m);
			break;
		default:
			if (m.n) {
				m.n--;
				if (m.foreign[m.n])
					xenforeignmemory_unmap(fm, m.addr[m.n],
							       m.count[m.n]);
				else
					xengnttab_unmap(g, m.addr[m.n],
							m.count[m.n]);
			}
		}
	}
	while (m.n--) {
		if (m.foreign[m.n])
			xenforeignmemory_unmap(fm, m.addr[m.n], m.count[m.n]);
		else
			xengnttab_unmap(g, m.addr[m.n], m.count[m.n]);
	}
	xengnttab_close(g);
	xenforeignmemory_close(fm);
	return 0;
}
