// SPDX-License-Identifier: MIT
/*
 * Block I/O benchmark run inside a guest (and on the host) by bench/blk.
 * Built static (gcc -static -O2) so it runs from the busybox initramfs.
 *
 *   xenner-blkbench [-r REGION_MIB] [-b SEQ_KIB] [-n RAND_OPS] [-R REPS]
 *                   TEST PATH
 *
 * PATH is a block device (/dev/xvda, /dev/vda) or an image file, opened
 * with O_DIRECT so that neither the guest's nor the host's page cache
 * serves a request. TEST is
 *   seqwrite   the first REGION_MIB MiB written in SEQ_KIB requests,
 *              then fsync (part of the time: a write is only done when
 *              it is on the disk)
 *   seqread    the same region read in SEQ_KIB requests
 *   randwrite  RAND_OPS 4 KiB writes at 4 KiB-aligned offsets inside the
 *              region from a fixed-seed generator, then fsync
 *   randread   RAND_OPS 4 KiB reads, likewise
 *   none       all of the above but the requests: opens PATH, sets up
 *              the buffer, prints nothing (bench/blk's baseline boot, so
 *              that the difference of emu's counters is the I/O alone)
 * Each of REPS rounds runs the whole pass; the line printed has the median
 * round:
 *
 *   XENNER-BLKBENCH seqread mb_per_s=90.078 iops=85.9 us_per_req=11640.7
 *     reqs=64 bs=1048576 reps=3 min_mb_per_s=.. max_mb_per_s=.. dev_rw=1536
 *
 * (one line). MB is 10^6 bytes; reqs counts read()/write() calls per
 * round. dev_rw is the number of reads plus writes the block device
 * completed over all rounds (/sys/dev/block/MAJ:MIN/stat, so after the
 * block layer merged or split them; "-" for a file); the flush of an
 * fsync may count as one write.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_REPS 101
#define RAND_BS	 4096
#define MIB	 (1024ull * 1024)

struct opts {
	uint64_t region; /* bytes */
	size_t seq_bs;
	long rand_ops;
	long reps;
};

/* xorshift64: the same buffer and offsets on every setup */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One request; a short transfer is an error (O_DIRECT, inside the disk). */
static void xfer(int fd, bool write, void *buf, size_t len, uint64_t off)
{
	ssize_t n =
		write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n < 0)
		die(write ? "pwrite" : "pread");
	if ((size_t)n != len) {
		fprintf(stderr, "xenner-blkbench: short %s at %llu: %zd\n",
			write ? "write" : "read", (unsigned long long)off, n);
		exit(1);
	}
}

/* One round; returns the requests it made. */
static long run_seq(int fd, bool write, void *buf, const struct opts *o)
{
	long reqs = 0;

	for (uint64_t off = 0; off < o->region; off += o->seq_bs, reqs++)
		xfer(fd, write, buf, o->seq_bs, off);
	if (write && fsync(fd))
		die("fsync");
	return reqs;
}

static long run_rand(int fd, bool write, void *buf, const struct opts *o)
{
	uint64_t blocks = o->region / RAND_BS;

	for (long i = 0; i < o->rand_ops; i++)
		xfer(fd, write, buf, RAND_BS, next_rand() % blocks * RAND_BS);
	if (write && fsync(fd))
		die("fsync");
	return o->rand_ops;
}

struct test {
	const char *name;
	long (*run)(int fd, bool write, void *buf, const struct opts *o);
	bool write;
};

static const struct test tests[] = {
	{.name = "seqwrite", .run = run_seq, .write = true},
	{.name = "seqread", .run = run_seq},
	{.name = "randwrite", .run = run_rand, .write = true},
	{.name = "randread", .run = run_rand},
	{.name = "none"},
};

/* Reads plus writes completed by the block device behind fd, or -1. */
static long long dev_rw(int fd)
{
	unsigned long long rd, rd_m, rd_s, rd_t, wr;
	char path[64];
	struct stat st;
	FILE *f;
	int n;

	if (fstat(fd, &st) || !S_ISBLK(st.st_mode))
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat",
		 major(st.st_rdev), minor(st.st_rdev));
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu %llu %llu %llu", &rd, &rd_m, &rd_s, &rd_t,
		   &wr);
	fclose(f);
	return n == 5 ? (long long)(rd + wr) : -1;
}

