#!/bin/bash
# test-needs: kvm
# xenner -disk writes the vbd nodes as Xen's toolstack does, blkbackd
# (started by xenner-dom0) picks the device up and waits for the frontend,
# and the nodes go away with the domain.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
need_file "$BUILD/blkbackd/blkbackd" "make"
XENNER="$BUILD/xenner/xenner"
start_dom0
img=$XENNER_RUNDIR/disk.img
truncate -s 8M "$img"

"$XENNER" -name disky -kernel "$BUILD/tests/guests/hk-xm" -append secs=3600 \
	-disk "$img" -disk "$img,vdev=xvdc,ro" >"$XENNER_RUNDIR/x.out" 2>&1 &
pid=$!
on_exit "kill -KILL $pid"
wait_until "xenstore-read /local/domain/1/name >/dev/null 2>&1" 100 ||
	{ cat "$XENNER_RUNDIR/x.out"; fail "domain never appeared"; }
be=/local/domain/0/backend/vbd/1
[ "$(xenstore-read $be/51712/params)" = "$img" ] || fail "params"
[ "$(xenstore-read $be/51712/mode)" = w ] || fail "mode of xvda"
[ "$(xenstore-read $be/51744/mode)" = r ] || fail "mode of xvdc"
[ "$(xenstore-read /local/domain/1/device/vbd/51712/backend)" = "$be/51712" ] ||
	fail "frontend's backend link"
# blkbackd answers: InitWait (2) and the size of 8 MiB in sectors
wait_until "[ \"\$(xenstore-read $be/51712/state 2>/dev/null)\" = 2 ]" 100 ||
	{ show_logs; fail "blkbackd never reached InitWait"; }
[ "$(xenstore-read $be/51712/sectors)" = 16384 ] || fail "sectors"
[ "$(xenstore-read $be/51744/info)" = 4 ] || fail "read-only info flag"
ok "vbd nodes written, blkbackd waits for the frontend"

kill -TERM "$pid" # xenner asks the guest to power off
wait "$pid" || fail "xenner exit status $?"
xenstore-read $be/51712/params >/dev/null 2>&1 && fail "backend nodes left"
ok "nodes removed with the domain"
exit 0
