#!/bin/sh
# Builds a small busybox initramfs (cpio.gz) for booting a stock kernel as
# a Xen PV guest under xenner; no network needed (busybox-static).
#
#   scripts/mkinitramfs.sh OUT.cpio.gz [MODULES_DIR]
#
# /init mounts proc, sys and dev (devtmpfs), prints "XENNER-INIT: /init
# reached", then runs the command from the kernel command line option
# xenner.run=CMD (quote it: xenner.run="dmesg | grep Xen; date") and prints
# "XENNER-RUN: exit N", or else starts an interactive shell on the console.
# Either way it powers off afterwards (poweroff -f).
# MODULES_DIR (default: the one under /var/cache/xenner/kernel/lib/modules)
# supplies xen-blkfront.ko and xen-netfront.ko, and virtio_pci.ko,
# virtio_blk.ko and virtio_net.ko for QEMU boots of the same kernel
# (bench/blk, bench/net), copied in (not loaded) with a modules.dep for
# busybox modprobe.
set -eu

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz [MODULES_DIR]}
mods=${2:-}
busybox=${BUSYBOX:-/bin/busybox}
cache=${XENNER_CACHE:-/var/cache/xenner}

[ -x "$busybox" ] || { echo "mkinitramfs: no $busybox (busybox-static)" >&2; exit 1; }
# a dynamically linked busybox would need its libraries in the image
if ! "$busybox" --list >/dev/null 2>&1 ||
	file -L "$busybox" 2>/dev/null | grep -q "dynamically linked"; then
	echo "mkinitramfs: $busybox is not a static busybox" >&2
	exit 1
fi
if [ -z "$mods" ]; then
	for d in "$cache"/kernel/lib/modules/*; do
		[ -d "$d" ] && mods=$d
	done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/bin "$root"/sbin "$root"/proc "$root"/sys "$root"/dev \
	"$root"/tmp "$root"/root "$root"/etc
cp "$busybox" "$root"/bin/busybox
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

if [ -n "$mods" ] && [ -d "$mods" ]; then
	kver=$(basename "$mods")
	mkdir -p "$root/lib/modules/$kver"
	: >"$root/lib/modules/$kver/modules.dep"
	# add MODULE [DEPENDENCY...]: paths under kernel/, the dependencies
	# in depmod's order (modprobe loads the last one first)
	add() {
		src=$mods/kernel/$1
		if [ ! -f "$src" ]; then
			echo "mkinitramfs: warning: no $src" >&2
			return 0
		fi
		mkdir -p "$root/lib/modules/$kver/kernel/$(dirname "$1")"
		cp "$src" "$root/lib/modules/$kver/kernel/$1"
		line="kernel/$1:"
		shift
		for d in "$@"; do line="$line kernel/$d"; done
		echo "$line" >>"$root/lib/modules/$kver/modules.dep"
	}
	add drivers/block/xen-blkfront.ko
	add drivers/net/xen-netfront.ko
	v=drivers/virtio
	add $v/virtio_ring.ko
	add $v/virtio.ko $v/virtio_ring.ko
	add $v/virtio_pci_legacy_dev.ko
	add $v/virtio_pci_modern_dev.ko
	add $v/virtio_pci.ko $v/virtio_pci_legacy_dev.ko \
		$v/virtio_pci_modern_dev.ko $v/virtio.ko $v/virtio_ring.ko
	add drivers/block/virtio_blk.ko $v/virtio.ko $v/virtio_ring.ko
	add net/core/failover.ko
	add drivers/net/net_failover.ko net/core/failover.ko
	add drivers/net/virtio_net.ko $v/virtio.ko $v/virtio_ring.ko \
		drivers/net/net_failover.ko net/core/failover.ko
fi

cat >"$root"/init <<'EOF'
#!/bin/busybox sh
# xenner test initramfs: mount the basics, run xenner.run=... or a shell,
# power off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "XENNER-INIT: /init reached"

# xenner.run=CMD, xenner.run="CMD WITH SPACES" or "xenner.run=CMD ..."
# (GRUB's quoting) from the command line
cmdline=$(cat /proc/cmdline)
run=
case "$cmdline" in
*'"xenner.run='*) # as GRUB passes an argument with blanks (pvgrub)
	run=${cmdline#*\"xenner.run=}
	run=${run%%\"*}
	;;
*'xenner.run="'*)
	run=${cmdline#*xenner.run=\"}
	run=${run%%\"*}
	;;
*xenner.run=*)
	run=${cmdline#*xenner.run=}
	run=${run%% *}
	;;
esac

if [ -n "$run" ]; then
	sh -c "$run"
	echo "XENNER-RUN: exit $?"
else
	echo "XENNER-INIT: no xenner.run=: interactive shell; exit powers off"
	# a controlling terminal, so ^C works
	setsid cttyhack sh -l
fi
sync
poweroff -f
EOF
chmod 755 "$root"/init

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -9 >"$tmp"/initramfs.cpio.gz
mv "$tmp"/initramfs.cpio.gz "$out"
echo "mkinitramfs: $out ($(wc -c <"$out") bytes)"
