# Fuzzing: every tests/fuzz/fuzz_<name>.c is a libFuzzer harness built with
# clang (-fsanitize=fuzzer,address,undefined) and linked with the pure
# sources in FUZZ_SRCS_<name>. Seeds live in tests/fuzz/corpus/<name>/,
# inputs that once crashed in tests/fuzz/regressions/<name>/.
#   make fuzz          run each harness for FUZZ_SECONDS (new inputs go to
#                      $(BUILD)/fuzz/corpus-<name>/, crashes to $(BUILD)/fuzz/)
#   make fuzz-replay   run each harness once over its seeds and regressions;
#                      prints "fuzz-replay <name>: <n> inputs ok", fails on a crash

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -Itests/unit -DHOST_TEST \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

# Sources each harness links, one variable per harness.
FUZZ_SRCS_x86emu := $(wildcard core/x86emu*.c)
FUZZ_SRCS_bzimage := core/bzimage.c core/printf.c mm/gmem.c mm/pt.c mm/pt_formats.c mm/frame.c mm/rmap.c mm/heap.c mm/pagestate.c tests/unit/stubs.c
FUZZ_GMEM_SRCS := core/printf.c mm/gmem.c mm/pt.c mm/pt_formats.c mm/frame.c mm/rmap.c \
	mm/heap.c mm/pagestate.c tests/unit/stubs.c
FUZZ_SRCS_bootinfo := core/bootinfo.c core/acpi_tables.c core/printf.c tests/unit/stubs.c
FUZZ_SRCS_cmdline := core/cmdline.c core/guestcfg.c core/printf.c tests/unit/stubs.c
FUZZ_SRCS_mbloader := core/mbloader.c $(FUZZ_GMEM_SRCS)
FUZZ_SRCS_swapfmt := core/swapfmt.c core/printf.c tests/unit/stubs.c
FUZZ_SRCS_gpt := core/gpt.c core/printf.c tests/unit/stubs.c
FUZZ_SRCS_acpi_build := core/acpi_build.c core/acpi_tables.c core/printf.c tests/unit/stubs.c
FUZZ_SRCS_acpi_tables := core/acpi_tables.c core/printf.c tests/unit/stubs.c

# Longest input `make fuzz` generates, per harness (default 64 bytes).
FUZZ_MAXLEN_bootinfo := 1024
FUZZ_MAXLEN_cmdline := 512
FUZZ_MAXLEN_mbloader := 1024
FUZZ_MAXLEN_swapfmt := 300
FUZZ_MAXLEN_gpt := 2048
FUZZ_MAXLEN_acpi_tables := 1024

# clang with the libFuzzer runtime (Debian 12: packages clang and
# libclang-rt-14-dev, which tools/install-deps.sh installs).
fuzz-check-clang:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CC) not found: run tools/install-deps.sh (packages clang libclang-rt-14-dev)" >&2; exit 1; }
	@rt=$$($(FUZZ_CC) -print-file-name=libclang_rt.fuzzer-x86_64.a); [ -f "$$rt" ] || { \
		echo "fuzz: $(FUZZ_CC) has no libFuzzer runtime (libclang_rt.fuzzer): install libclang-rt-14-dev" >&2; exit 1; }

define FUZZ_RULE
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(wildcard core/*.h mm/*.h tests/unit/*.h tests/fuzz/*.h) | fuzz-check-clang
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_SRCS_$(1))
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

fuzz-build: $(FUZZ_BINS)

# One harness's timed run (make function: $(1) is the name).
define FUZZ_RUN
mkdir -p $(BUILD)/fuzz/corpus-$(1) tests/fuzz/corpus/$(1); \
	echo "fuzz $(1): $(FUZZ_SECONDS) s"; \
	$(BUILD)/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=$(or $(FUZZ_MAXLEN_$(1)),64) \
		-artifact_prefix=$(BUILD)/fuzz/$(1)- -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-$(1) tests/fuzz/corpus/$(1);
endef

fuzz: fuzz-build
	@set -e; $(foreach n,$(FUZZ_NAMES),$(call FUZZ_RUN,$(n)))

# Each input is passed as a file, so libFuzzer just executes it once.
fuzz-replay: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
		files=$$(find tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n -type f 2>/dev/null | sort); \
		count=$$(printf '%s\n' $$files | grep -c . || true); \
		if [ "$$count" -gt 0 ]; then \
			$(BUILD)/fuzz/fuzz_$$n -runs=0 $$files > $(BUILD)/fuzz/replay-$$n.log 2>&1 || { \
				tail -n 30 $(BUILD)/fuzz/replay-$$n.log; \
				echo "fuzz-replay $$n: FAILED (log $(BUILD)/fuzz/replay-$$n.log)"; exit 1; }; \
		fi; \
		echo "fuzz-replay $$n: $$count inputs ok"; \
	done

.PHONY: fuzz fuzz-build fuzz-replay fuzz-check-clang
