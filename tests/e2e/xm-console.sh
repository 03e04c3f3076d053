#!/bin/bash
# test-needs: kvm
# xenner-xm console and create -c: this terminal on xenconsoled's pty (a
# pty made by script(1) here): the guest's output arrives, typed input
# reaches the guest (hk-xm echoes it), Ctrl-] detaches.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xm-lib.sh"
command -v script >/dev/null || skip "no script(1) (bsdutils)"

"$XM" create "$(write_cfg con "extra = 'secs=3600'")" >/dev/null || fail "create"
out=$XENNER_RUNDIR/console.out
{ sleep 2; printf 'ping-from-host\r'; sleep 2; printf '\035'; } |
	timeout 20 script -qfec "'$XM' console con" /dev/null >"$out" 2>&1
rc=$?
[ $rc = 0 ] || { cat -A "$out"; fail "console exit status $rc"; }
grep -q "hk-xm: con is up" "$out" || { cat -A "$out"; fail "no guest output"; }
grep -q "ping-from-host" "$out" || { cat -A "$out"; fail "input not echoed"; }
[ "$(xm_state con)" = r----- ] || fail "detaching stopped the domain"
ok "console: output, input and Ctrl-] detach"

"$XM" console nosuch 2>/dev/null && fail "console of a missing domain"
# create -c: attached from the start; the console ends with the domain
out2=$XENNER_RUNDIR/create-c.out
{ sleep 3; printf 'hello\r'; } |
	timeout 30 script -qfec "'$XM' create -c '$(write_cfg cc "extra = 'secs=5'")'" /dev/null >"$out2" 2>&1 ||
	{ cat -A "$out2"; fail "create -c"; }
grep -q "Started domain cc" "$out2" || fail "create -c: no start message"
grep -q "hk-xm: cc is up" "$out2" || { cat -A "$out2"; fail "create -c: no output"; }
ok "create -c attaches and returns when the domain ends"
exit 0
