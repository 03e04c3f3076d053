#!/bin/bash
# netbackd serves three vifs of a host-side test frontend inside a network
# namespace: pings and UDP echoes through a tap the namespace's kernel
# answers (single- and multi-slot frames, blank and full checksums), two
# vifs on one bridge exchange UDP and TCP (a GSO frame from one arrives
# cut into checked segments at a frontend without GSO, and whole at one
# with it), multi-queue with split event channels, reconnects and
# reboots, and hostile requests that get errors or close only their vif.
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
add 1 mac=00:16:3e:00:00:11 bridge=xbr0
add 2 mac=00:16:3e:00:00:12 bridge=xbr0
wait-file $R/taps-ready
connect 0
addr 0 10.0.0.2 10.0.0.1
ping 0 3
wait-file $R/dumped
udp 0 7777 100 3
recv-udp 0 5555 100 3
udp 0 7777 1400 4 slots=3
recv-udp 0 5555 1400 4
udp 0 7777 1000 5 blank slots=2
recv-udp 0 5555 1000 5
connect 1
connect 2 nogso nocsum split
addr 1 10.1.0.1 10.1.0.2 00:16:3e:00:00:12
addr 2 10.1.0.2 10.1.0.1 00:16:3e:00:00:11
udp 1 9 500 6
recv-udp 2 9 500 6
udp 1 9 900 7 blank slots=2
recv-udp 2 9 900 7
tcp 1 80 30000 8 mss=1400
recv-tcp 2 80 30000 8
tcp 2 80 20000 9 mss=1000 slots=6
recv-tcp 1 80 20000 9
bad 0 gref
bad 0 short
bad 0 big
bad 0 slots19
bad 0 gsotype
bad 0 rx-gref
ping 0 2
udp 1 9 200 10
recv-udp 2 9 200 10
bad 0 offset
udp 1 9 200 11
recv-udp 2 9 200 11
wait-reconnect 0
ping 0 1
bad 0 slots
wait-reconnect 0
bad 0 extra
wait-reconnect 0
bad 0 ring
wait-reconnect 0
bad 0 rx-ring
wait-reconnect 0
ping 0 1
disconnect 0
connect 0 queues=5 unchecked
connect 0 queues=2 split
udp 0 7777 300 12 queue=1
recv-udp 0 5555 300 12
udp 0 7777 300 13 queue=0 count=20
recv-udp 0 5555 300 13 count=20
ping 0 2
reboot 0
ping 0 2
bench 0 2 small
bench 0 2 gso
bench 0 2 ping
SCRIPT
front=$!
on_exit "kill -KILL $front"

wait_until "[ -s '$out' ]" 100 || expect_lines "$out" "(domid)"
id=$(head -n 1 "$out")
tap_up "vif$id.0" 10.0.0.1/24 10.0.0.2 "00:16:3e:00:$(printf %02x "$id"):00"
for t in 1 2; do
	wait_until "nsx ip link show vif$id.$t 2>/dev/null | grep -q 'master xbr0'" 100 ||
		{ tail "$R/netbackd.log"; fail "vif$id.$t not on the bridge"; }
done
be=/local/domain/0/backend/vif/$id/0
for k in feature-sg feature-gso-tcpv4 feature-gso-tcpv6 feature-rx-copy \
	feature-ipv6-csum-offload feature-split-event-channels; do
	[ "$(xenstore-read $be/$k)" = 1 ] || fail "$k"
done
[ "$(xenstore-read $be/multi-queue-max-queues)" = 4 ] || fail "max queues"
[ "$(xenstore-read $be/hotplug-status)" = connected ] || fail "hotplug-status"
[ "$(xenstore-read $be/state)" = 2 ] || fail "backend not in InitWait"
nsx ip link show "vif$id.0" | grep -q "fe:ff:ff:ff:ff:ff" || fail "tap MAC"
ok "taps made, bridged, features advertised"
touch "$R/taps-ready"

# SIGUSR1 logs the connected queue's ring state; the frontend waits for it.
wait_until "grep -q 'd$id/0: connected' '$R/netbackd.log'" 100 || fail "vif 0 did not connect"
kill -USR1 "$NETBACKD_PID"
wait_until "grep -q 'd$id/0 q0: tx req_prod [0-9]* req_cons [0-9]* rsp_prod .* rx req_prod [0-9]* .* frames tx [0-9]* rx [0-9]*' '$R/netbackd.log'" 50 ||
	{ tail "$R/netbackd.log"; fail "SIGUSR1: no ring state of vif 0"; }
touch "$R/dumped"
ok "SIGUSR1 logs each queue's ring indices"

wait "$front" || { expect_lines "$out" "(exit status)"; }
bench=$(grep '^BENCH' "$out")
echo "$bench"
expect_lines <(grep -v '^BENCH' "$out" | tail -n +2) "OK
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
OK blank
OK
OK blank
OK
OK
OK
OK
OK
OK full
OK
OK full
OK
OK segmented
OK
OK gso
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
RXERR
OK
OK
OK full
CLOSING
OK
OK full
OK
OK
CLOSING
OK
CLOSING
OK
CLOSING
OK
CLOSING
OK
OK
OK
REFUSED cannot connect to the rings
OK
OK
OK blank
OK
OK blank
OK
OK
OK"
ok "pings, UDP echoes, bridged UDP/TCP with GSO and checksum offload, hostile requests, multi-queue, reconnects"
grep -q "invalid multi-queue-num-queues" "$R/netbackd.log" ||
	fail "netbackd did not log why it refused 5 queues"
ok "5 queues past the 4 offered: refused, and the vif reconnects with 2"
[ "$(echo "$bench" | wc -l)" = 3 ] || fail "bench lines"

grep -q "tx ring broken" "$R/netbackd.log" || fail "broken tx ring not logged"
grep -q "rx ring broken" "$R/netbackd.log" || fail "broken rx ring not logged"
wait_until "grep -q 'd$id/0: removed' '$R/netbackd.log'" 50 || fail "vif not removed"
wait_until "! nsx ip link show vif$id.0 >/dev/null 2>&1" 50 || fail "tap left behind"
kill -TERM "$NETBACKD_PID"
wait "$NETBACKD_PID" || fail "netbackd exit status $?"
[ -e "$R/netbackd.pid" ] && fail "pidfile left behind"
grep -qi "AddressSanitizer\|runtime error" "$R/netbackd.log" && fail "sanitizer report"
ok "netbackd stopped cleanly"
exit 0
