# The project's own PV test kernels: freestanding, one per area.
TK_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -MD -MP \
	-ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fno-pic \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -Itests/guests -Iemu/lib \
	-idirafter /usr/include
# tk-*: test kernels run by guest-kernels.sh; hk-*: helpers for host tests
TK_SRCS := $(wildcard tests/guests/tk-*.c tests/guests/hk-*.c)
TK_KERNELS := $(patsubst tests/guests/%.c,$(BUILD)/tests/guests/%,$(TK_SRCS))
TK_LIB_OBJS := $(BUILD)/tests/guests/head.o $(BUILD)/tests/guests/lib.o \
	$(BUILD)/tests/guests/traps.o $(BUILD)/tests/guests/emu-string.o

$(BUILD)/tests/guests/%.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_CFLAGS) -include stdint.h -c -o $@ $<

# the same freestanding string/format code as emu, built for the guests
$(BUILD)/tests/guests/emu-string.o: emu/lib/string.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/guests/%.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	$(CC) $(TK_CFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(BUILD)/tests/guests/%: $(BUILD)/tests/guests/%.o $(TK_LIB_OBJS) tests/guests/guest.ld
	$(LD) -nostdlib -static -z noexecstack --no-warn-rwx-segments -T tests/guests/guest.ld -o $@ $< $(TK_LIB_OBJS)

# tk-low-*: tests that assume nothing of Linux's layout, linked in the
# lower half (VIRT_BASE 0x40000000) as some non-Linux PV kernels are
TK_LOW := hypercall traps events
TK_LOW_KERNELS := $(TK_LOW:%=$(BUILD)/tests/guests/tk-low-%)
TK_LOW_CFLAGS := $(filter-out -mcmodel=kernel,$(TK_CFLAGS)) -mcmodel=small \
	-DTK_VIRT_BASE=0x40000000
TK_LOW_LIB_OBJS := $(TK_LIB_OBJS:$(BUILD)/tests/guests/%=$(BUILD)/tests/guests/low/%)

$(BUILD)/tests/guests/low/%.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_LOW_CFLAGS) -include stdint.h -c -o $@ $<

$(BUILD)/tests/guests/low/emu-string.o: emu/lib/string.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_LOW_CFLAGS) -c -o $@ $<

$(BUILD)/tests/guests/low/%.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	$(CC) $(TK_LOW_CFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(BUILD)/tests/guests/tk-low-%: $(BUILD)/tests/guests/low/tk-%.o $(TK_LOW_LIB_OBJS) tests/guests/guest.ld
	$(LD) -nostdlib -static -z noexecstack --no-warn-rwx-segments \
		--defsym=TK_VIRT_BASE=0x40000000 -T tests/guests/guest.ld -o $@ $< $(TK_LOW_LIB_OBJS)

BINS += $(TK_KERNELS) $(TK_LOW_KERNELS)
