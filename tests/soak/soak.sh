#!/bin/bash
# Soak test (`make soak`, tests/soak/soak.mk): boot pagevisor under QEMU TCG
# (qemu-bios) with four memtouch guests whose memory is 3x what the
# hypervisor may give guest data (hv_mem=32M; 4 x mem=24M, each touching
# mib=20 in a different order: seq, random, hotcold, and seq with verify-only
# passes after the second), a 128 MiB virtio swap disk made by pvswap, and
# the EPT/NPT audit on. Every guest makes fill/verify passes for MINUTES
# minutes of TSC time (memtouch seconds=), then the hypervisor ends.
#
# From the serial log it prints per guest and in total: pages verified,
# swap-ins (major faults), evictions and errors. Errors are mismatched words,
# swap write errors, swap integrity errors, FAIL lines, panics, a guest
# missing its result or its PASS line, and a missing or failed SUMMARY (e.g.
# QEMU killed by the time limit: 2 x MINUTES + 5 minutes). Exit status 0
# only when every guest passed and there were no errors.
#
# usage: BUILD=build tests/soak/soak.sh [MINUTES]     (default 10)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
minutes=${1:-10}
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "soak: MINUTES must be a positive integer, not '$minutes'" >&2; exit 2; }
seconds=$((minutes * 60))
limit=$((2 * seconds + 300))
out=$BUILD/soak
elf=$BUILD/pagevisor.elf
touch=$BUILD/guests/memtouch.elf
pvswap=$BUILD/tools/pvswap
names=(s1 s2 s3 s4)
args=(order=seq "order=random seed=3" "order=hotcold seed=5" "order=seq readonly_after=2")

for f in "$elf" "$touch" "$pvswap"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "soak: $f missing (make)" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out"

mods=()
for i in "${!names[@]}"; do
	mods+=(-m "$touch name=${names[i]} mem=24M -- mib=20 ${args[i]} seconds=$seconds")
done
"$root/tests/integration/mkiso.sh" "${mods[@]}" "$out/soak.iso" "$elf" hv_mem=32M audit \
	>"$out/mkiso.log" 2>&1 || { tail -n 5 "$out/mkiso.log"; echo "soak: ISO build failed" >&2; exit 2; }
"$pvswap" create "$out/swap.img" 128M --label soak >"$out/pvswap.log" 2>&1 ||
	{ cat "$out/pvswap.log"; echo "soak: pvswap failed" >&2; exit 2; }

echo "soak: 4 memtouch guests (4 x mem=24M over hv_mem=32M: 3x overcommit) for $minutes min;" \
	"serial log $out/serial.log (time limit ${limit} s)"
start=$(date +%s)
rc=0
timeout "$limit" "$root/tests/integration/boot.sh" -s "$out/serial.log" -l "$out/qemu.log" \
	-w "$out" -d "virtio:$out/swap.img" qemu-bios "$out/soak.iso" </dev/null >"$out/boot.log" 2>&1 || rc=$?
echo "soak: QEMU ran $(($(date +%s) - start)) s (exit status $rc)"

exec "$here/soak-report.sh" "$out/serial.log" "$rc" "${names[@]}"
