# xenner: one flat build; every directory adds its targets in module.mk.
#   make            build everything into $(BUILD) (default build/)
#   make check      build and run all tests (ends with "N passed, N failed")
#   make asan       the same build and tests with ASan+UBSan in build-asan/
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

asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
		SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		check

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan

.PHONY: all build-all check asan format clean
# Objects of the test kernels are intermediate files; keep them.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
