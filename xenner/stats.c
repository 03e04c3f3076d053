// SPDX-License-Identifier: MIT
/* emu's counters of this domain, summed over its vCPUs. */
#include <stdio.h>

#include "xenner.h"
#include "xenner/emu-stats.h"

void stats_print(struct xenner *x, FILE *out)
{
	struct emu_counters sum = { 0 };

	for (unsigned i = 0; i < x->cfg.nr_vcpus; i++)
		emu_counters_add(&sum, &x->vcpus[i].page->counters);
	fprintf(out, "xenner: ");
	emu_counters_print(out, x->domid, &sum);
	kvm_stats_print(x, out);
}
