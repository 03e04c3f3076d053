#!/bin/bash
# test-needs: kvm
# The issue's sample configuration with Debian's kernel: xenner-xm create
# (kernel, ramdisk from mkinitramfs.sh, 256 MB, 2 vCPUs, a file: disk),
# list, console (the guest's output, its disk as xvda), shutdown -w (the
# guest's kernel follows control/shutdown and powers off).
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
cache=${XENNER_CACHE:-/var/cache/xenner}
kernel=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$kernel" ] || skip "no guest kernel in $cache (scripts/fetch-guest-kernel.sh)"
command -v script >/dev/null || skip "no script(1) (bsdutils)"
. "$(dirname "$0")/xm-lib.sh"

initrd=$XENNER_RUNDIR/initrd.gz
"$SRCDIR/scripts/mkinitramfs.sh" "$initrd" >/dev/null || fail "mkinitramfs.sh"
img=$XENNER_RUNDIR/debian.img
truncate -s 16M "$img"
# The guest's /init runs this; the kernel's orderly poweroff (what
# control/shutdown triggers) then uses busybox's poweroff -f.
# (XT-READ\\Y: the command line itself must not show the marker)
run="echo /bin/busybox poweroff -f >/proc/sys/kernel/poweroff_cmd;"
run+=" modprobe xen-blkfront; sleep 2; echo XT-DIS\\\\K \$(cat /sys/block/xvda/size);"
run+=" echo XT-READ\\\\Y; while :; do sleep 1; done"
cfg=$XENNER_RUNDIR/debian.cfg
cat >"$cfg" <<CFG
# The issue's sample: Debian's kernel as a PV guest
kernel = '$kernel'
ramdisk = '$initrd'
memory = 256
vcpus = 2
name = 'debian'
disk = [ 'file:$img,xvda,w' ]
extra = 'console=hvc0 loglevel=4 xenner.run="$run"'
on_poweroff = 'destroy'
on_reboot = 'restart'
on_crash = 'preserve'
CFG

"$XM" create "$cfg" | grep -q "Started domain debian" || { xm_log debian; fail "create"; }
# ------ while xenner still builds the domain, then r-----
wait_until "'$XM' list | grep -Eq '^debian +[0-9]+ +256 +2 +r----- '" 300 ||
	{ "$XM" list; fail "list"; }
ok "create and list: debian with 256 MB and 2 vCPUs"

# console: wait (up to 4 minutes) for the guest's marker, then Ctrl-]
out=$XENNER_RUNDIR/console.out
(
	for _ in $(seq 240); do
		grep -q XT-READY "$out" 2>/dev/null && break
		sleep 1
	done
	printf '\035'
) | timeout 300 script -qfec "'$XM' console debian" /dev/null >"$out" 2>&1
grep -q "XENNER-INIT: /init reached" "$out" || { tail -n 30 "$out"; fail "no /init on the console"; }
grep -q "XT-DISK 32768" "$out" || { tail -n 30 "$out"; fail "xvda not seen with 16 MiB"; }
ok "console: /init reached, xvda is 32768 sectors"

id=$(xm_id debian)
timeout 120 "$XM" shutdown -w debian | grep -q "Domain debian (id $id) shut down" ||
	{ xm_log debian | tail; fail "shutdown -w"; }
[ -z "$(xm_state debian)" ] || fail "debian still listed"
xm_log debian | grep -q "powered off (xenner exit status 0): destroy" || { xm_log debian | tail; fail "not a poweroff"; }
ok "shutdown -w: the guest powered off"
exit 0
