#!/bin/bash
# Read a soak run's serial log (tests/soak/soak.sh) and print, per guest and
# in total, pages verified, swap-ins, evictions and errors; exit 1 on any
# error. Separate from soak.sh so a log can be judged again by hand.
#
# usage: soak-report.sh SERIAL_LOG QEMU_EXIT_STATUS GUEST...
set -uo pipefail

log=$1 raw_log=$1 qemu_rc=$2
shift 2
errors=0 tot_pages=0 tot_in=0 tot_ev=0

error() { echo "soak: ERROR: $*"; errors=$((errors + 1)); }
# The number after word $2 on line $1 (0 if absent).
field() { sed -n "s/.* $2 \([0-9][0-9]*\).*/\1/p" <<<"$1" | head -n 1 | grep . || echo 0; }

[ -f "$log" ] || { echo "soak: no serial log $log"; exit 1; }
[ "$qemu_rc" = 124 ] && error "time limit reached (QEMU killed)"
tr -d '\r' <"$log" >"$log.clean"
log=$log.clean

for g in "$@"; do
	res=$(grep -a "^\[$g\] memtouch: [0-9]* passes in" "$log" | tail -n 1)
	verdict=$(grep -a "^\[$g\] \(PASS\|FAIL\): memtouch " "$log" | tail -n 1)
	paging=$(grep -a "^paging $g: " "$log" | tail -n 1)
	[ -n "$res" ] || error "$g: no 'passes in' line (did not finish its passes)"
	[ -n "$paging" ] || error "$g: no paging line"
	grep -aq "^PASS: guest $g\b" "$log" || error "$g: no 'PASS: guest $g' line"
	passes=$(sed -n 's/.*memtouch: \([0-9]*\) passes in.*/\1/p' <<<"$res")
	pages=$(sed -n 's/.* \([0-9]*\) pages verified.*/\1/p' <<<"$res")
	bad=$(sed -n 's/.*(\([0-9]*\) mismatched words).*/\1/p' <<<"$verdict")
	swapins=$(field "$paging" major) evictions=$(field "$paging" evictions)
	werr=$(field "$paging" write-errors)
	[ "${bad:-0}" = 0 ] || error "$g: $bad mismatched words"
	[ -n "$verdict" ] && [ "${verdict#*PASS}" = "$verdict" ] && error "$g: $verdict"
	[ "$werr" = 0 ] || error "$g: $werr swap write errors"
	echo "soak $g: ${passes:-0} passes, ${pages:-0} pages verified, ${bad:-?} mismatched words," \
		"swap-ins $swapins, evictions $evictions, write-errors $werr"
	tot_pages=$((tot_pages + ${pages:-0})) tot_in=$((tot_in + swapins)) tot_ev=$((tot_ev + evictions))
done

integrity=$(grep -a "^swap .* integrity errors" "$log" | sed -n 's/.* \([0-9]*\) integrity errors.*/\1/p' |
	awk '{s += $1} END {print s + 0}')
[ "$integrity" = 0 ] || error "$integrity swap integrity errors"
while IFS= read -r line; do
	error "$line"
done < <(grep -a -E "^FAIL|^\[[^]]*\] FAIL|panic|PANIC|swap integrity error" "$log" | head -n 20)
summary=$(grep -a "^SUMMARY: " "$log" | tail -n 1)
[ -n "$summary" ] || error "no SUMMARY line"
[ -z "$summary" ] || [ "$summary" = "SUMMARY: $# guests, 0 failed" ] || error "$summary"

echo "soak: pages verified $tot_pages, swap-ins $tot_in, evictions $tot_ev, errors $errors"
if [ "$errors" -ne 0 ]; then
	echo "FAIL: soak ($errors errors; serial log $raw_log)"
	exit 1
fi
echo "PASS: soak"
