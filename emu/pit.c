// SPDX-License-Identifier: MIT
/*
 * PIT channel 2 and the speaker port (0x42, 0x43, 0x61), as Xen emulates
 * them for its dom0 and HVM guests.  Xen gives a PV domU no PIT (its
 * reads return all ones), but then Linux's quick PIT calibration polls
 * port 0x42 100000 times before it gives up: a fraction of a second on
 * Xen, seconds when every trap into emu is emulated by KVM.  With a
 * counter that moves, the calibration ends after a few reads.
 * Channels 0 and 1 are not offered (reads of 0x40/0x41 stay all ones).
 */
#include "emu.h"
#include "pit.h"
#include "time.h"

#define PIT_HZ 1193182ULL

static struct {
	uint16_t reload; /* the count written (0 means 65536) */
	uint8_t mode;	 /* 0-5 */
	uint8_t access;	 /* 1 lsb, 2 msb, 3 lsb then msb */
	bool write_msb;	 /* next count byte written is the msb */
	bool read_msb;	 /* next count byte read is the msb */
	bool latched;
	uint16_t latch;
	bool gate;	   /* port 0x61 bit 0 */
	uint8_t speaker;   /* port 0x61 bit 1 */
	uint64_t start_ns; /* when counting (re)started */
	uint16_t frozen;   /* count while the gate is low */
} ch2;

static uint64_t elapsed_ticks(struct emu_cpu *cpu)
{
	uint64_t us = (time_now(cpu) - ch2.start_ns) / 1000;

	return us * PIT_HZ / 1000000;
}

static uint32_t period(void)
{
	return ch2.reload ? ch2.reload : 0x10000;
}

/* The counting element now. */
static uint16_t count_now(struct emu_cpu *cpu)
{
	uint64_t t;

	if (!ch2.gate)
		return ch2.frozen;
	t = elapsed_ticks(cpu);
	switch (ch2.mode) {
	case 2:
	case 3:
		/* periodic: counts the period down again and again
		 * (mode 3 by twos, reported here at the rate of mode 2) */
		return period() - t % period();
	default:
		/* one-shot: wraps past zero and keeps counting */
		return (uint16_t)(ch2.reload - t);
	}
}

static bool out_now(struct emu_cpu *cpu)
{
	uint64_t t = ch2.gate ? elapsed_ticks(cpu) : 0;

	switch (ch2.mode) {
	case 2:
		return t % period() != period() - 1;
	case 3:
		return t % period() < period() / 2;
	default:
		return t >= period(); /* high once it reached zero */
	}
}

static void restart(struct emu_cpu *cpu)
{
	ch2.start_ns = time_now(cpu);
	ch2.frozen = ch2.reload;
}

static void write_count(struct emu_cpu *cpu, uint8_t v)
{
	switch (ch2.access) {
	case 1:
		ch2.reload = v;
		break;
	case 2:
		ch2.reload = (uint16_t)v << 8;
		break;
	default:
		if (!ch2.write_msb) {
			ch2.reload = (ch2.reload & 0xff00) | v;
			ch2.write_msb = true;
			return; /* counting starts with the msb */
		}
		ch2.reload = (ch2.reload & 0xff) | (uint16_t)v << 8;
		ch2.write_msb = false;
		break;
	}
	restart(cpu);
}

static uint8_t read_count(struct emu_cpu *cpu)
{
	uint16_t v = ch2.latched ? ch2.latch : count_now(cpu);
	bool msb;

	switch (ch2.access) {
	case 1:
		msb = false;
		break;
	case 2:
		msb = true;
		break;
	default:
		msb = ch2.read_msb;
		ch2.read_msb = !ch2.read_msb;
		break;
	}
	if (ch2.access != 3 || msb)
		ch2.latched = false;
	return msb ? v >> 8 : v & 0xff;
}

static void write_control(struct emu_cpu *cpu, uint8_t v)
{
	if ((v >> 6) != 2)
		return; /* channels 0/1 and read-back: not offered */
	if (((v >> 4) & 3) == 0) {
		/* counter latch */
		if (!ch2.latched) {
			ch2.latch = count_now(cpu);
			ch2.latched = true;
		}
		return;
	}
	ch2.access = (v >> 4) & 3;
	ch2.mode = (v >> 1) & 7;
	if (ch2.mode > 5)
		ch2.mode -= 4; /* 6 and 7 are 2 and 3 */
	ch2.write_msb = ch2.read_msb = ch2.latched = false;
}

uint8_t pit_read(struct emu_cpu *cpu, unsigned port)
{
	switch (port) {
	case 0x42:
		return read_count(cpu);
	case 0x61:
		/* bit 4 (refresh) toggles every 15 us on a PC */
		return ch2.gate | ch2.speaker << 1 |
		       ((time_now(cpu) / 15000) & 1) << 4 | out_now(cpu) << 5;
	default:
		return 0xff; /* 0x43 is write-only */
	}
}

void pit_write(struct emu_cpu *cpu, unsigned port, uint8_t v)
{
	bool gate;

	switch (port) {
	case 0x42:
		write_count(cpu, v);
		break;
	case 0x43:
		write_control(cpu, v);
		break;
	case 0x61:
		gate = v & 1;
		ch2.speaker = (v >> 1) & 1;
		if (gate == ch2.gate)
			break;
		if (gate) {
			/* modes 1-3 restart on a rising gate, mode 0
			 * resumes where it stopped */
			uint16_t from = ch2.mode == 0 ? ch2.frozen : ch2.reload;

			ch2.start_ns = time_now(cpu) -
				       (uint64_t)(uint16_t)(ch2.reload - from) *
					       1000000000ULL / PIT_HZ;
		} else {
			ch2.frozen = count_now(cpu);
		}
		ch2.gate = gate;
		break;
	}
}
