# tests/netfront: xenner-netfront, a guest's netfront played from the host
# (for netbackd's tests until a real guest kernel runs).  It reuses the
# stand-in's guest-side grant-table helpers and netbackd's pure checksum
# helpers.
NETFRONT := $(BUILD)/tests/netfront/xenner-netfront
NETFRONT_OBJS := $(addprefix $(BUILD)/tests/netfront/,main.o vif.o ring.o \
	bad.o frame.o cmds.o) \
	$(BUILD)/tests/standin/gnttab.o $(BUILD)/netbackd/netif-csum.o
BINS += $(NETFRONT)

$(NETFRONT): $(NETFRONT_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore
