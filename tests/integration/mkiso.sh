#!/bin/bash
# Make a hybrid BIOS+UEFI GRUB rescue ISO that boots the hypervisor with a
# given command line and Multiboot2 modules. grub.cfg is baked into the ISO,
# so every distinct command line or module list needs an ISO of its own.
#
# usage: mkiso.sh [-g MODE] [-m 'FILE [ARGS...]']... OUT.iso HV.elf [CMDLINE...]
#   -m  add a module: FILE is copied to /boot/mod/<basename>; the module's
#       string is ARGS, or the basename when no ARGS are given.
#   -g  GRUB's gfxpayload (e.g. 1024x768x32: hand the hypervisor a linear
#       framebuffer); default text (no framebuffer under BIOS).
# The ISO is rebuilt only when the ELF, a module or grub.cfg changed.
set -euo pipefail

usage() { echo "usage: $0 [-g MODE] [-m 'FILE [ARGS]']... OUT.iso HV.elf [CMDLINE...]" >&2; exit 2; }

mods=() gfx=text
while getopts "m:g:" opt; do
	case $opt in
	m) mods+=("$OPTARG") ;;
	g) gfx=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
out=$1 elf=$2
shift 2
cmdline="$*"

[ -f "$elf" ] || { echo "mkiso: hypervisor image $elf not found (did 'make' fail?)" >&2; exit 1; }
for tool in grub-mkrescue xorriso mformat; do
	command -v "$tool" >/dev/null || { echo "mkiso: $tool missing (run tools/install-deps.sh)" >&2; exit 1; }
done
for d in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
	[ -d "$d" ] || { echo "mkiso: $d missing (grub-pc-bin / grub-efi-amd64-bin)" >&2; exit 1; }
done

# Compose grub.cfg. The hypervisor asks for a framebuffer (optional); text
# mode keeps BIOS machines on VGA text, while EFI has no text mode and keeps
# the firmware's (GOP) mode instead of printing "no suitable video mode".
if [ "$gfx" = text ]; then
	gfxcfg='if [ "$grub_platform" = efi ]; then insmod all_video; set gfxpayload=keep; else set gfxpayload=text; fi'
else
	gfxcfg="set gfxpayload=$gfx"
fi
cfg="serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=0
$gfxcfg
menuentry \"pagevisor\" {
	multiboot2 /boot/pagevisor.elf${cmdline:+ $cmdline}"
inputs=("$elf")
for m in "${mods[@]}"; do
	read -r file args <<<"$m"
	[ -f "$file" ] || { echo "mkiso: module $file not found" >&2; exit 1; }
	base=$(basename "$file")
	cfg+="
	module2 /boot/mod/$base ${args:-$base}"
	inputs+=("$file")
done
cfg+="
	boot
}"

# Up to date? Same grub.cfg and no input newer than the ISO.
stamp="$out.cfg"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" == "$cfg" ]; then
	fresh=1
	for f in "${inputs[@]}"; do
		[ "$f" -nt "$out" ] && fresh=0
	done
	[ $fresh = 1 ] && exit 0
fi

mkdir -p "$(dirname "$out")"
tree=$(mktemp -d "${out}.tree.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$tree/boot/mod"
cp "$elf" "$tree/boot/pagevisor.elf"
for m in "${mods[@]}"; do
	read -r file args <<<"$m"
	cp "$file" "$tree/boot/mod/"
done
printf '%s\n' "$cfg" >"$tree/boot/grub/grub.cfg"

# grub-mkrescue takes i386-pc and x86_64-efi from /usr/lib/grub.
grub-mkrescue -o "$out.tmp" "$tree" \
	--locales= --fonts= --themes= >"$out.log" 2>&1 ||
	{ echo "mkiso: grub-mkrescue failed (log: $out.log)" >&2; cat "$out.log" >&2; exit 1; }
# It quietly leaves out a platform whose GRUB files are missing: check that
# the ISO has both El Torito boot images and both GRUB module directories.
boot=$(xorriso -indev "$out.tmp" -report_el_torito plain 2>/dev/null)
for plat in BIOS UEFI; do
	grep -Eq "El Torito boot img :.* $plat " <<<"$boot" ||
		{ echo "mkiso: $out has no $plat boot image" >&2; rm -f "$out.tmp"; exit 1; }
done
dirs=$(xorriso -indev "$out.tmp" -find /boot/grub -maxdepth 1 -type d 2>/dev/null)
for plat in i386-pc x86_64-efi; do
	grep -q "/boot/grub/$plat'" <<<"$dirs" ||
		{ echo "mkiso: $out lacks /boot/grub/$plat" >&2; rm -f "$out.tmp"; exit 1; }
done
mv "$out.tmp" "$out"
printf '%s\n' "$cfg" >"$stamp"
