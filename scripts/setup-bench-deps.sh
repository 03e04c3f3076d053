#!/bin/sh
# Installs the Debian 12 packages bench/boot needs on top of
# scripts/setup-deps.sh: QEMU (the TCG and KVM peers), a static libc for
# the in-guest benchmark program, and the usual build tools.
# Idempotent: does nothing (and needs no network) when all are present.
set -eu

PKGS="qemu-system-x86 qemu-system-data libc6-dev gcc busybox-static cpio
gzip coreutils procps xz-utils"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

here=$(dirname "$0")
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup-bench-deps: missing packages:$missing" \
			"(run as root to install)" >&2
		exit 1
	fi
	echo "setup-bench-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
exec "$here/setup-deps.sh"
