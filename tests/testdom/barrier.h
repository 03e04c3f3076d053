/* SPDX-License-Identifier: MIT */
/*
 * Shared-ring index access for the guest side of Xen rings.  The other end
 * runs in another process (or on another CPU), so every index is read once
 * into a local and ordered against the data with explicit fences.
 */
#ifndef TESTDOM_BARRIER_H
#define TESTDOM_BARRIER_H

#define ring_read_once(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ring_write_once(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* Index read before the data it covers. */
#define ring_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
/* Data written before the index that publishes it. */
#define ring_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
/* Data read before the index that frees its space. */
#define ring_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
