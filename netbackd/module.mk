# netbackd: the userspace netif backend.  Built twice from the same objects,
# as blkbackd is:
#   netbackd      for xenner: the shim libraries in $(BUILD)/lib, found at
#                 run time through RUNPATH $ORIGIN/../lib
#   netbackd-xen  for real Xen: linked against Debian's stock libraries only
NETBACKD_SRCS := main.c xenbus.c netif.c tx.c rx.c tap.c netif-req.c \
	netif-csum.c netif-offload.c
NETBACKD_OBJS := $(NETBACKD_SRCS:%.c=$(BUILD)/netbackd/%.o)
NETBACKD_LIBS := -lxenstore -lxenevtchn -lxengnttab -levent_core \
	-lnl-route-3 -lnl-3
NETBACKD_SHIM := $(addprefix $(BUILD)/lib/,libxenevtchn.so.1 libxenevtchn.so \
	libxengnttab.so.1 libxengnttab.so)

$(NETBACKD_OBJS): CFLAGS += -I/usr/include/libnl3

$(BUILD)/netbackd/netbackd: $(NETBACKD_OBJS) $(COMMON_LIB) | $(NETBACKD_SHIM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(NETBACKD_OBJS) $(COMMON_LIB) \
		-L$(BUILD)/lib -Wl,-rpath,'$$ORIGIN/../lib' -Wl,--enable-new-dtags \
		$(NETBACKD_LIBS)

$(BUILD)/netbackd/netbackd-xen: $(NETBACKD_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(NETBACKD_OBJS) $(COMMON_LIB) \
		-L/usr/lib/x86_64-linux-gnu $(NETBACKD_LIBS)

BINS += $(BUILD)/netbackd/netbackd $(BUILD)/netbackd/netbackd-xen

# Pure ring, request and checksum checks against hostile input.
$(BUILD)/tests/unit/test-netif-req: $(BUILD)/tests/unit/test-netif-req.o \
		$(BUILD)/netbackd/netif-req.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/test-netif-csum: $(BUILD)/tests/unit/test-netif-csum.o \
		$(BUILD)/netbackd/netif-csum.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

TEST_BINS += $(BUILD)/tests/unit/test-netif-req $(BUILD)/tests/unit/test-netif-csum
