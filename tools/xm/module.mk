# tools/xm: xenner-xm, Xen's xm for xenner domains (installed also as xm).
XM_SRCS := $(wildcard tools/xm/*.c)
XM_OBJS := $(XM_SRCS:%.c=$(BUILD)/%.o)
XENNER_XM := $(BUILD)/tools/xm/xenner-xm
BINS += $(XENNER_XM)

$(XENNER_XM): $(XM_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore

# The configuration parser alone, with good, bad and hostile files.
TEST_BINS += $(BUILD)/tests/unit/test-xmcfg

$(BUILD)/tests/unit/test-xmcfg: $(BUILD)/tests/unit/test-xmcfg.o \
		$(BUILD)/tools/xm/xmcfg.o $(BUILD)/tools/xm/xmdom.o \
		$(BUILD)/tools/xm/xmdev.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/test-xmcfg.o: CFLAGS += -Itools/xm
