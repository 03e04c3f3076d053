/* SPDX-License-Identifier: MIT */
/* PIT channel 2 and port 0x61 for the guest's port I/O (emul-io.c). */
#ifndef EMU_PIT_H
#define EMU_PIT_H

#include "emu.h"

static inline bool pit_port(unsigned port)
{
	return port == 0x42 || port == 0x43 || port == 0x61;
}

uint8_t pit_read(struct emu_cpu *cpu, unsigned port);
void pit_write(struct emu_cpu *cpu, unsigned port, uint8_t v);

#endif
