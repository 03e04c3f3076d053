#!/bin/bash
# libxenner-preload.so serves /proc/xen/{capabilities,xsd_port,xsd_kva}
# from memory and the run directory and keeps /dev/xen/* away (ENOENT),
# for programs opening them with open() or openat().
. "$(dirname "$0")/lib.sh"

PRELOAD=$BUILD/lib/libxenner-preload.so
need_file "$PRELOAD" "make"
new_rundir
san=$(ldd "$PRELOAD" | awk '/lib(asan|ubsan)\.so/ { printf "%s:", $3 }')
export ASAN_OPTIONS=detect_leaks=0
run() { LD_PRELOAD=$san$PRELOAD "$@"; }

[ "$(run cat /proc/xen/capabilities)" = control_d ] ||
	fail "capabilities: '$(run cat /proc/xen/capabilities 2>&1)'"
ok "capabilities"

echo 17 >"$XENNER_RUNDIR/xsd_port"
[ "$(run cat /proc/xen/xsd_port)" = 17 ] || fail "xsd_port not redirected"
[ "$(run bash -c 'read -r p </proc/xen/xsd_port; echo $p')" = 17 ] ||
	fail "xsd_port via bash open()"
ok "xsd_port"

head -c 4096 /dev/zero >"$XENNER_RUNDIR/xsd_kva"
# O_RDWR without truncation, as xenstored opens it before mmap().
run bash -c 'printf abc 1<>/proc/xen/xsd_kva' ||
	fail "xsd_kva not writable through the preload"
[ "$(head -c 3 "$XENNER_RUNDIR/xsd_kva")" = abc ] || fail "xsd_kva not redirected"
ok "xsd_kva"

out=$(run cat /dev/xen/privcmd 2>&1) && fail "/dev/xen/privcmd opened"
case "$out" in *"No such file"*) ;; *) fail "/dev/xen/privcmd: $out" ;; esac
ok "/dev/xen/* -> ENOENT"

# Without the run-directory file the redirect fails cleanly.
rm -f "$XENNER_RUNDIR/xsd_port"
run cat /proc/xen/xsd_port 2>/dev/null && fail "missing xsd_port read"
echo PASS
