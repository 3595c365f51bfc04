# The Linux test guest (issue 9), included from the top Makefile: a stock
# Debian cloud kernel and busybox-static fetched as Debian packages by
# tests/linux/fetch.sh (apt-get download + dpkg-deb -x, cached in
# $(BUILD)/linux/deb/, never committed), and an initramfs built here whose
# /init runs memverify (a static host-built program) and powers off.
#   make linux         $(BUILD)/linux/vmlinuz and $(BUILD)/linux/initrd.img
#   make linux-check   host checks: memverify, initramfs contents, and a bare
#                      QEMU TCG boot (TAP in $(BUILD)/results/linux-check.tap)
# With the cache present nothing here needs the network.

LINUX_DIR := tests/linux
LINUX_OUT := $(BUILD)/linux
LINUX_KERNEL := $(LINUX_OUT)/vmlinuz
LINUX_INITRD := $(LINUX_OUT)/initrd.img
LINUX_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror

.PHONY: linux linux-check
linux: $(LINUX_KERNEL) $(LINUX_INITRD)
integration: linux

# fetch.sh reuses whatever is cached; it runs only when an output is missing.
$(LINUX_KERNEL):
	@$(LINUX_DIR)/fetch.sh $(LINUX_OUT) kernel

$(LINUX_OUT)/busybox:
	@$(LINUX_DIR)/fetch.sh $(LINUX_OUT) busybox

$(LINUX_OUT)/memverify: $(LINUX_DIR)/memverify.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(LINUX_CFLAGS) -o $@ $< || { echo "linux.mk: linking memverify" \
		"statically failed: glibc's libc.a comes with libc6-dev" >&2; exit 1; }

$(LINUX_INITRD): $(LINUX_OUT)/busybox $(LINUX_OUT)/memverify $(LINUX_DIR)/init \
		$(LINUX_DIR)/mkinitrd.sh
	@$(LINUX_DIR)/mkinitrd.sh $@ $(LINUX_OUT)/busybox $(LINUX_OUT)/memverify $(LINUX_DIR)/init

linux-check: linux
	@mkdir -p $(BUILD)/results
	@$(LINUX_DIR)/check.sh $(LINUX_OUT) > $(BUILD)/results/linux-check.tap; \
		st=$$?; cat $(BUILD)/results/linux-check.tap; exit $$st
