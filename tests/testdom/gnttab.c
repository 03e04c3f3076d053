// SPDX-License-Identifier: MIT
#include <errno.h>

#include "barrier.h"
#include "gnttab.h"

int gnttab_grant_access(struct grant_entry_v1 *table, size_t nr_entries,
			grant_ref_t ref, domid_t domid, uint32_t frame,
			bool readonly)
{
	struct grant_entry_v1 *e;

	if (ref >= nr_entries)
		return -EINVAL;
	e = &table[ref];
	if (ring_read_once(e->flags) & GTF_type_mask)
		return -EBUSY;
	e->domid = domid;
	e->frame = frame;
	/* The mapper must never see the flags before domid and frame. */
	ring_wmb();
	ring_write_once(e->flags, (uint16_t)(GTF_permit_access |
					     (readonly ? GTF_readonly : 0)));
	return 0;
}

int gnttab_end_access(struct grant_entry_v1 *table, size_t nr_entries,
		      grant_ref_t ref)
{
	struct grant_entry_v1 *e;
	uint16_t flags;

	if (ref >= nr_entries)
		return -EINVAL;
	e = &table[ref];
	flags = ring_read_once(e->flags);
	if (flags & (GTF_reading | GTF_writing))
		return -EBUSY;
	/* Only clear what we saw: the peer may set reading/writing now. */
	if (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -EBUSY;
	return 0;
}
