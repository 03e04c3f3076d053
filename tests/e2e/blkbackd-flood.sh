#!/bin/bash
# A frontend fills a 512-slot ring with the largest indirect writes at once,
# every segment the same granted page: 131072 grant maps asked for, twice
# what the host lets one process map (vm.max_map_count).  blkbackd paces the
# ring at its map budget instead of failing requests: every one is answered
# OK, no map fails, and the next requests on the device are served.
. "$(dirname "$0")/blkbackd-lib.sh"
R=$XENNER_RUNDIR
img=$R/disk.img
truncate -s 16M "$img"
start_blkbackd

out=$R/front.out
"$BLKFRONT" --timeout-ms 60000 - >"$out" 2>"$out.err" <<SCRIPT &
add 51712 $img w
connect 51712 order=4
flood 51712 512
write 51712 4096 64 3
read 51712 4096 64 3
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
FLOOD 512 requests of 256 segments
OK
OK
OK"
grep "mapping .* failed" "$R/blkbackd.log" && fail "grant maps failed"
ok "512 requests of 256 segments on one ring answered OK; at most $peak mappings in blkbackd"
kill -TERM "$BLKBACKD_PID"
wait "$BLKBACKD_PID" || fail "blkbackd exit status $?"
exit 0
