/* SPDX-License-Identifier: MIT */
/*
 * The migration stream (docs/migration.md): how a domain's save image
 * (save-image.h) travels to the receiving host while the guest still
 * runs.  The sender writes records, each a struct mig_rec and len bytes;
 * the receiver applies them to an image file and answers in text lines.
 *
 *   sender                              receiver (xenner-xm migrate-receive)
 *   MIG_HELLO  struct mig_hello   ->    checks it, creates the image file
 *   MIG_DATA   image bytes at off ->    pwrite (pre-copy rounds, then the
 *   ...                                 pages the final pass found changed)
 *   MIG_SIZE   off = image size   ->    ftruncate
 *   MIG_END                       ->    restores it paused (xenner -restore
 *                                 <-    "ready DOMID\n" or "error: ...\n"
 *   MIG_GO                        ->    unpauses it
 *                                 <-    "running DOMID\n"
 *   MIG_ABORT (any time)          ->    removes whatever it made
 *
 * The guest runs on the sender until it sends MIG_GO, and on the receiver
 * only after it got it: the sender's MIG_GO is the moment the domain
 * moves.  Integers are little-endian (x86 on both sides).
 */
#ifndef XENNER_MIGRATE_STREAM_H
#define XENNER_MIGRATE_STREAM_H

#include <stdint.h>

#define MIG_MAGIC   "XNRMIGR" /* with its NUL: 8 bytes */
#define MIG_VERSION 1
#define MIG_MAX_LEN (1ULL << 20) /* one record's data, at most */

enum mig_type {
	MIG_HELLO = 1,
	MIG_DATA = 2,
	MIG_SIZE = 3,
	MIG_END = 4,
	MIG_GO = 5,
	MIG_ABORT = 6,
};

struct mig_rec {
	uint32_t type;
	uint32_t pad;
	uint64_t off;
	uint64_t len; /* bytes of data after this header */
};

struct mig_hello {
	char magic[8];
	uint32_t version;
	uint32_t nr_vcpus;
	uint64_t total_pages; /* the image's RAM segment */
	uint64_t emu_size;
	uint64_t max_size; /* no record reaches past this offset */
	char name[64];	   /* the domain's name (its image file's) */
};

#endif
