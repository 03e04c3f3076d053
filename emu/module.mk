# emu: freestanding, linked at EMU_VA; only plain integer instructions,
# since KVM may have to emulate every one of them (KVM-HOST-FACTS.md).
EMU_SRCS := $(wildcard emu/*.c emu/lib/*.c) emu/entry64.S
EMU_OBJS := $(patsubst %,$(BUILD)/%.o,$(basename $(EMU_SRCS)))
EMU_ELF := $(BUILD)/emu/emu.elf
EMU_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -MD -MP \
	-ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-avx \
	-fpie -mcmodel=small -fvisibility=hidden -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-exceptions -fcf-protection=none -fno-jump-tables -flto \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -Iinclude -Iemu \
	-idirafter /usr/include

$(BUILD)/emu/%.o: emu/%.c
	@mkdir -p $(dir $@)
	$(CC) $(EMU_CFLAGS) -include stdint.h -c -o $@ $<

$(BUILD)/emu/%.o: emu/%.S
	@mkdir -p $(dir $@)
	$(CC) $(EMU_CFLAGS) -D__ASSEMBLER__ -c -o $@ $<

$(EMU_ELF): $(EMU_OBJS) emu/emu.ld
	$(CC) $(EMU_CFLAGS) -nostdlib -static -no-pie -Wl,--build-id=none \
		-T emu/emu.ld -o $@ $(EMU_OBJS)

BINS += $(EMU_ELF)

# Xen's default PV CPUID feature set, from Xen's public header.
EMU_PV_FEATURES := $(BUILD)/emu/gen/pv-features.h
$(EMU_PV_FEATURES): /usr/include/xen/arch-x86/cpufeatureset.h emu/pv-features.awk
	@mkdir -p $(dir $@)
	awk -f emu/pv-features.awk $< > $@.tmp && mv $@.tmp $@
$(BUILD)/emu/cpuid-xen.o: $(EMU_PV_FEATURES)
$(BUILD)/emu/cpuid-xen.o: EMU_CFLAGS += -I$(BUILD)/emu
