# tools/: small C tools.  Shell tools (xenner-dom0) need no rule.
XENNER_VMCORE := $(BUILD)/tools/xenner-vmcore
BINS += $(XENNER_VMCORE)

$(XENNER_VMCORE): $(BUILD)/tools/xenner-vmcore.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

# Unit test of common/vmcore.c (lives with its tool).
TEST_BINS += $(BUILD)/tests/unit/test-vmcore

$(BUILD)/tests/unit/test-vmcore: $(BUILD)/tests/unit/test-vmcore.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

XENNER_STATS := $(BUILD)/tools/xenner-stats
BINS += $(XENNER_STATS)

$(XENNER_STATS): $(BUILD)/tools/xenner-stats.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

# Unit test of common/vdev.c (device names for -disk and xm configs).
TEST_BINS += $(BUILD)/tests/unit/test-vdev

$(BUILD)/tests/unit/test-vdev: $(BUILD)/tests/unit/test-vdev.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka
