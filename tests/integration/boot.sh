#!/bin/bash
# Boot a pagevisor image on one emulator platform. Used by `make run`,
# `make run-bochs` (serial console on the terminal) and by run-case.sh
# (serial console into a file). The emulator is exec'd, so a timeout(1)
# around this script kills the emulator itself.
#
# usage: boot.sh [-s SERIAL] [-l EMULOG] [-w WORKDIR] [-a tcg|kvm] [-c BOCHS_CPU]
#                [-d ide|virtio:FILE]... [-t EVENT]... PLATFORM IMAGE [CMDLINE...]
#   PLATFORM  qemu-bios | qemu-avx | qemu-uefi (IMAGE is an ISO), qemu-kernel (IMAGE is
#             the ELF, booted by QEMU's Multiboot 1 loader with CMDLINE),
#             bochs-intel | bochs-sandybridge | bochs-ryzen (IMAGE is an ISO)
#   -s FILE   serial console into FILE (default: the terminal)
#   -l FILE   emulator log (QEMU -D with guest_errors,cpu_reset; Bochs log)
#   -w DIR    directory for generated files (OVMF variables, bochsrc)
#   -a ACCEL  QEMU accelerator: tcg (default; -cpu qemu64,+svm,+npt; qemu-avx
#             adds +xsave,+xsaveopt,+avx,+avx2) or kvm (-enable-kvm -cpu host)
#   -c MODEL  Bochs CPU model instead of the platform's default
#   -d IF:FILE attach raw disk image FILE (repeatable, in order): ide (QEMU
#             PIIX IDE / Bochs ata0-master, ata0-slave, ata1-slave; the CD is
#             ata1-master), virtio (QEMU virtio-blk-pci; not on Bochs) or
#             nvme (QEMU NVMe controller, one namespace each; not on Bochs)
#             or ahci (QEMU -M q35's AHCI ports 0, 1, 3, 4, 5; not on Bochs)
#   -t EVENT  enable a QEMU trace event (repeatable; `qemu-system-x86_64 -trace
#             help` lists them), logged into the -l file (QEMU only)
#   -i PORT   with -s: the serial console is a TCP server on 127.0.0.1:PORT
#             instead of a file (the emulator waits for the client, which
#             writes what it reads into the -s file and can type input)
#   -S FILE   QEMU with -s: a std VGA display and a monitor socket in WORKDIR;
#             once a SUMMARY line reaches the serial file, save a screendump
#             (PPM) into FILE and quit QEMU (run the hypervisor with `stay`)
# Extra emulator arguments may be given in QEMU_FLAGS / BOCHS_FLAGS;
# BOCHS_TERM=1 connects the Bochs UART to the terminal for input as well.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
serial='' emulog='' workdir='' accel=tcg bochs_cpu='' disks=() traces=() screendump=''
serial_port=''

usage() { sed -n '7,32p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while getopts "s:l:w:a:c:d:t:S:i:h" opt; do
	case $opt in
	s) serial=$OPTARG ;;
	i) serial_port=$OPTARG ;;
	l) emulog=$OPTARG ;;
	w) workdir=$OPTARG ;;
	a) accel=$OPTARG ;;
	c) bochs_cpu=$OPTARG ;;
	d) disks+=("$OPTARG") ;;
	t) traces+=("$OPTARG") ;;
	S) screendump=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
platform=$1 image=$2
shift 2
cmdline="$*"

[ -f "$image" ] || { echo "boot.sh: $image not found" >&2; exit 1; }
workdir=${workdir:-$(dirname "$image")}
mkdir -p "$workdir"

OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}

