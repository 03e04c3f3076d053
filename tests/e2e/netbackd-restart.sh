#!/bin/bash
# netbackd killed with SIGKILL: its tap goes with it.  A new netbackd makes
# the tap again (on the bridge again) and takes the rings over where the
# frontend saw them last (the last published answers): the frontend never
# reconnects and traffic flows again, both ways.  After SIGTERM the vif is
# Closed and a new netbackd serves the reconnecting frontend.
. "$(dirname "$0")/netbackd-lib.sh"
R=$XENNER_RUNDIR
nsx ip link add xbr0 type bridge
nsx ip link set xbr0 up
start_netbackd
start_echo

out=$R/front.out
"$NETFRONT" --timeout-ms 5000 - >"$out" 2>"$out.err" <<SCRIPT &
domid
add 0
add 1 bridge=xbr0
wait-file $R/tap-ready
connect 0 queues=2
connect 1
addr 0 10.0.0.2 10.0.0.1
ping 0 2
wait-file $R/killed
wait-file $R/tap-ready2
ping 0 2
udp 0 7777 700 1 slots=2
recv-udp 0 5555 700 1
wait-file $R/termed
wait-reconnect 0
wait-file $R/tap-ready3
ping 0 2
SCRIPT
front=$!
on_exit "kill -KILL $front"
lines() { grep -c . "$out"; }
wait_until "[ -s '$out' ]" 100 || expect_lines "$out" "(domid)"
id=$(head -n 1 "$out")
mac=00:16:3e:00:$(printf %02x "$id"):00
tap_up "vif$id.0" 10.0.0.1/24 10.0.0.2 "$mac"
touch "$R/tap-ready"

wait_until "[ \$(lines) -ge 8 ]" 200 || expect_lines "$out" "(8 lines)"
kill -KILL "$NETBACKD_PID"
wait "$NETBACKD_PID" 2>/dev/null
wait_until "! nsx ip link show vif$id.0 >/dev/null 2>&1" 50 ||
	fail "tap outlived a killed netbackd"
be=/local/domain/0/backend/vif/$id/0
[ "$(xenstore-read $be/state)" = 4 ] || fail "state after SIGKILL"
rm -f "$R/netbackd.pid" # as a supervisor would: the old one is dead
start_netbackd
touch "$R/killed"
tap_up "vif$id.0" 10.0.0.1/24 10.0.0.2 "$mac"
wait_until "nsx ip link show vif$id.1 2>/dev/null | grep -q 'master xbr0'" 100 ||
	fail "vif$id.1 not back on the bridge"
touch "$R/tap-ready2"
wait_until "[ \$(lines) -ge 12 ]" 300 || expect_lines "$out" "(12 lines)"
grep -q "took over the rings of an earlier netbackd" "$R/netbackd.log" ||
	{ cat "$R/netbackd.log"; fail "restarted netbackd did not take the rings over"; }
grep -q "asking the frontend to reconnect" "$R/netbackd.log" &&
	fail "restarted netbackd asked the frontend to reconnect"
ok "restarted netbackd made the tap again and took the rings over: ping and udp both ways"

kill -TERM "$NETBACKD_PID"
wait "$NETBACKD_PID" || fail "netbackd exit status $? after SIGTERM"
[ "$(xenstore-read $be/state)" = 6 ] || fail "vif not Closed after SIGTERM"
ok "SIGTERM closed the vif"
start_netbackd
touch "$R/termed"
tap_up "vif$id.0" 10.0.0.1/24 10.0.0.2 "$mac"
touch "$R/tap-ready3"
wait "$front" || true
expect_lines <(tail -n +2 "$out") "OK
OK
OK
OK
OK
OK
OK
OK
OK
OK
OK
OK blank
OK
OK
OK
OK"
ok "no reconnect after SIGKILL, one after SIGTERM; traffic flows"
exit 0
