#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 260
# bootloader = "pygrub" and pvgrub as Xen users have them: Debian's cloud
# kernel (as a gzip'd vmlinux: GRUB's Xen loader reads no lz4 bzImage) and
# a busybox initramfs on an ext4 disk image whose /boot/grub/grub.cfg
# picks the entry.  xenner -bootloader pygrub boots an unpartitioned image
# (the default entry, -append added to its line); xenner-xm create boots a
# partitioned one from a config with only bootloader=, bootloader_args=
# and a disk (console, shutdown -w); Debian's unmodified pvgrub
# (grub-xen-host's grub-x86_64-xen.bin as the kernel: GRUB's blkfront,
# ext4 and Xen loader on emu) boots both images' default entry.  No
# grub.cfg, a grub.cfg naming a missing kernel, a corrupt disk and a
# missing pygrub each fail with one line and leave nothing behind.
# test-timeout: 1500
. "$(dirname "$0")/lib.sh"
need_linux_guest
PYGRUB=/usr/lib/xen-4.17/bin/pygrub
need_file "$PYGRUB" "xen-utils-4.17"
PVGRUB=${XENNER_CACHE:-/var/cache/xenner}/pvgrub/usr/lib/grub-xen/grub-x86_64-xen.bin
need_file "$PVGRUB" "scripts/fetch-pvgrub.sh"
for t in mke2fs sfdisk script; do
	command -v $t >/dev/null || skip "no $t (e2fsprogs, fdisk, bsdutils)"
done
. "$(dirname "$0")/xm-lib.sh"
make_initrd

# vmlinux_gz BZIMAGE OUT: the ELF kernel inside a bzImage, gzip'd
vmlinux_gz() {
	local setup off len magic dec
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	off=$(od -An -tu4 -j $((0x248)) -N4 "$1" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$1" | tr -d ' ')
	off=$(((${setup:-0} ? setup : 4) * 512 + 512 + off))
	magic=$(od -An -tx1 -j $off -N4 "$1" | tr -d ' ')
	case "$magic" in
	02214c18) dec="lz4 -dc" ;;
	1f8b*) dec="gzip -dc" ;;
	fd377a58) dec="xz -dc" ;;
	28b52ffd) dec="zstd -dcq" ;;
	*) fail "$1: payload $magic is not lz4, gzip, xz or zstd" ;;
	esac
	tail -c +$((off + 1)) "$1" | head -c "$len" | $dec 2>/dev/null |
		gzip -1 -n >"$2"
	[ "$(gzip -dc "$2" | head -c 4 | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		fail "no ELF kernel in $1"
}

# The guest's root: the kernel, the initramfs and grub.cfg with two
# entries whose command lines say which one booted.
tree=$XENNER_RUNDIR/tree
mkdir -p "$tree/boot/grub"
vmlinux_gz "$kernel" "$tree/boot/vmlinuz"
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
# pvgrub passes no -append: GRUB quotes an argument with blanks whole
menuentry 'Debian, entry 2' {
	linux /boot/vmlinuz console=hvc0 loglevel=4 xt-entry=2 'xenner.run=echo XT-CMDLINE \$(cat /proc/cmdline)'
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
"$XM" list -l pyg | grep -q "(bootloader pygrub)" || { "$XM" list -l pyg; fail "list -l: no bootloader"; }
"$XM" list -l pyg | grep -q "(mode w)" || { "$XM" list -l pyg; fail "list -l: xvda not writable"; }
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

# 3. pvgrub: GRUB itself finds grub.cfg on xvda (in a partition or not)
# and boots its default entry
grub_cfg 2 >"$tree/boot/grub/grub.cfg"
mkdisk "$plain" "$tree"
mkdisk "$parted" "$tree" part
for img in "$plain" "$parted"; do
	out=$XENNER_RUNDIR/pvgrub.out
	timeout -k 5 "$(scaled 400)" "$BUILD/xenner/xenner" -name pvg -m 256 \
		-kernel "$PVGRUB" -disk "$img" </dev/null >"$out" 2>&1 &
	pid=$!
	on_exit "kill -9 $pid"
	wait_guest $pid "$out" "XENNER-RUN: exit" 4000
	wait $pid
	rc=$?
	[ $rc = 0 ] || { tail -n 30 "$out"; fail "pvgrub on $img: xenner exit $rc"; }
	grep -aq "Booting .Debian, entry 2" "$out" ||
		{ tail -n 30 "$out"; fail "pvgrub on $img: not entry 2"; }
	grep -aq "^XT-CMDLINE .*xt-entry=2" "$out" ||
		{ tail -n 30 "$out"; fail "pvgrub on $img: no command line from the guest"; }
	grep -aq "XENNER-RUN: exit 0" "$out" ||
		{ tail -n 30 "$out"; fail "pvgrub on $img: the guest's command failed"; }
	grep -aq "not implemented" "$out" &&
		{ grep -a "not implemented" "$out"; fail "pvgrub on $img: emu lacks a hypercall"; }
done
ok "pvgrub (grub-x86_64-xen.bin) boots grub.cfg's default entry from both disks"

# 4. bad disks and a missing pygrub: exit 1, one error line, nothing left
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
