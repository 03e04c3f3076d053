#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 120
# Debian's kernel as an SMP Xen PV guest served by the stock dom0 daemons:
# two vCPUs online, xenbus connected to the stock xenstored (the guest's
# own keys visible with xenstore-ls), its console through the stock
# xenconsoled, 64 fork+exec (bench/ times them), then reboot and a kernel
# panic end xenner with their own exit status (2 and 3).
# test-timeout: 1500
. "$(dirname "$0")/lib.sh"
need_linux_guest
BOOT_TIMEOUT=${LINUX_BOOT_TIMEOUT:-$(scaled 600)}
start_dom0
make_initrd

boot() { # name, command in the guest; sets pid
	XENNER_RUNDIR=$XENNER_RUNDIR timeout -k 5 "$BOOT_TIMEOUT" "$XENNER" \
		-name "$1" -kernel "$kernel" -initrd "$initrd" -m 256 -smp 2 \
		-console xenconsoled -append "console=hvc0 loglevel=4 xenner.run=\"$2\"" \
		</dev/null >"$XENNER_RUNDIR/$1.out" 2>&1 &
	pid=$!
	on_exit "kill -9 $pid"
}

run='echo XT-CPUS $(nproc);'
run+=' i=0; while [ $i -lt 64 ]; do /bin/true; i=$((i+1)); done; echo XT-FORKS $i;'
run+=' sleep 4; reboot -f'
boot smp "$run"
log=$XENNER_RUNDIR/console/guest-smp.log
wait_guest $pid "$log" XT-FORKS 6000
grep -q "XT-CPUS 2" "$log" || { tail -n 30 "$log"; fail "not 2 CPUs online"; }
grep -q "XT-FORKS 64" "$log" || fail "fork+exec loop"
ok "2 vCPUs, 64 fork+exec, console through xenconsoled"
id=$(xenstore-list /local/domain | grep -v '^0$' | while read -r d; do
	[ "$(xenstore-read /local/domain/$d/name)" = smp ] && echo "$d"; done)
[ -n "$id" ] || fail "domain smp not in xenstore"
# keys the guest's kernel wrote itself over its xenbus connection
[ "$(xenstore-read /local/domain/$id/control/feature-poweroff 2>/dev/null)" = 1 ] ||
	{ xenstore-ls -f /local/domain/$id; fail "guest xenbus wrote no control/feature-poweroff"; }
ok "the guest's xenbus talks to the stock xenstored"
wait $pid
rc=$?
[ $rc = 2 ] || { tail -n 20 "$XENNER_RUNDIR/smp.out"; fail "reboot: exit $rc, expected 2"; }
ok "reboot -> exit 2"

boot panic "echo c > /proc/sysrq-trigger"
wait $pid
rc=$?
[ $rc = 3 ] || { tail -n 20 "$XENNER_RUNDIR/panic.out"; fail "panic: exit $rc, expected 3"; }
grep -q "Kernel panic\|sysrq" "$XENNER_RUNDIR/console/guest-panic.log" ||
	fail "no panic on the console"
ok "kernel panic -> exit 3"
"$DOM0" status >/dev/null || fail "dom0 services died"
exit 0
