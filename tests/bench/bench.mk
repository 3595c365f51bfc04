# `make bench`: the replacement-quality benchmark (issue 10 part 1,
# docs/BENCHMARKS.md). policybench is a host program (gcc -O2) linking the
# hypervisor's own policy sources; it replays the committed real-program
# traces (tests/bench/traces/*.trace.gz, made by `make bench-traces`) and
# the synthetic ones, and writes $(BUILD)/bench/policy.{txt,md,png}.
# `make bench-smoke` runs its self-checks in a few seconds.
# Parts 2-4 (code-path lengths, overcommit slowdown, metadata) boot the
# bench cases of tests/bench/cases/ under QEMU and Bochs through the
# integration harness (tests/bench/emubench.sh, a few minutes) and write
# $(BUILD)/bench/{paths,overcommit,metadata}.txt; `make bench-emu` runs
# only those. BENCH_PATHS_PLATFORMS / BENCH_OVER_PLATFORMS choose platforms.

BENCH_DIR    := $(BUILD)/bench
POLICYBENCH  := $(BENCH_DIR)/policybench
PAGEREDUCE   := $(BENCH_DIR)/pagereduce
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -DHOST_TEST
BENCH_SRCS   := $(wildcard tests/bench/*.c) mm/policy.c mm/policy_clock.c \
	mm/policy_clock2q.c mm/policy_sim.c
BENCH_SRCS   := $(filter-out tests/bench/pagereduce.c,$(BENCH_SRCS))
BENCH_TRACES := $(wildcard tests/bench/traces/*.trace.gz)

BENCH_PATHS_PLATFORMS ?= qemu-bios bochs-intel bochs-ryzen
BENCH_OVER_PLATFORMS  ?= qemu-bios bochs-intel

.PHONY: bench bench-smoke bench-traces bench-emu

$(POLICYBENCH): $(BENCH_SRCS) $(wildcard tests/bench/*.h) mm/policy.h mm/policy_sim.h \
		mm/pager_tune.h core/types.h core/panic.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS) -lm

$(PAGEREDUCE): tests/bench/pagereduce.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ $<

bench: $(POLICYBENCH)
	@tools/install-deps.sh || true
	$(POLICYBENCH) -o $(BENCH_DIR) -s $(BENCH_TRACES)
	@if command -v gnuplot >/dev/null; then \
		gnuplot -e "dir='$(BENCH_DIR)'" tests/bench/policy.gp && echo "bench: $(BENCH_DIR)/policy.png"; \
	else echo "bench: gnuplot missing (tools/install-deps.sh): no $(BENCH_DIR)/policy.png"; fi
	@echo "bench: $(BENCH_DIR)/policy.txt $(BENCH_DIR)/policy.md"
	@$(MAKE) --no-print-directory bench-emu

bench-emu: $(HV_ELF) guests $(BUILD)/tools/pvswap
	BUILD='$(BUILD)' tests/bench/emubench.sh $(BENCH_DIR) '$(BENCH_PATHS_PLATFORMS)' \
		'$(BENCH_OVER_PLATFORMS)'
	@echo "bench: $(BENCH_DIR)/paths.txt $(BENCH_DIR)/overcommit.txt $(BENCH_DIR)/metadata.txt"

bench-smoke: $(POLICYBENCH)
	$(POLICYBENCH) --smoke

# Recapture the real-program traces with valgrind (minutes; results differ
# slightly from run to run with ASLR). Not part of `make bench`.
bench-traces: $(PAGEREDUCE)
	tests/bench/mktraces.sh $(PAGEREDUCE) tests/bench/traces
