#!/bin/bash
# test-needs: kvm
# A Linux guest's xvda across a reboot, served by the same blkbackd: the
# guest writes and reboots (xenner exit 2); the next boot, a new domain as
# xm's on_reboot=restart makes it, finds the data, and blkbackd has let go
# of the old domain's device and connected the new one.  (Linux's
# xen-blkfront does not come back from a sysfs unbind/bind, and rmmod
# finds it busy, so a reconnect inside one domain is exercised by
# linux-blk-restart.sh, where blkbackd asks the frontend to reconnect.)
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
start_dom0
make_initrd
img=$XENNER_RUNDIR/disk.img
truncate -s 16M "$img"

# One script for both boots: the disk says which one this is.  (No double
# quotes: the script is one quoted kernel parameter.)
wait_xvda='i=0; while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run="modprobe xen-blkfront; $wait_xvda"
run+=' if head -c 5 /dev/xvda | grep -q FIRST; then'
run+='  echo XT-BOOT2 $(head -c 11 /dev/xvda) $(dd if=/dev/xvda bs=4096 skip=1 count=1 2>/dev/null | head -c 12);'
run+='  poweroff -f;'
run+=' fi;'
run+=' echo FIRST-BOOT | dd of=/dev/xvda conv=fsync 2>/dev/null;'
run+=' echo SECOND-DATA | dd of=/dev/xvda bs=4096 seek=1 conv=fsync 2>/dev/null;'
run+=' reboot -f'
boot() { # log file
	timeout -k 5 "$(scaled 400)" "$XENNER" -name blkrb -kernel "$kernel" -initrd "$initrd" \
		-m 256 -disk "$img" -append "console=hvc0 loglevel=4 xenner.run=\"$run\"" \
		</dev/null >"$1" 2>&1
}
out1=$XENNER_RUNDIR/boot1.out out2=$XENNER_RUNDIR/boot2.out
boot "$out1"
rc=$?
show() { tail -n 30 "$1"; show_logs; }
[ $rc = 2 ] || { show "$out1"; fail "first boot: xenner exit $rc, want 2 (reboot)"; }
[ "$(head -c 10 "$img")" = FIRST-BOOT ] || fail "first write not on the image"
ok "first boot wrote xvda and rebooted"

boot "$out2"
rc=$?
grep -q "^XT-BOOT2 FIRST-BOOT SECOND-DATA" "$out2" ||
	{ show "$out2"; fail "the rebooted guest does not see both writes"; }
[ $rc = 0 ] || { show "$out2"; fail "second boot: xenner exit $rc"; }
ok "after the reboot (a new domain) xvda holds both writes"
log=$XENNER_RUNDIR/blkbackd.log
grep -q "d1/51712: removed" "$log" && grep -q "d2/51712: connected" "$log" ||
	{ cat "$log"; fail "blkbackd did not move from domain 1's xvda to domain 2's"; }
ok "one blkbackd released domain 1's device and connected domain 2's"
exit 0
