#!/bin/bash
# test-needs: kvm
# qcow2 disks through QEMU's qdisk backend: `xenner -disk IMG,format=qcow2`
# writes backend/qdisk nodes and starts the domain's QEMU (Debian's
# qemu-system-xen on the shim; dom0's qemu-dm serves only dom0's own
# qdisks), Debian's kernel with xen-blkfront writes a pattern to xvda and
# an ext2 file system on xvdb, and after the poweroff the host reads them
# back with qemu-img/qemu-io and debugfs; `qemu-img check` finds both
# images clean.  A raw image on xvdc stays with blkbackd.  The private
# dom0 set of a lone xenner (no qemu-dm of its own) works the same way.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
QEMU=${XENNER_QEMU:-/usr/libexec/xen-qemu-system-i386}
[ -x "$QEMU" ] || skip "no $QEMU (qemu-system-xen)"
command -v qemu-img >/dev/null || skip "no qemu-img (qemu-utils)"
command -v debugfs >/dev/null || skip "no debugfs (e2fsprogs)"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
start_dom0
R=$XENNER_RUNDIR
make_initrd

a=$R/a.qcow2 b=$R/b.qcow2 c=$R/c.img
qemu-img create -q -f qcow2 "$a" 16M || fail "qemu-img create"
qemu-img create -q -f qcow2 "$b" 32M || fail "qemu-img create"
truncate -s 1M "$c"

pattern() { i=0; while [ $i -lt 2000 ]; do echo "xenner qdisk line $i"; i=$((i + 1)); done; }
run='modprobe xen-blkfront; i=0; while [ ! -b /dev/xvdc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' ls /dev/xvd*; cat /sys/block/xvda/size;'
run+=' i=0; while [ $i -lt 2000 ]; do echo xenner qdisk line $i; i=$((i+1)); done > /tmp/p;'
run+=' dd if=/tmp/p of=/dev/xvda bs=4096 seek=1024 conv=fsync 2>/dev/null && echo XT-RAW-OK;'
run+=' dd if=/dev/xvda bs=4096 skip=1024 count=1 2>/dev/null | head -n 1;'
run+=' mke2fs -q /dev/xvdb && mkdir /mnt && mount -t ext2 /dev/xvdb /mnt && cp /tmp/p /mnt/pattern && sync && umount /mnt && echo XT-FS-OK;'
run+=' echo XT-RAWDISK | dd of=/dev/xvdc conv=fsync 2>/dev/null && echo XT-C-OK'
out=$R/linux.out
timeout -k 5 "$(scaled 500)" "$XENNER" -name qdisk -kernel "$kernel" -initrd "$initrd" \
	-m 256 -disk "$a,format=qcow2" -disk "$b,vdev=xvdb,format=qcow2" \
	-disk "$c,format=raw" \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" </dev/null >"$out" 2>&1 &
xpid=$!
on_exit "kill -TERM $xpid"
show() { tail -n 40 "$out"; show_logs; }

# while it runs: the nodes, and which QEMU serves them
wait_until "grep -q 'served by QEMU' '$out'" 300 || { show; fail "xenner did not report the qdisk"; }
domid=$(sed -n 's/.*domain \([0-9]*\): xvda is .*/\1/p' "$out")
be=/local/domain/0/backend/qdisk/$domid/51712
[ "$(xenstore-read "$be/params")" = "qcow2:$a" ] || fail "params: $(xenstore-read "$be/params")"
[ "$(xenstore-read "/local/domain/$domid/device/vbd/51712/backend")" = "$be" ] ||
	fail "the frontend does not point at $be"
xenstore-read "/local/domain/0/backend/vbd/$domid/51744/params" >/dev/null ||
	fail "the raw xvdc is not a vbd for blkbackd"
dmpid=$(cat "$R/qemu-dm-$domid.pid") || fail "no qemu-dm-$domid.pid"
tr '\0' ' ' <"/proc/$dmpid/cmdline" | grep -q -- "-xen-domid $domid -xen-attach" ||
	fail "qemu-dm-$domid: $(tr '\0' ' ' <"/proc/$dmpid/cmdline")"
ok "xvda and xvdb are backend/qdisk nodes served by qemu-dm-$domid, xvdc a vbd"

