# tests/netfront: xenner-netfront, a guest's netfront played from the host
# (for netbackd's tests until a real guest kernel runs), on the test guests'
# shared guest side (tests/testdom) and netbackd's pure checksum helpers.
NETFRONT := $(BUILD)/tests/netfront/xenner-netfront
NETFRONT_OBJS := $(addprefix $(BUILD)/tests/netfront/,main.o vif.o ring.o \
	bad.o frame.o cmds.o) $(BUILD)/netbackd/netif-csum.o
BINS += $(NETFRONT)

$(NETFRONT): $(NETFRONT_OBJS) $(BUILD)/tests/testdom/libtestdom.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore
