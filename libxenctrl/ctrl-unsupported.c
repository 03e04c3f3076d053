// SPDX-License-Identifier: MIT
/*
 * xc_* calls the stock binaries import (so they must exist: everything is
 * linked BIND_NOW) but that need a hypervisor: HVM parameters, physical
 * IRQs, PCI passthrough, I/O memory.  They fail like a Xen that lacks
 * the feature, with a log line the first time.
 */
#include <xenctrl.h>

#include "shim.h"

/* The parameters are unused by design: the operation does not exist. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define XC_UNSUPPORTED(err, name, ...)                                         \
	int name(xc_interface *xch, __VA_ARGS__)                               \
	{                                                                      \
		return SHIM_UNSUPPORTED(err);                                  \
	}

XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_pause, uint32_t domid)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_unpause, uint32_t domid)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_bind_pt_pci_irq, uint32_t domid,
	       uint8_t machine_irq, uint8_t bus, uint8_t device, uint8_t intx)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_iomem_permission, uint32_t domid,
	       unsigned long first_mfn, unsigned long nr_mfns,
	       uint8_t allow_access)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_ioport_mapping, uint32_t domid,
	       uint32_t first_gport, uint32_t first_mport, uint32_t nr_ports,
	       uint32_t add_mapping)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_memory_mapping, uint32_t domid,
	       unsigned long first_gfn, unsigned long first_mfn,
	       unsigned long nr_mfns, uint32_t add_mapping)
/* Guest memory is a fixed-size file: it cannot grow. */
XC_UNSUPPORTED(ENOMEM, xc_domain_populate_physmap_exact, uint32_t domid,
	       unsigned long nr_extents, unsigned int extent_order,
	       unsigned int mem_flags, xen_pfn_t *extent_start)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_unbind_msi_irq, uint32_t domid,
	       uint32_t gvec, uint32_t pirq, uint32_t gflags)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_unbind_pt_irq, uint32_t domid,
	       uint8_t machine_irq, uint8_t irq_type, uint8_t bus,
	       uint8_t device, uint8_t intx, uint8_t isa_irq)
XC_UNSUPPORTED(EOPNOTSUPP, xc_domain_update_msi_irq, uint32_t domid,
	       uint32_t gvec, uint32_t pirq, uint32_t gflags, uint64_t gtable)
/* HVM parameters do not exist for PV domains. */
XC_UNSUPPORTED(EOPNOTSUPP, xc_get_hvm_param, uint32_t dom, int param,
	       unsigned long *value)
XC_UNSUPPORTED(EOPNOTSUPP, xc_set_hvm_param, uint32_t dom, int param,
	       unsigned long value)
XC_UNSUPPORTED(EOPNOTSUPP, xc_physdev_map_pirq, uint32_t domid, int index,
	       int *pirq)
XC_UNSUPPORTED(EOPNOTSUPP, xc_physdev_map_pirq_msi, uint32_t domid, int index,
	       int *pirq, int devfn, int bus, int entry_nr, uint64_t table_base)
XC_UNSUPPORTED(EOPNOTSUPP, xc_physdev_unmap_pirq, uint32_t domid, int pirq)
/* There is no hypervisor console ring: xenner logs to its own stderr. */
XC_UNSUPPORTED(EOPNOTSUPP, xc_readconsolering, char *buffer,
	       unsigned int *pnr_chars, int clear, int incremental,
	       uint32_t *pindex)
