#!/bin/bash
# test-needs: kvm
# xenner-stats reads a running domain's counters from the run directory
# without stopping it, and the files are gone when the domain is.
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

kill -TERM "$pid" # xenner asks the guest to power off
wait "$pid" || fail "idler exit status $?"
[ -e "$XENNER_RUNDIR/emu.$id" ] && fail "emu.$id left behind"
"$STATS" | grep -q '^idler ' && fail "finished domain still listed"
ok "nothing left after the domain ended"
exit 0
