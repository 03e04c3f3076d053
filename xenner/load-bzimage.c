// SPDX-License-Identifier: MIT
/*
 * bzImage: a real-mode setup part followed by the protected-mode part, which
 * since boot protocol 2.08 names its compressed ELF payload (vmlinux) by
 * payload_offset/payload_length.  The payload's last 4 bytes hold the
 * uncompressed size.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

#define SETUP_SECTS     0x1f1
#define HDR_MAGIC       0x202
#define HDR_VERSION     0x206
#define PAYLOAD_OFFSET  0x248
#define PAYLOAD_LENGTH  0x24c

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_extract(const uint8_t *img, size_t size, uint8_t **out,
		    size_t *out_size, char *err, size_t errlen)
{
	size_t setup, off, len;
	uint32_t raw_size;
	uint16_t version;

	if (size < PAYLOAD_LENGTH + 4 || memcmp(img + HDR_MAGIC, "HdrS", 4)) {
		snprintf(err, errlen,
			 "neither an ELF file nor a bzImage, plain or "
			 "compressed (gzip, bzip2, xz, lzma, lz4, zstd)");
		return -ENOEXEC;
	}
	version = img[HDR_VERSION] | img[HDR_VERSION + 1] << 8;
	if (version < 0x208) {
		snprintf(err, errlen,
			 "bzImage boot protocol %x.%02x has no payload "
			 "information (need 2.08 or later)",
			 version >> 8, version & 0xff);
		return -ENOEXEC;
	}
	setup = img[SETUP_SECTS] ? img[SETUP_SECTS] : 4;
	off = (setup + 1) * 512 + le32(img + PAYLOAD_OFFSET);
	len = le32(img + PAYLOAD_LENGTH);
	if (off >= size || len > size - off || len < 8) {
		snprintf(err, errlen, "bzImage payload lies outside the file");
		return -ENOEXEC;
	}
	raw_size = le32(img + off + len - 4);
	if (raw_size == 0 || raw_size > KERNEL_MAX_SIZE) {
		snprintf(err, errlen, "bzImage payload claims %u bytes",
			 raw_size);
		return -ENOEXEC;
	}
	*out_size = raw_size;
	/* The size trailer is not part of the compressed stream. */
	return decompress_payload(img + off, len - 4, raw_size, out, err,
				  errlen);
}
