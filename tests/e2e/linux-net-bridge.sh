#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 160
# Two Debian-kernel guests whose vifs netbackd puts on one bridge (in a
# network namespace of the test's own) talk to each other: B pings A, then
# sends A 4 MB over TCP/IPv4 and 2 MB over TCP/IPv6 (netfront's GSO and
# checksum offloads for both, through tx, the bridge and rx), whose
# md5sums A prints and the test compares with B's.  No host address is
# involved: guest to guest through the bridge.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_root
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
need_linux_guest
need_file "$BUILD/netbackd/netbackd" "make"
new_rundir
make_initrd

NS=xlb-$$-$RANDOM
ip netns add "$NS" || skip "cannot create a network namespace"
on_exit "ip netns del $NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
nsx ip link add xbr0 type bridge
nsx ip link set xbr0 up
export XENNER_BLKBACKD=none XENNER_QEMU_DM=none
on_exit "'$DOM0' stop"
nsx "$DOM0" start || { show_logs; fail "xenner-dom0 start"; }

# (no double quotes: each script is one quoted kernel parameter)
up='modprobe xen-netfront; i=0; while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
up+=' ip link set eth0 up; ip addr add'
run_a="$up 10.78.0.2/24 dev eth0; ip addr add fd78::2/64 dev eth0;"
# every 2 minutes: eth0's event counts, to tell a stalled ring from a
# guest that stopped taking events
run_a+=' (while sleep 120; do grep -h eth0 /proc/interrupts; done) &'
# busybox nc ends when either direction does: A's stdin is a FIFO that
# stays open (not sleep | nc, a pipeline the shell would wait for)
run_a+=' mkfifo /tmp/hold; exec 3<>/tmp/hold;'
run_a+=' nc -l -p 5000 <&3 > /tmp/in; echo XT-A-GOT $(md5sum < /tmp/in);'
run_a+=' nc -l -p 5006 <&3 > /tmp/in6; echo XT-A-GOT6 $(md5sum < /tmp/in6)'
run_b="$up 10.78.0.3/24 dev eth0; ip addr add fd78::3/64 dev eth0;"
run_b+=' i=0; until ping -c 1 -W 2 10.78.0.2 >/dev/null; do i=$((i+1)); [ $i -lt 150 ] || break; done;'
run_b+=' [ $i -lt 150 ] && echo XT-B-PING-OK;'
run_b+=' dd if=/dev/urandom of=/tmp/out bs=1M count=4 2>/dev/null; echo XT-B-SENT $(md5sum < /tmp/out);'
run_b+=' i=0; until nc 10.78.0.2 5000 < /tmp/out; do sleep 1; i=$((i+1)); [ $i -lt 30 ] || break; done;'
run_b+=' head -c 2097152 /tmp/out > /tmp/out6; echo XT-B-SENT6 $(md5sum < /tmp/out6);'
run_b+=' i=0; until nc fd78::2 5006 < /tmp/out6; do sleep 1; i=$((i+1)); [ $i -lt 30 ] || break; done'
guest() { # name mac script
	nsx timeout -k 5 "$(scaled 500)" "$XENNER" -name "$1" -kernel "$kernel" -initrd "$initrd" \
		-m 256 -net "tap,mac=$2,bridge=xbr0" \
		-append "console=hvc0 loglevel=4 xenner.run=\"$3\"" \
		</dev/null >"$XENNER_RUNDIR/$1.out" 2>&1
}
guest a 00:16:3e:78:00:02 "$run_a" &
pa=$!
guest b 00:16:3e:78:00:03 "$run_b" &
pb=$!
on_exit "kill $pa $pb"
# Shortly before the guests' limit, what they wait for goes to the logs:
# netbackd's ring indices and each vCPU's registers.
(
	sleep "$(scaled 470)"
	echo "--- still running after $(scaled 470) s: SIGUSR1 to netbackd and both xenners"
	kill -USR1 "$(cat "$XENNER_RUNDIR/netbackd.pid")"
	pkill -USR1 -f "^[^ ]*/xenner -name [ab] -kernel" # not timeout
) >>"$XENNER_RUNDIR/watchdog.log" 2>&1 &
watchdog=$!
on_exit "pkill -P $watchdog; kill $watchdog"
wait "$pb"
rcb=$?
wait "$pa"
rca=$?
show() {
	tail -n 60 "$XENNER_RUNDIR/a.out"
	tail -n 60 "$XENNER_RUNDIR/b.out"
	show_logs
	grep -h ' q[0-9]: tx req_prod' "$XENNER_RUNDIR/netbackd.log"
}
[ $rca = 0 ] && [ $rcb = 0 ] || { show; fail "xenner exit a=$rca b=$rcb"; }
grep -q "^XT-B-PING-OK" "$XENNER_RUNDIR/b.out" || { show; fail "guest b could not ping guest a"; }
ok "guest b pings guest a through the bridge"
sent=$(sed -n 's/^XT-B-SENT \([0-9a-f]*\).*/\1/p' "$XENNER_RUNDIR/b.out")
got=$(sed -n 's/^XT-A-GOT \([0-9a-f]*\).*/\1/p' "$XENNER_RUNDIR/a.out")
[ -n "$sent" ] && [ "$sent" = "$got" ] || { show; fail "guest a got md5 '$got', b sent '$sent'"; }
ok "4 MB from guest b reached guest a intact over TCP/IPv4"
sent=$(sed -n 's/^XT-B-SENT6 \([0-9a-f]*\).*/\1/p' "$XENNER_RUNDIR/b.out")
got=$(sed -n 's/^XT-A-GOT6 \([0-9a-f]*\).*/\1/p' "$XENNER_RUNDIR/a.out")
[ -n "$sent" ] && [ "$sent" = "$got" ] || { show; fail "IPv6: guest a got md5 '$got', b sent '$sent'"; }
ok "2 MB from guest b reached guest a intact over TCP/IPv6"
exit 0
