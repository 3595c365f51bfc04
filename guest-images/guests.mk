# Test guests (guest-images/): $(BUILD)/guests/<name>.elf, Multiboot 1
# kernels in long mode built over the runtime in guest-images/rt/, plus
# malformed modules for the loader's rejection tests. Included from the top
# Makefile; honours CROSS= through $(CC)/$(LD)/$(OBJCOPY).

GUEST_DIR   := guest-images
GUEST_OUT   := $(BUILD)/guests
GUEST_NAMES := hello memtouch probe fakesummary triple spin state evict ticker hostile \
	pctimer uartecho pcprobe mmiohostile ender bench
GCFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-pic -fno-pie -mno-red-zone \
	-mno-sse -mno-sse2 -mno-mmx -mno-80387 -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-common -fno-omit-frame-pointer \
	-fno-builtin -mcmodel=small -mgeneral-regs-only -O2 -g -Wall -Wextra -Werror \
	-I$(GUEST_DIR)/rt -MMD -MP
GASFLAGS := $(filter-out -std=gnu11,$(GCFLAGS))
GLDFLAGS := -static -nostdlib -z max-page-size=0x1000 -z noexecstack \
	-T $(GUEST_DIR)/rt/guest.ld

GUEST_RT      := $(patsubst $(GUEST_DIR)/%,$(GUEST_OUT)/obj/%.o,\
	$(wildcard $(GUEST_DIR)/rt/*.c) $(GUEST_DIR)/rt/isr.S)
GUEST_ENTRY   := $(GUEST_OUT)/obj/rt/entry.S.o
# Every good guest image. hello-aout.bin is the hello guest as a flat binary
# with an a.out-kludge Multiboot header (flags bit 16), for the loader's
# non-ELF path.
GUEST_ELFS    := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES)) $(GUEST_OUT)/hello-aout.bin
# Malformed modules the loader must reject: no Multiboot header; a segment
# outside guest RAM; two segments overlapping.
GUEST_BAD     := $(GUEST_OUT)/notelf.bin $(GUEST_OUT)/badseg.elf $(GUEST_OUT)/overlap.elf
# The hostile guest is several files: hostile.c and these parts.
HOSTILE_PARTS := $(patsubst %,$(GUEST_OUT)/obj/%.c.o,hostile_mem hostile_virt hostile_cr hostile_io)
GUEST_OBJS    := $(GUEST_RT) $(GUEST_ENTRY) $(GUEST_OUT)/obj/rt/entry-aout.S.o \
	$(patsubst %,$(GUEST_OUT)/obj/%.c.o,$(GUEST_NAMES)) $(HOSTILE_PARTS)

.PHONY: guests
guests: $(GUEST_ELFS) $(GUEST_BAD)
all: guests
integration: guests

$(GUEST_OUT)/obj/%.c.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.S.o: $(GUEST_DIR)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GASFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/rt/entry-aout.S.o: $(GUEST_DIR)/rt/entry.S
	@mkdir -p $(dir $@)
	$(CC) $(GASFLAGS) -DRT_AOUT -c $< -o $@

# Link as ELF64, then repackage as ELF32 (Multiboot 1 loaders, QEMU -kernel
# among them, take ELF32 only; the code inside stays 64-bit).
$(GUEST_OUT)/%.elf64: $(GUEST_OUT)/obj/%.c.o $(GUEST_RT) $(GUEST_ENTRY) $(GUEST_DIR)/rt/guest.ld
	$(LD) $(GLDFLAGS) -o $@ $(GUEST_ENTRY) $(GUEST_RT) $<

$(GUEST_OUT)/hostile.elf64: $(GUEST_OUT)/obj/hostile.c.o $(HOSTILE_PARTS) $(GUEST_RT) \
		$(GUEST_ENTRY) $(GUEST_DIR)/rt/guest.ld
	$(LD) $(GLDFLAGS) -o $@ $(GUEST_ENTRY) $(GUEST_RT) $(GUEST_OUT)/obj/hostile.c.o $(HOSTILE_PARTS)

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.elf64
	$(OBJCOPY) -O elf32-i386 $< $@

$(GUEST_OUT)/hello-aout.elf64: $(GUEST_OUT)/obj/hello.c.o $(GUEST_RT) \
		$(GUEST_OUT)/obj/rt/entry-aout.S.o $(GUEST_DIR)/rt/guest.ld
	$(LD) $(GLDFLAGS) -o $@ $(GUEST_OUT)/obj/rt/entry-aout.S.o $(GUEST_RT) $<

$(GUEST_OUT)/hello-aout.bin: $(GUEST_OUT)/hello-aout.elf64
	$(OBJCOPY) -O binary $< $@

$(GUEST_OUT)/notelf.bin:
	@mkdir -p $(dir $@)
	for i in 1 2 3 4 5 6 7 8; do \
		echo "This is not a kernel: plain text, no ELF magic, no Multiboot header ($$i)."; \
	done > $@

$(GUEST_OUT)/mbpatch: $(GUEST_DIR)/tools/mbpatch.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -O2 -Wall -Wextra -Werror -o $@ $<

$(GUEST_OUT)/badseg.elf: $(GUEST_OUT)/hello.elf $(GUEST_OUT)/mbpatch
	$(GUEST_OUT)/mbpatch $< $@ farseg

$(GUEST_OUT)/overlap.elf: $(GUEST_OUT)/hello.elf $(GUEST_OUT)/mbpatch
	$(GUEST_OUT)/mbpatch $< $@ overlap

# Keep objects and ELF64 links: make would delete them as intermediates.
.SECONDARY: $(GUEST_OBJS) $(patsubst %,$(GUEST_OUT)/%.elf64,$(GUEST_NAMES) hello-aout)

-include $(GUEST_OBJS:.o=.d)
