/* SPDX-License-Identifier: MIT */
/* Freestanding string and formatting functions (emu, test kernels). */
#ifndef EMU_LIB_H
#define EMU_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* %s %c %d %u %x %p with l/ll/z and 0-padded widths */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
