#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 250
# xenner-cleanup after a SIGKILLed xenner: its vmcore, emu and control
# files, its xenstore trees, a private dom0 set whose xenner is gone and an
# orphaned tap are removed (-n only lists them); a running domain is left
# alone.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
CLEANUP="$SRCDIR/tools/xenner-cleanup"
XENNER="$BUILD/xenner/xenner"
HK="$BUILD/tests/guests/hk-xm"
need_file "$HK" "make"
need_file "$BUILD/tools/xm/xenner-xm" "make"
start_dom0
R=$XENNER_RUNDIR
truncate -s 1M "$R/d.img"
"$XENNER" -name victim -kernel "$HK" -m 32 -append secs=3600 \
	-disk "$R/d.img" >"$R/victim.out" 2>&1 &
victim=$!
on_exit "kill -KILL $victim"
"$XENNER" -name survivor -kernel "$HK" -m 32 -append secs=3600 \
	-console xenconsoled >"$R/survivor.out" 2>&1 &
survivor=$!
on_exit "kill -KILL $survivor"
wait_until "xenstore-read /local/domain/2/name >/dev/null 2>&1" 100 ||
	{ cat "$R"/*.out; fail "domains did not start"; }
vid=$(for i in 1 2; do [ "$(xenstore-read /local/domain/$i/name)" = victim ] && echo $i; done)
sid=$((3 - vid))
[ -e "$R/vmcore.$vid" ] && [ -e "$R/emu.$vid" ] && [ -S "$R/control.$vid" ] ||
	fail "victim's files missing"
kill -KILL $victim
wait $victim 2>/dev/null
sleep 0.5
[ -e "$R/vmcore.$vid" ] || fail "SIGKILL left no vmcore (test is wrong)"
xenstore-read "/local/domain/$vid/name" >/dev/null 2>&1 || fail "no xenstore tree left"

# a private dom0 set whose xenner is gone
P=$R/sub
mkdir -p "$P"
XENNER_RUNDIR=$P "$XENNER" -name lonely -kernel "$HK" -m 32 -append secs=3600 \
	>"$R/lonely.out" 2>&1 &
lonely=$!
on_exit "kill -KILL $lonely"
wait_until "ls -d '$P'/private.*/vmcore.1 >/dev/null 2>&1" 100 ||
	{ cat "$R/lonely.out"; fail "private set did not start"; }
priv=$(ls -d "$P"/private.*)
ev=$(cat "$priv/evtchnd.pid")
on_exit "'$DOM0' --rundir '$priv' stop"
kill -KILL $lonely
wait $lonely 2>/dev/null

# an orphaned persistent tap
tap=""
if ip tuntap add vif77.0 mode tap 2>/dev/null; then
	tap=vif77.0
	on_exit "ip link del vif77.0"
fi

"$CLEANUP" -n --rundir "$R" >"$R/dry.out" 2>&1 || fail "cleanup -n"
cat "$R/dry.out"
grep -q "would remove $R/vmcore.$vid (domain $vid is not known" "$R/dry.out" || fail "-n vmcore"
grep -q "would remove xenstore /local/domain/$vid" "$R/dry.out" || fail "-n xenstore"
[ -e "$R/vmcore.$vid" ] || fail "-n removed something"
"$CLEANUP" -n --rundir "$P" | grep -q "would stop the dom0 services in $priv" || fail "-n private"
proc_alive "$ev" || fail "-n stopped evtchnd"

"$CLEANUP" --rundir "$R" >"$R/real.out" 2>&1 || fail "cleanup"
cat "$R/real.out"
for f in vmcore emu control; do
	[ -e "$R/$f.$vid" ] && fail "$f.$vid left"
	grep -q "removed $R/$f.$vid" "$R/real.out" || fail "$f.$vid not reported"
done
xenstore-read "/local/domain/$vid/name" >/dev/null 2>&1 && fail "xenstore tree left"
xenstore-ls "/local/domain/0/backend/vbd/$vid" >/dev/null 2>&1 && fail "backend tree left"
[ -z "$tap" ] || ! ip link show "$tap" >/dev/null 2>&1 || fail "tap left"
# the survivor is untouched
[ -e "$R/vmcore.$sid" ] && [ -e "$R/emu.$sid" ] && [ -S "$R/control.$sid" ] || fail "survivor's files removed"
[ "$(xenstore-read /local/domain/$sid/name)" = survivor ] || fail "survivor's tree removed"
proc_alive $survivor || fail "survivor died"
"$BUILD/tools/xm/xenner-xm" pause survivor || fail "survivor's control socket"
"$BUILD/tools/xm/xenner-xm" unpause survivor
ok "the dead domain's leftovers are gone, the live one is untouched"

"$CLEANUP" --rundir "$P" >"$R/priv.out" 2>&1 || fail "cleanup of the private set"
cat "$R/priv.out"
[ -d "$priv" ] && fail "private dir left"
wait_until "! proc_alive $ev" 30 || fail "private evtchnd still runs"
ok "the orphaned private dom0 set is stopped and removed"
"$CLEANUP" --rundir "$R" | grep -q "nothing to clean" || fail "second run not clean"
exit 0
