# tests/testdom: the guest side the host-played test guests share
# (xenner-standin, xenner-blkfront, xenner-netfront): the domain, its
# vmcore, grants, the frontend's xenstore handshake and the command script.
# (tests/blkfront's module.mk is read before this one: the others name the
# library by its path.)
TESTDOM_OBJS := $(addprefix $(BUILD)/tests/testdom/,testdom.o frontend.o \
	script.o gnttab.o)

$(BUILD)/tests/testdom/libtestdom.a: $(TESTDOM_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
