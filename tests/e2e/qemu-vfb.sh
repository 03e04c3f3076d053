#!/bin/bash
# test-needs: kvm
# Debian's unmodified QEMU (qemu-system-xen) as qemu-dm on the shim: the
# dom0 one runs under xenner-dom0, and `xenner -vfb vnc=N` starts the
# domain's own QEMU, whose vfb backend connects to the cloud kernel's
# built-in xen-fbfront.  A VNC client on the host (vnc-snapshot.py) sees
# the guest's fbcon: a blank screen after the guest clears tty1, its text
# after the guest writes it.  When the guest powers off, its QEMU and its
# backend nodes are gone.  The QEMU of a SIGKILLed xenner is stopped by
# xenner-cleanup.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
QEMU=${XENNER_QEMU:-/usr/libexec/xen-qemu-system-i386}
[ -x "$QEMU" ] || skip "no $QEMU (qemu-system-xen)"
command -v python3 >/dev/null || skip "no python3"
command -v ss >/dev/null || skip "no ss (iproute2)"
need_linux_guest
SNAP="$SRCDIR/tests/e2e/vnc-snapshot.py"
start_dom0
R=$XENNER_RUNDIR

# the dom0 device model runs on the shim
pid=$(pid_of_service qemu-dm) || fail "no qemu-dm pidfile"
proc_alive "$pid" || fail "dom0 qemu-dm does not run"
[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$QEMU")" ] || fail "qemu-dm runs $(readlink "/proc/$pid/exe")"
for lib in libxenctrl.so.4.17 libxenevtchn.so.1 libxengnttab.so.1 \
	libxenforeignmemory.so.1 libxendevicemodel.so.1 libxenner-preload.so; do
	grep -q "$BUILD/lib/$lib" "/proc/$pid/maps" || fail "qemu-dm has not mapped our $lib"
done
[ "$(xenstore-read /local/domain/0/device-model/0/state)" = running ] ||
	fail "dom0 qemu-dm did not say running"
ok "dom0 qemu-dm (pid $pid) runs Debian's QEMU on the shim"

# a free VNC display (tests may run side by side)
free_display() {
	local d n
	for ((d = 40 + $$ % 50, n = 0; n < 50; d = 40 + (d - 39) % 50, n++)); do
		ss -ltnH "sport = :$((5900 + d))" | grep -q . && continue
		echo $d
		return 0
	done
	return 1
}
display=$(free_display) || skip "no free VNC display in 40..89"
port=$((5900 + display))

make_initrd

# The guest takes its cues from the console: the host sends a line after
# each screenshot.  (No double quotes: they delimit xenner.run=.)
run='cat /proc/fb; echo 0 > /sys/class/graphics/fbcon/cursor_blink;'
run+=" printf '\\033[?25l\\033[2J' > /dev/tty1; echo XT-CLEARED; read -r a;"
run+=' i=0; while [ $i -lt 30 ]; do echo XENNER PV FRAMEBUFFER LINE $i > /dev/tty1; i=$((i+1)); done;'
run+=' echo XT-WRITTEN; read -r a'
out=$R/linux.out
mkfifo "$R/in"
timeout -k 5 "$(scaled 500)" "$XENNER" -name vfb -kernel "$kernel" -initrd "$initrd" \
	-m 256 -vfb "vnc=$display" \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" <"$R/in" >"$out" 2>&1 &
xpid=$!
on_exit "kill -TERM $xpid" # timeout passes it on to xenner
exec 3>"$R/in"
on_exit "exec 3>&-"
show() { tail -n 30 "$out"; show_logs; }

wait_guest $xpid "$out" 'framebuffer on VNC' 300
domid=$(sed -n 's/.*domain \([0-9]*\): framebuffer on VNC.*/\1/p' "$out")
dmpid=$(cat "$R/qemu-dm-$domid.pid") || fail "no qemu-dm-$domid.pid"
proc_alive "$dmpid" || { show; fail "qemu-dm-$domid does not run"; }
tr '\0' ' ' <"/proc/$dmpid/cmdline" | grep -q -- "-xen-domid $domid -xen-attach" ||
	fail "qemu-dm-$domid: $(tr '\0' ' ' <"/proc/$dmpid/cmdline")"
ss -ltnH "sport = :$port" | grep -q . || fail "nothing listens on VNC port $port"
ok "qemu-dm-$domid (pid $dmpid) serves domain $domid on VNC :$display"

