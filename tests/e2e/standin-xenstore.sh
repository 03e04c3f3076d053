#!/bin/bash
# The stand-in guest talks the xenstore protocol over its ring to the stock
# xenstored (grant ref 1, event channel via evtchnd): write/read/directory
# and a watch that fires over the event channel; the host sees its tree.
. "$(dirname "$0")/lib.sh"
start_dom0

watchlog=$XENNER_RUNDIR/release.watch
xenstore-watch @releaseDomain >"$watchlog" 2>&1 &
on_exit "kill $!"

start_standin xs1 "domid
write data/greeting hello
read data/greeting
write data/sub/a 1
ls data
watch data/flag tok1
wait-watch tok1
wait-watch tok1 10000
read data/flag
wait-signal"

standin_wait_lines 7
id=$(standin_line 1)
[ "$id" -ge 1 ] 2>/dev/null || fail "domid line: '$id'"
[ "$(standin_line 3)" = hello ] || fail "read back: '$(standin_line 3)'"
standin_line 5 | tr ' ' '\n' | grep -qx greeting || fail "ls: '$(standin_line 5)'"
standin_line 5 | tr ' ' '\n' | grep -qx sub || fail "ls: '$(standin_line 5)'"
ok "guest write/read/ls over the ring"

# The host sees the guest's tree and what it wrote.
[ "$(xenstore-read /local/domain/$id/data/greeting)" = hello ] ||
	fail "host does not see data/greeting"
[ "$(xenstore-read /local/domain/$id/name)" = xs1 ] || fail "name"
xenstore-ls /local/domain/$id | grep -q "ring-ref" || fail "xenstore-ls tree"
ok "xenstore-ls shows /local/domain/$id"

# A host write fires the guest's watch (xenstored -> evtchnd -> guest).
xenstore-write /local/domain/$id/data/flag up || fail "host write"
standin_wait_lines 9
[ "$(standin_line 8)" = "/local/domain/$id/data/flag" ] ||
	[ "$(standin_line 8)" = "data/flag" ] || fail "watch fired with '$(standin_line 8)'"
[ "$(standin_line 9)" = up ] || fail "read after watch: '$(standin_line 9)'"
ok "watch fired over the event channel"

kill -TERM "$STANDIN_PID"
wait "$STANDIN_PID" || fail "stand-in exit status $?"
# xenstore-watch prints the initial firing too: wait for a second line.
wait_until "[ \$(grep -c . '$watchlog') -ge 2 ]" 100 || fail "@releaseDomain never fired"
wait_until "! xenstore-ls /local/domain 2>/dev/null | grep -q '^$id '" 50 ||
	fail "xenstored still has domain $id"
[ -e "$XENNER_RUNDIR/vmcore.$id" ] && fail "vmcore.$id left behind"
ok "domain released"
exit 0
