#!/bin/bash
# Run one integration case on one platform and judge it by its serial output.
# Prints one result line and writes $BUILD/results/int-<case>-<platform>.tap.
# Case files: tests/integration/cases/<case>.case (format in docs/testing.md).
#
# usage: run-case.sh CASE PLATFORM     run one (case, platform) pair
#        run-case.sh --list            print every "CASE PLATFORM" pair
# Environment: BUILD (default build), CASES / PLATFORMS (space-separated
# filters for --list), TIMEOUT_SCALE (multiplies every case timeout),
# CASEDIR (default tests/integration/cases).
# Exit status: 0 pass, 1 fail, 2 usage error.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
casedir=${CASEDIR:-$here/cases}
BUILD=${BUILD:-build}
elf="$BUILD/pagevisor.elf"
default_timeout=60
# Checked on every run in addition to a case's own reject lines. The
# hypervisor audits every guest's EPT/NPT against the reverse map when the
# guest ends (and after every sweep with `audit`), so each integration run
# also checks that no audit found a problem.
global_rejects=('^PANIC' 'rmap audit: ' '^audit( [^ ]+)?: [0-9]+ problems')

# Parse a case file for one platform into: c_cmdline, c_platforms, c_timeout,
# c_expect[], c_reject[], c_modules[], c_xfail[], c_summary[], c_disks[],
# c_unchanged[], c_order[], c_trace[], c_value[], c_emusum[], c_check[],
# c_imageslots[], c_hostcorrupt (REGEX => DISK),
# c_qemuflags (extra QEMU arguments, appended to QEMU_FLAGS). A
# key written `key@platform:` applies to that platform only and overrides
# the plain key (every other kind of line adds up instead). c_isovar names the
# platform when a module@ or cmdline@ line applied (its own ISO then).
parse_case() {
	local file=$1 plat=$2 line key val kplat
	local -A scalar=()
	c_expect=() c_reject=() c_modules=() c_xfail=() c_summary=() c_disks=() c_unchanged=()
	c_order=() c_trace=() c_value=() c_emusum=() c_check=() c_imageslots=() c_isovar= c_gfx= c_screen=
	c_qemuflags= c_input=() c_hostcorrupt=
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line#"${line%%[![:space:]]*}"}
		[ -z "$line" ] || [ "${line:0:1}" = "#" ] && continue
		key=${line%%:*}
		val=${line#*:}
		val=${val#"${val%%[![:space:]]*}"}
		val=${val%"${val##*[![:space:]]}"}
		kplat=
		if [[ $key == *@* ]]; then
			kplat=${key#*@}
			key=${key%%@*}
			[ "$kplat" = "$plat" ] || continue
		fi
		[ -n "$kplat" ] && [[ $key == module || $key == cmdline ]] && c_isovar=$kplat
		case $key in
		expect) c_expect+=("$val") ;;
		reject) c_reject+=("$val") ;;
		module) c_modules+=("$val") ;;
		xfail) c_xfail+=("$val") ;;
		summary) c_summary+=("$val") ;;
		disk) c_disks+=("$val") ;;
		unchanged) c_unchanged+=("$val") ;;
		order) c_order+=("$val") ;;
		trace) c_trace+=("$val") ;;
		value) c_value+=("$val") ;;
		emusum) c_emusum+=("$val") ;;
		imageslots) c_imageslots+=("$val") ;;
		hostcorrupt) c_hostcorrupt=$val ;;
		input) c_input+=("$val") ;;
		check) c_check+=("$val") ;;
		gfx) c_gfx=$val ;;
		screendump) c_screen=$val ;;
		qemuflags) c_qemuflags+=" $val" ;;
		cmdline | platforms | timeout)
			if [ -n "$kplat" ] || [ -z "${scalar[$key@]+x}" ]; then
				scalar[$key]=$val
				[ -n "$kplat" ] && scalar[$key@]=1
			fi ;;
		*) echo "run-case: $file: unknown key '$key'" >&2; return 1 ;;
		esac
	done <"$file"
	c_cmdline=${scalar[cmdline]-}
	c_platforms=${scalar[platforms]-}
	c_timeout=${scalar[timeout]:-$default_timeout}
	read -ra c_words <<<"$c_cmdline"   # split without globbing
}

