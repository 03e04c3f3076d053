#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 170
# Debian's kernel with xen-netfront (from the initramfs) on a vif served by
# netbackd, in a network namespace of the test's own: the guest pings the
# host side, sends $XT_NET_MB MB of random data over TCP to the host and
# fetches as much back; each side checks the other's md5sum; then it
# reboots and the new domain's vif works again, also after netbackd is
# SIGKILLed and restarted under it (the new netbackd takes the rings over:
# the host reaches the guest over TCP, the guest pings back, netfront
# never reconnects).  make check
# moves 8 MB each way; `make soak` the 100 MB of the netbackd issue (about
# 8 minutes here, where each entry into emu costs ~150 us).
# (busybox nc quits as soon as either direction ends: each listener keeps
# its stdin open so that only the sender's FIN ends a transfer.)
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_root
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
need_linux_guest
need_file "$BUILD/netbackd/netbackd" "make"
BB=/bin/busybox
new_rundir
make_initrd

NS=xln-$$-$RANDOM
ip netns add "$NS" || skip "cannot create a network namespace"
on_exit "ip netns del $NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
export XENNER_BLKBACKD=none
on_exit "'$DOM0' stop"
nsx "$DOM0" start || { show_logs; fail "xenner-dom0 start"; }

MB=${XT_NET_MB:-8}
limit=$((300 + 10 * MB)) # s, for each listener
dd if=/dev/urandom of="$XENNER_RUNDIR/to-guest" bs=1M count="$MB" 2>/dev/null
want_down=$(md5sum <"$XENNER_RUNDIR/to-guest" | cut -d' ' -f1)

run='modprobe xen-netfront; i=0; while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' ip addr add 10.77.0.2/24 dev eth0; ip link set eth0 up;'
run+=' ping -c 3 -W 5 10.77.0.1 >/dev/null && echo XT-PING-OK;'
run+=" dd if=/dev/urandom of=/tmp/up bs=1M count=$MB 2>/dev/null;"
run+=' echo XT-UP-MD5 $(md5sum < /tmp/up);'
run+=' read t0 x </proc/uptime; nc 10.77.0.1 5001 < /tmp/up; read t1 x </proc/uptime; rm /tmp/up;'
run+=' nc 10.77.0.1 5002 > /tmp/down; read t2 x </proc/uptime;'
run+=' echo XT-DOWN-MD5 $(md5sum < /tmp/down); echo XT-TIMES $t0 $t1 $t2; reboot -f'
out=$XENNER_RUNDIR/linux.out
"$XENNER" -name nety -kernel "$kernel" -initrd "$initrd" -m 512 \
	-net tap,mac=00:16:3e:77:00:02 \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" \
	</dev/null >"$out" 2>&1 &
pid=$!
on_exit "kill -KILL $pid"
wait_until "nsx ip link show vif1.0 >/dev/null 2>&1" 300 || { cat "$out"; fail "no tap vif1.0"; }
nsx ip addr add 10.77.0.1/24 dev vif1.0
nsx ip link set vif1.0 up
# the host side takes the upload, then serves the download
ip netns exec "$NS" timeout $limit sh -c "sleep $limit | $BB nc -l -p 5001 > '$XENNER_RUNDIR/from-guest'" </dev/null >/dev/null 2>&1 &
up=$!
on_exit "kill $up"
ip netns exec "$NS" timeout $limit $BB nc -l -p 5002 <"$XENNER_RUNDIR/to-guest" >/dev/null 2>&1 &
down=$!
on_exit "kill $down"
wait "$pid"
rc=$?
show() { tail -n 30 "$out"; show_logs; }
[ $rc = 2 ] || { show; fail "xenner exit $rc, want 2 (the guest rebooted)"; }
grep -q XT-PING-OK "$out" || { show; fail "the guest could not ping the host side"; }
ok "guest pings the host side over netfront/netbackd"
got_down=$(sed -n 's/^XT-DOWN-MD5 \([0-9a-f]*\).*/\1/p' "$out")
[ "$got_down" = "$want_down" ] || { show; fail "download checksum: $got_down, want $want_down"; }
ok "host -> guest TCP data intact ($MB MB)"
want_up=$(sed -n 's/^XT-UP-MD5 \([0-9a-f]*\).*/\1/p' "$out")
got_up=$(md5sum <"$XENNER_RUNDIR/from-guest" | cut -d' ' -f1)
[ -n "$want_up" ] && [ "$got_up" = "$want_up" ] || { show; fail "upload checksum: $got_up, want $want_up"; }
ok "guest -> host TCP data intact ($MB MB)"
set -- $(sed -n 's/^XT-TIMES //p' "$out" | tr -d '\r')
[ $# = 3 ] && echo "# $MB MB up in $(echo "$2 - $1" | bc) s, down in $(echo "$3 - $2" | bc) s (guest uptime)"

# The reboot, as xm's on_reboot=restart does it: a new domain (2) on the
# same netbackd gets a new vif and reaches the host again.
run2='modprobe xen-netfront; i=0; while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run2+=' ip addr add 10.77.0.2/24 dev eth0; ip link set eth0 up;'
run2+=' ping -c 3 -W 5 10.77.0.1 >/dev/null && echo XT-PING2-OK;'
# the host kills and restarts netbackd, then says go over TCP
run2+=' nc -l -p 6000 >/tmp/go; cat /tmp/go; ping -c 3 -W 5 10.77.0.1 >/dev/null && echo XT-PING3-OK'
out=$XENNER_RUNDIR/linux2.out
"$XENNER" -name nety -kernel "$kernel" -initrd "$initrd" -m 256 \
	-net tap,mac=00:16:3e:77:00:02 \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run2\"" \
	</dev/null >"$out" 2>&1 &
pid=$!
on_exit "kill -KILL $pid"
wait_until "nsx ip link show vif2.0 >/dev/null 2>&1" 300 || { show; fail "no tap vif2.0 after the reboot"; }
nsx ip link show vif1.0 >/dev/null 2>&1 && fail "domain 1's vif1.0 is still there"
nsx ip addr add 10.77.0.1/24 dev vif2.0
nsx ip link set vif2.0 up
wait_guest $pid "$out" "XT-PING2-OK" || { show; fail "the rebooted guest could not ping the host side"; }
ok "after a reboot the new domain's vif2.0 works and vif1.0 is gone"

# netbackd SIGKILLed under the guest and restarted, as a supervisor would
nb=$(cat "$XENNER_RUNDIR/netbackd.pid")
kill -KILL "$nb"
wait_until "! kill -0 $nb 2>/dev/null && ! nsx ip link show vif2.0 >/dev/null 2>&1" 100 ||
	fail "netbackd or its tap outlived SIGKILL"
rm -f "$XENNER_RUNDIR/netbackd.pid"
# shellcheck disable=SC2046
nsx env $(daemon_env) "$BUILD/netbackd/netbackd" -f --rundir "$XENNER_RUNDIR" \
	>>"$XENNER_RUNDIR/netbackd2.log" 2>&1 &
on_exit "kill -KILL $!"
wait_until "nsx ip link show vif2.0 >/dev/null 2>&1" 100 ||
	{ cat "$XENNER_RUNDIR/netbackd2.log"; fail "no tap vif2.0 from the new netbackd"; }
nsx ip addr add 10.77.0.1/24 dev vif2.0
nsx ip link set vif2.0 up
wait_until "echo XT-GO | timeout 5 ip netns exec $NS $BB nc 10.77.0.2 6000 2>/dev/null" 300 ||
	{ show; cat "$XENNER_RUNDIR/netbackd2.log"; fail "no TCP to the guest after the netbackd restart"; }
wait "$pid"
rc=$?
[ $rc = 0 ] || { show; fail "second boot: xenner exit $rc"; }
grep -q "^XT-GO" "$out" || { show; fail "the guest did not get the host's TCP message"; }
grep -q "^XT-PING3-OK" "$out" || { show; fail "the guest could not ping after the netbackd restart"; }
grep -q "took over the rings of an earlier netbackd" "$XENNER_RUNDIR/netbackd2.log" ||
	{ cat "$XENNER_RUNDIR/netbackd2.log"; fail "the new netbackd did not take the rings over"; }
ok "netbackd SIGKILLed and restarted under the guest: it took the rings over; TCP to the guest and its ping back work"
exit 0
