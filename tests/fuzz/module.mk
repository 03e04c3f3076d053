# tests/fuzz: libFuzzer targets, one per parser of what a guest or a peer
# wrote, each linked with the project's own objects (never a copy of the
# code).  Built only by make fuzz-build (clang with
# -fsanitize=fuzzer,address,undefined, into build-fuzz/: see the top
# Makefile); run by tests/fuzz/run.sh.
FUZZ_TARGETS := blkif netif-ring netif-csum kernel bootloader xmcfg xmdev \
	vmcore gnttab evtchnd args
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz-%)
FUZZ_LINK = $(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^

$(BUILD)/tests/fuzz/%.o: CFLAGS += -Iblkbackd -Inetbackd -Ixenner \
	-Itools/xm -Ievtchnd -Ilibxenctrl -I/usr/include/libnl3 \
	-D__XEN_INTERFACE_VERSION__=0x00040e00

$(BUILD)/tests/fuzz/fuzz-blkif: $(BUILD)/tests/fuzz/fuzz-blkif.o \
		$(BUILD)/blkbackd/blkif-req.o $(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-netif-ring: $(BUILD)/tests/fuzz/fuzz-netif-ring.o \
		$(BUILD)/netbackd/netif-req.o $(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-netif-csum: $(BUILD)/tests/fuzz/fuzz-netif-csum.o \
		$(BUILD)/netbackd/netif-offload.o $(BUILD)/netbackd/netif-csum.o \
		$(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-kernel: $(BUILD)/tests/fuzz/fuzz-kernel.o \
		$(XENNER_LOADER_LIB) $(COMMON_LIB)
	$(FUZZ_LINK) $(XENNER_LOADER_LDLIBS)

$(BUILD)/tests/fuzz/fuzz-bootloader: $(BUILD)/tests/fuzz/fuzz-bootloader.o \
		$(XENNER_LOADER_LIB) $(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-xmcfg: $(BUILD)/tests/fuzz/fuzz-xmcfg.o \
		$(BUILD)/tools/xm/xmcfg.o $(BUILD)/tools/xm/xmdom.o \
		$(BUILD)/tools/xm/xmdev.o $(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-xmdev: $(BUILD)/tests/fuzz/fuzz-xmdev.o \
		$(BUILD)/tools/xm/xmdom.o $(BUILD)/tools/xm/xmdev.o \
		$(BUILD)/tools/xm/xmcfg.o $(COMMON_LIB)
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz-vmcore: $(BUILD)/tests/fuzz/fuzz-vmcore.o $(COMMON_LIB)
	$(FUZZ_LINK)

# The shim's objects themselves, as its libraries are linked from them.
$(BUILD)/tests/fuzz/fuzz-gnttab: $(BUILD)/tests/fuzz/fuzz-gnttab.o \
		$(BUILD)/tests/unit/shim-test-dom.o \
		$(addprefix $(BUILD)/libxenctrl/,$(SHIM_xengnttab_OBJS) \
		$(SHIM_xenforeignmemory_OBJS)) $(SHIM_COMMON) $(SHIM_DOM) \
		$(COMMON_LIB)
	$(FUZZ_LINK) -lpthread

# evtchnd without its main.c and setup.c: the fuzzer plays the listener.
$(BUILD)/tests/fuzz/fuzz-evtchnd: $(BUILD)/tests/fuzz/fuzz-evtchnd.o \
		$(addprefix $(BUILD)/evtchnd/,conn.o domains.o ports.o proto.o) \
		$(COMMON_LIB)
	$(FUZZ_LINK) -levent

$(BUILD)/tests/fuzz/fuzz-args: $(BUILD)/tests/fuzz/fuzz-args.o \
		$(addprefix $(BUILD)/xenner/,args.o disk.o disk-format.o net.o \
		vfb.o xenbus-dev.o) $(COMMON_LIB)
	$(FUZZ_LINK) -lxenstore

fuzz-build: $(FUZZ_BINS)

.PHONY: fuzz-build