case_names() {
	local f
	for f in "$casedir"/*.case; do
		[ -e "$f" ] && basename "$f" .case
	done
}

in_list() { # word list...
	local w=$1
	shift
	[[ " $* " == *" $w "* ]]
}

list_pairs() {
	local c p
	for c in $(case_names); do
		[ -n "${CASES:-}" ] && ! in_list "$c" "$CASES" && continue
		parse_case "$casedir/$c.case" "" || exit 2
		for p in $c_platforms; do
			[ -n "${PLATFORMS:-}" ] && ! in_list "$p" "$PLATFORMS" && continue
			echo "$c $p"
		done
	done
}

# Build (or refresh) the ISO of case $1 for the parsed settings. Runs of one
# case on several platforms share the ISO (a platform with module@/cmdline@
# lines gets pagevisor-<platform>.iso); the lock keeps parallel runs from
# building one twice at once.
build_iso() {
	local name=$1 iso="$BUILD/integration/$1/pagevisor${c_isovar:+-$c_isovar}.iso" m args=()
	mkdir -p "$BUILD/integration/$name"
	for m in "${c_modules[@]}"; do
		args+=(-m "$BUILD/$m")
	done
	flock "$BUILD/integration/$name/.lock" \
		"$here/mkiso.sh" ${c_gfx:+-g "$c_gfx"} "${args[@]}" "$iso" "$elf" "${c_words[@]}" >&2 || return 1
	echo "$iso"
}

# Create the case's disk images in $1 (a fresh directory per run) from the
# `disk: NAME IF SPEC` lines and set disk_args (boot.sh -d options). SPEC:
#   swap:SIZE     marked by the swap tool ($BUILD/tools/pvswap create)
#   corrupt:SIZE  marked, then one header byte (offset 40, nslots) inverted
#   faulty:SIZE   marked, attached through QEMU blkdebug: every request that
#                 touches sector 80 (disk page 10) fails with EIO
#   raw:SIZE      random bytes (an unmarked disk)
#   zero:SIZE     zeros (an unmarked, empty disk)
#   gpt:SIZE      a GPT disk (sgdisk): partitions 1 and 3 (SIZE/8 each) full of
#                 random bytes, partition 2 of pagevisor's type marked with
#                 pvswap mark --partition 2 (make_gpt_disk)
# Print the reason and fail on a bad line or a failed tool.
make_disks() {
	local dir=$1 line name ifc spec kind size img tool="$BUILD/tools/pvswap"
	disk_args=()
	rm -rf "$dir"
	mkdir -p "$dir"
	for line in "${c_disks[@]}"; do
		read -r name ifc spec <<<"$line"
		kind=${spec%%:*} size=${spec#*:} img="$dir/$name.img"
		case $ifc in ide | virtio | nvme | ahci) ;; *) echo "disk $name: interface '$ifc' is not ide, virtio, nvme or ahci"; return 1 ;; esac
		case $kind in
		swap | corrupt | faulty)
			[ -x "$tool" ] || { echo "disk $name: $tool missing (make)"; return 1; }
			"$tool" create "$img" "$size" --label "$name" >/dev/null 2>"$dir/$name.err" ||
				{ echo "disk $name: pvswap failed: $(head -c 200 "$dir/$name.err")"; return 1; }
			if [ "$kind" = corrupt ]; then
				local b
				b=$(od -An -tu1 -j40 -N1 "$img")
				printf "\\x$(printf %02x $((b ^ 0xff)))" |
					dd of="$img" bs=1 seek=40 conv=notrunc status=none
			fi ;;
		gpt)
			make_gpt_disk "$dir" "$name" "$size" "$tool" || return 1 ;;
		raw | zero)
			local src=/dev/urandom
			[ "$kind" = zero ] && src=/dev/zero
			head -c "$(numfmt --from=iec "$size")" "$src" >"$img" 2>/dev/null ||
				{ echo "disk $name: bad size '$size'"; return 1; } ;;
		*) echo "disk $name: unknown image spec '$spec' (swap:, corrupt:, faulty:, raw:, zero:, gpt:)"; return 1 ;;
		esac
		sha256sum <"$img" | cut -d' ' -f1 >"$dir/$name.sum"
		if [ "$kind" = faulty ]; then
			printf '[inject-error]\nevent = "%s"\nerrno = "5"\nsector = "80"\n' \
				read_aio write_aio >"$dir/$name.blkdebug"
			disk_args+=(-d "$ifc:blkdebug:$dir/$name.blkdebug:$img")
		else
			disk_args+=(-d "$ifc:$img")
		fi
	done
}

# The gpt:SIZE image $1/$2.img: sgdisk partitions 1 (data), 2 (pagevisor's
# type GUID, marked by pvswap $4) and 3 (data, to the end); random bytes in
# 1 and 3. Writes $2:pN.range ("offset bytes") and $2:pN.sum for every
# partition and $2:meta (the first MiB: MBR, GPT header and entries), so
# `unchanged: NAME:p1` checks one partition's bytes.
make_gpt_disk() {
	local dir=$1 name=$2 size=$3 tool=$4 img="$1/$2.img" mib n first last
	mib=$(($(numfmt --from=iec "$size" 2>/dev/null || echo 0) / 1048576))
	[ "$mib" -ge 16 ] || { echo "disk $name: gpt: size '$size' below 16M"; return 1; }
	command -v sgdisk >/dev/null || { echo "disk $name: sgdisk missing (apt-get install gdisk)"; return 1; }
	truncate -s "${mib}M" "$img"
	sgdisk -n "1:0:+$((mib / 8))M" -t 1:8300 -c 1:data1 \
		-n "2:0:+$((mib - mib / 4 - 2))M" -t 2:abefb5c0-3244-47d3-8f7d-a48ee1ff6ab4 -c 2:pvswap \
		-n 3:0:0 -t 3:8300 -c 3:data3 "$img" >"$dir/$name.err" 2>&1 ||
		{ echo "disk $name: sgdisk failed: $(tail -c 200 "$dir/$name.err")"; return 1; }
	for n in 1 2 3; do
		read -r first last < <(sgdisk -i "$n" "$img" | awk '/^First sector/ { f = $3 } /^Last sector/ { l = $3 } END { print f, l }')
		echo "$((first * 512)) $(((last - first + 1) * 512))" >"$dir/$name:p$n.range"
	done
	echo "0 1048576" >"$dir/$name:meta.range"
	for n in 1 3; do
		read -r first last <"$dir/$name:p$n.range"
		head -c "$last" /dev/urandom | dd of="$img" bs=1M seek="$first" oflag=seek_bytes conv=notrunc status=none
	done
	"$tool" mark "$img" --partition 2 --label "$name" >/dev/null 2>"$dir/$name.err" ||
		{ echo "disk $name: pvswap failed: $(head -c 200 "$dir/$name.err")"; return 1; }
	for n in p1 p2 p3 meta; do
		range_sum "$img" "$dir/$name:$n.range" >"$dir/$name:$n.sum" || return 1
	done
	return 0
}

# sha256 of the byte range ("offset bytes" in file $2) of image $1.
range_sum() {
	local off len
	read -r off len <"$2"
	dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none |
		sha256sum | cut -d' ' -f1
}

# `screendump: Y0 Y1 MIN`: the screendump $1 (PPM, from boot.sh -S) exists
# and pixel rows [Y0, Y1) hold at least MIN pixels that are not black.
check_screen() {
	local img=$1 y0 y1 min n
	read -r y0 y1 min <<<"$c_screen"
	[ -s "$img" ] || { echo "screendump: no image $img (no SUMMARY before the timeout?)"; return 1; }
	n=$(python3 - "$img" "$y0" "$y1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
magic, dims, maxv, pix = d.split(b'\n', 3)
w, h = map(int, dims.split())
y0, y1 = int(sys.argv[2]), min(int(sys.argv[3]), h)
print(sum(1 for y in range(y0, y1) for x in range(w)
          if any(pix[(y * w + x) * 3:(y * w + x) * 3 + 3])))
PY
) || { echo "screendump: $img is not a PPM image"; return 1; }
	[ "$n" -ge "$min" ] ||
		{ echo "screendump: rows $y0..$y1 of $img have $n lit pixels, expected at least $min"; return 1; }
}

# Fail (printing why) if a disk named by an `unchanged:` line differs from
# the checksum taken when it was created. NAME:PART (p1, p3, meta of a gpt:
# disk) checks only that byte range.
check_unchanged() {
	local dir=$1 name
	for name in "${c_unchanged[@]}"; do
		if [[ $name == *:* ]]; then
			[ -f "$dir/$name.range" ] || { echo "unchanged: no disk part named '$name'"; return 1; }
			if [ "$(range_sum "$dir/${name%%:*}.img" "$dir/$name.range")" != "$(cat "$dir/$name.sum")" ]; then
				echo "disk part $name was modified (sha256 of its bytes differs from before the run)"
				return 1
			fi
			continue
		fi
		[ -f "$dir/$name.sum" ] || { echo "unchanged: no disk named '$name'"; return 1; }
		if [ "$(sha256sum <"$dir/$name.img" | cut -d' ' -f1)" != "$(cat "$dir/$name.sum")" ]; then
			echo "disk $name was modified (sha256 differs from before the run)"
			return 1
		fi
	done
}

# Serial output as judged: carriage returns and ANSI escape sequences (GRUB,
# OVMF) removed, so every line starts with what the hypervisor printed.
clean_serial() {
	sed -e 's/\r//g' -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$1"
}

# The self-tests' and the guest runner's summary lines, and their forms
# with no failure.
summary_re='^SUMMARY: [0-9]+ (tests, [0-9]+ failures|guests, [0-9]+ failed)'
summary_ok_re='^SUMMARY: [0-9]+ (tests, 0 failures|guests, 0 failed)'

# The lines of stdin that match none of the given extended regexes.
unmatched() {
	local line re
	while IFS= read -r line; do
		for re in "$@"; do
			[[ $line =~ $re ]] && continue 2
		done
		printf '%s\n' "$line"
	done
}

# Judge a cleaned serial log; print the reason on failure. A case's xfail
# regexes name `FAIL:` lines it expects; its summary regexes, when given,
# replace the zero-failure rule for SUMMARY lines.
judge() {
	local log=$1 re n
	n=$(grep '^FAIL:' "$log" | unmatched "${c_xfail[@]}" | head -3 | tr '\n' ' ')
	if [ -n "$n" ]; then
		echo "failed: $n"
		return 1
	fi
	for re in "${c_xfail[@]}"; do
		if ! grep '^FAIL:' "$log" | grep -Eq -- "$re"; then
			echo "expected failure /$re/ not seen"
			return 1
		fi
	done
	for re in "${global_rejects[@]}" "${c_reject[@]}"; do
		if grep -Eq -- "$re" "$log"; then
			echo "rejected /$re/: $(grep -E -m1 -- "$re" "$log")"
			return 1
		fi
	done
	if ! grep -Eq "$summary_re" "$log"; then
		echo "no SUMMARY line"
		return 1
	fi
	[ ${#c_summary[@]} -eq 0 ] && c_summary=("$summary_ok_re")
	n=$(grep -E "$summary_re" "$log" | unmatched "${c_summary[@]}" | head -1)
	if [ -n "$n" ]; then
		echo "$n"
		return 1
	fi
	for re in "${c_summary[@]}" "${c_expect[@]}"; do
		if ! grep -Eq -- "$re" "$log"; then
			echo "expected /$re/ not found"
			return 1
		fi
	done
	for re in "${c_order[@]}"; do
		n=$(order_check "$log" "$re") || { echo "$n"; return 1; }
	done
	return 0
}

# Group 1 of the first line of file $1 matching regex $2 (fails if none).
first_group() {
	local line re=$2
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			printf '%s\n' "${BASH_REMATCH[1]:-}"
			return 0
		fi
	done <"$1"
	return 1
}

# The sum of group 1 over every line of file $1 matching regex $2 (0 if none).
sum_group() {
	local line re=$2 sum=0
	[ -f "$1" ] || { echo 0; return 0; }
	while IFS= read -r line; do
		[[ $line =~ $re ]] && sum=$((sum + ${BASH_REMATCH[1]:-1}))
	done < <(grep -E -- "$re" "$1")
	echo "$sum"
}

# The number of slots of swap image $1 holding any non-zero byte after the
# run (the slot pages come from `pvswap show`: "slots N (pages A..B, ...").
image_slots() {
	local first last
	read -r first last < <("$BUILD/tools/pvswap" show "$1" 2>/dev/null |
		sed -nE 's/^ *slots +[0-9]+ \(pages ([0-9]+)\.\.([0-9]+),.*/\1 \2/p')
	[ -n "$first" ] || return 1
	python3 - "$1" "$first" "$last" <<'PY'
import sys
a, b = int(sys.argv[2]), int(sys.argv[3])
n, zero = 0, bytes(4096)
with open(sys.argv[1], 'rb') as f:
    f.seek(a * 4096)
    for _ in range(a, b + 1):
        p = f.read(4096)
        n += len(p) > 0 and p != zero[:len(p)]
print(n)
PY
}

