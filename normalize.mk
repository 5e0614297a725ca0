# normalize.mk: normalize as a step of another pipeline's Makefile.
#
#   NORMALIZE_IN  := crawl            # where the shards are (default: in)
#   NORMALIZE_OUT := clean            # where the records go (default: out)
#   include path/to/normalize.mk
#   all: $(NORMALIZE_OUTPUTS)
#
# gives a pattern rule $(NORMALIZE_OUT)/%.jsonl.zst: $(NORMALIZE_IN)/%.warc.gz,
# so `make -j4` normalizes four shards at a time and a re-run redoes only the
# shards whose input changed. Set the variables before the include: make
# expands a pattern rule's target and prerequisite when it reads the rule.
#
# Each output appears atomically: normalize writes OUT.partial and renames it
# when the shard is done, so an interrupted make never leaves a torn shard
# that a later run would take as up to date. Exit status 1 (some documents of
# the shard became error records; the shard is complete and the errors are in
# it) counts as success; 2 (a usage error) stops make.

NORMALIZE ?= normalize
NORMALIZE_IN ?= in
NORMALIZE_OUT ?= out
# One worker per shard: make -jN runs N shards side by side.
NORMALIZE_FLAGS ?= --jobs 1 --quiet
# Input shards in NORMALIZE_IN; the pattern can be set to e.g. %.warc.zst.
NORMALIZE_INPUT_PATTERN ?= %.warc.gz
NORMALIZE_OUTPUTS = $(patsubst $(NORMALIZE_IN)/$(NORMALIZE_INPUT_PATTERN),$(NORMALIZE_OUT)/%.jsonl.zst,\
  $(wildcard $(NORMALIZE_IN)/$(subst %,*,$(NORMALIZE_INPUT_PATTERN))))

$(NORMALIZE_OUT)/%.jsonl.zst: $(NORMALIZE_IN)/$(NORMALIZE_INPUT_PATTERN)
	@mkdir -p $(@D)
	$(NORMALIZE) $< -o $@ --stats $(@:.jsonl.zst=.stats.json) $(NORMALIZE_FLAGS) || [ $$? -eq 1 ]
