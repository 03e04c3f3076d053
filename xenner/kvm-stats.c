// SPDX-License-Identifier: MIT
/*
 * KVM's own per-vCPU counters (KVM_GET_STATS_FD): VM exits by reason,
 * emulated instructions, page faults.  emu's counters say what the guest
 * asked for; these say what it cost the host's KVM, which on hardware
 * virtualization is what decides speed (docs/bench.md).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xenner.h"
#include "xenner/log.h"

#define MAX_STATS 128

struct kvm_counter {
	char name[48];
	uint32_t offset; /* in the data block */
	uint64_t sum;
};

/* The plain counters of one vCPU's stats file, added into c[]. */
static int add_vcpu(int fd, struct kvm_counter *c, unsigned *n)
{
	struct kvm_stats_header h;
	size_t dsize;
	char *descs = NULL;
	int rc = 0;

	if (fd < 0)
		return fd;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.name_size > 256 ||
	    h.num_desc > 4096) {
		rc = -EIO;
		goto out;
	}
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsize * h.num_desc);
	if (!descs) {
		rc = -ENOMEM;
		goto out;
	}
	if (pread(fd, descs, dsize * h.num_desc, h.desc_offset) !=
	    (ssize_t)(dsize * h.num_desc)) {
		rc = -EIO;
		goto out;
	}
	for (unsigned i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsize);
		uint64_t v;
		unsigned j;

		/* counters only: no gauges, peaks, histograms or times */
		if ((d->flags & KVM_STATS_TYPE_MASK) !=
			    KVM_STATS_TYPE_CUMULATIVE ||
		    (d->flags & KVM_STATS_UNIT_MASK) != KVM_STATS_UNIT_NONE ||
		    d->size != 1)
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) !=
		    sizeof(v))
			continue;
		d->name[h.name_size - 1] = 0;
		for (j = 0; j < *n && strcmp(c[j].name, d->name); j++)
			;
		if (j == *n) {
			if (*n == MAX_STATS)
				continue;
			snprintf(c[j].name, sizeof(c[j].name), "%s", d->name);
			c[j].sum = 0;
			(*n)++;
		}
		c[j].sum += v;
	}
out:
	free(descs);
	return rc;
}

void kvm_stats_print(struct xenner *x, FILE *out)
{
	static struct kvm_counter c[MAX_STATS];
	unsigned n = 0;
	int rc = 0;

	for (unsigned i = 0; i < x->cfg.nr_vcpus && !rc; i++)
		if (x->vcpus[i].fd >= 0)
			rc = add_vcpu(x->vcpus[i].stats_fd, c, &n);
	if (rc) {
		fprintf(out, "  (no KVM statistics: KVM_GET_STATS_FD: %s)\n",
			strerror(-rc));
		return;
	}
	for (unsigned j = 0; j < n; j++)
		if (c[j].sum || !strcmp(c[j].name, "exits"))
			fprintf(out, "  kvm %-30s %12llu\n", c[j].name,
				(unsigned long long)c[j].sum);
}
