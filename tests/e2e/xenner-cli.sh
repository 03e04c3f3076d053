#!/bin/bash
# xenner's command line: bad input gets a clear message and exit status 1,
# and nothing is left behind.
. "$(dirname "$0")/lib.sh"
XENNER="$BUILD/xenner/xenner"
need_file "$XENNER" "make"
new_rundir

expect_error() { # pattern, args...
	local pat=$1 out rc
	shift
	out=$("$XENNER" "$@" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "xenner $*: exit $rc, expected 1 ($out)"
	echo "$out" | grep -q "$pat" || fail "xenner $*: '$out' lacks '$pat'"
	ok "xenner $* -> $pat"
}

expect_error "kernel is required"
expect_error "unknown option" -kernel /bin/true -frobnicate
expect_error "needs an argument" -kernel
expect_error "wants a number" -kernel /bin/true -m lots
expect_error "wants a number" -kernel /bin/true -smp 0
expect_error "wants a number" -kernel /bin/true -smp 1000
expect_error "cannot read" -kernel /nonexistent/vmlinuz
expect_error "not a Xen PV kernel" -kernel /bin/true
printf 'hello' >"$XENNER_RUNDIR/tiny"
expect_error "neither an ELF file nor a bzImage" -kernel "$XENNER_RUNDIR/tiny"
truncate -s 1M "$XENNER_RUNDIR/disk.img"
expect_error "No such file" -kernel /bin/true -disk /nonexistent.img
expect_error "not a disk name" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img,vdev=eth0"
expect_error "unknown option" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img,cache=none"
expect_error "same name" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img" \
	-disk "$XENNER_RUNDIR/disk.img,vdev=xvda"
expect_error "regular file or block device" -kernel /bin/true -disk /dev/null
expect_error "No such file" -kernel /bin/true -disk /nonexistent.qcow2,format=qcow2
expect_error "unknown format=" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img,format=qcow3"
expect_error "not a qcow2 image" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img,format=qcow2"
expect_error "serves raw images only" -kernel /bin/true \
	-disk "$XENNER_RUNDIR/disk.img,format=qcow,backend=vbd"
expect_error "backend= is vbd" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.img,backend=tap"
# a qcow2 header (version 3): format=qcow2 takes it, a raw disk warns
printf 'QFI\373\0\0\0\3' >"$XENNER_RUNDIR/disk.qcow2"
truncate -s 64K "$XENNER_RUNDIR/disk.qcow2"
expect_error "not a Xen PV kernel" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.qcow2,format=qcow2"
expect_error "looks like a qcow2 image and is served raw" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.qcow2"
expect_error "not a qcow image" -kernel /bin/true -disk "$XENNER_RUNDIR/disk.qcow2,format=qcow"
expect_error "vnc=DISPLAY is required" -kernel /bin/true -vfb listen=127.0.0.1
expect_error "wants a display number" -kernel /bin/true -vfb vnc=-1
expect_error "wants a display number" -kernel /bin/true -vfb vnc=99999
expect_error "unknown option" -kernel /bin/true -vfb vnc=1,sdl=1
expect_error "host name or an IP" -kernel /bin/true -vfb "vnc=1,listen=a b"
expect_error "only one -vfb" -kernel /bin/true -vfb vnc=1 -vfb vnc=2
"$XENNER" -help | grep -q "Usage: xenner" || fail "-help"

# No usable KVM: one line with the cause and the way out, before any dom0
# service starts or any file is written (a private mount namespace hides
# /dev/kvm, or makes it /dev/null's device on a /dev of its own, which
# works on a host without one; the run directory has no dom0 services, so
# xenner would otherwise start a private set there first).
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	k=$BUILD/tests/guests/tk-hypercall
	need_file "$k" "make"
	out=$(unshare -m sh -c 'mount -t tmpfs none /dev && mknod /dev/kvm c 1 3 && exec "$@"' \
		- "$XENNER" -kernel "$k" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "not a KVM device: exit $rc ($out)"
	echo "$out" | grep -q "no usable KVM: /dev/kvm answers" || fail "not a KVM device: '$out'"
	echo "$out" | grep -q "scripts/svm-vm" || fail "no way out in '$out'"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
	ok "/dev/kvm not a KVM device -> $out"
	out=$(unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' \
		- "$XENNER" -kernel "$k" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "no /dev/kvm: exit $rc ($out)"
	echo "$out" | grep -q "no usable KVM: cannot open /dev/kvm: No such file" ||
		fail "no /dev/kvm: '$out'"
	ok "no /dev/kvm -> one line"
	out=$(unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' \
		- "$XENNER" -check-kvm 2>&1)
	[ $? = 1 ] || fail "-check-kvm without /dev/kvm: $out"
	pgrep -f "xenstored.*$XENNER_RUNDIR" && fail "a xenstored was started"
fi
[ -z "$(ls "$XENNER_RUNDIR" | grep -v 'tiny\|disk\.')" ] || fail "left files: $(ls "$XENNER_RUNDIR")"
exit 0
