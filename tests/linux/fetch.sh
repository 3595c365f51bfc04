#!/bin/sh
# Fetch the Linux test guest's parts as Debian packages: a stock cloud kernel
# and busybox-static, downloaded with apt-get, unpacked with dpkg-deb into
# OUT/deb/ and copied to OUT/vmlinuz and OUT/busybox. Idempotent: a part
# whose output exists is left alone, a cached .deb is reused, and the network
# is used only for what is missing. Nothing here is committed (OUT is under
# $(BUILD)).
#
# usage: tests/linux/fetch.sh OUT [kernel] [busybox]   (default: both)
# OUT/versions lists the package files used.

set -eu

# Overridable only to exercise the error paths.
KMETA=${LINUX_KMETA:-linux-image-cloud-amd64}
BBPKG=${LINUX_BBPKG:-busybox-static}

die() { echo "fetch.sh: error: $*" >&2; exit 1; }
say() { echo "fetch.sh: $*"; }

[ $# -ge 1 ] || die "usage: $0 OUT [kernel] [busybox]"
OUT=$1; shift
[ $# -gt 0 ] || set -- kernel busybox
DEB=$OUT/deb
mkdir -p "$DEB"

for tool in apt-cache apt-get dpkg-deb; do
	command -v $tool >/dev/null 2>&1 ||
		die "$tool not found: a Debian (or derived) host is needed to fetch the Linux guest"
done

# apt-get update once, only when a package is unknown to apt.
UPDATED=no
apt_update() {
	[ $UPDATED = no ] || return 1
	UPDATED=yes
	if [ "$(id -u)" != 0 ]; then
		echo "fetch.sh: apt does not know a package; run as root or run 'apt-get update' first" >&2
		return 1
	fi
	say "apt-get update (a package is unknown to apt)" >&2
	apt-get update -q >&2 || die "apt-get update failed (is the Debian registry reachable?)"
}

# Print the versioned kernel package the meta package depends on, e.g.
# linux-image-6.1.0-57-cloud-amd64 (its name changes with every ABI bump).
kernel_package() {
	while :; do
		pkg=$(apt-cache depends "$KMETA" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
		[ -n "$pkg" ] && { echo "$pkg"; return 0; }
		apt_update || die "apt-cache depends $KMETA names no linux-image-*-cloud-amd64 package"
	done
}

# Make sure apt can download PKG (apt-get update once if it cannot).
ensure_known() {
	while ! apt-cache show "$1" >/dev/null 2>&1; do
		apt_update || die "package $1 is unknown to apt (apt-cache show $1 fails)"
	done
}

# Print the cached .deb of package $1 in $DEB, downloading it if missing.
deb_file() {
	f=$(ls "$DEB/$1"_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		ensure_known "$1"
		say "apt-get download $1" >&2
		# apt's _apt user may not reach $DEB: it then downloads unsandboxed
		# as root and says so; that warning is harmless here.
		(cd "$DEB" && apt-get download -q "$1") >&2 ||
			die "apt-get download $1 failed (is the Debian registry reachable?)"
		f=$(ls "$DEB/$1"_*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$f" ] || die "apt-get download $1 left no $DEB/$1_*.deb"
	fi
	echo "$f"
}

# Unpack .deb $1 into directory $2 (afresh), recording it in OUT/versions.
unpack() {
	rm -rf "$2"
	dpkg-deb -x "$1" "$2" || die "dpkg-deb -x $1 failed (damaged download? delete it and retry)"
	grep -qxF "$(basename "$1")" "$OUT/versions" 2>/dev/null ||
		basename "$1" >> "$OUT/versions"
}

fetch_kernel() {
	[ -s "$OUT/vmlinuz" ] && { say "$OUT/vmlinuz is cached"; return 0; }
	# A cached kernel .deb is used as is; the meta package is resolved only
	# when there is none.
	f=$(ls "$DEB"/linux-image-*-cloud-amd64_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		pkg=$(kernel_package) || exit 1
		f=$(deb_file "$pkg") || exit 1
	fi
	unpack "$f" "$DEB/kernel"
	set -- "$DEB"/kernel/boot/vmlinuz-*
	[ -f "$1" ] || die "$(basename "$f") holds no /boot/vmlinuz-*"
	cp "$1" "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
	say "$OUT/vmlinuz from $(basename "$f") ($(basename "$1"))"
}

fetch_busybox() {
	[ -s "$OUT/busybox" ] && { say "$OUT/busybox is cached"; return 0; }
	f=$(deb_file "$BBPKG") || exit 1
	unpack "$f" "$DEB/busybox"
	bb="$DEB/busybox/bin/busybox"
	[ -f "$bb" ] || die "$(basename "$f") holds no /bin/busybox"
	cp "$bb" "$OUT/busybox.tmp" && chmod 755 "$OUT/busybox.tmp" &&
		mv "$OUT/busybox.tmp" "$OUT/busybox"
	say "$OUT/busybox from $(basename "$f")"
}

# One fetch at a time per OUT (parallel make, two apt-get updates).
exec 9> "$OUT/.fetch.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

for part in "$@"; do
	case $part in
	kernel)  fetch_kernel ;;
	busybox) fetch_busybox ;;
	*)       die "unknown part '$part' (kernel, busybox)" ;;
	esac
done
