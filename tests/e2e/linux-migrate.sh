#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 160
# Live migration of Debian's kernel (2 vCPUs) between two xenner runtimes, each in a
# network namespace of its own as two hosts would be, their bridges joined
# by a veth pair (one L2 segment), the disk image on storage both see
# (docs/migration.md).  The guest appends a counter to a file it holds
# open on ext2 on xvda, syncing each line, while the first "host" pings
# it and sends the same count over a TCP connection to it; xenner-xm
# migrate -l moves it mid-count (after a first try whose receiver is
# killed mid-stream, which the guest must not notice): the source xenner
# exits 7, the guest counts on at the receiver (its console now in the
# receiver's xenconsoled log), the file holds every number once in order, so does the TCP
# stream, the source keeps nothing, and the ping lost only one gap of
# packets around the move and is answered again after it (the guest's
# netfront announces its move with a gratuitous ARP).
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_root
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
need_file "$BUILD/netbackd/netbackd" "make"
XM="$BUILD/tools/xm/xenner-xm"
need_file "$XM" "make"
new_rundir
A=$XENNER_RUNDIR
C=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
on_exit "rm -rf '$C'"
make_initrd
N=${XT_MIGRATE_COUNT:-40}

# two "hosts": namespaces with a bridge each, joined by a veth pair
NA=xma-$$-$RANDOM NC=xmc-$$-$RANDOM
ip netns add "$NA" || skip "cannot create a network namespace"
on_exit "ip netns del $NA"
ip netns add "$NC" || fail "cannot create a second network namespace"
on_exit "ip netns del $NC"
for ns in "$NA" "$NC"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link add xbr0 type bridge
	ip -n "$ns" link set xbr0 up
done
ip -n "$NA" link add vA type veth peer name vC netns "$NC" || fail "veth pair"
ip -n "$NA" link set vA master xbr0 up
ip -n "$NC" link set vC master xbr0 up
ip -n "$NA" addr add 10.79.0.1/24 dev xbr0
export XENNER_QEMU_DM=none
on_exit "ip netns exec $NA '$DOM0' stop"
ip netns exec "$NA" "$DOM0" start >/dev/null || { show_logs; fail "dom0 A"; }
on_exit "XENNER_RUNDIR='$C' ip netns exec $NC '$DOM0' stop"
XENNER_RUNDIR=$C ip netns exec "$NC" "$DOM0" start >/dev/null || fail "dom0 C"

truncate -s 16M "$A/disk.img"
# the TCP listener: its stdin a FIFO held open, so that only the guest's
# FIN ends it (busybox nc quits when either direction does)
mkfifo "$A/hold"
exec 7<>"$A/hold"
ip netns exec "$NA" /bin/busybox nc -l -p 5000 <&7 >"$A/tcp.out" 2>&1 &
tcp=$!
on_exit "kill $tcp"
run='modprobe xen-blkfront; modprobe xen-netfront;'
run+=' i=0; while { [ ! -b /dev/xvda ] || ! ip link show eth0; } >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' ip link set eth0 up; ip addr add 10.79.0.2/24 dev eth0;'
# a TCP connection to the first host that lives across the move
run+=" ( i=0; while [ \$i -lt $N ]; do i=\$((i+1)); echo \$i; sleep 0.5; done ) | nc 10.79.0.1 5000 &"
run+=' mke2fs -q /dev/xvda && mkdir /mnt && mount -t ext2 /dev/xvda /mnt && exec 3>/mnt/log && echo XT-FS-OK;'
run+=" i=0; while [ \$i -lt $N ]; do i=\$((i+1)); echo \$i >&3; sync; echo XT-COUNT \$i; sleep 0.5; done;"
run+=" exec 3>&-; seq 1 $N | cmp - /mnt/log && echo XT-FILE-OK; umount /mnt; wait; sleep 5"
ip netns exec "$NA" "$XENNER" -name lmig -kernel "$kernel" -initrd "$initrd" -m 256 -smp "${XT_MIGRATE_SMP:-2}" \
	-disk "$A/disk.img" -net tap,mac=00:16:3e:79:00:02,bridge=xbr0 \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" </dev/null >"$A/a.out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$A/a.out" "XT-COUNT 4"
net_state() { bridge -n "$NA" link; ip -n "$NA" neigh; bridge -n "$NC" link; show_logs; }
PING="/bin/busybox ping" # iputils' ping is not a dependency
ip netns exec "$NA" $PING -c 3 -W 2 10.79.0.2 >/dev/null ||
	{ tail -n 20 "$A/a.out"; net_state; fail "no ping before the migration"; }

ip netns exec "$NA" $PING -i 0.2 -w $((N * 3 + 60)) 10.79.0.2 >"$A/ping.out" 2>&1 &
ping=$!
on_exit "kill $ping"
sleep 2
RECEIVE="ip netns exec $NC env XENNER_RUNDIR=$C XENSTORED_PATH=$C/xenstored/socket XENNER=$XENNER $XM migrate-receive"

