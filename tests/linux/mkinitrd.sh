#!/bin/sh
# Build the Linux test guest's initramfs: a gzip-compressed cpio archive in
# the "newc" format (the one the kernel unpacks) holding /init, /bin/busybox
# with the applet links /init uses, /bin/memverify, and /dev (with a console
# node), /proc, /sys. The archive is written here, entry by entry, so no cpio
# tool and no root (for mknod) is needed; owners are root and times 0, so
# the same inputs give the same bytes.
#
# usage: tests/linux/mkinitrd.sh OUT.img BUSYBOX MEMVERIFY INIT

set -eu

die() { echo "mkinitrd.sh: error: $*" >&2; exit 1; }

[ $# -eq 4 ] || die "usage: $0 OUT.img BUSYBOX MEMVERIFY INIT"
OUT=$1 BUSYBOX=$2 MEMVERIFY=$3 INIT=$4
for f in "$BUSYBOX" "$MEMVERIFY" "$INIT"; do
	[ -f "$f" ] || die "$f is missing"
done

# Applets /init runs (busybox picks the applet from the link's name).
APPLETS="sh mount cat echo uname nproc sleep sync poweroff reboot dmesg ls free"

INO=300000

# Write N zero bytes.
zeros() { [ "$1" -eq 0 ] || head -c "$1" /dev/zero; }

# Write one newc entry: NAME MODE(octal, with type bits) SIZE RDEVMAJ RDEVMIN,
# then the name (NUL-terminated, padded to 4 bytes); the caller writes the
# SIZE data bytes and then calls `pad SIZE`. Fields: magic, ino, mode, uid,
# gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
# namesize, check: 13 eight-digit hex numbers after "070701" (110 bytes).
header() {
	INO=$((INO + 1))
	nlink=1
	[ $(($2 & 0170000)) -ne $((0040000)) ] || nlink=2
	namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		$INO $(($2)) 0 0 $nlink 0 "$3" 0 0 "$4" "$5" $namesize 0
	printf '%s' "$1"
	zeros $(( (110 + namesize + 3) / 4 * 4 - 110 - ${#1} ))
}

# Pad data of SIZE bytes to a multiple of 4.
pad() { zeros $(( ($1 + 3) / 4 * 4 - $1 )); }

dir()     { header "$1" $((0040000 | $2)) 0 0 0; }
chardev() { header "$1" $((0020000 | $2)) 0 "$3" "$4"; }

# file NAME MODE SOURCE
file() {
	size=$(wc -c < "$3")
	header "$1" $((0100000 | $2)) "$size" 0 0
	cat "$3"
	pad "$size"
}

# symlink NAME TARGET
symlink() {
	header "$1" $((0120000 | 0777)) ${#2} 0 0
	printf '%s' "$2"
	pad ${#2}
}

archive() {
	for d in bin dev proc sys; do dir "$d" 0755; done
	chardev dev/console 0600 5 1
	chardev dev/null 0666 1 3
	file init 0755 "$INIT"
	file bin/busybox 0755 "$BUSYBOX"
	file bin/memverify 0755 "$MEMVERIFY"
	for a in $APPLETS; do symlink "bin/$a" busybox; done
	header TRAILER!!! 0 0 0 0
}

archive | gzip -9 -n > "$OUT.tmp" || die "writing $OUT failed"
mv "$OUT.tmp" "$OUT"
echo "mkinitrd.sh: $OUT ($(wc -c < "$OUT") bytes)"
