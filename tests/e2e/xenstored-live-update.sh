#!/bin/bash
# test-needs: kvm
# Debian's xenstored replaces itself (xenstore-control live-update: it
# execs the new binary, which takes over its connections, domains and
# event channels) while a guest runs: same process, the nodes kept,
# the shim hands the event-channel handle across exec
# (xenevtchn_fdopen), the running guest still gets a request through its
# xenstore ring (a save, then its restore runs to the end) and a new
# guest's xenstore works.  Before, the new image died on fdopen and took
# every guest's xenstore with it.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER="$BUILD/xenner/xenner"
XM="$BUILD/tools/xm/xenner-xm"
HK="$BUILD/tests/guests/hk-suspend"
TK="$BUILD/tests/guests/tk-xenstore"
XS=/usr/lib/xen-4.17/bin
need_file "$XENNER" "make"
need_file "$HK" "make"
need_file "$TK" "make"
need_file "$XS/xenstore-control" "xen-utils-4.17"
start_dom0
R=$XENNER_RUNDIR

xenstore-write /test/kept "before the update" || fail "xenstore-write"
"$XENNER" -kernel "$HK" -name hku -m 64 -append "secs=120" >"$R/a.out" 2>&1 &
GUEST=$!
on_exit "kill $GUEST"
wait_guest $GUEST "$R/a.out" "hk-suspend: counting"
pid=$(cat "$R/xenstored.pid")

"$XS/xenstore-control" live-update -F "$XS/xenstored" >"$R/lu.out" 2>&1 ||
	{ cat "$R/lu.out"; tail "$R/xenstored.log"; fail "live-update: exit $?"; }
wait_until "grep -q 'xenevtchn_fdopen: took over' '$R/xenstored.log'" 100 ||
	{ tail "$R/xenstored.log"; fail "the new xenstored did not take the handle over"; }
proc_alive "$pid" || { tail "$R/xenstored.log"; fail "xenstored died in the update"; }
[ "$(xenstore-read /test/kept)" = "before the update" ] || fail "a node was lost"
ok "live update: xenstored $pid exec'd itself, $(grep -o 'took over.*' "$R/xenstored.log" | tail -n 1)"

# the running guest: the suspend request reaches it through its ring
"$XM" save hku "$R/img" >"$R/s.out" 2>&1 || { cat "$R/s.out" "$R/a.out"; fail "save after the update"; }
wait $GUEST
timeout -k 5 "$(scaled 60)" "$XENNER" -restore "$R/img" >"$R/b.out" 2>&1 ||
	{ cat "$R/b.out"; fail "restore after the update"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/b.out" || { cat "$R/b.out"; fail "the restored guest failed"; }
ok "the guest that ran across it: saved through its xenstore ring and restored ($(grep -m1 '^RESULT' "$R/b.out"))"

timeout -k 5 "$(scaled 60)" "$XENNER" -kernel "$TK" -name tk-xenstore -m 32 >"$R/t.out" 2>&1
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/t.out" || { cat "$R/t.out"; fail "tk-xenstore after the update"; }
ok "a new guest: tk-xenstore $(grep -m1 '^RESULT' "$R/t.out")"
