# Host programs in tools/: pvswap (marks a disk or image as a pagevisor swap
# area, docs/swap.md), built with the host compiler into $(BUILD)/tools/ and
# part of `make all` since the integration cases create their disks with it.

PVSWAP       := $(BUILD)/tools/pvswap
TOOLS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.

$(PVSWAP): tools/pvswap.c core/swapfmt.c core/swapfmt.h core/gpt.c core/gpt.h core/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(TOOLS_CFLAGS) -o $@ tools/pvswap.c core/swapfmt.c core/gpt.c

tools: $(PVSWAP)
all: tools

.PHONY: tools