wait $xpid
rc=$?
[ $rc = 0 ] || { show; fail "xenner exit $rc"; }
tr -d '\r' <"$out" >"$out.txt" # the console's line ends
grep -q "^32768$" "$out.txt" || { show; fail "xvda is not 16 MiB (32768 sectors) in the guest"; }
grep -q "XT-RAW-OK" "$out" || { show; fail "raw write to xvda"; }
grep -q "^xenner qdisk line 0$" "$out.txt" || { show; fail "xvda did not read back in the guest"; }
proc_alive "$dmpid" && fail "qemu-dm-$domid still runs after the domain ended"
xenstore-ls "/local/domain/0/backend/qdisk/$domid" >/dev/null 2>&1 && fail "qdisk backend nodes left"
ok "the guest wrote and read xvda through QEMU; poweroff stopped QEMU, removed the nodes"

for img in "$a" "$b"; do
	qemu-img check -q "$img" || fail "qemu-img check $img: $(qemu-img check "$img" 2>&1)"
done
ok "qemu-img check: both images clean"
qemu-img convert -O raw "$a" "$R/a.raw" || fail "qemu-img convert"
cmp -s <(pattern) <(dd if="$R/a.raw" bs=4096 skip=1024 2>/dev/null | head -c "$(pattern | wc -c)") ||
	fail "xvda's qcow2 image does not hold the pattern at 4 MiB"
qemu-io -r -f qcow2 -c "read -P 0 0 4M" "$a" | grep -q "read 4194304/4194304" ||
	fail "the first 4 MiB of xvda are not zero"
ok "qemu-img convert: the pattern is on the qcow2 image byte for byte"
grep -q "XT-FS-OK" "$out" || { show; fail "ext2 on xvdb"; }
qemu-img convert -O raw "$b" "$R/b.raw" || fail "qemu-img convert"
cmp -s <(pattern) <(debugfs -R "cat /pattern" "$R/b.raw" 2>/dev/null) ||
	fail "the file written in the guest is not in the xvdb image"
ok "ext2 made in the guest on qcow2, file readable on the host"
grep -q "XT-C-OK" "$out" && [ "$(head -c 10 "$c")" = XT-RAWDISK ] ||
	{ show; fail "raw xvdc (blkbackd) beside the qdisks"; }
ok "raw xvdc served by blkbackd beside them"

# A lone xenner starts a private dom0 set without qemu-dm; its qcow2 disk
# still gets the domain's QEMU.
HK="$BUILD/tests/guests/hk-xm"
need_file "$HK" "make"
solo=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
on_exit "rm -rf '$solo'"
XENNER_RUNDIR=$solo timeout -k 5 "$(scaled 60)" "$XENNER" -name solo -kernel "$HK" -m 32 \
	-append secs=1 -disk "$a,format=qcow2" </dev/null >"$R/solo.out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$R/solo.out"; fail "lone xenner with a qcow2 disk: exit $rc"; }
grep -q "served by QEMU's qdisk" "$R/solo.out" || { cat "$R/solo.out"; fail "no qdisk in the private set"; }
[ -z "$(ls "$solo")" ] || fail "the private set left $(ls "$solo")"
ok "a lone xenner's private dom0 set starts the domain's QEMU for qcow2"

# An image QEMU cannot open is an error at start, not a hung guest.
qemu-img create -q -f qcow2 "$R/bad.qcow2" 1M
dd if=/dev/zero of="$R/bad.qcow2" bs=1 seek=8 count=64 conv=notrunc 2>/dev/null
timeout -k 5 "$(scaled 60)" "$XENNER" -name bad -kernel "$HK" -m 32 -append secs=30 \
	-disk "$R/bad.qcow2,format=qcow2" </dev/null >"$R/bad.out" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$R/bad.out"; fail "corrupt qcow2: exit $rc, expected 1"; }
grep -q "QEMU did not take the qcow2 image" "$R/bad.out" ||
	{ cat "$R/bad.out"; fail "corrupt qcow2: no clear message"; }
ls "$R"/qemu-dm-*.pid >/dev/null 2>&1 && fail "a QEMU was left running"
ok "a corrupt qcow2 ends xenner with: $(grep -o 'QEMU did not take.*' "$R/bad.out")"
exit 0
