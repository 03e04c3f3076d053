# blkbackd: the userspace blkif backend.  Built twice from the same objects:
#   blkbackd      for xenner: the shim libraries in $(BUILD)/lib, found at
#                 run time through RUNPATH $ORIGIN/../lib (LD_LIBRARY_PATH
#                 still wins)
#   blkbackd-xen  for real Xen: linked against Debian's stock libraries only
BLKBACKD_SRCS := main.c xenbus.c blkif.c blkif-req.c grants.c disk-aio.c
BLKBACKD_OBJS := $(BLKBACKD_SRCS:%.c=$(BUILD)/blkbackd/%.o)
BLKBACKD_LIBS := -lxenstore -lxenevtchn -lxengnttab -levent_core -laio
STOCK_LIBDIR := /usr/lib/x86_64-linux-gnu

# (libxenctrl/module.mk is read after this file: name the shim files here.)
BLKBACKD_SHIM := $(addprefix $(BUILD)/lib/,libxenevtchn.so.1 libxenevtchn.so \
	libxengnttab.so.1 libxengnttab.so)

$(BUILD)/blkbackd/blkbackd: $(BLKBACKD_OBJS) $(COMMON_LIB) | $(BLKBACKD_SHIM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BLKBACKD_OBJS) $(COMMON_LIB) \
		-L$(BUILD)/lib -Wl,-rpath,'$$ORIGIN/../lib' -Wl,--enable-new-dtags \
		$(BLKBACKD_LIBS)

$(BUILD)/blkbackd/blkbackd-xen: $(BLKBACKD_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BLKBACKD_OBJS) $(COMMON_LIB) \
		-L$(STOCK_LIBDIR) $(BLKBACKD_LIBS)

BINS += $(BUILD)/blkbackd/blkbackd $(BUILD)/blkbackd/blkbackd-xen

# Pure request/ring checks against hostile input.
$(BUILD)/tests/unit/test-blkif-req: $(BUILD)/tests/unit/test-blkif-req.o \
		$(BUILD)/blkbackd/blkif-req.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

TEST_BINS += $(BUILD)/tests/unit/test-blkif-req
