# xenner: the launcher.  Its loader is a library so that tests can use it.
XENNER_LOADER_SRCS := xenner/decompress.c xenner/load-bzimage.c xenner/load-elf.c
XENNER_LOADER_OBJS := $(XENNER_LOADER_SRCS:%.c=$(BUILD)/%.o)
XENNER_LOADER_LIB := $(BUILD)/xenner/libxenner-loader.a
XENNER_LOADER_LDLIBS := -lz -llzma -llz4 -lzstd

$(XENNER_LOADER_LIB): $(XENNER_LOADER_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/tests/unit/test-kernel-loader: $(BUILD)/tests/unit/test-kernel-loader.o \
		$(XENNER_LOADER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(XENNER_LOADER_LDLIBS) -lcmocka

$(BUILD)/tests/unit/test-kernel-loader.o: CFLAGS += -Ixenner

LIBS += $(XENNER_LOADER_LIB)
TEST_BINS += $(BUILD)/tests/unit/test-kernel-loader
