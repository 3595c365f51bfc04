#!/bin/bash
# Capture the real-program page traces of the replacement benchmark
# (docs/BENCHMARKS.md): each program runs under valgrind's lackey, whose raw
# output is piped straight into pagereduce and gzip (never stored).
# Usage: mktraces.sh <pagereduce binary> <output dir> [name...]
# Names: gcc (cc1 -O2 on mm/policy_clock.c, preprocessed beforehand), xz (xz -6 of a fixed input),
# sort (sort of 100,000 pseudo-random lines). Inputs are generated
# deterministically and ASLR is off, so a rerun yields the same traces on the
# same system (libc and compiler versions change them).
set -euo pipefail

reduce=$1
out=$2
shift 2
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(gcc xz sort)
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The first 256 KiB of the project's C sources, in a fixed order.
make_text() {
	(cd "$top" && cat $(ls mm/*.c core/*.c | LC_ALL=C sort)) > "$tmp/all"
	head -c 262144 "$tmp/all" > "$tmp/text"
}

# 100,000 lines of pseudo-random words (fixed LCG seed).
make_lines() {
	awk 'BEGIN { s = 12345; for (i = 0; i < 100000; i++) {
		s = (s * 1103515245 + 12345) % 2147483648; printf "%010d line %d\n", s, i } }' > "$tmp/lines"
}

# At most this many references per trace (a few MB of gzip): the program's
# first MAX_REFS page references when it runs longer.
MAX_REFS=${MAX_REFS:-16000000}

# trace <name> <command...>: lackey to pagereduce to <out>/<name>.trace.gz,
# through a FIFO so that valgrind can be stopped once pagereduce has taken
# MAX_REFS references (it would otherwise run the program to its end).
trace() {
	local name=$1
	shift
	echo "mktraces: $name: $*" >&2
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	LC_ALL=C $norandom valgrind --tool=lackey --trace-mem=yes --log-fd=9 "$@" \
		9>"$tmp/fifo" >/dev/null 2>/dev/null &
	local vg=$!
	"$reduce" -n "$MAX_REFS" "$name: $*" < "$tmp/fifo" | gzip -9 > "$out/$name.trace.gz.tmp"
	kill -KILL "$vg" 2>/dev/null || true   # programs like xz catch SIGTERM
	{ wait "$vg" || true; } 2>/dev/null
	mv "$out/$name.trace.gz.tmp" "$out/$name.trace.gz"
}

# Without address-space randomisation where setarch can turn it off, so a
# rerun sees the same addresses.
norandom=
setarch "$(uname -m)" -R true 2>/dev/null && norandom="setarch $(uname -m) -R"

mkdir -p "$out"
for n in "${names[@]}"; do
	case $n in
	gcc)
		gcc -E -I"$top" "$top/mm/policy_clock.c" -o "$tmp/in.i"
		trace gcc "$(gcc -print-prog-name=cc1)" -fpreprocessed -quiet -O2 "$tmp/in.i" -o "$tmp/out.s" ;;
	xz) make_text; trace xz xz -6 -T1 -c "$tmp/text" ;;
	sort) make_lines; trace sort sort -S 64M "$tmp/lines" ;;
	*) echo "mktraces: unknown trace $n" >&2; exit 2 ;;
	esac
done
