#!/bin/bash
# Count every TAP result line in the results directory (unit-*.tap from
# `make unit`, int-*.tap from `make integration`, and the build failures
# `make test` records), list the failures, and end with `N passed, M failed`.
# Exit status: non-zero if anything failed or nothing ran at all.
#
# usage: summary.sh [RESULTS_DIR]   (default: ${BUILD:-build}/results)
set -uo pipefail

dir=${1:-${BUILD:-build}/results}
shopt -s nullglob
files=("$dir"/*.tap)

passed=0 failed=0
if [ ${#files[@]} -gt 0 ]; then
	passed=$(cat "${files[@]}" | grep -c '^ok\b')
	failed=$(cat "${files[@]}" | grep -c '^not ok\b')
	if [ "$failed" -gt 0 ]; then
		echo "failures:"
		grep -H '^not ok\b' "${files[@]}" | sed "s|^$dir/|  |"
	fi
fi
[ $((passed + failed)) -eq 0 ] && echo "no test results in $dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
