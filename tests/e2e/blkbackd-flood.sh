#!/bin/bash
# A frontend fills a 512-slot ring with the largest indirect writes at once,
# every segment the same granted page: 131072 grant maps asked for, twice
# what the host lets one process map (vm.max_map_count).  blkbackd paces the
# ring at its map budget instead of failing requests: every one is answered
# OK, no map fails, and the next requests on the device are served.  Then
# two rings flood at once under a daemon-wide budget (--max-maps) barely
# above one ring's: the one that finds it spent waits for the other's I/O.
. "$(dirname "$0")/blkbackd-lib.sh"
R=$XENNER_RUNDIR
img=$R/disk.img
truncate -s 16M "$img" "$img.2"
# a daemon-wide budget a little above one ring's: two busy rings share it
start_blkbackd --max-maps 2100

out=$R/front.out
"$BLKFRONT" --timeout-ms 60000 - >"$out" 2>"$out.err" <<SCRIPT &
add 51712 $img w
add 51728 $img.2 w
connect 51712 order=4
connect 51728 order=4
flood 51712 512
flood 51712 256 51728
write 51712 4096 64 3
read 51712 4096 64 3
write 51728 4096 8 5
read 51728 4096 8 5
SCRIPT
front=$!
on_exit "kill -KILL $front"

# the most mappings blkbackd held while the frontend ran
peak=0
while kill -0 $front 2>/dev/null; do
	n=$(wc -l <"/proc/$BLKBACKD_PID/maps" 2>/dev/null) || break
	[ "${n:-0}" -gt $peak ] && peak=$n
	sleep 0.05
done
wait $front || expect_lines "$out" "(exit status)"
expect_lines "$out" "OK
OK
OK
OK
FLOOD 512 requests of 256 segments
OK
FLOOD 256 requests of 256 segments
OK
FLOOD 256 requests of 256 segments
OK
OK
OK
OK
OK"
grep "mapping .* failed" "$R/blkbackd.log" && fail "grant maps failed"
grep -q "waits for other rings' grant maps" "$R/blkbackd.log" ||
	fail "no ring waited for the daemon-wide budget"
ok "512 requests of 256 segments on one ring, then 256 on each of two rings sharing a budget of 2100 maps, answered OK; at most $peak mappings in blkbackd"
kill -TERM "$BLKBACKD_PID"
wait "$BLKBACKD_PID" || fail "blkbackd exit status $?"
exit 0