# First the receiver is SIGKILLed once it holds 8 MB of the stream: the
# migration fails, the guest counts on at the source, the receiver's side
# keeps nothing.
cat >"$A/kill-receiver" <<'SH'
#!/bin/bash
"$@" &
r=$!
while kill -0 $r 2>/dev/null; do
	for f in /proc/$r/fd/*; do
		case "$(readlink "$f")" in *"(deleted)") ;; *) continue ;; esac
		[ "$(stat -L -c %s "$f" 2>/dev/null || echo 0)" -gt 8000000 ] &&
			{ kill -9 $r; break 2; }
	done
	sleep 0.02
done
wait $r
SH
chmod +x "$A/kill-receiver"
# each migration gets a limit: one that hangs shows where the guest was
migrate() { # output file, receiver command
	XENNER_RUNDIR=$A timeout -k 10 "$(scaled 300)" "$XM" migrate -l -s '' lmig "$2" >"$1" 2>&1
	local rc=$?
	[ $rc = 124 ] || [ $rc = 137 ] || return $rc
	cat "$1"
	tail -n 30 "$A/a.out"
	xenner_dump $pid
	cat "$C"/xm/lmig.log 2>/dev/null
	show_logs
	fail "xenner-xm migrate did not end within $(scaled 300) s"
}
migrate "$A/m1.out" "$A/kill-receiver $RECEIVE" &&
	{ cat "$A/m1.out"; fail "a migration whose receiver was killed succeeded"; }
kill -0 $pid 2>/dev/null || { tail -n 30 "$A/a.out"; fail "the source xenner ended with the killed receiver"; }
c=$(sed -n 's/^XT-COUNT \([0-9]*\).*/\1/p' "$A/a.out" | tail -n 1)
wait_guest $pid "$A/a.out" "XT-COUNT $((c + 2))"
XENNER_RUNDIR=$C "$XM" list lmig >/dev/null 2>&1 && fail "lmig at the receiver after its receiver was killed"
ls "$C"/xm/migrate-* >/dev/null 2>&1 && fail "the killed receiver left $(ls "$C"/xm/migrate-*)"
ok "receiver killed mid-stream: $(tail -n 1 "$A/m1.out"); the guest counts on at the source (count $((c + 2)))"

migrate "$A/m2.out" "$RECEIVE" ||
	{ cat "$A/m2.out"; tail -n 30 "$A/a.out"; cat "$C"/xm/lmig.log; fail "xenner-xm migrate"; }
out=$(cat "$A/m2.out")
wait_exit $pid 60 "$A/a.out"
wait $pid
rc=$?
[ $rc = 7 ] || { tail -n 30 "$A/a.out"; fail "source xenner exit $rc, expected 7"; }
last=$(sed -n 's/^XT-COUNT \([0-9]*\).*/\1/p' "$A/a.out" | tail -n 1)
ok "$out (at count $last)"

log=$C/console/guest-lmig.log
# where a guest that died there went wrong: the start of its oops
show() { grep -m1 -B30 -A30 "BUG:\|Oops\|Kernel panic\|WARNING:\|Call Trace" "$log" || tail -n 30 "$log"; }
wait_until "grep -q XT-FILE-OK '$log' 2>/dev/null || ! pgrep -f 'xenner -restore.*migrate-lmig' >/dev/null" $((N * 20)) ||
	{ show; fail "the migrated guest did not finish"; }
grep -q "XT-COUNT $N" "$log" || { show; cat "$C/xm/lmig.log"; fail "the counter did not reach $N at the receiver"; }
grep -q "XT-COUNT $((last + 1))" "$log" || { show; fail "no count $((last + 1)) at the receiver"; }
grep -q XT-FILE-OK "$log" || { show; fail "the file on xvda is not 1..$N"; }
# the ping ends while the guest still answers (it sleeps 5 s before poweroff)
kill -INT $ping 2>/dev/null
wait $ping 2>/dev/null
ok "counted on at the receiver to $N; the open file on xvda holds 1..$N"
wait_until "! kill -0 $tcp 2>/dev/null" 300 || fail "the guest's TCP connection did not end"
seq 1 "$N" | cmp -s - "$A/tcp.out" ||
	{ tail -n 5 "$A/tcp.out"; fail "the TCP stream across the move is not 1..$N"; }
ok "a TCP connection from the guest to the first host carried 1..$N across the move"

sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$A/ping.out")
got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$A/ping.out")
[ -n "$sent" ] && [ -n "$got" ] || { cat "$A/ping.out"; fail "no ping summary"; }
lost=$((sent - got))
# Not a time limit (the stopped time is ~1 s here, ~10 s under TCG): the
# losses are one gap around the move (a stray drop aside), and the replies
# come back after it.
# (runs of sequence numbers never answered: two replies that overtake
# each other, on two netfront queues, are no loss)
gaps=$(grep -o 'seq=[0-9]*' "$A/ping.out" | cut -d= -f2 | sort -n -u |
	awk 'NR > 1 && $1 != p + 1 { n++ } { p = $1 } END { print n + 0 }')
lastseq=$(grep -o 'seq=[0-9]*' "$A/ping.out" | cut -d= -f2 | sort -n | tail -n 1)
[ "$got" -gt 0 ] && [ "$gaps" -le 2 ] && [ "${lastseq:-0}" -ge $((sent - 5)) ] ||
	{ cat "$A/ping.out"; fail "ping: $lost of $sent lost in $gaps gaps, last reply seq ${lastseq:-none}"; }
for f in "$A"/vmcore.* "$A"/emu.* "$C"/xm/migrate-*; do
	[ -e "$f" ] && fail "left $f"
done
XENNER_RUNDIR=$A "$XM" list lmig >/dev/null 2>&1 && fail "lmig still at the source"
ok "the host's ping across the move: $lost of $sent lost in $gaps gap(s) (every 0.2 s), answered again after it; nothing left at the source"
