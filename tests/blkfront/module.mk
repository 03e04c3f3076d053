# tests/blkfront: xenner-blkfront, a guest's blkfront played from the host
# (for blkbackd's tests until a real guest kernel runs), on the test guests'
# shared guest side (tests/testdom).
BLKFRONT := $(BUILD)/tests/blkfront/xenner-blkfront
BLKFRONT_OBJS := $(addprefix $(BUILD)/tests/blkfront/,main.o vbd.o vbd-io.o)
BINS += $(BLKFRONT)

$(BLKFRONT): $(BLKFRONT_OBJS) $(BUILD)/tests/testdom/libtestdom.a $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lxenstore
