#!/bin/bash
# test-needs: kvm
# xenner -net writes the vif nodes as Xen's toolstack does, netbackd
# (started by xenner-dom0, all in a network namespace of the test's own)
# makes the taps, bridges one, waits for the frontend, and the nodes and
# taps go away with the domain.  Bad -net arguments are refused.
. "$(dirname "$0")/lib.sh"
need_root
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
need_file "$BUILD/netbackd/netbackd" "make"
need_file "$BUILD/evtchnd/evtchnd" "make"
XENNER="$BUILD/xenner/xenner"
for bad in "foo" "tap,mac=01:00:00:00:00:01" "tap,mac=zz" "tap,bridge=a/b" "tap,speed=9"; do
	"$XENNER" -kernel /dev/null -net "$bad" 2>/dev/null && fail "-net $bad accepted"
done
ok "bad -net arguments refused"

new_rundir
NS=xnt-$$-$RANDOM
ip netns add "$NS" || skip "cannot create a network namespace"
on_exit "ip netns del $NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link add xbr0 type bridge
export XENNER_BLKBACKD=none
on_exit "'$DOM0' stop"
nsx "$DOM0" start || { show_logs; fail "xenner-dom0 start"; }

"$XENNER" -name netty -kernel "$BUILD/tests/guests/hk-xm" -append secs=3600 \
	-net tap -net tap,mac=00:16:3e:12:34:56,bridge=xbr0 \
	>"$XENNER_RUNDIR/x.out" 2>&1 &
pid=$!
on_exit "kill -KILL $pid"
wait_until "xenstore-read /local/domain/1/name >/dev/null 2>&1" 100 ||
	{ cat "$XENNER_RUNDIR/x.out"; fail "domain never appeared"; }
be=/local/domain/0/backend/vif/1
fe=/local/domain/1/device/vif
[ "$(xenstore-read $be/1/mac)" = 00:16:3e:12:34:56 ] || fail "mac of vif 1"
[ "$(xenstore-read $fe/1/mac)" = 00:16:3e:12:34:56 ] || fail "frontend mac"
xenstore-read $be/0/mac | grep -Eq '^00:16:3e(:[0-9a-f]{2}){3}$' ||
	fail "random mac of vif 0: $(xenstore-read $be/0/mac)"
[ "$(xenstore-read $be/1/bridge)" = xbr0 ] || fail "bridge"
[ "$(xenstore-read $fe/0/backend)" = "$be/0" ] || fail "frontend's backend link"
[ "$(xenstore-read $be/0/frontend-id)" = 1 ] || fail "frontend-id"
wait_until "[ \"\$(xenstore-read $be/1/state 2>/dev/null)\" = 2 ]" 100 ||
	{ show_logs; fail "netbackd never reached InitWait"; }
[ "$(xenstore-read $be/1/hotplug-status)" = connected ] || fail "hotplug-status"
nsx ip link show vif1.0 >/dev/null || fail "no tap vif1.0"
nsx ip link show vif1.1 | grep -q "master xbr0" || fail "vif1.1 not on xbr0"
ok "vif nodes written, netbackd made the taps and waits for the frontend"

kill -TERM "$pid" # xenner asks the guest to power off
wait "$pid" || fail "xenner exit status $?"
xenstore-read $be/0/mac >/dev/null 2>&1 && fail "backend nodes left"
wait_until "! nsx ip link show vif1.1 >/dev/null 2>&1" 50 || fail "tap left"
ok "nodes and taps removed with the domain"
exit 0
