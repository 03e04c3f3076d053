#!/bin/bash
# xenner-dom0 starts blkbackd with the other dom0 services, status shows
# it, a frontend gets its disk served, and stop stops it.
. "$(dirname "$0")/lib.sh"
need_file "$BUILD/blkbackd/blkbackd" "make"
need_file "$BUILD/tests/blkfront/xenner-blkfront" "make"
start_dom0
"$DOM0" status | grep -q "^blkbackd: running" || fail "status: $("$DOM0" status)"
pid=$(pid_of_service blkbackd)
img=$XENNER_RUNDIR/d.img
truncate -s 4M "$img"
out=$("$BUILD/tests/blkfront/xenner-blkfront" "add 51712 $img w" \
	"connect 51712" "write 51712 8 64 3" "read 51712 8 64 3" 2>&1)
[ "$out" = "OK
OK
OK
OK" ] || { tail "$XENNER_RUNDIR/blkbackd.log"; fail "frontend: $out"; }
ok "dom0's blkbackd (pid $pid) serves a disk"
"$DOM0" stop || fail "stop"
proc_alive "$pid" && fail "blkbackd still runs after stop"
[ -e "$XENNER_RUNDIR/blkbackd.pid" ] && fail "pidfile left behind"
ok "stop stopped blkbackd"
exit 0
