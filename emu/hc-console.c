// SPDX-License-Identifier: MIT
/*
 * console_io: Xen's own console.  Writes go to xenner's console output (on
 * Xen a domU may only write here in debug builds; we allow it because
 * early boot messages and the test kernels use it).  There is no input.
 */
#include <xen/xen.h>

#include "hypercall.h"

long hc_console_io(struct emu_cpu *cpu, uint64_t cmd, uint64_t count,
		   uint64_t buf, uint64_t a4, uint64_t a5)
{
	uint64_t done = 0;

	(void)a4;
	(void)a5;
	switch (cmd) {
	case CONSOLEIO_write:
		if (!guest_range_ok(buf, count))
			return -XEN_EFAULT;
		while (done < count) {
			uint64_t n = count - done;

			if (n > sizeof(cpu->page->data))
				n = sizeof(cpu->page->data);
			if (copy_from_guest(cpu->page->data, buf + done, n))
				return -XEN_EFAULT;
			cpu->page->len = n;
			emu_exit(cpu, EMU_REQ_CONSOLE_WRITE);
			done += n;
		}
		return 0;
	case CONSOLEIO_read:
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
