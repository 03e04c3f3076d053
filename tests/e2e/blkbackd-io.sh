#!/bin/bash
# blkbackd serves two disks of a host-side test frontend: data written
# through the ring is in the image byte for byte, reads come back, a
# read-only disk refuses writes, flush/barrier/discard/indirect work,
# hostile requests get error responses without hurting the device, and
# multi-page rings, multi-queue, persistent grants and frontend reconnects
# keep the data intact.
. "$(dirname "$0")/blkbackd-lib.sh"
R=$XENNER_RUNDIR
rw=$R/rw.img ro=$R/ro.img pg=$R/pg.img
truncate -s 32M "$rw" "$pg"
pattern 5 0 2048 >"$ro" # 1 MiB the frontend knows
start_blkbackd

out=$R/front.out
"$BLKFRONT" --timeout-ms 10000 - >"$out" 2>"$out.err" <<SCRIPT &
add 51712 $rw w
add 51728 aio:$ro r
connect 51712
connect 51728
write 51712 0 2000 7
read 51712 0 2000 7
read 51712 0 2000 8
write 51712 10000 1500 9 indirect
read 51712 10000 1500 9
read 51712 10000 1500 9 indirect
read 51728 0 2048 5
write 51728 0 8 1
discard 51728 0 8
flush 51712
barrier 51712 20000 40 3
read 51712 20000 40 3
write 51712 30000 4096 4
flush 51712
discard 51712 30720 2048
read 51712 30720 2048 0
read 51712 30000 720 4
wait-file $R/checked
bad 51712 op
bad 51712 segs
bad 51712 nosegs
bad 51712 sector
bad 51712 sect
bad 51712 lastsect
bad 51712 gref
bad 51712 ungranted
bad 51712 ind-segs
bad 51712 ind-gref
bad 51712 ind-op
read 51712 0 2000 7
disconnect 51712
connect 51712 order=5 unchecked
connect 51712 queues=5 unchecked
connect 51712 order=4 queues=4 persistent
write 51712 40000 3000 6
read 51712 40000 3000 6 indirect
read 51712 0 2000 7
add 51744 $pg w
connect 51744 persistent
write 51744 0 10000 12 indirect
read 51744 0 10000 12 indirect
reboot 51712
read 51712 40000 3000 6
break-ring 51712
read 51728 0 64 5
wait-reconnect 51712
read 51712 40000 3000 6
bench 51712 1 64 write
bench 51712 1 8 read
SCRIPT
front=$!
on_exit "kill -KILL $front"

# While the frontend waits: geometry and features as advertised.
wait_until "[ -e '$out' ] && [ \$(grep -c . '$out') -ge 21 ]" 300 ||
	expect_lines "$out" "(21 lines before wait-file)"
id=$("$BLKFRONT" --help >/dev/null; ls "$R" | sed -n 's/^vmcore\.//p' | head -1)
be=/local/domain/0/backend/vbd/$id
[ "$(xenstore-read $be/51712/sectors)" = 65536 ] || fail "sectors"
[ "$(xenstore-read $be/51712/sector-size)" = 512 ] || fail "sector-size"
xenstore-read $be/51712/physical-sector-size >/dev/null || fail "physical-sector-size"
[ "$(xenstore-read $be/51712/info)" = 0 ] || fail "info of the rw disk"
[ "$(xenstore-read $be/51728/info)" = 4 ] || fail "info of the ro disk (VDISK_READONLY)"
for k in feature-flush-cache feature-barrier feature-discard feature-persistent; do
	[ "$(xenstore-read $be/51712/$k)" = 1 ] || fail "$k"
done
[ "$(xenstore-read $be/51728/feature-discard)" = 0 ] || fail "ro disk offers discard"
[ "$(xenstore-read $be/51712/feature-max-indirect-segments)" = 256 ] || fail "indirect"
[ "$(xenstore-read $be/51712/max-ring-page-order)" = 4 ] || fail "ring order"
[ "$(xenstore-read $be/51712/multi-queue-max-queues)" = 4 ] || fail "queues"
xenstore-read $be/51712/discard-granularity >/dev/null || fail "discard-granularity"
[ "$(xenstore-read $be/51712/state)" = 4 ] || fail "backend not Connected"
ok "geometry and features in xenstore"

# The image holds what went through the ring, byte for byte.
cmp <(pattern 7 0 2000) <(dd if="$rw" bs=512 skip=0 count=2000 2>/dev/null) ||
	fail "image differs from the written pattern (sectors 0-1999)"
cmp <(pattern 9 10000 1500) <(dd if="$rw" bs=512 skip=10000 count=1500 2>/dev/null) ||
	fail "image differs after the indirect write"
cmp <(pattern 3 20000 40) <(dd if="$rw" bs=512 skip=20000 count=40 2>/dev/null) ||
	fail "image differs after the barrier write"
cmp <(pattern 5 0 2048) "$ro" || fail "read-only image was changed"
ok "image matches the pattern byte for byte; read-only image untouched"

# The discarded MiB is a hole (SEEK_HOLE) and reads as zeroes.
python3 - "$rw" <<'PY' || fail "no hole where the discard was"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
start, end = 30720 * 512, (30720 + 2048) * 512
hole = os.lseek(fd, start, os.SEEK_HOLE)
assert hole == start, "hole at %d, wanted %d" % (hole, start)
assert os.lseek(fd, start, os.SEEK_DATA) >= end, "data inside the hole"
PY
ok "discard punched a hole"
touch "$R/checked"

wait "$front" || { expect_lines "$out" "(exit status)"; }
bench=$(grep '^BENCH' "$out")
echo "$bench"
expect_lines <(grep -v '^BENCH' "$out") "OK
OK
OK
OK
OK
OK
MISMATCH sector 0
OK
OK
OK
OK
STATUS -1
STATUS -2
OK
OK
OK
OK
OK
OK
OK
OK
OK
STATUS -2
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
STATUS -1
OK
OK
REFUSED cannot connect to the rings
REFUSED cannot connect to the rings
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
CLOSING
OK
OK
OK"
ok "reads, writes, bad requests, reconnects, multi-queue, persistent grants"
grep -q "invalid ring-page-order" "$R/blkbackd.log" &&
	grep -q "invalid multi-queue-num-queues" "$R/blkbackd.log" ||
	fail "blkbackd did not log why it refused order 5 and 5 queues"
cmp <(pattern 12 0 10000) <(dd if="$pg" bs=512 count=10000 2>/dev/null) ||
	fail "image differs after 1250 pages went through one persistent ring"
grep -q "1056 persistent grants kept, the most per ring" "$R/blkbackd.log" ||
	fail "blkbackd did not say its persistent grant cache was full"
ok "one ring given 1250 persistent grants: 1056 kept, the rest mapped per request, data intact"
ok "order 5 and 5 queues past the 4 offered: refused, then order 4 x 4 queues connects"
[ "$(echo "$bench" | wc -l)" = 2 ] || fail "bench lines"

# Broken rings are logged, but only a few times.
grep -q "ring indices out of range" "$R/blkbackd.log" || fail "broken ring not logged"
# The frontend removed its devices: blkbackd forgot them.
wait_until "grep -q 'd$id/51712: removed' '$R/blkbackd.log'" 50 || fail "device not removed"
kill -TERM "$BLKBACKD_PID"
wait "$BLKBACKD_PID" || fail "blkbackd exit status $?"
[ -e "$R/blkbackd.pid" ] && fail "pidfile left behind"
grep -qi "AddressSanitizer\|runtime error" "$R/blkbackd.log" && fail "sanitizer report"
ok "blkbackd stopped cleanly"
exit 0
