# tests/blkfront: xenner-blkfront, a guest's blkfront played from the host
# (for blkbackd's tests until a real guest kernel runs).  It reuses the
# stand-in's guest-side grant-table helpers.
BLKFRONT := $(BUILD)/tests/blkfront/xenner-blkfront
BLKFRONT_OBJS := $(addprefix $(BUILD)/tests/blkfront/,main.o vbd.o vbd-io.o) \
	$(BUILD)/tests/standin/gnttab.o
BINS += $(BLKFRONT)

$(BLKFRONT): $(BLKFRONT_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore
