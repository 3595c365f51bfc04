# Host unit tests: every tests/unit/test_*.c is one cmocka program linked with
# the host-testable (pure) hypervisor sources below and tests/unit/stubs.c,
# built with AddressSanitizer and UBSan. Each program runs with TAP output
# into $(BUILD)/results/unit-<name>.tap, which tests/summary.sh counts.

UNIT_PURE_SRCS := $(wildcard core/printf.c core/cmdline.c core/bootinfo.c \
	core/acpi_tables.c mm/pt.c mm/pt_formats.c mm/frame.c mm/heap.c mm/memmap.c \
	mm/gmem.c core/cpuid_policy.c)
UNIT_PURE_SRCS += core/insn_len.c core/gwalk.c
UNIT_PURE_SRCS += core/guestcfg.c core/mbloader.c
UNIT_PURE_SRCS += core/swapfmt.c mm/swap.c
UNIT_PURE_SRCS += core/gpt.c
UNIT_PURE_SRCS += core/bzimage.c
UNIT_PURE_SRCS += core/fbcon.c core/font8x16.c
UNIT_PURE_SRCS += mm/policy.c mm/policy_clock.c mm/policy_clock2q.c mm/policy_sim.c
UNIT_PURE_SRCS += mm/rmap.c mm/pagestate.c mm/tlbgen.c
UNIT_PURE_SRCS += vmx/entry_check.c vmx/entry_check_guest.c
UNIT_PURE_SRCS += svm/svm_check.c svm/vmcb_init.c
UNIT_PURE_SRCS += drivers/nvme_cmd.c
UNIT_PURE_SRCS += drivers/ahci_cmd.c
UNIT_PURE_SRCS += core/acpi_build.c core/vdev/acpipm.c
UNIT_PURE_SRCS += $(wildcard core/x86emu*.c)
UNIT_PURE_SRCS += $(wildcard core/vdev/lapic*.c core/vdev/ioapic.c core/vdev/pic.c core/vdev/pit.c \
	core/vdev/rtc.c core/vdev/fwcfg.c core/vdev/uart.c)
UNIT_SUPPORT   := tests/unit/stubs.c
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -Itests/unit \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -DHOST_TEST
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_HDRS   := $(wildcard core/*.h core/vdev/*.h mm/*.h drivers/*.h tests/unit/*.h)

# The pure sources are compiled once and linked into every test program.
UNIT_OBJS   := $(patsubst %.c,$(BUILD)/unit/obj/%.o,$(UNIT_PURE_SRCS) $(UNIT_SUPPORT))

$(BUILD)/unit/obj/%.o: %.c $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(UNIT_OBJS) $(UNIT_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_OBJS) -lcmocka

unit-build: $(UNIT_TESTS)

# Run every unit program; a crash or sanitizer report is a failure too.
unit: unit-build
	@mkdir -p $(BUILD)/results
	@for t in $(UNIT_TESTS); do \
		n=$$(basename $$t); \
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 $$t > $(BUILD)/results/unit-$$n.tap 2> $(BUILD)/results/unit-$$n.err; \
		rc=$$?; \
		if [ $$rc -ne 0 ] && ! grep -q '^not ok' $(BUILD)/results/unit-$$n.tap; then \
			echo "not ok - $$n crashed (exit $$rc, see $(BUILD)/results/unit-$$n.err)" >> $(BUILD)/results/unit-$$n.tap; \
		fi; \
		echo "unit $$n: $$(grep -c '^ok' $(BUILD)/results/unit-$$n.tap) passed, $$(grep -c '^not ok' $(BUILD)/results/unit-$$n.tap) failed"; \
	done

.PHONY: unit-build