static uint64_t disk_size(int fd)
{
	struct stat st;
	uint64_t size;

	if (fstat(fd, &st))
		die("fstat");
	if (!S_ISBLK(st.st_mode))
		return st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &size))
		die("BLKGETSIZE64");
	return size;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenner-blkbench [-r REGION_MIB] [-b SEQ_KIB] "
		"[-n RAND_OPS] [-R REPS]\n"
		"       seqwrite|seqread|randwrite|randread|none PATH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {64 * MIB, 1024 * 1024, 1000, 1};
	const struct test *t = NULL;
	double mbs[MAX_REPS], med, iops;
	long long rw0, rw1;
	long reqs = 0;
	size_t bs;
	void *buf;
	int c, fd;

	bench_prog = "xenner-blkbench";
	while ((c = getopt(argc, argv, "r:b:n:R:")) != -1) {
		switch (c) {
		case 'r':
			o.region = arg_long(optarg, 1, 1 << 20) * MIB;
			break;
		case 'b':
			o.seq_bs = arg_long(optarg, 4, 64 * 1024) * 1024;
			break;
		case 'n':
			o.rand_ops = arg_long(optarg, 1, 1000000000);
			break;
		case 'R':
			o.reps = arg_long(optarg, 1, MAX_REPS);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[optind], tests[i].name))
			t = &tests[i];
	if (!t) {
		fprintf(stderr, "xenner-blkbench: unknown test '%s'\n",
			argv[optind]);
		usage();
	}
	if (o.seq_bs % RAND_BS || o.region % o.seq_bs) {
		fprintf(stderr, "xenner-blkbench: the request size must be a "
				"multiple of 4 KiB that divides the region\n");
		return 2;
	}

	fd = open(argv[optind + 1], (t->write ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		die(argv[optind + 1]);
	if (disk_size(fd) < o.region) {
		fprintf(stderr,
			"xenner-blkbench: %s is smaller than %llu MiB\n",
			argv[optind + 1], (unsigned long long)(o.region / MIB));
		return 1;
	}
	/*
	 * O_DIRECT: a page-aligned buffer, not all zeros for the writes; of
	 * the same size in every test (the random ones use 4 KiB of it) so
	 * that "none" does the same setup.
	 */
	if (posix_memalign(&buf, 4096, o.seq_bs))
		die("posix_memalign");
	for (size_t i = 0; i < o.seq_bs / sizeof(uint64_t); i++)
		((uint64_t *)buf)[i] = next_rand();
	bs = t->run == run_seq ? o.seq_bs : RAND_BS;

	rw0 = dev_rw(fd);
	for (long r = 0; t->run && r < o.reps; r++) {
		uint64_t t0 = now_ns(), ns;

		reqs = t->run(fd, t->write, buf, &o);
		ns = now_ns() - t0;
		if (!ns)
			ns = 1;
		mbs[r] = (double)reqs * bs * 1000 / ns;
	}
	rw1 = dev_rw(fd);
	close(fd);
	if (!t->run) {
		free(buf);
		return 0;
	}
	qsort(mbs, o.reps, sizeof(mbs[0]), cmp_double);
	med = mbs[o.reps / 2];
	iops = med * 1e6 / bs;
	printf("XENNER-BLKBENCH %s mb_per_s=%.3f iops=%.1f us_per_req=%.1f"
	       " reqs=%ld bs=%zu reps=%ld min_mb_per_s=%.3f max_mb_per_s=%.3f",
	       t->name, med, iops, 1e6 / iops, reqs, bs, o.reps, mbs[0],
	       mbs[o.reps - 1]);
	if (rw0 >= 0 && rw1 >= 0)
		printf(" dev_rw=%lld\n", rw1 - rw0);
	else
		printf(" dev_rw=-\n");
	free(buf);
	return 0;
}