be=/local/domain/0/backend/vfb/$domid/0
fe=/local/domain/$domid/device/vfb/0
for n in frontend frontend-id online vnc vnclisten vncdisplay; do
	xenstore-read "$be/$n" >/dev/null 2>&1 || fail "no $be/$n"
done
[ "$(xenstore-read "$be/vncdisplay")" = "$display" ] || fail "vncdisplay"
xenstore-read "/local/domain/0/backend/vkbd/$domid/0/frontend" >/dev/null ||
	fail "no vkbd backend"
wait_guest $xpid "$out" XT-CLEARED
grep -q '^0 xen' "$out" || { show; fail "/proc/fb has no xen framebuffer"; }
[ "$(xenstore-read "$be/state")" = 4 ] && [ "$(xenstore-read "$fe/state")" = 4 ] ||
	{ xenstore-ls "$be"; xenstore-ls "$fe"; show; fail "vfb not connected"; }
ok "xen-fbfront connected to QEMU's vfb backend (page-ref $(xenstore-read "$fe/page-ref"))"

# Polls screenshots until the condition holds: $w $h $colours $fg.
snap_until() { # what, condition
	local i line
	for ((i = 0; i < 40; i++)); do
		line=$(python3 "$SNAP" "127.0.0.1:$port" "$R/$1.ppm") ||
			fail "vnc-snapshot: $line"
		read -r size colours fg <<<"$line"
		colours=${colours#colours=} fg=${fg#non-background=}
		eval "$2" && { echo "$1: $line"; return 0; }
		sleep 0.5
	done
	echo "$1: $line"
	return 1
}
snap_until blank '[ "$fg" = 0 ]' || fail "screen not blank after the guest cleared it"
ok "screenshot of the cleared screen is uniform ($size)"
echo go >&3
wait_guest $xpid "$out" XT-WRITTEN 600
snap_until text '[ "$colours" -ge 2 ] && [ "$fg" -ge 5000 ]' ||
	fail "the guest's text is not on the screen"
ok "screenshot shows the guest's text: $fg pixels in $colours colours"

echo go >&3
wait $xpid
rc=$?
[ $rc = 0 ] || { show; fail "xenner exit $rc, expected 0 (poweroff)"; }
proc_alive "$dmpid" && fail "qemu-dm-$domid still runs after the domain ended"
[ -e "$R/qemu-dm-$domid.pid" ] && fail "qemu-dm-$domid.pid left behind"
xenstore-ls "/local/domain/0/backend/vfb/$domid" >/dev/null 2>&1 && fail "vfb backend nodes left"
xenstore-ls "/local/domain/0/backend/vkbd/$domid" >/dev/null 2>&1 && fail "vkbd backend nodes left"
ok "poweroff stopped qemu-dm-$domid and removed the nodes"

# A SIGKILLed xenner cannot stop its QEMU; xenner-cleanup does.
HK="$BUILD/tests/guests/hk-xm"
need_file "$HK" "make"
need_file "$BUILD/tools/xm/xenner-xm" "make"
display=$(free_display) || skip "no free VNC display in 40..89"
"$XENNER" -name victim -kernel "$HK" -m 32 -append secs=3600 \
	-vfb "vnc=$display" </dev/null >"$R/victim.out" 2>&1 &
victim=$!
on_exit "kill -KILL $victim"
wait_until "grep -q 'framebuffer on VNC' '$R/victim.out'" 300 ||
	{ cat "$R/victim.out"; fail "victim's device model did not start"; }
vid=$(sed -n 's/.*domain \([0-9]*\): framebuffer on VNC.*/\1/p' "$R/victim.out")
vdm=$(cat "$R/qemu-dm-$vid.pid") || fail "no qemu-dm-$vid.pid"
kill -KILL $victim
wait $victim 2>/dev/null
proc_alive "$vdm" || fail "qemu-dm-$vid died with its xenner (test is wrong)"
"$SRCDIR/tools/xenner-cleanup" --rundir "$R" >"$R/cleanup.out" 2>&1 ||
	{ cat "$R/cleanup.out"; fail "xenner-cleanup"; }
grep -q "removed qemu-dm-$vid (domain $vid is not known" "$R/cleanup.out" ||
	{ cat "$R/cleanup.out"; fail "xenner-cleanup did not report qemu-dm-$vid"; }
proc_alive "$vdm" && fail "qemu-dm-$vid still runs after xenner-cleanup"
[ -e "$R/qemu-dm-$vid.pid" ] && fail "qemu-dm-$vid.pid left behind"
ok "xenner-cleanup stopped the QEMU of a SIGKILLed xenner"
exit 0
