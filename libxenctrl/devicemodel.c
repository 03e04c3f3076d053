// SPDX-License-Identifier: MIT
/*
 * libxendevicemodel.so.1.  Device-model operations act on HVM domains
 * (ioreq servers, emulated interrupts, the p2m): xenner runs PV guests
 * only and has no ioreq path, so they fail with EOPNOTSUPP and a log
 * line.  shutdown and nr_vcpus are answered by evtchnd.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xendevicemodel.h>

#include "shim.h"
#include "xenner/evtchn-client.h"

#define NO_RESTRICT UINT32_MAX

struct xendevicemodel_handle {
	pthread_mutex_t lock;
	struct evtchn_client *ec; /* connected on first use */
	uint32_t restrict_domid;
};

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
					   unsigned int open_flags)
{
	xendevicemodel_handle *h = calloc(1, sizeof(*h));

	(void)logger;
	(void)open_flags;
	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->restrict_domid = NO_RESTRICT;
	return h;
}

int xendevicemodel_close(xendevicemodel_handle *h)
{
	if (!h)
		return 0;
	if (h->ec) {
		evtchn_client_close(h->ec);
		free(h->ec);
	}
	pthread_mutex_destroy(&h->lock);
	free(h);
	return 0;
}

int xendevicemodel_restrict(xendevicemodel_handle *h, domid_t domid)
{
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	if (h->restrict_domid != NO_RESTRICT && h->restrict_domid != domid)
		ret = -1, errno = EPERM;
	else
		h->restrict_domid = domid;
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/* Locked; returns the connection or NULL with ret set to -errno. */
static struct evtchn_client *dm_client(xendevicemodel_handle *h, domid_t domid,
				       int *ret)
{
	if (h->restrict_domid != NO_RESTRICT && domid != h->restrict_domid) {
		*ret = -EPERM;
		return NULL;
	}
	if (h->ec)
		return h->ec;
	h->ec = calloc(1, sizeof(*h->ec));
	if (!h->ec) {
		*ret = -ENOMEM;
		return NULL;
	}
	*ret = evtchn_client_connect(h->ec, 0);
	if (*ret < 0) {
		log_err("xendevicemodel: cannot connect to evtchnd: %s",
			strerror(-*ret));
		free(h->ec);
		h->ec = NULL;
		return NULL;
	}
	return h->ec;
}

int xendevicemodel_shutdown(xendevicemodel_handle *h, domid_t domid,
			    unsigned int reason)
{
	struct evtchn_client *c;
	int ret;

	pthread_mutex_lock(&h->lock);
	c = dm_client(h, domid, &ret);
	if (c)
		ret = evtchn_client_shutdown(c, domid, reason);
	pthread_mutex_unlock(&h->lock);
	if (ret < 0)
		return errno = -ret, -1;
	return 0;
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *h, domid_t domid,
			    unsigned int *vcpus)
{
	struct evtchnd_dominfo info;
	struct evtchn_client *c;
	int ret;

	pthread_mutex_lock(&h->lock);
	c = dm_client(h, domid, &ret);
	if (c)
		ret = evtchn_client_getinfo(c, domid, &info);
	pthread_mutex_unlock(&h->lock);
	/* getinfo returns the next domain >= domid: insist on this one. */
	if (ret >= 0 && (uint32_t)ret != domid)
		ret = -ESRCH;
	if (ret < 0)
		return errno = -ret, -1;
	*vcpus = info.nr_vcpus;
	return 0;
}

#define DM_UNSUPPORTED(name, ...)                                              \
	int xendevicemodel_##name(xendevicemodel_handle *h, domid_t domid,     \
				  __VA_ARGS__)                                 \
	{                                                                      \
		(void)h;                                                       \
		(void)domid;                                                   \
		return SHIM_UNSUPPORTED(EOPNOTSUPP);                           \
	}

/* The parameters are unused by design: the operation does not exist. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

DM_UNSUPPORTED(create_ioreq_server, int handle_bufioreq, ioservid_t *id)
DM_UNSUPPORTED(get_ioreq_server_info, ioservid_t id, xen_pfn_t *ioreq_gfn,
	       xen_pfn_t *bufioreq_gfn, evtchn_port_t *bufioreq_port)
DM_UNSUPPORTED(map_io_range_to_ioreq_server, ioservid_t id, int is_mmio,
	       uint64_t start, uint64_t end)
DM_UNSUPPORTED(unmap_io_range_from_ioreq_server, ioservid_t id, int is_mmio,
	       uint64_t start, uint64_t end)
DM_UNSUPPORTED(map_mem_type_to_ioreq_server, ioservid_t id, uint16_t type,
	       uint32_t flags)
DM_UNSUPPORTED(map_pcidev_to_ioreq_server, ioservid_t id, uint16_t segment,
	       uint8_t bus, uint8_t device, uint8_t function)
DM_UNSUPPORTED(unmap_pcidev_from_ioreq_server, ioservid_t id, uint16_t segment,
	       uint8_t bus, uint8_t device, uint8_t function)
DM_UNSUPPORTED(destroy_ioreq_server, ioservid_t id)
DM_UNSUPPORTED(set_ioreq_server_state, ioservid_t id, int enabled)
DM_UNSUPPORTED(set_pci_intx_level, uint16_t segment, uint8_t bus,
	       uint8_t device, uint8_t intx, unsigned int level)
DM_UNSUPPORTED(set_isa_irq_level, uint8_t irq, unsigned int level)
DM_UNSUPPORTED(set_irq_level, unsigned int irq, unsigned int level)
DM_UNSUPPORTED(set_pci_link_route, uint8_t link, uint8_t irq)
DM_UNSUPPORTED(inject_msi, uint64_t msi_addr, uint32_t msi_data)
DM_UNSUPPORTED(track_dirty_vram, uint64_t first_pfn, uint32_t nr,
	       unsigned long *dirty_bitmap)
DM_UNSUPPORTED(modified_memory, uint64_t first_pfn, uint32_t nr)
DM_UNSUPPORTED(modified_memory_bulk,
	       struct xen_dm_op_modified_memory_extent extents[], uint32_t nr)
DM_UNSUPPORTED(set_mem_type, hvmmem_type_t mem_type, uint64_t first_pfn,
	       uint32_t nr)
DM_UNSUPPORTED(inject_event, int vcpu, uint8_t vector, uint8_t type,
	       uint32_t error_code, uint8_t insn_len, uint64_t extra)
DM_UNSUPPORTED(relocate_memory, uint32_t size, uint64_t src_gfn,
	       uint64_t dst_gfn)
DM_UNSUPPORTED(pin_memory_cacheattr, uint64_t start, uint64_t end,
	       uint32_t type)
