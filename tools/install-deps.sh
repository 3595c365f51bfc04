#!/bin/bash
# Check the Debian packages that building and testing pagevisor need; install
# the missing ones when running as root, otherwise print the command to run.
# Silent (exit 0) when everything is present.
set -euo pipefail

packages=(
	gcc make binutils libcmocka-dev              # build, unit tests
	clang libclang-rt-14-dev                     # fuzzing: clang -fsanitize=fuzzer (libclang_rt.fuzzer)
	grub-common grub-pc-bin grub-efi-amd64-bin   # hybrid BIOS+UEFI ISO
	xorriso mtools
	qemu-system-x86 ovmf                         # QEMU TCG, BIOS and UEFI
	gdisk                                        # sgdisk: GPT disks of the gpt-* cases
	bochs bochsbios vgabios bochs-sdl            # Bochs (VMX+EPT, SVM+NPT)
	valgrind gnuplot-nox                         # make bench: lackey traces, plots
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root:  $cmd" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
