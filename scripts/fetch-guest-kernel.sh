#!/bin/sh
# Fetches Debian's cloud kernel package (a stock kernel that boots as a Xen
# PV guest) and unpacks it under $XENNER_CACHE (default /var/cache/xenner)
# without installing it on the host.  Idempotent.
set -eu
cache=${XENNER_CACHE:-/var/cache/xenner}
ls "$cache"/kernel/boot/vmlinuz-* >/dev/null 2>&1 && exit 0
mkdir -p "$cache"
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	apt-get update -q
	pkg=$(apt-cache depends linux-image-cloud-amd64 |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$pkg" ] || { echo "fetch-guest-kernel: no linux-image-cloud-amd64" >&2; exit 1; }
cd "$cache"
apt-get download "$pkg" 2>&1 | grep -v "unsandboxed" || true
rm -rf kernel.tmp && mkdir kernel.tmp
dpkg-deb -x "$pkg"_*.deb kernel.tmp
rm -rf kernel && mv kernel.tmp kernel && rm -f "$pkg"_*.deb
echo "fetch-guest-kernel: $(ls kernel/boot/vmlinuz-*)"
