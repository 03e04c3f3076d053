#!/bin/bash
# test-needs: kvm
# bootloader = "pygrub" as Xen users have it: Debian's cloud kernel and a
# busybox initramfs on an ext4 disk image whose /boot/grub/grub.cfg picks
# the entry.  xenner -bootloader pygrub boots an unpartitioned image (the
# default entry, -append added to its line); xenner-xm create boots a
# partitioned one from a config with only bootloader=, bootloader_args=
# and a disk (console, shutdown -w).  No grub.cfg, a grub.cfg naming a
# missing kernel, a corrupt disk and a missing pygrub each fail with one
# line and leave nothing behind.
# test-timeout: 900
. "$(dirname "$0")/lib.sh"
need_linux_guest
PYGRUB=/usr/lib/xen-4.17/bin/pygrub
need_file "$PYGRUB" "xen-utils-4.17"
for t in mke2fs sfdisk script; do
	command -v $t >/dev/null || skip "no $t (e2fsprogs, fdisk, bsdutils)"
done
. "$(dirname "$0")/xm-lib.sh"
make_initrd

# The guest's root: the kernel, the initramfs and grub.cfg with two
# entries whose command lines say which one booted.
tree=$XENNER_RUNDIR/tree
mkdir -p "$tree/boot/grub"
cp "$kernel" "$tree/boot/vmlinuz"
cp "$initrd" "$tree/boot/initrd.img"
grub_cfg() { # default entry
	cat <<CFG
set default="$1"
set timeout=0
menuentry 'Debian, entry 0' {
	linux /boot/vmlinuz console=hvc0 loglevel=4 xt-entry=0
	initrd /boot/initrd.img
}
menuentry 'Debian, entry 1' {
	linux /boot/vmlinuz console=hvc0 loglevel=4 xt-entry=1
	initrd /boot/initrd.img
}
CFG
}
grub_cfg 1 >"$tree/boot/grub/grub.cfg"

# mkdisk IMAGE TREE [part]: ext4 of TREE, alone or in an MBR partition
mkdisk() {
	local img=$1 dir=$2 off=0
	rm -f "$img"
	truncate -s 64M "$img"
	if [ "${3:-}" = part ]; then
		echo 'start=2048, type=83' | sfdisk -q "$img" || fail "sfdisk"
		off=$((2048 * 512))
	fi
	mke2fs -q -F -t ext4 -E offset=$off -d "$dir" "$img" 60M ||
		fail "mke2fs"
}
plain=$XENNER_RUNDIR/plain.img
parted=$XENNER_RUNDIR/parted.img
mkdisk "$plain" "$tree"
mkdisk "$parted" "$tree" part

nothing_left() { # what
	local left
	left=$(ls -d "$XENNER_RUNDIR"/bootloader.* 2>/dev/null)
	[ -z "$left" ] || fail "$1: bootloader files left: $left"
}

# 1. xenner -bootloader: the default entry, -append added to its line
run='echo XT-CMDLINE $(cat /proc/cmdline)'
out=$XENNER_RUNDIR/plain.out
timeout -k 5 "$(scaled 400)" "$BUILD/xenner/xenner" -name pyg -m 256 \
	-bootloader pygrub -disk "$plain" \
	-append "xenner.run=\"$run\"" </dev/null >"$out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$out" "XENNER-RUN: exit" 4000
wait $pid
rc=$?
[ $rc = 0 ] || { tail -n 30 "$out"; fail "xenner exit $rc after poweroff"; }
line=$(grep "^XT-CMDLINE" "$out")
case "$line" in
*xt-entry=1*xenner.run=*) ;;
*) tail -n 30 "$out"; fail "not entry 1 with -append: '$line'" ;;
esac
grep -q "xt-entry=0" <<<"$line" && fail "entry 0 booted too: '$line'"
grep -q "bootloader pygrub found a kernel and a ramdisk on $plain" "$out" ||
	{ tail -n 30 "$out"; fail "xenner did not say what pygrub found"; }
