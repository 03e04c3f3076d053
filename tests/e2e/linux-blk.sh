#!/bin/bash
# test-needs: kvm
# Debian's kernel with xen-blkfront (loaded from the initramfs) on disks
# served by blkbackd: a raw pattern written to xvda is on the image byte
# for byte, an ext2 file system made and filled on xvdb is readable on the
# host (debugfs), and the read-only xvdc reads but refuses writes.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_linux_guest
command -v debugfs >/dev/null || skip "no debugfs (e2fsprogs)"
need_file "$BUILD/blkbackd/blkbackd" "make"
start_dom0
make_initrd

a=$XENNER_RUNDIR/a.img b=$XENNER_RUNDIR/b.img c=$XENNER_RUNDIR/c.img
truncate -s 16M "$a"
truncate -s 32M "$b"
truncate -s 1M "$c"
printf 'READ-ONLY-DISK-CONTENT\n' | dd of="$c" conv=notrunc 2>/dev/null

pattern() { i=0; while [ $i -lt 2000 ]; do echo "xenner block line $i"; i=$((i + 1)); done; }
run='modprobe xen-blkfront; i=0; while [ ! -b /dev/xvdc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' ls /dev/xvd*;'
run+=' i=0; while [ $i -lt 2000 ]; do echo xenner block line $i; i=$((i+1)); done > /tmp/p;'
run+=' dd if=/tmp/p of=/dev/xvda bs=4096 seek=1024 conv=fsync 2>/dev/null && echo XT-RAW-OK;'
run+=' mke2fs -q /dev/xvdb && mkdir /mnt && mount -t ext2 /dev/xvdb /mnt && cp /tmp/p /mnt/pattern && sync && umount /mnt && echo XT-FS-OK;'
run+=' head -c 22 /dev/xvdc; echo; echo x | dd of=/dev/xvdc 2>/dev/null || echo XT-RO-REFUSED'
out=$XENNER_RUNDIR/linux.out
timeout -k 5 "$(scaled 500)" "$XENNER" -name blk -kernel "$kernel" -initrd "$initrd" \
	-m 256 -disk "$a" -disk "$b" -disk "$c,ro" \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" </dev/null >"$out" 2>&1
rc=$?
show() { tail -n 40 "$out"; show_logs; }
[ $rc = 0 ] || { show; fail "xenner exit $rc"; }
grep -q "XT-RAW-OK" "$out" || { show; fail "raw write to xvda"; }
cmp -s <(pattern) <(dd if="$a" bs=4096 skip=1024 2>/dev/null | head -c "$(pattern | wc -c)") ||
	fail "xvda image does not hold the pattern at 4 MiB"
ok "raw write on xvda is on the image byte for byte"
grep -q "XT-FS-OK" "$out" || { show; fail "ext2 on xvdb"; }
cmp -s <(pattern) <(debugfs -R "cat /pattern" "$b" 2>/dev/null) ||
	fail "the file written in the guest is not in the xvdb image"
ok "ext2 made in the guest, file readable on the host"
grep -q "READ-ONLY-DISK-CONTENT" "$out" || { show; fail "xvdc not readable"; }
grep -q "XT-RO-REFUSED" "$out" || { show; fail "write to read-only xvdc not refused"; }
[ "$(head -c 22 "$c")" = READ-ONLY-DISK-CONTENT ] || fail "xvdc changed"
ok "read-only xvdc reads and refuses writes"
exit 0
