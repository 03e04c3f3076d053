// SPDX-License-Identifier: MIT
/* Unit tests for common/vmcore.c: round trip, sharing, bounds, corruption. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "xenner/log.h"
#include "xenner/vmcore.h"

#define PAGES 64

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/dev/shm/test-vmcore.XXXXXX");
	if (!mkdtemp(f->dir)) {
		strcpy(f->dir, "/tmp/test-vmcore.XXXXXX");
		assert_non_null(mkdtemp(f->dir));
	}
	snprintf(f->path, sizeof(f->path), "%s/vmcore.7", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void create_default(struct fixture *f)
{
	struct vmcore vc;

	assert_int_equal(
		vmcore_create(&vc, f->path, 7, "guest", NULL, PAGES, 2), 0);
	vmcore_close(&vc);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
	struct vmcore vc, ro;
	struct stat st;

	assert_int_equal(
		vmcore_create(&vc, f->path, 7, "guest", uuid, PAGES, 2), 0);
	assert_true(vc.writable);
	assert_int_equal(vc.nr_pages, PAGES);
	assert_int_equal(vc.dom->state, VMCORE_STATE_BUILDING);
	assert_true(vc.dom->store_pfn == VMCORE_NO_FRAME);
	assert_true(vc.dom->gnttab_pfns[31] == VMCORE_NO_FRAME);
	assert_int_equal((uintptr_t)vc.dom % 8, 0);
	vc.dom->state = VMCORE_STATE_RUNNING;
	vc.dom->store_pfn = 3;
	vc.dom->nr_gnttab_frames = 1;
	vc.dom->gnttab_pfns[0] = 1;

	/* The header is shared: a second open sees the change at once. */
	assert_int_equal(vmcore_open(&ro, f->path, false), 0);
	assert_false(ro.writable);
	assert_int_equal(ro.dom->domid, 7);
	assert_string_equal(ro.dom->name, "guest");
	assert_memory_equal(ro.dom->uuid, uuid, 16);
	assert_int_equal(ro.dom->nr_pages, PAGES);
	assert_int_equal(ro.dom->nr_vcpus, 2);
	assert_int_equal(ro.dom->state, VMCORE_STATE_RUNNING);
	assert_int_equal(ro.dom->store_pfn, 3);
	assert_int_equal(ro.dom->gnttab_pfns[0], 1);
	assert_string_equal(vmcore_state_name(ro.dom->state), "running");
	assert_string_equal(vmcore_state_name(99), "unknown");
	vmcore_close(&ro);
	vmcore_close(&vc);
	vmcore_close(&vc); /* idempotent */

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, VMCORE_RAM_OFFSET + PAGES * 4096);

	/* O_EXCL: never overwrite a live domain's RAM. */
	assert_int_equal(vmcore_create(&vc, f->path, 7, "x", NULL, PAGES, 1),
			 -EEXIST);
	assert_int_equal(vmcore_open(&vc, f->path, true), 0);
	assert_int_equal(vc.dom->state, VMCORE_STATE_RUNNING);
	vmcore_close(&vc);
}

static void test_path(void **state)
{
	char buf[256];

	(void)state;
	setenv("XENNER_RUNDIR", "/some/dir", 1);
	assert_int_equal(vmcore_path(buf, sizeof(buf), 12), 0);
	assert_string_equal(buf, "/some/dir/vmcore.12");
	assert_int_equal(vmcore_path(buf, 10, 12), -ENAMETOOLONG);
	unsetenv("XENNER_RUNDIR");
}

