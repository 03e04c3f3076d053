#!/bin/bash
# blkbackd killed with SIGKILL and restarted: data the frontend flushed is
# in the image, and the new blkbackd takes the old ring over where it
# stands: a write the frontend queued while no blkbackd ran is served, and
# the frontend never reconnects.  After SIGTERM the devices are Closed and
# a new blkbackd serves the reconnecting frontend.
. "$(dirname "$0")/blkbackd-lib.sh"
R=$XENNER_RUNDIR
img=$R/disk.img
truncate -s 16M "$img"
start_blkbackd

out=$R/front.out
"$BLKFRONT" --timeout-ms 10000 - >"$out" 2>"$out.err" <<SCRIPT &
add 768 $img w
connect 768 order=1 persistent
write 768 100 900 21
flush 768
wait-file $R/killed
write 768 3000 8 23
read 768 100 900 21
read 768 3000 8 23
write 768 2000 64 22
flush 768
wait-file $R/termed
wait-reconnect 768
read 768 2000 64 22
SCRIPT
front=$!
on_exit "kill -KILL $front"
lines() { grep -c . "$out"; }

wait_until "[ \$(lines) -ge 4 ]" 200 || expect_lines "$out" "(4 lines)"
kill -KILL "$BLKBACKD_PID"
wait "$BLKBACKD_PID" 2>/dev/null
# Flushed before the kill: on disk no matter what.
cmp <(pattern 21 100 900) <(dd if="$img" bs=512 skip=100 count=900 2>/dev/null) ||
	fail "flushed data not in the image after SIGKILL"
ok "flushed data is in the image after SIGKILL"
id=$(ls "$R" | sed -n 's/^vmcore\.//p' | head -1)
be=/local/domain/0/backend/vbd/$id/768
[ "$(xenstore-read $be/state)" = 4 ] || fail "state after SIGKILL"
rm -f "$R/blkbackd.pid" # as a supervisor would: the old one is dead
# the frontend queues a write on the ring while no blkbackd runs
touch "$R/killed"
wait_until "[ \$(lines) -ge 5 ]" 100 || expect_lines "$out" "(5 lines)"
sleep 1
start_blkbackd
wait_until "[ \$(lines) -ge 10 ]" 300 || expect_lines "$out" "(10 lines)"
grep -q "took over the ring of an earlier blkbackd" "$R/blkbackd.log" ||
	fail "restarted blkbackd did not take the ring over"
grep -q "asking the frontend to reconnect" "$R/blkbackd.log" &&
	fail "restarted blkbackd asked the frontend to reconnect"
ok "restarted blkbackd took the ring over; the write queued meanwhile was served"

kill -TERM "$BLKBACKD_PID"
wait "$BLKBACKD_PID" || fail "blkbackd exit status $? after SIGTERM"
[ "$(xenstore-read $be/state)" = 6 ] || fail "device not Closed after SIGTERM"
ok "SIGTERM closed the device"
start_blkbackd
touch "$R/termed"
wait "$front" || true
expect_lines "$out" "OK
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
OK
OK"
ok "frontend reconnected after SIGTERM; data read back"
exit 0
