#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 140
# kill -9 without losing data: four writers in a Linux guest write numbered
# 4 KiB records (KILL9_RECORDS, default 96) to xvda with O_DIRECT and
# fsync and print XT-ACK N for each one dd reported done, while blkbackd is
# SIGKILLed and restarted at random moments (KILL9_ROUNDS times, default
# 6).  Afterwards no write failed, every record is on the image, the guest
# finished its loop (no hang) and wrote records after the last restart,
# and no grant entry is left flagged by a dead backend.
# test-timeout: 1200
. "$(dirname "$0")/lib.sh"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
rounds=${KILL9_ROUNDS:-6}
records=${KILL9_RECORDS:-96}
# Seconds each writer waits after a record.  In the SVM test VM (TCG) the
# guest writes all 96 before the first kill and restart are done (seen:
# all acknowledged in round 1, nothing left to show I/O resuming); under
# kvm_pvm each record takes long enough by itself.
pace=${KILL9_PACE:-$([ "${TEST_TIMEOUT_SCALE:-1}" -gt 1 ] && echo 1 || echo 0)}
start_dom0
make_initrd
img=$XENNER_RUNDIR/disk.img
truncate -s $(((records + 2) * 4096)) "$img"

run='modprobe xen-blkfront; i=0; while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
# four writers, each its own records (n % 4): blkbackd always has several
# requests in flight, which finish out of order
run+=" for w in 1 2 3 4; do ( n=\$w; while [ \$n -le $records ]; do"
run+=" if printf 'REC %08d' \$n | dd of=/dev/xvda bs=4096 seek=\$n conv=sync,fsync,notrunc oflag=direct 2>/dev/null;"
run+=" then echo XT-ACK \$n; else echo XT-ERR \$n; fi; n=\$((n+4)); sleep $pace; done ) & done; wait; echo XT-DON\\E"
out=$XENNER_RUNDIR/linux.out
timeout -k 5 "$(scaled 900)" "$XENNER" -name kill9 -kernel "$kernel" \
	-initrd "$initrd" -m 256 -disk "$img" \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" \
	</dev/null >"$out" 2>"$out.xenner" &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$out" "^XT-ACK 2" 3000

restart_blkbackd() {
	XENNER_RUNDIR=$XENNER_RUNDIR LD_LIBRARY_PATH=$BUILD/lib \
		setsid "$BUILD/blkbackd/blkbackd" -f --rundir "$XENNER_RUNDIR" \
		</dev/null >>"$XENNER_RUNDIR/blkbackd.log" 2>&1 &
	echo $! >"$XENNER_RUNDIR/blkbackd.pid"
}
acks() { grep -c "^XT-ACK" "$out"; }
die() {
	tail -n 30 "$out" "$out.xenner"
	show_logs
	echo "--- evtchnd's connections and bindings:"
	grep -E "accepted|hello as|bind_interdomain|closed|reaped" \
		"$XENNER_RUNDIR/evtchnd.log" | tail -n 60
	fail "$@"
}
before=-1
for ((r = 1; r <= rounds; r++)); do
	# a random moment: 0.5 to 2.5 s of writing, then SIGKILL mid-stream
	sleep "$((RANDOM % 3)).$((RANDOM % 10))"
	# every record acknowledged: nothing left to kill it during
	grep -q "^XT-DONE" "$out" || [ "$(acks)" -ge "$records" ] && break
	bpid=$(pid_of_service blkbackd)
	before=$(acks)
	kill -KILL "$bpid"
	wait_until "! proc_alive $bpid" 50 || fail "blkbackd survived SIGKILL"
	sleep "0.$((RANDOM % 10))"
	restart_blkbackd
	echo "round $r: killed blkbackd $bpid after $before acknowledged records"
	# the new blkbackd releases the grants its predecessor held
	vmcore=$(echo "$XENNER_RUNDIR"/vmcore.*)
	[ -f "$vmcore" ] && ! wait_until "'$BUILD/tools/xenner-vmcore' grants --check '$vmcore' >'$XENNER_RUNDIR/grants.out' 2>&1 || [ ! -f '$vmcore' ]" 100 &&
		{ cat "$XENNER_RUNDIR/grants.out"; die "round $r: grants of the killed blkbackd still flagged"; }
done
wait_guest $pid "$out" "^XT-DONE" 6000
last_kill=$before
[ "$last_kill" -ge 0 ] || die "the guest wrote every record before the first SIGKILL: nothing was tested"
wait "$pid"
rc=$?
[ $rc = 0 ] || die "xenner exit $rc"

# every acknowledged record is where it was written
lost=0
while read -r _ n; do
	got=$(dd if="$img" bs=4096 skip="$n" count=1 2>/dev/null | head -c 12)
	[ "$got" = "$(printf 'REC %08d' "$n")" ] || { lost=$((lost + 1)); echo "record $n: '$got'"; }
done < <(grep -a "^XT-ACK" "$out" | tr -d '\r')
total=$(acks)
errs=$(grep -c "^XT-ERR" "$out")
[ "$lost" = 0 ] || die "$lost of $total acknowledged records are not on the image"
[ "$errs" = 0 ] || die "$errs writes failed (XT-ERR)"
[ "$total" -gt "$last_kill" ] || die "no record acknowledged after the last restart"
ok "$rounds SIGKILLs of blkbackd: all $total records written and on the image"
exit 0