# Numbers from the run: `value: NAME REGEX` (group 1 of the first serial
# line matching REGEX), `emusum: NAME REGEX` (group 1 summed over the
# emulator log's matching lines, e.g. QEMU trace events from `trace:`),
# `imageslots: NAME DISK` (slots of swap disk DISK's image, in disk
# directory $3, that hold data after the run), then every `check: EXPR`
# (bash arithmetic over those names) must hold. Prints the reason and the
# values on failure.
check_values() {
	local log=$1 emulog=$2 disks=$3 line name re v expr w shown=''
	local -A vals=()
	for line in "${c_value[@]}" "${c_emusum[@]/#/+}" "${c_imageslots[@]/#/=}"; do
		read -r name re <<<"$line"
		if [[ $name == =* ]]; then
			name=${name#=}
			v=$(image_slots "$disks/$re.img") || { echo "imageslots $name: $re.img is not a swap image"; return 1; }
		elif [[ $name == +* ]]; then
			name=${name#+}
			v=$(sum_group "$emulog" "$re")
		elif ! v=$(first_group "$log" "$re"); then
			echo "value $name: /$re/ not found"
			return 1
		fi
		if ! [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ && $v =~ ^[0-9]+$ ]]; then
			echo "value $name: bad name or non-numeric '$v'"
			return 1
		fi
		vals[$name]=$v shown+=" $name=$v"
	done
	for expr in "${c_check[@]}"; do
		for w in $(grep -oE '[A-Za-z_][A-Za-z0-9_]*' <<<"$expr"); do
			[ -n "${vals[$w]+x}" ] || { echo "check '$expr': no value named $w"; return 1; }
		done
		# In a subshell with one variable per value; $1 keeps the
		# expression safe from a value named like a local.
		if ! (set -- "$expr"
			for w in "${!vals[@]}"; do printf -v "$w" '%s' "${vals[$w]}"; done
			(($1))) 2>/dev/null; then
			echo "check failed: '$expr' with$shown"
			return 1
		fi
	done
}

# An `order: RE1 => RE2 [=> RE3...]` line: the first line matching each
# regex exists and comes after the first line matching the one before it.
order_check() {
	local log=$1 spec=$2 re prev='' line last=0 n
	while [ -n "$spec" ]; do
		re=${spec%% => *}
		[ "$re" = "$spec" ] && spec='' || spec=${spec#* => }
		n=$(grep -En -m1 -- "$re" "$log" | cut -d: -f1)
		if [ -z "$n" ]; then
			echo "order: /$re/ not found"
			return 1
		fi
		if [ "$n" -le "$last" ]; then
			line=$(sed -n "${n}p" "$log" | cut -c1-100)
			echo "order: /$re/ (line $n: $line) does not come after /$prev/ (line $last)"
			return 1
		fi
		prev=$re last=$n
	done
}

last_lines() {
	grep -v '^[[:space:]]*$' "$1" | tail -n "$2" | tr -s ' ' | cut -c1-160 |
		sed 's/$/ | /' | tr -d '\n' | sed 's/ | $//'
}

# The serial console of a case with `input: REGEX => TEXT` lines: connect to
# the emulator's TCP serial port $1, copy what arrives into file $2 and, for
# each input line in turn, once REGEX matches a line of the output, type
# TEXT (printf %b escapes: \n, \x01 for Ctrl-A). Returns when emulator pid
# $3 has ended.
serial_console() {
	local port=$1 log=$2 emu=$3 i re text cat_pid
	for i in $(seq 200); do
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
		kill -0 "$emu" 2>/dev/null || return 0
		sleep 0.1
	done
	cat <&3 >>"$log" &
	cat_pid=$!
	for i in "${c_input[@]}"; do
		re=${i%% => *}
		text=${i#* => }
		while kill -0 "$emu" 2>/dev/null && ! tr -d '\r' <"$log" | grep -qE -- "$re"; do
			sleep 0.1
		done
		kill -0 "$emu" 2>/dev/null || break
		printf '%b' "$text" >&3 2>/dev/null || break
	done
	while kill -0 "$emu" 2>/dev/null; do
		sleep 0.1
	done
	sleep 0.2
	kill "$cat_pid" 2>/dev/null
	wait "$cat_pid" 2>/dev/null
	exec 3>&-
}

# `hostcorrupt: REGEX => DISK`: once a line of serial file $1 matches REGEX
# (while emulator pid $2 runs), invert byte 2049 of every slot of DISK's
# image (in disk directory $3) that holds data, behind the hypervisor's back,
# and say how many in $3/DISK.corrupted. Returns when the emulator has ended.
host_corrupt() {
	local log=$1 emu=$2 dir=$3 re=${c_hostcorrupt%% => *} disk=${c_hostcorrupt#* => } first last
	while kill -0 "$emu" 2>/dev/null && ! tr -d '\r' <"$log" | grep -qE -- "$re"; do
		sleep 0.05
	done
	if kill -0 "$emu" 2>/dev/null; then
		read -r first last < <("$BUILD/tools/pvswap" show "$dir/$disk.img" 2>/dev/null |
			sed -nE 's/^ *slots +[0-9]+ \(pages ([0-9]+)\.\.([0-9]+),.*/\1 \2/p')
		python3 - "$dir/$disk.img" "$first" "$last" >"$dir/$disk.corrupted" <<'PY'
import sys
a, b = int(sys.argv[2]), int(sys.argv[3])
zero, n = bytes(4096), 0
with open(sys.argv[1], 'r+b') as f:
    for page in range(a, b + 1):
        f.seek(page * 4096)
        p = f.read(4096)
        if p and p != zero[:len(p)]:
            f.seek(page * 4096 + 2049)
            f.write(bytes([p[2049] ^ 0xff]))
            n += 1
print(n)
PY
	fi
	while kill -0 "$emu" 2>/dev/null; do
		sleep 0.1
	done
}

run_pair() {
	local name=$1 plat=$2 file="$casedir/$1.case"
	local id="$name@$plat" out="$BUILD/integration/$name-$plat"
	local tap="$BUILD/results/int-$name-$plat.tap"
	local image start end secs rc reason verdict limit

	[ -f "$file" ] || { echo "run-case: no case file $file" >&2; exit 2; }
	parse_case "$file" "$plat" || exit 2
	if ! in_list "$plat" "$c_platforms"; then
		echo "run-case: case $name does not list platform $plat" >&2
		exit 2
	fi
	mkdir -p "$out" "$BUILD/results"
	rm -f "$out/serial.log" "$out/serial.clean" "$out/emulator.log" "$out/emulator.out" "$out/disks.err" "$out/screen.ppm"
	limit=$(awk -v t="$c_timeout" -v s="${TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", t * s + 0.5 }')

	start=$(date +%s.%N)
	reason=
	if [ ! -f "$elf" ]; then
		reason="hypervisor image $elf missing (build failed?)"
	elif [ "$plat" = qemu-kernel ]; then
		image=$elf
	elif ! image=$(build_iso "$name" 2>"$out/mkiso.err"); then
		reason="ISO build failed: $(last_lines "$out/mkiso.err" 2)"
	fi
	if [ -z "$reason" ] && ! make_disks "$out/disks" >"$out/disks.err"; then
		reason=$(head -1 "$out/disks.err")
	fi

	if [ -z "$reason" ]; then
		: >"$out/serial.log"
		local trace_args=() t
		for t in "${c_trace[@]}"; do
			trace_args+=(-t "$t")
		done
		local screen_args=()
		[ -n "$c_screen" ] && screen_args=(-S "$out/screen.ppm")
		local port_args=() port=
		if [ ${#c_input[@]} -gt 0 ]; then
			port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
			port_args=(-i "$port")
		fi
		QEMU_FLAGS="${QEMU_FLAGS:-}$c_qemuflags" \
			timeout -k 5 "$limit" "$here/boot.sh" -s "$out/serial.log" -l "$out/emulator.log" "${screen_args[@]}" \
			"${port_args[@]}" -w "$out" "${disk_args[@]}" "${trace_args[@]}" "$plat" "$image" "${c_words[@]}" \
			>"$out/emulator.out" 2>&1 </dev/null &
		local emu=$!
		[ -n "$port" ] && serial_console "$port" "$out/serial.log" "$emu"
		[ -n "$c_hostcorrupt" ] && host_corrupt "$out/serial.log" "$emu" "$out/disks"
		wait "$emu" 2>/dev/null   # an emulator crashing at exit is judged by its log
		rc=$?
		clean_serial "$out/serial.log" >"$out/serial.clean"
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			reason="timeout after ${limit}s; last serial lines: $(last_lines "$out/serial.clean" 3)"
		elif ! reason=$(judge "$out/serial.clean"); then
			[ -s "$out/serial.clean" ] || reason="$reason; no serial output, emulator exit $rc: $(last_lines "$out/emulator.out" 2)"
		elif ! reason=$(check_values "$out/serial.clean" "$out/emulator.log" "$out/disks"); then
			:
		elif ! reason=$(check_unchanged "$out/disks"); then
			:
		elif [ -n "$c_screen" ] && ! reason=$(check_screen "$out/screen.ppm"); then
			:
		else
			reason=
		fi
	fi
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

	if [ -z "$reason" ]; then
		verdict="PASS integration $id (${secs}s)"
		printf '1..1\nok 1 - integration %s (%ss)\n' "$id" "$secs" >"$tap"
		echo "$verdict"
		return 0
	fi
	verdict="FAIL integration $id (${secs}s; $reason; log: $out/serial.log)"
	printf '1..1\nnot ok 1 - integration %s (%ss; %s; log: %s)\n' \
		"$id" "$secs" "$reason" "$out/serial.log" >"$tap"
	echo "$verdict"
	return 1
}

case ${1:-} in
--list) list_pairs ;;
-h | --help | "") sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
*)
	[ $# -eq 2 ] || { echo "usage: $0 CASE PLATFORM" >&2; exit 2; }
	run_pair "$1" "$2" ;;
esac
