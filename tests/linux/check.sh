#!/bin/sh
# Check the Linux test guest's parts on the host, without pagevisor: the
# memverify program (a clean run passes, a damaged page is caught, bad usage
# is refused), the initramfs contents, and a bare QEMU TCG boot of the kernel
# with the initramfs (marker, verification, power-off, QEMU exits). Prints TAP
# lines; exits non-zero if any check failed.
#
# usage: tests/linux/check.sh LINUXDIR    (e.g. build/linux, after `make linux`)

set -u

L=${1:?usage: $0 LINUXDIR}
FAILED=0
N=0

# result NAME STATUS(0 = ok) [DETAIL]
result() {
	N=$((N + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $N - linux: $1"
	else
		echo "not ok $N - linux: $1${3:+ ($3)}"
		FAILED=1
	fi
}

# expect_run NAME WANTED_STATUS REGEX -- COMMAND...: the command's exit
# status is WANTED_STATUS and some output line matches REGEX.
expect_run() {
	name=$1 want=$2 re=$3
	shift 4
	out=$("$@" 2>&1)
	rc=$?
	st=1
	[ $rc -eq "$want" ] && printf '%s\n' "$out" | grep -Eq "$re" && st=0
	result "$name" $st "exit status $rc, wanted $want; output: $(printf '%s' "$out" | tail -n 1)"
}

MV=$L/memverify
expect_run "memverify passes on 4 MiB" 0 '^memverify: 1024 pages \(4 MiB\) verified, 0 bad$' -- \
	"$MV" mib=4 passes=3
expect_run "memverify catches one damaged page" 1 '^memverify: 1024 pages \(4 MiB\) verified, 1 bad$' -- \
	"$MV" mib=4 corrupt=1000
expect_run "memverify reports the damaged word" 1 '^memverify: verify strided: page 1000 word 7: expected' -- \
	"$MV" mib=4 corrupt=1000
expect_run "memverify sizes from MemAvailable" 0 'testing [0-9]+ KiB \(percent of MemAvailable\)' -- \
	"$MV" 1 passes=1
expect_run "memverify refuses an unknown argument" 2 "unknown argument 'bogus'" -- "$MV" bogus
expect_run "memverify refuses percent=0" 2 "bad value in 'percent=0'" -- "$MV" percent=0

list=$(zcat "$L/initrd.img" | "$L/busybox" cpio -t 2>/dev/null)
missing=""
for f in init bin/busybox bin/memverify bin/sh bin/mount bin/poweroff dev/console proc sys; do
	printf '%s\n' "$list" | grep -qx "$f" || missing="$missing $f"
done
result "initrd.img holds init, busybox, memverify, applet links, dev/console" \
	"$([ -z "$missing" ] && echo 0 || echo 1)" "missing:$missing"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "ok $((N + 1)) - linux: bare QEMU boot # SKIP qemu-system-x86_64 not installed"
	exit $FAILED
fi
LOG=$L/check-qemu.log
start=$(date +%s)
timeout 300 qemu-system-x86_64 -accel tcg -m 128 -display none -serial stdio \
	-no-reboot -monitor none -kernel "$L/vmlinuz" -initrd "$L/initrd.img" \
	-append "console=ttyS0 cryptomgr.notests memverify=80 memverify_passes=3" > "$LOG" 2>&1 < /dev/null
rc=$?
secs=$(($(date +%s) - start))
tr -d '\r' < "$LOG" > "$LOG.clean"
for re in '^pagevisor-linux: init started' \
	'^memverify: [0-9]+ pages \([0-9]+ MiB\) verified, 0 bad$' \
	'^pagevisor-linux: memverify ok$' \
	'reboot: Power down$'; do
	grep -Eq "$re" "$LOG.clean"
	result "bare QEMU boot (${secs}s): $re" $? "see $LOG"
done
result "bare QEMU exits by itself (power-off)" "$([ $rc -ne 124 ] && echo 0 || echo 1)" \
	"timed out after 300 s, see $LOG"
exit $FAILED
