// SPDX-License-Identifier: MIT
/*
 * xen_version: we implement the 4.17 interface, as a domU sees it (Xen's
 * default XSM denies it the command line and the build id).
 */
#include <xen/features.h>
#include <xen/version.h>

#include "hypercall.h"

/*
 * Of what Xen 4.17 tells a 64-bit PV domU, only what emu implements:
 * MMU_PT_UPDATE_PRESERVE_AD, MMUEXT_{CLEAR,COPY}_PAGE, machine frames
 * visible to the guest (not translated), XENMEM_get_vnumainfo.
 * gnttab_map_avail_bits too: Linux 6.1 refuses to boot without it, and it
 * only concerns grant maps made by the guest, which emu refuses anyway.
 */
#define FEATURES                                                               \
	((1U << XENFEAT_mmu_pt_update_preserve_ad) |                           \
	 (1U << XENFEAT_highmem_assist) | (1U << XENFEAT_direct_mapped) |      \
	 (1U << XENFEAT_memory_op_vnode_supported) |                          \
	 (1U << XENFEAT_gnttab_map_avail_bits))

static const xen_capabilities_info_t capabilities = "xen-3.0-x86_64 ";
static const xen_changeset_info_t changeset = "xenner";
static const xen_extraversion_t extraversion = ".0-xenner";
static const xen_compile_info_t compile_info = {
	.compiler = "gcc",
	.compile_by = "xenner",
};
static const char denied[] = "<denied>";

static long copy_out(uint64_t arg, const void *src, size_t len)
{
	return copy_to_guest(arg, src, len) ? -XEN_EFAULT : 0;
}

static long get_features(uint64_t arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -XEN_EFAULT;
	if (fi.submap_idx != 0)
		return -XEN_EINVAL;
	fi.submap = FEATURES;
	if (__atomic_load_n(&vm_assist_bits, __ATOMIC_RELAXED) &
	    (1ULL << VMASST_TYPE_pae_extended_cr3))
		fi.submap |= 1U << XENFEAT_pae_pgdir_above_4gb;
	return copy_out(arg, &fi, sizeof(fi));
}

long hc_xen_version(struct emu_cpu *cpu, uint64_t cmd, uint64_t arg,
		    uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)cpu, (void)a3, (void)a4, (void)a5;
	/* Xen takes cmd as int */
	switch ((uint32_t)cmd) {
	case XENVER_version:
		return (4 << 16) | 17;
	case XENVER_extraversion:
		return copy_out(arg, extraversion, sizeof(extraversion));
	case XENVER_compile_info:
		return copy_out(arg, &compile_info, sizeof(compile_info));
	case XENVER_capabilities:
		return copy_out(arg, capabilities, sizeof(capabilities));
	case XENVER_changeset:
		return copy_out(arg, changeset, sizeof(changeset));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters p = {
			.virt_start = XEN_VIRT_START,
		};

		return copy_out(arg, &p, sizeof(p));
	}
	case XENVER_get_features:
		return get_features(arg);
	case XENVER_pagesize:
		return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
	case XENVER_guest_handle: {
		/* emu is not told the domain's UUID */
		static const xen_domain_handle_t handle;

		return copy_out(arg, handle, sizeof(handle));
	}
	case XENVER_commandline:
		return copy_out(arg, denied, sizeof(denied));
	case XENVER_build_id:
		return -XEN_EPERM;
	default:
		return -XEN_ENOSYS;
	}
}
