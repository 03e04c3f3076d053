#!/bin/bash
# Console text the stand-in writes into its ring shows up in stock
# xenconsoled's guest log; destroying the domain (its process dies without
# cleaning up) makes xenconsoled close the log and xenstored forget it.
. "$(dirname "$0")/lib.sh"
start_dom0
log=$XENNER_RUNDIR/console/guest-con1.log

watchlog=$XENNER_RUNDIR/release.watch
xenstore-watch @releaseDomain >"$watchlog" 2>&1 &
on_exit "kill $!"

start_standin con1 "domid
console hello from the stand-in
console second line
wait-signal"
standin_wait_lines 1
id=$(standin_line 1)
wait_until "grep -q 'second line' '$log' 2>/dev/null" 100 ||
	{ show_logs; fail "console text not in $log"; }
grep -q "hello from the stand-in" "$log" || fail "first line missing"
ok "xenconsoled logged the guest console"

cpid=$(pid_of_service xenconsoled)
ls -l "/proc/$cpid/fd" | grep -q "guest-con1.log" ||
	fail "xenconsoled does not hold the log open"
tty=$(xenstore-read /local/domain/$id/console/tty 2>/dev/null)
[ -n "$tty" ] || fail "xenconsoled wrote no console/tty"
ok "xenconsoled made $tty"

kill -KILL "$STANDIN_PID"
wait "$STANDIN_PID" 2>/dev/null
wait_until "! ls -l /proc/$cpid/fd | grep -q guest-con1.log" 100 ||
	fail "xenconsoled kept the log of a dead domain open"
ok "xenconsoled closed the log"
# xenstore-watch prints the initial firing of the watch too: wait for a second.
wait_until "[ \$(grep -c . '$watchlog') -ge 2 ]" 100 ||
	fail "xenstored never fired @releaseDomain"
ok "xenstored released domain $id"
kill -0 "$cpid" || fail "xenconsoled died"
kill -0 "$(pid_of_service xenstored)" || fail "xenstored died"
exit 0
