# xenner: the launcher.  Its loader is a library so that tests can use it;
# emu's image is built into the binary (emu-blob.S).
XENNER_LOADER_SRCS := xenner/decompress.c xenner/load-bzimage.c xenner/load-elf.c \
	xenner/bootloader-proto.c
XENNER_LOADER_OBJS := $(XENNER_LOADER_SRCS:%.c=$(BUILD)/%.o)
XENNER_LOADER_LIB := $(BUILD)/xenner/libxenner-loader.a
XENNER_LOADER_LDLIBS := -lz -lbz2 -llzma -llz4 -lzstd
XENNER_SRCS := $(filter-out $(XENNER_LOADER_SRCS),$(wildcard xenner/*.c))
XENNER_OBJS := $(XENNER_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/xenner/emu-blob.o
XENNER_BIN := $(BUILD)/xenner/xenner

$(XENNER_LOADER_LIB): $(XENNER_LOADER_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xenner/emu-blob.o: xenner/emu-blob.S $(EMU_ELF)
	@mkdir -p $(dir $@)
	$(CC) -c -DEMU_ELF='"$(EMU_ELF)"' -o $@ $<

$(XENNER_BIN): $(XENNER_OBJS) $(XENNER_LOADER_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XENNER_LOADER_LDLIBS) -lxenstore -lxxhash -lpthread

$(BUILD)/tests/unit/test-kernel-loader: $(BUILD)/tests/unit/test-kernel-loader.o \
		$(XENNER_LOADER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(XENNER_LOADER_LDLIBS) -lcmocka

$(BUILD)/tests/unit/test-kernel-compress: $(BUILD)/tests/unit/test-kernel-compress.o \
		$(XENNER_LOADER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(XENNER_LOADER_LDLIBS) -lcmocka

$(BUILD)/tests/unit/test-bootloader: $(BUILD)/tests/unit/test-bootloader.o \
		$(XENNER_LOADER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/test-kernel-loader.o \
$(BUILD)/tests/unit/test-kernel-compress.o \
$(BUILD)/tests/unit/test-bootloader.o: CFLAGS += -Ixenner

LIBS += $(XENNER_LOADER_LIB)
BINS += $(XENNER_BIN)
TEST_BINS += $(BUILD)/tests/unit/test-kernel-loader \
	$(BUILD)/tests/unit/test-kernel-compress $(BUILD)/tests/unit/test-bootloader

# Xen's public headers default to an ancient interface version.
$(XENNER_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -D__XEN_INTERFACE_VERSION__=0x00040e00
