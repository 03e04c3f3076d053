#!/bin/bash
# test-needs: kvm
# test-svm-smoke
# Boots Debian's stock cloud kernel (scripts/fetch-guest-kernel.sh) as a
# 64-bit Xen PV guest under xenner with a busybox initramfs
# (scripts/mkinitramfs.sh) and checks on the PV console (hvc0) that it
# reached /init, that the kernel knows it runs on Xen PV, that the wall
# clock and sleep work, that a task whose sigreturn the CPU refuses (a
# non-canonical RIP, a CS that selects nothing) gets SIGSEGV while the
# guest runs on (emu's failsafe callback, as on Xen), and that poweroff
# ends xenner with status 0.
# Prints the boot time to /init and emu's entry count.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_linux_guest
BOOT_TIMEOUT=${LINUX_BOOT_TIMEOUT:-$(scaled 400)}

new_rundir
initrd=$XENNER_RUNDIR/initrd.gz
"$SRCDIR/scripts/mkinitramfs.sh" "$initrd" >/dev/null ||
	fail "mkinitramfs.sh"
# /bin/xt-badiret, in an archive of its own after the initramfs's
mkdir -p "$XENNER_RUNDIR/extra/bin"
gcc -static -O2 -std=gnu11 -Wall -Wextra -Werror -o "$XENNER_RUNDIR/extra/bin/xt-badiret" \
	"$SRCDIR/tests/guests-user/xt-badiret.c" || fail "cannot build xt-badiret (gcc, libc6-dev)"
(cd "$XENNER_RUNDIR/extra" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip >>"$initrd" || fail "cpio"

# What the guest runs: each line a marker this script checks.
# (no double quotes: they delimit xenner.run= on the command line)
run="dmesg | grep -q 'Hypervisor detected: Xen PV' && echo XT-XENPV;"
run+=' echo XT-DATE $(date +%s);'
run+=' /bin/xt-badiret rip; /bin/xt-badiret cs;'
run+=" a=\$(cut -d' ' -f1 /proc/uptime); sleep 1;"
run+=" b=\$(cut -d' ' -f1 /proc/uptime); echo XT-SLEEP \$a \$b"
out=$XENNER_RUNDIR/console.out
start=$(date +%s%N)
timeout -k 5 "$BOOT_TIMEOUT" "$XENNER" -kernel "$kernel" -initrd "$initrd" \
	-m 256 -name linux-boot -stats \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" \
	</dev/null >"$out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
init_ms=
while kill -0 $pid 2>/dev/null; do
	if [ -z "$init_ms" ] && grep -q "XENNER-INIT: /init reached" "$out"; then
		init_ms=$((($(date +%s%N) - start) / 1000000))
	fi
	sleep 0.2
done
wait $pid
rc=$?
total_ms=$((($(date +%s%N) - start) / 1000000))
host_now=$(date +%s)

show() { tail -n 40 "$out"; }
[ $rc = 124 ] && { show; fail "no poweroff within ${BOOT_TIMEOUT}s"; }
grep -q "XENNER-INIT: /init reached" "$out" || { show; fail "never reached /init"; }
[ -n "$init_ms" ] || init_ms=$total_ms
grep -q "^XT-XENPV" "$out" || { show; fail "dmesg does not say Xen PV"; }

# the guest's wall clock (Xen's wallclock + system time) is the host's
gdate=$(sed -n 's/^XT-DATE \([0-9]*\).*/\1/p' "$out" | head -n 1)
[ -n "$gdate" ] || { show; fail "no date from the guest"; }
skew=$((host_now - gdate))
[ ${skew#-} -le $((total_ms / 1000 + 60)) ] ||
	{ show; fail "guest date $gdate is ${skew}s off the host's"; }

# sleep 1 takes about a second of guest uptime (timers and blocking work)
read -r a b < <(sed -n 's/^XT-SLEEP \([0-9.]*\) \([0-9.]*\).*/\1 \2/p' "$out")
[ -n "${b:-}" ] || { show; fail "sleep 1 did not finish"; }
awk -v a="$a" -v b="$b" 'BEGIN { d = b - a; exit !(d >= 0.95 && d < 30) }' ||
	{ show; fail "sleep 1 took $a -> $b s of uptime"; }

for w in rip cs; do
	grep -q "^XT-BADIRET $w: SIGSEGV" "$out" ||
		{ show; fail "a sigreturn to a bad $w did not end in SIGSEGV"; }
done
failsafe=$(sed -n 's/^ *irets to the failsafe callback *\([0-9]*\)$/\1/p' "$out" | tail -n 1)
[ "${failsafe:-0}" -ge 2 ] || { show; fail "emu counted ${failsafe:-no} failsafe bounces, expected 2"; }

grep -q "XENNER-RUN: exit 0" "$out" || { show; fail "the command failed in the guest"; }
grep -q "Kernel panic\|BUG:\|Oops" "$out" && { show; fail "kernel trouble on the console"; }
[ $rc = 0 ] || { show; fail "xenner exit $rc after poweroff, expected 0"; }
grep -q "domain .*: shutdown (poweroff)" "$out" || { show; fail "no poweroff"; }

entries=$(sed -n 's/^ *emu entries *\([0-9]*\)$/\1/p' "$out" | tail -n 1)
printf 'ok: Linux reached /init in %d.%01d s (poweroff after %d.%01d s), %s emu entries\n' \
	$((init_ms / 1000)) $((init_ms % 1000 / 100)) $((total_ms / 1000)) \
	$((total_ms % 1000 / 100)) "${entries:-?}"
ok "sigreturns to a non-canonical RIP and to a bogus CS: SIGSEGV for the task ($failsafe failsafe bounces), the guest ran on"
