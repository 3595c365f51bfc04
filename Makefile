# pagevisor build. `make` builds the hypervisor ELF, `make iso` a hybrid
# BIOS+UEFI GRUB ISO, `make test` runs every unit and emulator test, `make run`
# boots the demo under QEMU. CROSS=x86_64-elf- selects a cross toolchain.

CROSS   ?=
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
HOSTCC  ?= gcc
BUILD   ?= build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

KCFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-pic -fno-pie -mno-red-zone \
	-mno-sse -mno-sse2 -mno-mmx -mno-80387 -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-common -fno-omit-frame-pointer \
	-mcmodel=kernel -mgeneral-regs-only -O2 -g -Wall -Wextra -Werror \
	-I. -DPV_VERSION='"$(VERSION)"' -MMD -MP
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__
KLDFLAGS := -static -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld

HV_SRCS := $(wildcard boot/*.S boot/*.c core/*.c core/*.S core/vdev/*.c mm/*.c drivers/*.c \
	vmx/*.c vmx/*.S svm/*.c svm/*.S)
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))
HV_ELF  := $(BUILD)/pagevisor.elf

.PHONY: all iso run run-bochs test unit integration deps clean
all: $(HV_ELF)

$(BUILD)/hv/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/hv/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

$(HV_ELF): $(HV_OBJS) linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(HV_OBJS)

-include $(HV_OBJS:.o=.d)

include tests/unit/unit.mk
include tests/integration/integration.mk
include guest-images/guests.mk
include tools/tools.mk
-include tests/fuzz/fuzz.mk

clean:
	rm -rf $(BUILD)
-include tests/linux/linux.mk
-include tests/bench/bench.mk
-include tests/soak/soak.mk
