#!/bin/bash
# test-needs: kvm
# The monitor's on_reboot/on_crash actions: xm reboot with
# on_reboot=restart brings the domain back (a new xenner); a crash with
# on_crash=preserve keeps its vmcore, listed as crashed until destroyed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xm-lib.sh"

"$XM" create "$(write_cfg rb "extra = 'secs=3600'" "on_reboot = 'restart'")" >/dev/null ||
	{ xm_log rb; fail "create rb"; }
pid1=$("$XM" list -l rb | sed -n 's/ *(xenner_pid \([0-9]*\))/\1/p')
timeout 30 "$XM" reboot -w rb | grep -q "Domain rb (id .*) rebooted" || fail "reboot -w"
wait_until "[ \"\$(xm_state rb)\" = r----- ]" 100 || { xm_log rb; fail "rb not back"; }
pid2=$("$XM" list -l rb | sed -n 's/ *(xenner_pid \([0-9]*\))/\1/p')
[ -n "$pid2" ] && [ "$pid1" != "$pid2" ] || fail "no new xenner ($pid1 -> $pid2)"
xm_log rb | grep -q "rebooted (xenner exit status 2): restart" || { xm_log rb; fail "log"; }
[ "$(xm_log rb | grep -c 'hk-xm: rb is up')" = 2 ] || fail "guest did not boot twice"
ok "reboot with on_reboot=restart: a new xenner ($pid1 -> $pid2)"
"$XM" destroy rb || fail "destroy rb"

# the guest crashes by itself after a second
"$XM" create "$(write_cfg cr "extra = 'secs=1 end=crash'" "on_crash = 'preserve'")" >/dev/null ||
	fail "create cr"
wait_until "ls '$XENNER_RUNDIR'/xm/cr.*.core >/dev/null 2>&1" 100 ||
	{ xm_log cr; fail "no kept vmcore"; }
core=$(ls "$XENNER_RUNDIR"/xm/cr.*.core)
xm_log cr | grep -q "crashed (xenner exit status 3): preserve" || { xm_log cr; fail "log"; }
xm_log cr | grep -q "memory is kept in $core" || fail "preserve not announced"
wait_until "[ \"\$(xm_state cr)\" = ----c- ]" 30 || { "$XM" list; fail "cr not listed as crashed"; }
if [ -x "$BUILD/tools/xenner-vmcore" ]; then
	"$BUILD/tools/xenner-vmcore" info "$core" 2>&1 | grep -qi "crash" ||
		"$BUILD/tools/xenner-vmcore" "$core" 2>&1 | grep -qi "crash" ||
		ok "(xenner-vmcore did not say crashed; not checked)"
fi
readelf -h "$core" | grep -q "CORE" || fail "kept vmcore is not an ELF core"
"$XM" shutdown cr 2>"$XENNER_RUNDIR/e" && fail "shutdown of a crashed domain"
grep -q "already ended" "$XENNER_RUNDIR/e" || fail "shutdown message"
"$XM" destroy cr | grep -q "Removed the kept vmcore" || fail "destroy cr"
[ -e "$core" ] && fail "core left after destroy"
[ -z "$(xm_state cr)" ] || fail "cr still listed"
ok "on_crash=preserve keeps the vmcore ($core) until destroy"

# on_crash=restart: too many restarts in a minute stop the monitor
"$XM" create "$(write_cfg loop "extra = 'secs=1 end=crash'" "on_crash = 'restart'")" >/dev/null ||
	fail "create loop"
wait_until "[ ! -e '$XENNER_RUNDIR/xm/loop.monitor' ]" 300 || fail "restart loop not stopped"
xm_log loop | grep -q "restarted 5 times within 60 s: giving up" || { xm_log loop; fail "loop log"; }
ok "a domain that keeps crashing is not restarted forever"
exit 0
