# xenner: one flat build; every directory adds its targets in module.mk.
#   make            build everything into $(BUILD) (default build/)
#   make check      build and run all tests (ends with "N passed, N failed");
#                   without a usable /dev/kvm the guest tests run in the
#                   SVM test VM (scripts/svm-vm, docs/svm-vm.md)
#   make check-svm  only the guest tests, all in the SVM test VM
#   make asan       the same build and tests with ASan+UBSan in build-asan/
#   make soak       long tests kept out of check (100 MB over netbackd,
#                   10^6 actions of the hypercall-fuzzing guest)
#   make bench      benchmarks: xenner vs QEMU vs host (bench/boot, then
#                   bench/blk, bench/net, bench/migrate; not part of
#                   check; docs/bench.md)
#   make bench-blk  only the block I/O one (bench/blk)
#   make bench-net  only the network one (bench/net; root: a netns, taps)
#   make bench-migrate  only live migration (bench/migrate; root)
#   make fuzz       every libFuzzer target (tests/fuzz) for FUZZ_SECONDS
#                   each (default 60), built with clang in build-fuzz/
BUILD ?= build
CC ?= gcc
OPT ?= -O2
SAN_FLAGS ?=

CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g $(OPT) -fPIC -MD -MP \
	-D_GNU_SOURCE -Iinclude $(SAN_FLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SAN_FLAGS) $(EXTRA_LDFLAGS)

# Filled in by the module.mk files.
BINS :=
LIBS :=
TEST_BINS :=

all: build-all

COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/common/libxenner-common.a

$(COMMON_LIB): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

include $(wildcard */module.mk */*/module.mk)

build-all: $(COMMON_LIB) $(LIBS) $(BINS) $(TEST_BINS)

check: build-all
	BUILD=$(BUILD) tests/run-tests.sh

check-svm: build-all
	BUILD=$(BUILD) tests/run-tests.sh --svm

# (on a host with KVM the SVM smoke set is left out: ASan's start-up under
# TCG takes most of an hour, and make check covers that path)
asan:
	SVM_SMOKE=0 $(MAKE) BUILD=build-asan OPT=-O1 \
		SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		check

# libFuzzer targets: clang with ASan+UBSan, in their own build directory.
FUZZ_BUILD ?= build-fuzz
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined
# Always the absolute path: the .d files name their targets as BUILD was
# spelled, so a directory built as both "build-fuzz" (make fuzz) and
# "/src/build-fuzz" (fuzz-smoke.sh) would lose its header dependencies and
# link stale objects against changed structs.
fuzz-bins:
	$(MAKE) BUILD=$(abspath $(FUZZ_BUILD)) CC=clang OPT=-O1 \
		SAN_FLAGS="$(FUZZ_SAN)" fuzz-build

fuzz: fuzz-bins
	BUILD=$(abspath $(FUZZ_BUILD)) tests/fuzz/run.sh

bench: build-all
	scripts/setup-bench-deps.sh
	BUILD=$(BUILD) bench/boot
	BUILD=$(BUILD) bench/blk
	BUILD=$(BUILD) bench/net
	BUILD=$(BUILD) bench/migrate

# Longer runs than make check affords: 100 MB each way through netbackd,
# and 10^6 actions of the hypercall-fuzzing guest from a new seed (printed;
# SOAK_SEED= replays one).
SOAK_SEED ?= $(shell od -An -tu4 -N4 /dev/urandom | tr -d ' ')
soak: build-all
	BUILD=$(BUILD) XT_NET_MB=100 tests/e2e/linux-net.sh
	BUILD=$(BUILD) FUZZ_SEEDS=$(SOAK_SEED) FUZZ_CALLS=1000000 \
		tests/e2e/hypercall-fuzz.sh

bench-blk: build-all
	scripts/setup-bench-deps.sh
	BUILD=$(BUILD) bench/blk

bench-net: build-all
	scripts/setup-bench-deps.sh
	BUILD=$(BUILD) bench/net

bench-migrate: build-all
	scripts/setup-bench-deps.sh
	BUILD=$(BUILD) bench/migrate

# Installed layout: user tools in bin (xenner finds xenner-dom0 beside
# itself), daemons in sbin, the shim libraries in their own directory so
# they never replace Debian's, units and man pages.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
SBINDIR := $(PREFIX)/sbin
XLIBDIR := $(PREFIX)/lib/xenner
MANDIR := $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
XEN_BINDIR ?= /usr/lib/xen-4.17/bin
INSTALL_RUNDIR ?= /run/xenner
LOGDIR ?= /var/log/xenner
LOGROTATEDIR ?= /etc/logrotate.d
INSTALL_BINS := xenner/xenner tools/xm/xenner-xm tools/xenner-vmcore \
	tools/xenner-stats
INSTALL_SBINS := evtchnd/evtchnd blkbackd/blkbackd netbackd/netbackd
INSTALL_UNITS := $(wildcard systemd/*.service systemd/*.target)
SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@LIBDIR@|$(XLIBDIR)|g' -e 's|@XEN_BINDIR@|$(XEN_BINDIR)|g' \
	-e 's|@RUNDIR@|$(INSTALL_RUNDIR)|g' -e 's|@LOGDIR@|$(LOGDIR)|g' \
	-e 's|@LOGROTATEDIR@|$(LOGROTATEDIR)|g'

install: build-all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(XLIBDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(LOGROTATEDIR)
	for f in $(INSTALL_BINS); do \
		install -m 755 $(BUILD)/$$f $(DESTDIR)$(BINDIR)/ || exit 1; done
	for f in $(INSTALL_SBINS); do [ ! -e $(BUILD)/$$f ] || \
		install -m 755 $(BUILD)/$$f $(DESTDIR)$(SBINDIR)/ || exit 1; done
	ln -sf xenner-xm $(DESTDIR)$(BINDIR)/xm
	sed -e 's|/usr/lib/xenner|$(XLIBDIR)|' -e 's|/usr/sbin|$(SBINDIR)|g' \
		tools/xenner-dom0 >$(DESTDIR)$(BINDIR)/xenner-dom0
	install -m 755 tools/xenner-cleanup $(DESTDIR)$(BINDIR)/
	chmod 755 $(DESTDIR)$(BINDIR)/xenner-dom0
	cp -P $(BUILD)/lib/*.so* $(DESTDIR)$(XLIBDIR)/
	for f in $(INSTALL_UNITS); do \
		$(SUBST) $$f >$(DESTDIR)$(UNITDIR)/$${f#systemd/} || exit 1; done
	$(SUBST) systemd/xenner.logrotate >$(DESTDIR)$(LOGROTATEDIR)/xenner
	for f in man/*.[158]; do \
		install -m 644 $$f $(DESTDIR)$(MANDIR)/man$${f##*.}/ || exit 1; done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(INSTALL_BINS)) \
		xm xenner-dom0 xenner-cleanup)
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(INSTALL_SBINS)))
	rm -rf $(DESTDIR)$(XLIBDIR)
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(INSTALL_UNITS)))
	rm -f $(DESTDIR)$(LOGROTATEDIR)/xenner
	for f in man/*.[158]; do \
		rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f#man/}; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all build-all check check-svm asan soak bench bench-blk bench-net bench-migrate format \
	clean fuzz fuzz-bins
# Objects of the test kernels are intermediate files; keep them.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
