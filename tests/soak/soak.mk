# `make soak`: four memtouch guests at 3x overcommit under QEMU TCG for
# SOAK_MINUTES (default 10), then the pages verified, swap-ins, evictions and
# errors from the serial log; fails on any error. Not part of `make test`.
# tests/soak/soak.sh does the work; its header describes the setup. Output
# goes to $(BUILD)/soak/ (serial.log, qemu.log, the ISO and the swap image).

SOAK_MINUTES ?= 10

soak: $(HV_ELF) $(BUILD)/guests/memtouch.elf $(BUILD)/tools/pvswap | deps
	@BUILD='$(BUILD)' tests/soak/soak.sh $(SOAK_MINUTES)

.PHONY: soak
