# evtchnd: the event-channel switch daemon.
EVTCHND_SRCS := $(wildcard evtchnd/*.c)
EVTCHND_OBJS := $(EVTCHND_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/evtchnd/evtchnd: $(EVTCHND_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -levent

BINS += $(BUILD)/evtchnd/evtchnd

# Unit test of the pure port table.
$(BUILD)/tests/unit/test-evtchnd-ports: $(BUILD)/tests/unit/test-evtchnd-ports.o \
		$(BUILD)/evtchnd/ports.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

# Live test against the real daemon, through the client library.
$(BUILD)/tests/unit/test-evtchnd-live: $(BUILD)/tests/unit/test-evtchnd-live.o \
		$(COMMON_LIB) | $(BUILD)/evtchnd/evtchnd
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

TEST_BINS += $(BUILD)/tests/unit/test-evtchnd-ports \
	$(BUILD)/tests/unit/test-evtchnd-live
