// SPDX-License-Identifier: MIT
/* The few privileged instructions emu executes, in one place. */
#include "emu.h"

uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

void write_cr3(uint64_t cr3)
{
	asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

void set_ts(bool on)
{
	if (on) {
		uint64_t cr0;

		asm volatile("mov %%cr0, %0" : "=r"(cr0));
		asm volatile("mov %0, %%cr0" : : "r"(cr0 | 8));
	} else {
		asm volatile("clts");
	}
}

/* CR4.TSD: rdtsc from ring 3 (guest kernel and user) faults */
void set_cr4_tsd(bool on)
{
	uint64_t cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = on ? cr4 | X86_CR4_TSD : cr4 & ~(uint64_t)X86_CR4_TSD;
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}
