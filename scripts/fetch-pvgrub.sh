#!/bin/sh
# Fetches Debian's pvgrub (grub-xen-host: grub-x86_64-xen.bin, GRUB built
# as a Xen PV kernel that boots what the guest's own grub.cfg names) and
# unpacks it under $XENNER_CACHE (default /var/cache/xenner)/pvgrub
# without installing it on the host.  Idempotent.
set -eu
cache=${XENNER_CACHE:-/var/cache/xenner}
bin=usr/lib/grub-xen/grub-x86_64-xen.bin
[ -f "$cache/pvgrub/$bin" ] && exit 0
mkdir -p "$cache"
cd "$cache"
apt-cache show grub-xen-host >/dev/null 2>&1 || apt-get update -q
rm -f grub-xen-host_*.deb
apt-get download grub-xen-host 2>&1 | grep -v "unsandboxed" || true
ls grub-xen-host_*.deb >/dev/null 2>&1 ||
	{ echo "fetch-pvgrub: cannot download grub-xen-host" >&2; exit 1; }
rm -rf pvgrub.tmp && mkdir pvgrub.tmp
dpkg-deb -x grub-xen-host_*.deb pvgrub.tmp
[ -f "pvgrub.tmp/$bin" ] ||
	{ echo "fetch-pvgrub: no $bin in grub-xen-host" >&2; exit 1; }
rm -rf pvgrub && mv pvgrub.tmp pvgrub && rm -f grub-xen-host_*.deb
echo "fetch-pvgrub: $cache/pvgrub/$bin"