# QEMU arguments for the -d disks: IDE units 0, 1, 3 (unit 2, the secondary
# master, is the CD), virtio-blk PCI functions in order.
# shellcheck disable=SC2054  # commas inside QEMU option values
qemu_disk_args() {
	local d file n=0 ide=(0 1 3) nide=0
	for d in "${disks[@]}"; do
		file=${d#*:}
		[ -f "${file##*:}" ] || { echo "boot.sh: disk image ${file##*:} not found" >&2; exit 1; }
		case ${d%%:*} in
		ide)
			[ $nide -lt 3 ] || { echo "boot.sh: at most 3 IDE disks" >&2; exit 2; }
			qargs+=(-drive "file=$file,format=raw,if=ide,index=${ide[nide]}")
			nide=$((nide + 1)) ;;
		virtio)
			qargs+=(-drive "file=$file,format=raw,if=none,id=disk$n"
				-device "virtio-blk-pci,drive=disk$n") ;;
		nvme)
			qargs+=(-drive "file=$file,format=raw,if=none,id=disk$n"
				-device "nvme,drive=disk$n,serial=pv$n") ;;
		ahci)
			# The q35 machine's built-in AHCI controller (ICH9): SATA ports
			# 0, 1, 3, 4, 5 (port 2 holds the -cdrom); the machine becomes q35.
			local ahci_ports=(0 1 3 4 5)
			nahci=${nahci:-0}
			[ "$nahci" -lt 5 ] || { echo "boot.sh: at most 5 AHCI disks" >&2; exit 2; }
			[ "$nahci" -gt 0 ] || qargs+=(-M q35)
			qargs+=(-drive "file=$file,format=raw,if=none,id=disk$n"
				-device "ide-hd,drive=disk$n,bus=ide.${ahci_ports[nahci]}")
			nahci=$((nahci + 1)) ;;
		*) echo "boot.sh: unknown disk interface in '$d' (ide, virtio or nvme)" >&2; exit 2 ;;
		esac
		n=$((n + 1))
	done
}

# Bochs configuration lines for the -d disks (flat images, IDE only).
bochs_disk_lines() {
	local d file slots=(ata0-master ata0-slave ata1-slave) n=0
	for d in "${disks[@]}"; do
		file=${d#*:}
		[ -f "$file" ] || { echo "boot.sh: disk image $file not found" >&2; exit 1; }
		[ "${d%%:*}" = ide ] || { echo "boot.sh: Bochs has no ${d%%:*} disks (IDE only)" >&2; exit 2; }
		[[ $file != blkdebug:* ]] || { echo "boot.sh: blkdebug disks are QEMU only" >&2; exit 2; }
		[ $n -lt 3 ] || { echo "boot.sh: at most 3 IDE disks beside the CD" >&2; exit 2; }
		echo "${slots[n]}: type=disk, path=$file, mode=flat"
		n=$((n + 1))
	done
}

# shellcheck disable=SC2054  # commas inside QEMU option values
run_qemu() {
	local args=(qemu-system-x86_64 -m 512 -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	case $accel in
	tcg) args+=(-accel tcg -cpu "$(qemu_tcg_cpu)") ;;
	kvm) args+=(-enable-kvm -cpu host) ;;
	*) echo "boot.sh: unknown accelerator '$accel' (tcg or kvm)" >&2; exit 2 ;;
	esac
	if [ -n "$screendump" ]; then
		[ -n "$serial" ] || { echo "boot.sh: -S needs -s" >&2; exit 2; }
		rm -f "$workdir/monitor.sock" "$screendump"
		args+=(-serial "file:$serial" -vga std
			-monitor "unix:$workdir/monitor.sock,server,nowait")
	elif [ -n "$serial_port" ]; then
		args+=(-serial "tcp:127.0.0.1:$serial_port,server=on,wait=on" -monitor none)
	elif [ -n "$serial" ]; then
		args+=(-serial "file:$serial" -monitor none)
	else
		args+=(-serial mon:stdio)   # Ctrl-A X quits, Ctrl-A C: monitor
	fi
	[ -n "$emulog" ] && args+=(-d guest_errors,cpu_reset -D "$emulog")
	local t
	for t in "${traces[@]}"; do
		args+=(-trace "$t")
	done
	case $platform in
	qemu-bios | qemu-avx)
		# CD first: SeaBIOS would boot a disk with an MBR signature
		# (a GPT disk's protective MBR) before the CD.
		args+=(-cdrom "$image" -boot order=d) ;;
	qemu-uefi)
		# OVMF writes its variable store: every run gets a fresh copy.
		cp "$OVMF_VARS" "$workdir/OVMF_VARS.fd"
		args+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,file=$workdir/OVMF_VARS.fd"
			-cdrom "$image") ;;
	qemu-kernel)
		args+=(-kernel "$image" -append "$cmdline") ;;
	esac
	local qargs=()
	qemu_disk_args
	args+=("${qargs[@]}")
	if [ -n "$screendump" ]; then
		# shellcheck disable=SC2086
		"${args[@]}" ${QEMU_FLAGS:-} &
		qemu_screendump $!
		return
	fi
	# shellcheck disable=SC2086
	exec "${args[@]}" ${QEMU_FLAGS:-}
}