static void test_sharing(void **state)
{
	struct fixture *f = *state;
	struct vmcore a, b;
	char buf[16] = "";
	uint8_t *pa, *pb;

	create_default(f);
	assert_int_equal(vmcore_open(&a, f->path, true), 0);
	assert_int_equal(vmcore_open(&b, f->path, false), 0);

	pa = vmcore_map_frames(&a, 5, 2, PROT_READ | PROT_WRITE, NULL);
	assert_true(pa != MAP_FAILED);
	memcpy(pa + 4096 + 10, "hello", 6);

	assert_int_equal(vmcore_read(&b, 6 * 4096 + 10, buf, 6), 0);
	assert_string_equal(buf, "hello");
	pb = vmcore_map_frames(&b, 6, 1, PROT_READ, NULL);
	assert_true(pb != MAP_FAILED);
	assert_string_equal((char *)pb + 10, "hello");

	/* Writes through vmcore_write show up in every mapping. */
	assert_int_equal(vmcore_write(&a, 6 * 4096 + 10, "HELLO", 5), 0);
	assert_string_equal((char *)pb + 10, "HELLO");
	assert_int_equal(vmcore_map_ram(&b), 0);
	assert_string_equal((char *)b.ram + 6 * 4096 + 10, "HELLO");

	/* A read-only open can neither write nor map writable. */
	assert_int_equal(vmcore_write(&b, 0, "x", 1), -EBADF);
	assert_true(vmcore_map_frames(&b, 0, 1, PROT_READ | PROT_WRITE, NULL) ==
		    MAP_FAILED);

	/* MAP_FIXED placement over an existing reservation. */
	munmap(pb, 4096);
	pb = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(pb != MAP_FAILED);
	assert_ptr_equal(vmcore_map_frames(&b, 6, 1, PROT_READ, pb), pb);
	assert_string_equal((char *)pb + 10, "HELLO");

	munmap(pb, 4096);
	munmap(pa, 2 * 4096);
	vmcore_close(&b);
	vmcore_close(&a);
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	uint64_t ram = PAGES * 4096ULL;
	struct vmcore vc;
	uint8_t buf[8];
	void *p;

	create_default(f);
	assert_int_equal(vmcore_open(&vc, f->path, true), 0);

	assert_int_equal(vmcore_pfn_offset(&vc, 0), VMCORE_RAM_OFFSET);
	assert_int_equal(vmcore_pfn_offset(&vc, PAGES - 1),
			 VMCORE_RAM_OFFSET + (PAGES - 1) * 4096);
	assert_int_equal(vmcore_pfn_offset(&vc, PAGES), -1);
	assert_int_equal(vmcore_pfn_offset(&vc, UINT64_MAX), -1);

	p = vmcore_map_frames(&vc, PAGES - 1, 1, PROT_READ, NULL);
	assert_true(p != MAP_FAILED);
	munmap(p, 4096);
	errno = 0;
	assert_true(vmcore_map_frames(&vc, PAGES, 1, PROT_READ, NULL) ==
		    MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(vmcore_map_frames(&vc, PAGES - 1, 2, PROT_READ, NULL) ==
		    MAP_FAILED);
	assert_true(vmcore_map_frames(&vc, 1, SIZE_MAX, PROT_READ, NULL) ==
		    MAP_FAILED);
	assert_true(vmcore_map_frames(&vc, UINT64_MAX, 2, PROT_READ, NULL) ==
		    MAP_FAILED);
	assert_true(vmcore_map_frames(&vc, 0, 0, PROT_READ, NULL) ==
		    MAP_FAILED);

	assert_int_equal(vmcore_read(&vc, ram - 8, buf, 8), 0);
	assert_int_equal(vmcore_read(&vc, ram, buf, 0), 0);
	assert_int_equal(vmcore_read(&vc, ram - 7, buf, 8), -EINVAL);
	assert_int_equal(vmcore_read(&vc, ram, buf, 1), -EINVAL);
	assert_int_equal(vmcore_read(&vc, UINT64_MAX, buf, 1), -EINVAL);
	assert_int_equal(vmcore_read(&vc, 8, buf, SIZE_MAX), -EINVAL);
	assert_int_equal(vmcore_write(&vc, UINT64_MAX - 3, buf, 8), -EINVAL);
	assert_int_equal(vmcore_write(&vc, ram - 4, buf, 8), -EINVAL);
	assert_int_equal(vmcore_write(&vc, ram - 8, buf, 8), 0);
	vmcore_close(&vc);
}

static void test_create_bad_args(void **state)
{
	struct fixture *f = *state;
	char name[80];
	struct vmcore vc;

	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(vmcore_create(&vc, f->path, 7, name, NULL, PAGES, 1),
			 -EINVAL);
	assert_int_equal(access(f->path, F_OK), -1);
	name[63] = '\0'; /* 63 characters fit */
	assert_int_equal(vmcore_create(&vc, f->path, 7, name, NULL, PAGES, 1),
			 0);
	assert_string_equal(vc.dom->name, name);
	vmcore_close(&vc);
	unlink(f->path);

	assert_int_equal(vmcore_create(&vc, f->path, 7, "x", NULL, 0, 1),
			 -EINVAL);
	assert_int_equal(vmcore_create(&vc, f->path, 7, "x", NULL,
				       VMCORE_MAX_PAGES + 1, 1),
			 -EINVAL);
	assert_int_equal(vmcore_create(&vc, f->path, 7, "x", NULL, PAGES, 0),
			 -EINVAL);
	assert_int_equal(
		vmcore_create(&vc, f->path, 0x7ff0, "x", NULL, PAGES, 1),
		-EINVAL);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(vmcore_open(&vc, f->path, false), -ENOENT);
	vmcore_close(&vc); /* safe after a failed open */
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	struct vmcore vc;

	create_default(f);
	assert_int_equal(truncate(f->path, VMCORE_RAM_OFFSET + 4096), 0);
	assert_int_equal(vmcore_open(&vc, f->path, false), -EINVAL);
	assert_int_equal(truncate(f->path, 100), 0);
	assert_int_equal(vmcore_open(&vc, f->path, false), -EINVAL);
	assert_int_equal(truncate(f->path, 0), 0);
	assert_int_equal(vmcore_open(&vc, f->path, false), -EINVAL);
	/* Longer than needed is fine (RAM may grow later). */
	unlink(f->path);
	create_default(f);
	assert_int_equal(
		truncate(f->path, VMCORE_RAM_OFFSET + 2 * PAGES * 4096), 0);
	assert_int_equal(vmcore_open(&vc, f->path, false), 0);
	vmcore_close(&vc);
}

/* Writes len bytes at off of a fresh file; open must then fail. */
static void corrupt_at(struct fixture *f, off_t off, const void *data,
		       size_t len)
{
	struct vmcore vc;
	int fd;

	unlink(f->path);
	create_default(f);
	fd = open(f->path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
	assert_int_equal(vmcore_open(&vc, f->path, false), -EINVAL);
	assert_null(vc.hdr);
	assert_int_equal(vc.fd, -1);
}

static void test_corrupt(void **state)
{
	struct fixture *f = *state;
	const off_t ph0 = sizeof(Elf64_Ehdr), ph1 = ph0 + sizeof(Elf64_Phdr);
	uint64_t note_off, desc;
	struct vmcore vc;
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;
	char name[VMCORE_NAME_LEN];

	create_default(f);
	assert_int_equal(vmcore_open(&vc, f->path, false), 0);
	note_off = ((Elf64_Phdr *)((char *)vc.hdr + ph0))->p_offset;
	desc = (uint8_t *)vc.dom - (uint8_t *)vc.hdr;
	vmcore_close(&vc);
	assert_int_equal(desc, note_off + sizeof(Elf64_Nhdr) + 8);

	corrupt_at(f, 0, "\177ELG", 4); /* magic */
	u8 = ELFCLASS32;
	corrupt_at(f, EI_CLASS, &u8, 1);
	u16 = ET_EXEC;
	corrupt_at(f, offsetof(Elf64_Ehdr, e_type), &u16, 2);
	u16 = EM_386;
	corrupt_at(f, offsetof(Elf64_Ehdr, e_machine), &u16, 2);
	u16 = VMCORE_MAX_PHDRS + 1;
	corrupt_at(f, offsetof(Elf64_Ehdr, e_phnum), &u16, 2);
	u16 = 1;
	corrupt_at(f, offsetof(Elf64_Ehdr, e_phnum), &u16, 2);
	u64 = 1ULL << 40;
	corrupt_at(f, offsetof(Elf64_Ehdr, e_phoff), &u64, 8);

	/* phdrs */
	u32 = PT_LOAD;
	corrupt_at(f, ph0 + offsetof(Elf64_Phdr, p_type), &u32, 4);
	u64 = VMCORE_RAM_OFFSET;
	corrupt_at(f, ph0 + offsetof(Elf64_Phdr, p_offset), &u64, 8);
	u64 = VMCORE_NOTES_SIZE * 2;
	corrupt_at(f, ph0 + offsetof(Elf64_Phdr, p_filesz), &u64, 8);
	u32 = PT_NOTE;
	corrupt_at(f, ph1 + offsetof(Elf64_Phdr, p_type), &u32, 4);
	u64 = 0;
	corrupt_at(f, ph1 + offsetof(Elf64_Phdr, p_offset), &u64, 8);
	u64 = (PAGES + 1) * 4096ULL;
	corrupt_at(f, ph1 + offsetof(Elf64_Phdr, p_filesz), &u64, 8);
	corrupt_at(f, ph1 + offsetof(Elf64_Phdr, p_memsz), &u64, 8);

	/* the note */
	corrupt_at(f, note_off + sizeof(Elf64_Nhdr), "XENNOR", 6);
	u32 = 6;
	corrupt_at(f, note_off + offsetof(Elf64_Nhdr, n_namesz), &u32, 4);
	u32 = NT_PRSTATUS;
	corrupt_at(f, note_off + offsetof(Elf64_Nhdr, n_type), &u32, 4);
	u32 = sizeof(struct vmcore_domain) - 8;
	corrupt_at(f, note_off + offsetof(Elf64_Nhdr, n_descsz), &u32, 4);
	u32 = 1 << 20; /* beyond PT_NOTE */
	corrupt_at(f, note_off + offsetof(Elf64_Nhdr, n_descsz), &u32, 4);
	u32 = 0;
	corrupt_at(f, desc + offsetof(struct vmcore_domain, version), &u32, 4);

	/* the domain descriptor */
	u64 = PAGES + 1; /* disagrees with PT_LOAD */
	corrupt_at(f, desc + offsetof(struct vmcore_domain, nr_pages), &u64, 8);
	u64 = VMCORE_MAX_PAGES + 1;
	corrupt_at(f, desc + offsetof(struct vmcore_domain, nr_pages), &u64, 8);
	u64 = 0;
	corrupt_at(f, desc + offsetof(struct vmcore_domain, nr_pages), &u64, 8);
	u32 = VMCORE_MAX_GNTTAB_FRAMES + 1;
	corrupt_at(f, desc + offsetof(struct vmcore_domain, nr_gnttab_frames),
		   &u32, 4);
	memset(name, 'n', sizeof(name));
	corrupt_at(f, desc + offsetof(struct vmcore_domain, name), name,
		   sizeof(name));
	u32 = 0xffff;
	corrupt_at(f, desc + offsetof(struct vmcore_domain, domid), &u32, 4);

	/* And the untouched file still opens. */
	unlink(f->path);
	create_default(f);
	assert_int_equal(vmcore_open(&vc, f->path, true), 0);
	vmcore_close(&vc);
}

static void test_not_regular(void **state)
{
	struct fixture *f = *state;
	struct vmcore vc;

	assert_int_equal(vmcore_open(&vc, f->dir, false), -EINVAL);
	assert_int_equal(vmcore_open(&vc, "/dev/null", false), -EINVAL);
}

static void test_describe(void **state)
{
	struct fixture *f = *state;
	struct vmcore vc;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	create_default(f);
	assert_int_equal(vmcore_open(&vc, f->path, true), 0);
	vc.dom->nr_gnttab_frames = 2;
	vc.dom->gnttab_pfns[0] = 1;
	vc.dom->gnttab_pfns[1] = 0x10;
	vc.dom->console_pfn = 0x2a;
	vc.dom->name[0] = '\n'; /* never printed raw */
	out = open_memstream(&buf, &len);
	vmcore_describe(&vc, out);
	fclose(out);
	assert_non_null(strstr(buf, "domid:            7\n"));
	assert_non_null(strstr(buf, "name:             ?uest\n"));
	assert_non_null(strstr(buf, "state:            building\n"));
	assert_non_null(strstr(buf, "console_pfn:      0x2a\n"));
	assert_non_null(strstr(buf, "store_pfn:        none\n"));
	assert_non_null(strstr(buf, "gnttab_frames:    2 0x1 0x10\n"));
	free(buf);
	vmcore_close(&vc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_sharing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_bad_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
	};

	/* Corruption tests log on purpose; keep the output short. */
	log_init("test-vmcore", getenv("V") ? XLOG_DEBUG : XLOG_ERR, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
