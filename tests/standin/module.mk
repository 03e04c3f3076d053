# tests/standin: xenner-standin, a PV guest + toolstack without KVM, and the
# unit test of its guest-side ring code.
STANDIN := $(BUILD)/tests/standin/xenner-standin
STANDIN_SRCS := main.c script.c toolstack.c xs-ring.c console-ring.c
STANDIN_OBJS := $(STANDIN_SRCS:%.c=$(BUILD)/tests/standin/%.o)
BINS += $(STANDIN)

$(STANDIN): $(STANDIN_OBJS) $(BUILD)/tests/testdom/libtestdom.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore

TEST_BINS += $(BUILD)/tests/unit/test-xs-ring

$(BUILD)/tests/unit/test-xs-ring: $(BUILD)/tests/unit/test-xs-ring.o \
		$(BUILD)/tests/standin/xs-ring.o \
		$(BUILD)/tests/standin/console-ring.o \
		$(BUILD)/tests/testdom/gnttab.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka
