#!/bin/bash
# test-needs: kvm
# xenner-stats reads a running domain's counters from the run directory
# without stopping it, and the files are gone when the domain is;
# SIGUSR1 makes xenner log them and each vCPU's state.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER="$BUILD/xenner/xenner"
STATS="$BUILD/tools/xenner-stats"
need_file "$STATS" "make"
start_dom0

"$XENNER" -name idler -kernel "$BUILD/tests/guests/hk-xm" -append secs=3600 \
	>"$XENNER_RUNDIR/idler.out" 2>&1 &
pid=$!
on_exit "kill -KILL $pid"
wait_until "'$STATS' | grep -q '^idler '" 100 ||
	{ cat "$XENNER_RUNDIR/idler.out"; fail "idler never listed"; }
line=$("$STATS" | grep '^idler ')
set -- $line
[ "$3" = 1 ] || fail "vCPUs column: '$line'"
id=$2
"$STATS" -d "$id" >/dev/null || fail "xenner-stats -d $id"
# listed as soon as its files exist; the guest may not have run yet
wait_until "'$STATS' -d $id | grep -Eq 'hypercall sched_op +[1-9]'" 100 ||
	fail "no sched_op in: $("$STATS" -d "$id")"
wait_until "'$STATS' -d $id | grep -Eq 'VIRQ_TIMER raised +[1-9]'" 100 ||
	fail "no timer in: $("$STATS" -d "$id")"
"$STATS" -w 0.2 -n 2 | grep -q "entries/s" || fail "-w shows no rates"
"$STATS" -d 999 2>/dev/null && fail "-d of a missing domain succeeded"
"$STATS" -x 2>/dev/null; [ $? = 2 ] || fail "bad option not refused"
ok "counters of a running domain"

# SIGUSR1: the counters, KVM's among them, and each vCPU's registers and
# timer state, of a guest that idles in KVM with no exit to xenner (on
# VMX/SVM, a vCPU ioctl from the main thread would wait for one)
"$XENNER" -name quiet -kernel "$BUILD/tests/guests/hk-xm" -append "quiet=3600 secs=3600" \
	>"$XENNER_RUNDIR/quiet.out" 2>&1 &
quiet=$!
on_exit "kill -KILL $quiet"
wait_until "grep -q 'hk-xm: .* is up' '$XENNER_RUNDIR/quiet.out'" 100 ||
	{ cat "$XENNER_RUNDIR/quiet.out"; fail "quiet guest not up"; }
sleep 1
kill -USR1 "$quiet"
wait_until "grep -q 'vcpu0: halted\|vcpu0: runnable' '$XENNER_RUNDIR/quiet.out'" 100 ||
	{ tail -n 30 "$XENNER_RUNDIR/quiet.out"; fail "SIGUSR1: no vCPU state"; }
grep -q "LAPIC: tsc deadline" "$XENNER_RUNDIR/quiet.out" || fail "SIGUSR1: no timer state"
grep -q "kvm exits" "$XENNER_RUNDIR/quiet.out" || fail "SIGUSR1: no KVM counters"
kill -KILL "$quiet"
ok "SIGUSR1 dumps counters and vCPU state of an idle guest"

kill -TERM "$pid" # xenner asks the guest to power off
wait "$pid" || fail "idler exit status $?"
[ -e "$XENNER_RUNDIR/emu.$id" ] && fail "emu.$id left behind"
"$STATS" | grep -q '^idler ' && fail "finished domain still listed"
ok "nothing left after the domain ended"
exit 0
