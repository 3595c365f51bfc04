#!/bin/bash
# Print the measured wall seconds of every integration run of the last
# `make test` / `make integration` as a Markdown table (case, platform,
# seconds, result), from the TAP files in $(BUILD)/results. docs/testing.md
# keeps a copy of it.
set -euo pipefail
build=${BUILD:-build}
echo "| run | platform | seconds | result |"
echo "|---|---|---|---|"
for f in "$build"/results/int-*.tap; do
	[ -f "$f" ] || continue
	line=$(grep -m1 -E '^(ok|not ok)' "$f" || true)
	run=$(sed -nE 's/.*integration ([^ ]+)@([^ ]+) \(([0-9.]+)s.*/\1 \2 \3/p' <<<"$line")
	[ -n "$run" ] || continue
	read -r name plat secs <<<"$run"
	res=pass
	[[ $line == "not ok"* ]] && res=FAIL
	echo "| $name | $plat | $secs | $res |"
done
