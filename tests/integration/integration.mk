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

run: deps $(ISO)
	@echo "pagevisor on $(RUN_PLAT), $(RUN_ACCEL); Ctrl-A X quits"
	@$(INT_DIR)/boot.sh -a $(RUN_ACCEL) -w $(BUILD) -l $(BUILD)/qemu.log $(RUN_PLAT) $(ISO) || true

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
	@$(MAKE) --no-print-directory unit || \
		echo "not ok - unit: make unit failed (unit tests did not build?)" > $(BUILD)/results/unit-make.tap
	@$(MAKE) --no-print-directory integration-run || true
	@echo "make test: $$(( $$(date +%s) - $$(cat $(BUILD)/results/.start) ))s"
	@BUILD='$(BUILD)' tests/summary.sh $(BUILD)/results

FORCE:
