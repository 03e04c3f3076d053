// SPDX-License-Identifier: MIT
/*
 * mmu_update, mmuext_op, update_va_mapping: the guest changes its page
 * tables through emu, which checks each entry (mm.c).  TLB operations for
 * other vCPUs reach them by IPI (smp.c).
 */
#include "hypercall.h"
#include "mm.h"
#include "smp.h"

static inline int pt_update(uint64_t ptr, uint64_t val, bool preserve_ad)
{
	uint64_t mfn = ptr >> 12, *pte;
	unsigned slot = (ptr & 0xfff) / 8, type;
	int rc;

	if (ptr & 7 || mfn >= boot->nr_pages)
		return -XEN_EINVAL;
	type = *frame_type(mfn);
	if (type == FRAME_L4 && l4_slot_reserved(slot))
		return -XEN_EINVAL;
	/* a pinned table's level is known; else checked as an L2 */
	rc = check_pte(val, pt_level(type, 2));
	if (rc)
		return rc;
	pte = maddr_to_virt(ptr & ~7ULL);
	if (preserve_ad)
		val |= *pte & (PTE_A | PTE_D);
	/* an untyped frame: adjusted as an L1 (its level is unknown) */
	*pte = pv_adjust_pte_level(val, pt_level(type, 1));
	return 0;
}

long hc_mmu_update(struct emu_cpu *cpu, uint64_t reqs, uint64_t count,
		   uint64_t done_ptr, uint64_t foreigndom, uint64_t a5)
{
	struct mmu_update u;
	uint64_t i;
	long rc = 0;

	(void)a5;
	if ((uint16_t)foreigndom != DOMID_SELF &&
	    (uint16_t)foreigndom != boot->domid)
		return -XEN_EPERM;
	for (i = 0; i < count; i++) {
		if (copy_from_guest(&u, reqs + i * sizeof(u), sizeof(u))) {
			rc = -XEN_EFAULT;
			break;
		}
		switch (u.ptr & 3) {
		case MMU_NORMAL_PT_UPDATE:
		case MMU_PT_UPDATE_NO_TRANSLATE:
			rc = pt_update(u.ptr & ~3ULL, u.val, false);
			break;
		case MMU_PT_UPDATE_PRESERVE_AD:
			rc = pt_update(u.ptr & ~3ULL, u.val, true);
			break;
		case MMU_MACHPHYS_UPDATE:
			if (!mfn_valid(u.ptr >> 12)) {
				rc = -XEN_EINVAL;
				break;
			}
			((uint64_t *)(EMU_VA + EMU_OFF_M2P))[u.ptr >> 12] =
				u.val;
			break;
		}
		if (rc)
			break;
	}
	(void)cpu;
	if (done_ptr && copy_to_guest(done_ptr, &i, sizeof(uint32_t)))
		return -XEN_EFAULT;
	return rc;
}

static void flush(unsigned type, uint64_t va)
{
	if (type == UVMF_INVLPG)
		invlpg(va);
	else if (type == UVMF_TLB_FLUSH)
		flush_tlb_local();
}

/*
 * The vCPUs a MULTI/ALL operation names, as a bitmap; bit 0 for vCPU 0.
 * UVMF_ALL (and the _ALL mmuext ops) pass SMP_ALL_VCPUS, MULTI a guest
 * pointer to Xen's vcpumask (xen_ulong_t words).
 */
static int vcpumask(uint64_t handle, uint64_t *mask)
{
	if (copy_from_guest(mask, handle, sizeof(*mask)))
		return -XEN_EFAULT;
	return 0;
}

long hc_update_va_mapping(struct emu_cpu *cpu, uint64_t va, uint64_t val,
			  uint64_t flags, uint64_t a4, uint64_t a5)
{
	uint64_t *pte;
	int rc;

	(void)a4, (void)a5;
	if (!guest_range_ok(va, 1))
		return -XEN_EINVAL;
	pte = walk_l1(read_cr3(), va);
	if (!pte || (uint64_t)pte - EMU_PHYSMAP_VA >= boot->nr_pages * PAGE_SIZE)
		return -XEN_EINVAL;
	rc = check_pte(val, 1);
	if (rc)
		return rc;
	*pte = pv_adjust_pte(val);
	flush(flags & UVMF_FLUSHTYPE_MASK, va);
	/* flags & ~UVMF_FLUSHTYPE_MASK: UVMF_LOCAL, UVMF_ALL or a vcpumask */
	if ((flags & UVMF_FLUSHTYPE_MASK) && (flags & ~UVMF_FLUSHTYPE_MASK) &&
	    boot->nr_vcpus > 1) {
		uint64_t mask = SMP_ALL_VCPUS;

		if ((flags & ~UVMF_FLUSHTYPE_MASK) != UVMF_ALL &&
		    vcpumask(flags & ~UVMF_FLUSHTYPE_MASK, &mask))
			return -XEN_EFAULT;
		smp_flush_tlbs(cpu, mask);
	}
	return 0;
}

/*
 * Pinning (and loading) a table validates its whole tree, as Xen does:
 * every entry is made user-accessible (pv_adjust_pte) and must point into
 * the domain.  The walk runs on the host, where it is fast.
 */
static int validate_tree(struct emu_cpu *cpu, uint64_t mfn, unsigned level)
{
	cpu->page->arg0 = mfn;
	cpu->page->arg1 = level;
	return emu_exit(cpu, EMU_REQ_PIN);
}

int mmu_pin_root(struct emu_cpu *cpu, uint64_t mfn)
{
	if (mfn >= boot->nr_pages)
		return -XEN_EINVAL;
	if (*frame_type(mfn) != FRAME_L4) {
		int rc = validate_tree(cpu, mfn, 4);

		if (rc)
			return rc;
	}
	install_emu_slots(mfn);
	return 0;
}

static int new_baseptr(struct emu_cpu *cpu, uint64_t mfn, bool user)
{
	int rc;

	if (user && mfn == 0) {
		cpu->cr3_user = 0;
		return 0;
	}
	rc = mmu_pin_root(cpu, mfn);
	if (rc)
		return rc;
	if (user) {
		cpu->cr3_user = mfn * PAGE_SIZE;
		return 0;
	}
	cpu->cr3_kernel = mfn * PAGE_SIZE;
	if (cpu->kernel_mode)
		write_cr3(cpu->cr3_kernel);
	return 0;
}

/*
 * TLB_FLUSH_MULTI/ALL, INVLPG_MULTI/ALL: this vCPU flushes at once if
 * named (the local part, as before), the others by IPI; a remote INVLPG
 * is a whole flush there (a superset).  va 0: a whole flush here too.
 */
static int flush_others(struct emu_cpu *cpu, const struct mmuext_op *op,
			uint64_t va)
{
	bool all = op->cmd == MMUEXT_TLB_FLUSH_ALL ||
		   op->cmd == MMUEXT_INVLPG_ALL;
	uint64_t mask = SMP_ALL_VCPUS;

	/* one vCPU: no mask to read, a local flush (a superset) */
	if (boot->nr_vcpus > 1 && !all &&
	    vcpumask((uint64_t)op->arg2.vcpumask.p, &mask))
		return -XEN_EFAULT;
	if (mask & (1ULL << cpu->id)) {
		if (va)
			invlpg(va);
		else
			flush_tlb_local();
	}
	if (boot->nr_vcpus > 1)
		smp_flush_tlbs(cpu, mask);
	return 0;
}

static int mmuext(struct emu_cpu *cpu, const struct mmuext_op *op)
{
	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
		if (op->arg1.mfn >= boot->nr_pages)
			return -XEN_EINVAL;
		return validate_tree(cpu, op->arg1.mfn,
				     1 + op->cmd - MMUEXT_PIN_L1_TABLE);
	case MMUEXT_PIN_L4_TABLE: {
		int rc;

		if (op->arg1.mfn >= boot->nr_pages)
			return -XEN_EINVAL;
		rc = validate_tree(cpu, op->arg1.mfn, 4);
		if (!rc)
			install_emu_slots(op->arg1.mfn);
		return rc;
	}
	case MMUEXT_UNPIN_TABLE:
		if (op->arg1.mfn >= boot->nr_pages)
			return -XEN_EINVAL;
		if (op->arg1.mfn * PAGE_SIZE != cpu->cr3_kernel &&
		    op->arg1.mfn * PAGE_SIZE != cpu->cr3_user)
			*frame_type(op->arg1.mfn) = FRAME_NONE;
		return 0;
	case MMUEXT_NEW_BASEPTR:
		return new_baseptr(cpu, op->arg1.mfn, false);
	case MMUEXT_NEW_USER_BASEPTR:
		return new_baseptr(cpu, op->arg1.mfn, true);
	case MMUEXT_TLB_FLUSH_LOCAL:
		flush_tlb_local();
		return 0;
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
		return flush_others(cpu, op, 0);
	case MMUEXT_INVLPG_LOCAL:
		if (!guest_range_ok(op->arg1.linear_addr, 1))
			return -XEN_EINVAL;
		invlpg(op->arg1.linear_addr);
		return 0;
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_INVLPG_ALL:
		if (!guest_range_ok(op->arg1.linear_addr, 1))
			return -XEN_EINVAL;
		return flush_others(cpu, op, op->arg1.linear_addr);
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		return 0; /* guest RAM is ordinary host memory */
	case MMUEXT_SET_LDT:
		/* no LDTs yet: only "none" can be honoured */
		return op->arg2.nr_ents ? -XEN_ENOSYS : 0;
	case MMUEXT_CLEAR_PAGE:
		if (op->arg1.mfn >= boot->nr_pages)
			return -XEN_EINVAL;
		memset(maddr_to_virt(op->arg1.mfn * PAGE_SIZE), 0, PAGE_SIZE);
		return 0;
	case MMUEXT_COPY_PAGE:
		if (op->arg1.mfn >= boot->nr_pages ||
		    !mfn_valid(op->arg2.src_mfn))
			return -XEN_EINVAL;
		memcpy(maddr_to_virt(op->arg1.mfn * PAGE_SIZE),
		       maddr_to_virt(op->arg2.src_mfn * PAGE_SIZE), PAGE_SIZE);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

long hc_mmuext_op(struct emu_cpu *cpu, uint64_t ops, uint64_t count,
		  uint64_t done_ptr, uint64_t foreigndom, uint64_t a5)
{
	struct mmuext_op op;
	uint64_t i;
	long rc = 0;

	(void)a5;
	if ((uint16_t)foreigndom != DOMID_SELF &&
	    (uint16_t)foreigndom != boot->domid)
		return -XEN_EPERM;
	for (i = 0; i < count; i++) {
		if (copy_from_guest(&op, ops + i * sizeof(op), sizeof(op))) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = mmuext(cpu, &op);
		if (rc)
			break;
	}
	if (done_ptr && copy_to_guest(done_ptr, &i, sizeof(uint32_t)))
		return -XEN_EFAULT;
	return rc;
}
