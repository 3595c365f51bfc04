# Emulator targets: `make iso`, `make run`, `make run-bochs`, `make integration`
# (every case of tests/integration/cases/ on each of its platforms), and
# `make test` (deps + build + unit + integration + summary). The harness is
# tests/integration/run-case.sh; docs/testing.md describes it.

INT_DIR   := tests/integration
ISO       := $(BUILD)/pagevisor.iso
# Hypervisor command line and Multiboot2 modules (guest images) of `make iso`
# and the run targets. Each module's string is its file name.
CMDLINE   ?=
GUESTS    ?=
# make run: ACCEL=auto|tcg|kvm, UEFI=1 boots through OVMF. The run targets
# ignore the emulator's exit status (the exit port makes QEMU return 1).
ACCEL     ?= auto
UEFI      ?= 0
# make run-bochs: any `bochs --help cpu` model (ryzen for SVM).
BOCHS_CPU ?= corei7_haswell_4770
# make integration: parallel runs, and optional filters (space-separated).
INT_JOBS  ?= 2
CASES     ?=
PLATFORMS ?=

# KVM only helps where it can nest: /dev/kvm alone is not enough (these build
# machines have a /dev/kvm whose guests see neither VMX nor SVM).
KVM_NESTS  = $(shell [ -e /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && echo yes)
RUN_ACCEL  = $(if $(filter auto,$(ACCEL)),$(if $(KVM_NESTS),kvm,tcg),$(ACCEL))
RUN_PLAT   = $(if $(filter 1 yes,$(UEFI)),qemu-uefi,qemu-bios)
INT_ENV    = BUILD='$(BUILD)' CASES='$(CASES)' PLATFORMS='$(PLATFORMS)'

.PHONY: FORCE integration-run

deps:
	@tools/install-deps.sh

# mkiso.sh itself decides whether the ISO is stale (ELF, modules, grub.cfg),
# so a changed CMDLINE rebuilds it.
$(ISO): $(HV_ELF) $(GUESTS) FORCE | deps
	@$(INT_DIR)/mkiso.sh $(foreach g,$(GUESTS),-m '$(g)') $@ $(HV_ELF) $(CMDLINE)

iso: $(ISO)
	@echo "ISO: $(ISO) (command line: '$(CMDLINE)')"

# The default demo of `make run` (when neither GUESTS nor CMDLINE is given):
# four guests whose memory (2 x 256 MiB + 2 x 64 MiB) is far beyond the
# 24 MiB that hv_mem= gives guest data, a 128 MiB swap disk made by pvswap,
# all verified; then the table, the paging statistics and the monitor prompt
# (`stay`), where `mem` and `pager` show the counters again.
DEMO_ISO     := $(BUILD)/demo.iso
DEMO_SWAP    := $(BUILD)/demo-swap.img
DEMO_CMDLINE := hv_mem=24M stay
DEMO_GUESTS  := -m '$(BUILD)/guests/hello.elf name=hello -- hello from make run' \
	-m '$(BUILD)/guests/memtouch.elf name=touch1 mem=256M -- mib=24 order=random' \
	-m '$(BUILD)/guests/memtouch.elf name=touch2 mem=256M -- mib=16 order=hotcold' \
	-m '$(BUILD)/guests/probe.elf name=probe'
RUN_DEMO      = $(if $(strip $(GUESTS)$(CMDLINE)),,yes)

$(DEMO_ISO): $(HV_ELF) guests FORCE | deps
	@$(INT_DIR)/mkiso.sh $(DEMO_GUESTS) $@ $(HV_ELF) $(DEMO_CMDLINE)

$(DEMO_SWAP): | $(BUILD)/tools/pvswap
	@$(PVSWAP) create $@ 128M --label demo

run: deps $(if $(RUN_DEMO),$(DEMO_ISO) $(DEMO_SWAP),$(ISO))
	@echo "pagevisor on $(RUN_PLAT), $(RUN_ACCEL); Ctrl-A X quits"
	@$(INT_DIR)/boot.sh -a $(RUN_ACCEL) -w $(BUILD) -l $(BUILD)/qemu.log \
		$(if $(RUN_DEMO),-d virtio:$(DEMO_SWAP)) $(RUN_PLAT) \
		$(if $(RUN_DEMO),$(DEMO_ISO),$(ISO)) || true

run-bochs: deps $(ISO)
	@echo "pagevisor on Bochs $(BOCHS_CPU); Ctrl-C then 'q' quits (log: $(BUILD)/bochs/bochs.log)"
	@$(INT_DIR)/boot.sh -c $(BOCHS_CPU) -w $(BUILD)/bochs bochs-intel $(ISO) || true

# Every (case, platform) pair, INT_JOBS at a time. Fails if any run failed.
integration: $(HV_ELF) $(GUESTS)
	@$(MAKE) --no-print-directory integration-run

integration-run:
	@mkdir -p $(BUILD)/results
	@rm -f $(BUILD)/results/int-*.tap
	@$(INT_ENV) $(INT_DIR)/run-case.sh --list | \
		$(INT_ENV) xargs -r -L1 -P$(INT_JOBS) $(INT_DIR)/run-case.sh

# One pair: make int-selftest@bochs-intel
int-%: $(HV_ELF) FORCE
	@BUILD='$(BUILD)' $(INT_DIR)/run-case.sh $(subst @, ,$*)

# Everything, never stopping at the first failing part: a part that fails
# before producing TAP results is recorded as a `not ok` line itself.
test:
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results && date +%s > $(BUILD)/results/.start
	@$(MAKE) --no-print-directory deps || \
		echo "not ok - deps: tools/install-deps.sh failed" > $(BUILD)/results/deps.tap
	@$(MAKE) --no-print-directory all $(GUESTS) || \
		echo "not ok - build: $(HV_ELF) or a guest image failed to build" > $(BUILD)/results/build.tap
	@$(MAKE) --no-print-directory linux-check || \
		echo "not ok - linux: fetching or building the Linux test guest failed (make linux)" > $(BUILD)/results/linux-make.tap
	@$(MAKE) --no-print-directory -j$(INT_JOBS) unit || \
		echo "not ok - unit: make unit failed (unit tests did not build?)" > $(BUILD)/results/unit-make.tap
	@if $(MAKE) --no-print-directory fuzz-replay > $(BUILD)/results/fuzz-replay.log 2>&1; then \
		sed 's/^fuzz-replay \(.*\)/ok - fuzz-replay \1/;t;d' $(BUILD)/results/fuzz-replay.log > $(BUILD)/results/fuzz.tap; \
	else echo "not ok - fuzz-replay failed (see $(BUILD)/results/fuzz-replay.log)" > $(BUILD)/results/fuzz.tap; fi
	@cat $(BUILD)/results/fuzz.tap
	@$(MAKE) --no-print-directory integration-run || true
	@echo "make test: $$(( $$(date +%s) - $$(cat $(BUILD)/results/.start) ))s"
	@BUILD='$(BUILD)' tests/summary.sh $(BUILD)/results

FORCE:
