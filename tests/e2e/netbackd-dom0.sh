#!/bin/bash
# xenner-dom0 starts netbackd with the other dom0 services (all of them in
# a network namespace of the test's own), status shows it, a frontend's
# vif gets a tap that answers pings, and stop stops netbackd and so
# removes the tap.
. "$(dirname "$0")/lib.sh"
need_root
need_file "$BUILD/netbackd/netbackd" "make"
need_file "$BUILD/tests/netfront/xenner-netfront" "make"
need_file "$BUILD/evtchnd/evtchnd" "make"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
new_rundir
NS=xnt-$$-$RANDOM
ip netns add "$NS" || skip "cannot create a network namespace"
on_exit "ip netns del $NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
export XENNER_BLKBACKD=none
on_exit "'$DOM0' stop"
nsx "$DOM0" start || { show_logs; fail "xenner-dom0 start"; }
"$DOM0" status | grep -q "^netbackd: running" || fail "status: $("$DOM0" status)"
pid=$(pid_of_service netbackd)

out=$XENNER_RUNDIR/front.out
"$BUILD/tests/netfront/xenner-netfront" domid "add 0" "wait-file $XENNER_RUNDIR/up" \
	"connect 0" "addr 0 10.9.0.2 10.9.0.1" "ping 0 3" >"$out" 2>&1 &
front=$!
on_exit "kill -KILL $front"
wait_until "[ -s '$out' ]" 100 || fail "frontend: $(cat "$out")"
id=$(head -n 1 "$out")
wait_until "nsx ip link show vif$id.0 >/dev/null 2>&1" 100 ||
	{ show_logs; fail "no tap vif$id.0"; }
nsx ip addr add 10.9.0.1/24 dev "vif$id.0"
nsx ip neigh replace 10.9.0.2 lladdr "00:16:3e:00:$(printf %02x "$id"):00" \
	dev "vif$id.0" nud permanent
touch "$XENNER_RUNDIR/up"
wait "$front"
[ "$(tail -n +2 "$out")" = "OK
OK
OK
OK
OK" ] || { tail "$XENNER_RUNDIR/netbackd.log"; fail "frontend: $(cat "$out")"; }
ok "dom0's netbackd (pid $pid) serves a vif"
"$DOM0" stop || fail "stop"
proc_alive "$pid" && fail "netbackd still runs after stop"
[ -e "$XENNER_RUNDIR/netbackd.pid" ] && fail "pidfile left behind"
ok "stop stopped netbackd"
exit 0
