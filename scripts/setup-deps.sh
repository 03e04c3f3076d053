#!/bin/sh
# Installs the Debian 12 packages xenner needs to build, test and run
# (qemu-system-x86 for the SVM test VM, scripts/svm-vm; qemu-utils for the
# qcow2 tests; the compressors and fdisk's sfdisk for the compressed-kernel
# and pygrub disk-image tests; clang and its runtime for the libFuzzer
# targets, tests/fuzz), then fetches the guest kernel, pvgrub and
# the SVM VM's kernel.
# Idempotent: does nothing (and needs no network) when all are present.
set -eu

PKGS="build-essential pkg-config git
xen-utils-4.17 xenstore-utils libxen-dev qemu-system-xen
qemu-system-x86 qemu-utils
libevent-dev libaio-dev uuid-dev libcmocka-dev libnl-route-3-dev
zlib1g-dev libbz2-dev liblzma-dev liblz4-dev libzstd-dev libxxhash-dev
busybox-static cpio binutils gdb mandoc procps psmisc iproute2
e2fsprogs python3 bsdutils fdisk gzip bzip2 xz-utils lz4 zstd
clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

here=$(dirname "$0")
fetch_kernels() {
	"$here/fetch-guest-kernel.sh" && "$here/fetch-pvgrub.sh" &&
		"$here/svm-vm" --setup
}
if [ -z "$missing" ]; then
	fetch_kernels
	exit
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "setup-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
fetch_kernels
