# Drop-in Xen 4.17 control libraries (same sonames, symbols and symbol
# versions as Debian's) and the LD_PRELOAD library for the stock daemons.
SHIM_LIBDIR := $(BUILD)/lib
SHIM_COMMON := $(BUILD)/libxenctrl/shim-log.o
SHIM_DOM := $(BUILD)/libxenctrl/shim-dom.o

SHIM_xenctrl_SO := libxenctrl.so.4.17
SHIM_xenctrl_OBJS := ctrl.o ctrl-unsupported.o
SHIM_xenevtchn_SO := libxenevtchn.so.1
SHIM_xenevtchn_OBJS := evtchn.o
SHIM_xengnttab_SO := libxengnttab.so.1
SHIM_xengnttab_OBJS := gnttab.o gnttab-pin.o gnttab-copy.o gntshr.o
SHIM_xenforeignmemory_SO := libxenforeignmemory.so.1
SHIM_xenforeignmemory_OBJS := foreignmemory.o
SHIM_xendevicemodel_SO := libxendevicemodel.so.1
SHIM_xendevicemodel_OBJS := devicemodel.o

SHIM_NAMES := xenctrl xenevtchn xengnttab xenforeignmemory xendevicemodel
SHIM_SOS := $(foreach n,$(SHIM_NAMES),$(SHIM_LIBDIR)/$(SHIM_$(n)_SO))
SHIM_LINKS := $(foreach n,$(SHIM_NAMES),$(SHIM_LIBDIR)/lib$(n).so)
SHIM_PRELOAD := $(SHIM_LIBDIR)/libxenner-preload.so

# $(1) = library name without "lib".  -z defs: a missing symbol is a link
# error here, not a "symbol lookup error" in a BIND_NOW daemon later.
define shim_lib
$(SHIM_LIBDIR)/$(SHIM_$(1)_SO): $(addprefix $(BUILD)/libxenctrl/,$(SHIM_$(1)_OBJS)) \
		$(SHIM_COMMON) $(SHIM_DOM) $(COMMON_LIB) libxenctrl/lib$(1).map
	@mkdir -p $$(dir $$@)
	$$(CC) -shared -o $$@ -Wl,-soname,$(SHIM_$(1)_SO) \
		-Wl,--version-script=libxenctrl/lib$(1).map -Wl,-z,defs \
		$(addprefix $(BUILD)/libxenctrl/,$(SHIM_$(1)_OBJS)) \
		$(SHIM_COMMON) $(SHIM_DOM) $(COMMON_LIB) $$(LDFLAGS) -lpthread

$(SHIM_LIBDIR)/lib$(1).so: $(SHIM_LIBDIR)/$(SHIM_$(1)_SO)
	ln -sf $(SHIM_$(1)_SO) $$@
endef
$(foreach n,$(SHIM_NAMES),$(eval $(call shim_lib,$(n))))

$(SHIM_PRELOAD): $(BUILD)/libxenctrl/preload.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ -Wl,-z,defs -Wl,--exclude-libs,ALL $^ $(LDFLAGS) -ldl

LIBS += $(SHIM_SOS) $(SHIM_LINKS) $(SHIM_PRELOAD)

# Unit tests link against the built shim libraries, as daemons do.
SHIM_TEST_LDFLAGS := -L$(SHIM_LIBDIR) -Wl,-rpath,$(abspath $(SHIM_LIBDIR))

$(BUILD)/tests/unit/test-shim-gnttab: $(BUILD)/tests/unit/test-shim-gnttab.o \
		$(BUILD)/tests/unit/shim-test-dom.o $(COMMON_LIB) $(SHIM_SOS) $(SHIM_LINKS)
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) $(SHIM_TEST_LDFLAGS) \
		-lxengnttab -lcmocka

$(BUILD)/tests/unit/test-shim-foreign: $(BUILD)/tests/unit/test-shim-foreign.o \
		$(BUILD)/tests/unit/shim-test-dom.o $(COMMON_LIB) $(SHIM_SOS) $(SHIM_LINKS)
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) $(SHIM_TEST_LDFLAGS) \
		-lxenforeignmemory -lcmocka

# Pins that outlive a killed process (include/xenner/gntpin.h).
$(BUILD)/tests/unit/test-shim-gnttab-pins: $(BUILD)/tests/unit/test-shim-gnttab-pins.o \
		$(BUILD)/tests/unit/shim-test-dom.o $(COMMON_LIB) $(SHIM_SOS) $(SHIM_LINKS)
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) $(SHIM_TEST_LDFLAGS) \
		-lxengnttab -lcmocka

TEST_BINS += $(BUILD)/tests/unit/test-shim-gnttab $(BUILD)/tests/unit/test-shim-foreign \
	$(BUILD)/tests/unit/test-shim-gnttab-pins

# Against a live evtchnd (started by the test; skips if not built).
$(BUILD)/tests/unit/test-shim-evtchn: $(BUILD)/tests/unit/test-shim-evtchn.o \
		$(BUILD)/tests/unit/shim-test-dom.o $(COMMON_LIB) $(SHIM_SOS) $(SHIM_LINKS)
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) $(SHIM_TEST_LDFLAGS) \
		-lxenevtchn -lxenctrl -lcmocka

TEST_BINS += $(BUILD)/tests/unit/test-shim-evtchn
