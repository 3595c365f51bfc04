#!/bin/bash
# Issue 10 parts 2-4 (docs/BENCHMARKS.md): boot the bench cases of
# tests/bench/cases/ under the emulators through the integration harness
# and turn their serial logs into tables:
#   OUT/paths.txt       code-path lengths per platform (bench-paths)
#   OUT/overcommit.txt  hot/cold slowdown at 1x-4x (bench-overcommit)
#   OUT/metadata.txt    hypervisor bytes per GiB of guest memory (same boot)
# usage: emubench.sh OUT [PATHS_PLATFORMS [OVERCOMMIT_PLATFORMS]]
# Environment: BUILD (the build with pagevisor.elf and the guests).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: emubench.sh OUT [PATHS_PLATFORMS [OVERCOMMIT_PLATFORMS]]}
paths_plats=${2:-qemu-bios bochs-intel bochs-ryzen}
over_plats=${3:-qemu-bios}
BUILD=${BUILD:-build}
export BUILD
mkdir -p "$out"

# Run one case; print the path of its cleaned serial log.
run() {
	CASEDIR=$here/cases "$here/../integration/run-case.sh" "$1" "$2" >&2
	echo "$BUILD/integration/$1-$2/serial.clean"
}

# The number after `median` on the first line matching regex $2 of log $1.
median_of() {
	grep -E -m1 -- "$2" "$1" | sed -nE 's/.* median ([0-9]+) .*/\1/p'
}

paths_row() {
	local plat=$1 log=$2 cpuid cpuid_h io dz_g dz_h clear sw_g sw_h ev1
	cpuid=$(median_of "$log" '^\[bench\] bench cpuid round trip')
	cpuid_h=$(median_of "$log" '^bench bench: cpuid exit from the core')
	io=$(median_of "$log" '^\[bench\] bench port-io round trip')
	dz_g=$(median_of "$log" '^\[bench\] bench demand-zero round trip')
	sw_g=$(median_of "$log" '^\[bench\] bench swap-in round trip')
	dz_h=$(median_of "$log" '^bench bench: demand-zero fault path')
	sw_h=$(median_of "$log" '^bench bench: swap-in fault path')
	clear=$(median_of "$log" '^bench bench: page clear')
	ev1=$(median_of "$log" '^bench bench: evict one page')
	printf '%-12s %7s %7s %7s %9s %9s %7s %9s %9s %9s %9s %7s\n' "$plat" "${cpuid:--}" \
		"${cpuid_h:--}" "${io:--}" \
		"${dz_g:--}" "${dz_h:--}" "${clear:--}" "$(( ${dz_h:-0} - ${clear:-0} ))" "${sw_g:--}" \
		"${sw_h:--}" "$(( ${sw_h:-0} - ${clear:-0} ))" "${ev1:--}"
}

paths() {
	local plat log
	{
		echo "# Code-path lengths in instructions (TSC ticks under QEMU -icount shift=0 /"
		echo "# Bochs clock sync=none), medians; bench-paths case, swap on an IDE disk."
		echo "# guest-side round trips (RDTSC pairs in the bench guest, loop cost subtracted):"
		echo "#   cpuid, port-io (IN 0x21), dz-rt (first touch), swapin-rt (with the disk)"
		echo "# hypervisor-side (bench option): cpuid-c the core's CPUID handler to the entry"
		echo "#   (the rest of the cpuid round trip is the vendor's exit and entry code),"
		echo "#   dz-hv fault handler to entry with the clear,"
		echo "#   clear (its page clear), dz-path = dz-hv - clear, swapin-hv handler to read"
		echo "#   submission + completion to entry (its frame is cleared too), swapin-path ="
		echo "#   swapin-hv - clear, evict1 one page by the debug hypercall (write submitted)"
		printf '%-12s %7s %7s %7s %9s %9s %7s %9s %9s %9s %9s %7s\n' platform cpuid cpuid-c \
			port-io dz-rt \
			dz-hv clear dz-path swapin-rt swapin-hv sw-path evict1
		for plat in $paths_plats; do
			log=$(run bench-paths "$plat")
			[ -f "$log" ] && paths_row "$plat" "$log" || echo "$plat: no log"
		done
	} >"$out/paths.txt"
}

# One guest's overcommit row from log $1: name ratio.
over_row() {
	local log=$1 g=$2 ratio=$3 base=$4 pages ticks major ev cd zd cmds wpages evpg
	read -r pages ticks < <(sed -nE "s/^\[$g\] memtouch: touched ([0-9]+) pages in ([0-9]+) TSC ticks.*/\1 \2/p" "$log")
	read -r major ev cd zd < <(sed -nE "s/^paging $g: .* major ([0-9]+) evictions ([0-9]+) .* clean-drops ([0-9]+) zero-drops ([0-9]+) .*/\1 \2 \3 \4/p" "$log")
	read -r cmds wpages < <(sed -nE "s/^bench $g: swap writes ([0-9]+) commands ([0-9]+) pages.*/\1 \2/p" "$log")
	evpg=$(median_of "$log" "^bench $g: evict per page in sweeps")
	[ -n "${ticks:-}" ] || { echo "$g: no result"; return; }
	awk -v g="$g" -v r="$ratio" -v p="$pages" -v t="$ticks" -v b="$base" -v m="${major:-0}" \
		-v e="${ev:-0}" -v c="${cd:-0}" -v z="${zd:-0}" -v w="${cmds:-0}" -v wp="${wpages:-0}" \
		-v ep="${evpg:--}" 'BEGIN {
		printf "%-6s %5s %7d %12.0f %9.0f %9.2f %8d %8d %8s %8s %8s\n", g, r, p, t, t / p, (t / p) / b, m,
			e, w ? sprintf("%.1f", wp / w) : "-", e ? sprintf("%.1f%%", 100 * (c + z) / e) : "-", ep }'
}

overcommit() {
	local plat log base g r
	for plat in $over_plats; do
		log=$(run bench-overcommit "$plat")
		{
			echo "# Overcommit slowdown, $plat: memtouch order=hotcold, sequential guests in one"
			echo "# boot, $(grep -m1 -o 'hv_mem=[^ ]*' "$log" 2>/dev/null) swap_delay=100 (us per disk command)."
			echo "# ticks: guest TSC over its passes; slowdown: ticks per page over the 1x guest's;"
			echo "# pages/cmd: pages per swap write command; no-write: (clean+zero drops)/evictions;"
			echo "# evict/pg: median instructions per page of the pager's sweeps (bench option)"
			printf '%-6s %5s %7s %12s %9s %9s %8s %8s %8s %8s %8s\n' guest ratio pages ticks \
				ticks/pg slowdown majors evicts pages/cmd no-write evict/pg
			base=$(sed -nE 's/^\[x1\] memtouch: touched ([0-9]+) pages in ([0-9]+) TSC ticks.*/\2 \1/p' "$log" |
				awk '{ if ($2) printf "%.3f", $1 / $2 }')
			for g in x1:1 x1_5:1.5 x2:2 x4:4; do
				over_row "$log" "${g%%:*}" "${g#*:}" "${base:-1}"
			done
			echo
		} >>"$out/overcommit.txt"
		{
			echo "# Metadata, $plat (bench-overcommit; x1: all resident, x4: 4x overcommit):"
			grep -E '^metadata x(1|4):' "$log"
			echo
		} >>"$out/metadata.txt"
	done
}

rm -f "$out/overcommit.txt" "$out/metadata.txt"
paths
overcommit
cat "$out/paths.txt" "$out/overcommit.txt" "$out/metadata.txt"
