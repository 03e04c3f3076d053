#!/bin/bash
# test-needs: kvm
# blkbackd killed with SIGKILL and restarted while a Linux guest uses its
# disk: what the guest fsync'd before is on the image, and the guest's
# next I/O on the device either works again or fails cleanly (no hang),
# while a reader keeps requests in flight,
# and the guest powers off normally.  The grants the killed blkbackd had
# mapped are released (by the restarted one's xengnttab_open, or by
# xenner): no grant entry keeps GTF_reading/GTF_writing that no live
# process holds (xenner-vmcore grants --check).
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
start_dom0
make_initrd
img=$XENNER_RUNDIR/disk.img
truncate -s 16M "$img"

run='modprobe xen-blkfront; i=0; while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' echo before-restart-data | dd of=/dev/xvda conv=fsync 2>/dev/null && echo XT-PHASE1;'
# reads in flight while blkbackd is killed: grants mapped beside the ring
run+=' (i=0; while [ $i -lt 300 ]; do dd if=/dev/xvda of=/dev/null bs=65536 count=4 iflag=direct 2>/dev/null; i=$((i+1)); done) &'
run+=' sleep 15;'
run+=' if timeout 60 dd if=/dev/xvda bs=4096 count=1 of=/dev/null 2>/dev/null; then echo XT-IO-AFTER ok; else echo XT-IO-AFTER failed; fi'
out=$XENNER_RUNDIR/linux.out
timeout -k 5 "$(scaled 500)" "$XENNER" -name blkr -kernel "$kernel" -initrd "$initrd" \
	-m 256 -disk "$img" -append "console=hvc0 loglevel=4 xenner.run=\"$run\"" \
	</dev/null >"$out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$out" XT-PHASE1
[ "$(head -c 19 "$img")" = before-restart-data ] || fail "fsync'd data not on the image"
ok "fsync'd data is on the image"

bpid=$(pid_of_service blkbackd)
kill -KILL "$bpid"
wait_until "! proc_alive $bpid" 50 || fail "blkbackd survived SIGKILL"
# restart it the way xenner-dom0 started it
XENNER_RUNDIR=$XENNER_RUNDIR LD_LIBRARY_PATH=$BUILD/lib \
	setsid "$BUILD/blkbackd/blkbackd" -f --rundir "$XENNER_RUNDIR" \
	</dev/null >>"$XENNER_RUNDIR/blkbackd.log" 2>&1 &
echo $! >"$XENNER_RUNDIR/blkbackd.pid"
ok "blkbackd restarted"

vmcore=$(echo "$XENNER_RUNDIR"/vmcore.*)
[ -f "$vmcore" ] || fail "no vmcore of the guest ($vmcore)"
grants_held() {
	"$BUILD/tools/xenner-vmcore" grants --check "$vmcore" \
		>"$XENNER_RUNDIR/grants.out" 2>&1
}
wait_until grants_held 100 ||
	{ cat "$XENNER_RUNDIR/grants.out"; fail "grant flags the killed blkbackd left are still set"; }
released=$(grep -ho "released [0-9]* grant(s) that pid $bpid," "$XENNER_RUNDIR/blkbackd.log" "$out" | head -1)
[ -n "$released" ] ||
	{ cat "$XENNER_RUNDIR/grants.out"; fail "nobody released the killed blkbackd's grants"; }
ok "the killed blkbackd's grants are released (${released% that*}; $(grep -c ' held$' "$XENNER_RUNDIR/grants.out") entries held by live processes)"

wait "$pid"
rc=$?
grep -q "XT-IO-AFTER" "$out" || { tail -n 30 "$out"; fail "guest I/O after the restart hung"; }
[ $rc = 0 ] || { tail -n 30 "$out"; fail "xenner exit $rc"; }
ok "after the restart the guest's I/O $(sed -n 's/^XT-IO-AFTER //p' "$out"), guest powered off"
exit 0
