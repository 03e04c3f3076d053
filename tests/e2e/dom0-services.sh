#!/bin/bash
# xenner-dom0 starts Debian's stock xenstored and xenconsoled on the shim,
# xenstore-* tools talk to them, and stop leaves nothing behind.
. "$(dirname "$0")/lib.sh"
start_dom0

"$DOM0" status || fail "status after start"
for s in xenstored xenconsoled; do
	pid=$(pid_of_service $s)
	exe=$(readlink "/proc/$pid/exe")
	[ "$exe" = /usr/lib/xen-4.17/bin/$s ] || fail "$s runs $exe"
	for lib in libxenctrl.so.4.17 libxenevtchn.so.1 libxengnttab.so.1 \
		libxenner-preload.so; do
		grep -q "$BUILD/lib/$lib" "/proc/$pid/maps" ||
			fail "$s has not mapped our $lib"
	done
	grep -q "/usr/lib/x86_64-linux-gnu/libxenctrl" "/proc/$pid/maps" &&
		fail "$s mapped Debian's libxenctrl"
	ok "$s (pid $pid) runs on the shim"
done

xenstore-write /test/hello world || fail "xenstore-write"
[ "$(xenstore-read /test/hello)" = world ] || fail "xenstore-read"
xenstore-ls / | grep -q hello || fail "xenstore-ls"
ok "xenstore-* tools use the private xenstored"

# dom0's own ring is there: xenstored bound the xsd port in evtchnd.
[ -s "$XENNER_RUNDIR/xsd_port" ] || fail "no xsd_port"

pids="$(pid_of_service evtchnd) $(pid_of_service xenstored) $(pid_of_service xenconsoled)"
"$DOM0" stop || fail "stop"
for p in $pids; do
	proc_alive "$p" && fail "pid $p still runs after stop"
done
"$DOM0" status >/dev/null && fail "status says running after stop"
[ -e "$XENSTORED_PATH" ] && fail "xenstored socket left behind"
[ -e "$XENNER_RUNDIR/evtchnd.sock" ] && fail "evtchnd socket left behind"
ok "stop stopped everything"
if command -v dpkg >/dev/null; then
	out=$(dpkg --verify xen-utils-4.17 2>&1)
	[ -z "$out" ] || fail "dpkg --verify xen-utils-4.17: $out"
	ok "Debian's files untouched"
fi
exit 0