# For -S: wait for a SUMMARY line on the serial file (or QEMU's end), then
# ask QEMU's monitor for a screendump into $screendump and quit. QEMU pid $1
# is killed if this script is.
qemu_screendump() {
	local pid=$1 i
	trap 'kill $pid 2>/dev/null' EXIT
	while kill -0 "$pid" 2>/dev/null && ! grep -q '^SUMMARY:' "$serial" 2>/dev/null; do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		python3 - "$workdir/monitor.sock" "$screendump" <<'PY'
import socket, sys, time, os
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"screendump %s\n" % sys.argv[2].encode())
for _ in range(100):
    if os.path.exists(sys.argv[2]) and os.path.getsize(sys.argv[2]) > 0:
        break
    time.sleep(0.1)
time.sleep(0.5)
s.sendall(b"quit\n")
time.sleep(0.2)
PY
	fi
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	trap - EXIT
}

# The TCG CPU: qemu-avx adds XSAVE and AVX/AVX2, which QEMU 7.2 TCG
# implements. +xsaveopt is not for the guests: without it QEMU 7.2 TCG hangs
# on the MOV to CR4 that sets OSXSAVE (seen here; hermit-os/kernel#273).
qemu_tcg_cpu() {
	case $platform in
	qemu-avx) echo qemu64,+svm,+npt,+xsave,+xsaveopt,+avx,+avx2 ;;
	*) echo qemu64,+svm,+npt ;;
	esac
}

run_bochs() {
	local model=$1 cfg="$workdir/bochsrc.txt" rc="$workdir/bochs.rc" com1
	model=${bochs_cpu:-$model}
	[ ${#traces[@]} -eq 0 ] || { echo "boot.sh: -t (QEMU trace events) is QEMU only" >&2; exit 2; }
	if [ -n "$serial_port" ]; then
		com1="mode=socket-server, dev=127.0.0.1:$serial_port"
	elif [ -n "$serial" ]; then
		com1="mode=file, dev=$serial"
	elif [ "${BOCHS_TERM:-0}" = 1 ]; then
		# Keyboard input reaches the UART, but Bochs puts the terminal in
		# raw mode: Ctrl-C no longer stops it (kill it from elsewhere).
		com1="mode=term, dev=$(tty)"
	else
		com1="mode=file, dev=/dev/stdout"   # output only
	fi
	sed -e "s|@CPU@|$model|" -e "s|@ISO@|$image|" -e "s|@COM1@|$com1|" \
		-e "s|@LOG@|${emulog:-$workdir/bochs.log}|" \
		"$here/bochs/pagevisor.bxrc.in" >"$cfg"
	bochs_disk_lines >>"$cfg"
	# Debian's Bochs has its debugger built in and stops at a prompt before
	# the first instruction: this file tells it to continue.
	echo c >"$rc"
	export SDL_VIDEODRIVER=dummy
	if [ -n "$serial" ]; then
		# shellcheck disable=SC2086
		exec bochs -q -f "$cfg" -rc "$rc" ${BOCHS_FLAGS:-} </dev/null
	fi
	# Interactive: Ctrl-C drops into the Bochs debugger (`q` quits). Its
	# start-up chatter on stderr (before the log file opens) goes aside.
	# shellcheck disable=SC2086
	exec bochs -q -f "$cfg" -rc "$rc" ${BOCHS_FLAGS:-} 2>"$workdir/bochs.stderr"
}

case $platform in
qemu-bios | qemu-avx | qemu-uefi | qemu-kernel) run_qemu ;;
bochs-intel) run_bochs corei7_haswell_4770 ;;
bochs-sandybridge) run_bochs corei7_sandy_bridge_2600k ;;
bochs-ryzen) run_bochs ryzen ;;
*) echo "boot.sh: unknown platform '$platform'" >&2; exit 2 ;;
esac