nothing_left "after the boot"
ok "xenner -bootloader pygrub: grub.cfg's default entry, -append added"

# 2. xenner-xm create: bootloader= and a partitioned disk, nothing else
run="echo /bin/busybox poweroff -f >/proc/sys/kernel/poweroff_cmd;"
run+=' echo XT-CMDLINE $(cat /proc/cmdline);'
run+=" echo XT-READ\\\\Y; while :; do sleep 1; done"
cfg=$XENNER_RUNDIR/pyg.cfg
cat >"$cfg" <<CFG
name = 'pyg'
bootloader = 'pygrub'
bootloader_args = [ '--entry=0' ]
memory = 256
disk = [ 'file:$parted,xvda,w' ]
extra = 'xenner.run="$run"'
CFG
"$XM" create "$cfg" | grep -q "Started domain pyg" || { xm_log pyg; fail "create"; }
out=$XENNER_RUNDIR/console.out
(
	for _ in $(seq "$(scaled 240)"); do
		grep -q XT-READY "$out" 2>/dev/null && break
		sleep 1
	done
	printf '\035'
) | timeout "$(scaled 300)" script -qfec "'$XM' console pyg" /dev/null >"$out" 2>&1
line=$(grep -a "^XT-CMDLINE" "$out" | tr -d '\r')
case "$line" in
*xt-entry=0*xenner.run=*) ;;
*) tail -n 30 "$out"; xm_log pyg | tail; fail "not entry 0 with extra=: '$line'" ;;
esac
id=$(xm_id pyg)
timeout "$(scaled 120)" "$XM" shutdown -w pyg | grep -q "Domain pyg (id $id) shut down" ||
	{ xm_log pyg | tail; fail "shutdown -w"; }
nothing_left "after xenner-xm"
ok "xenner-xm create: bootloader='pygrub', bootloader_args, a partitioned disk"

# 3. bad disks and a missing pygrub: exit 1, one error line, nothing left
refuse() { # what, expected text, xenner arguments...
	local what=$1 want=$2 out=$XENNER_RUNDIR/bad.out rc
	shift 2
	timeout -k 5 "$(scaled 120)" env "${renv[@]}" "$BUILD/xenner/xenner" \
		-name bad -m 256 -bootloader pygrub "$@" </dev/null >"$out" 2>&1
	rc=$?
	[ $rc = 1 ] || { cat "$out"; fail "$what: exit $rc, expected 1"; }
	grep -q -- "$want" "$out" || { cat "$out"; fail "$what: no '$want'"; }
	[ "$(grep -c "err:" "$out")" = 1 ] || { cat "$out"; fail "$what: not one error line"; }
	nothing_left "$what"
	xenstore-ls /local/domain 2>/dev/null | grep -q "name = \"bad\"" &&
		fail "$what: a domain was left"
	return 0
}
renv=(XENNER_TEST=1)
empty=$XENNER_RUNDIR/empty
mkdir -p "$empty/boot"
mkdisk "$XENNER_RUNDIR/nocfg.img" "$empty"
refuse "no grub.cfg" "no /boot/grub/grub.cfg" -disk "$XENNER_RUNDIR/nocfg.img"
sed -i 's|/boot/vmlinuz|/boot/gone|' "$tree/boot/grub/grub.cfg"
mkdisk "$XENNER_RUNDIR/gone.img" "$tree"
refuse "a missing kernel" "Error opening /boot/gone in guest" \
	-disk "$XENNER_RUNDIR/gone.img"
head -c 8M /dev/urandom >"$XENNER_RUNDIR/junk.img"
refuse "a corrupt disk" "Unable to find partition containing kernel" \
	-disk "$XENNER_RUNDIR/junk.img"
renv=(XEN_BINDIR=/nonexistent PATH="$empty")
refuse "no pygrub" "not in /nonexistent nor in \$PATH" -disk "$plain"
renv=(XENNER_TEST=1)
refuse "no disk" "needs a -disk"
ok "no grub.cfg, a missing kernel, a corrupt disk, no pygrub, no disk: one line each"
exit 0
