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
# supplies xen-blkfront.ko and xen-netfront.ko, copied in (not loaded) with
# a modules.dep for busybox modprobe.
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
	for m in drivers/block/xen-blkfront.ko drivers/net/xen-netfront.ko; do
		src=$mods/kernel/$m
		if [ ! -f "$src" ]; then
			echo "mkinitramfs: warning: no $src" >&2
			continue
		fi
		mkdir -p "$root/lib/modules/$kver/kernel/$(dirname "$m")"
		cp "$src" "$root/lib/modules/$kver/kernel/$m"
		echo "kernel/$m:" >>"$root/lib/modules/$kver/modules.dep"
	done
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

# xenner.run=CMD or xenner.run="CMD WITH SPACES" from the command line
cmdline=$(cat /proc/cmdline)
run=
case "$cmdline" in
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
