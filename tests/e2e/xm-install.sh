#!/bin/bash
# make install into a temporary DESTDIR: the file list (binaries, xm
# link, shim libraries in their own directory, units, man pages, the
# console logs' logrotate file), units
# with no placeholder left and `systemd-analyze verify` clean, the
# installed xenner-dom0 pointing at the installed layout; make uninstall
# leaves nothing.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/xenner-install.XXXXXX)
on_exit "rm -rf '$tmp'"
rel=${BUILD#"$SRCDIR"/}
make -s -C "$SRCDIR" BUILD="$rel" PREFIX=/usr/local DESTDIR="$tmp/d" install \
	>"$tmp/log" 2>&1 || { tail "$tmp/log"; fail "make install"; }
(cd "$tmp/d" && find . ! -type d | sort) >"$tmp/list"
P=./usr/local
for f in bin/xenner bin/xenner-xm bin/xm bin/xenner-dom0 bin/xenner-cleanup \
	bin/xenner-vmcore bin/xenner-stats sbin/evtchnd sbin/blkbackd \
	lib/xenner/libxenctrl.so.4.17 lib/xenner/libxenevtchn.so.1 \
	lib/xenner/libxengnttab.so.1 lib/xenner/libxenforeignmemory.so.1 \
	lib/xenner/libxendevicemodel.so.1 lib/xenner/libxenner-preload.so \
	lib/systemd/system/xenner.target lib/systemd/system/xenner@.service \
	lib/systemd/system/xenner-evtchnd.service \
	lib/systemd/system/xenner-xenstored.service \
	lib/systemd/system/xenner-xenconsoled.service \
	lib/systemd/system/xenner-blkbackd.service \
	lib/systemd/system/xenner-netbackd.service \
	share/man/man1/xenner.1 share/man/man1/xenner-xm.1 \
	share/man/man5/xenner.cfg.5 share/man/man8/xenner-cleanup.8; do
	grep -qx "$P/$f" "$tmp/list" || fail "not installed: $f"
done
grep -qx ./etc/logrotate.d/xenner "$tmp/list" || fail "not installed: /etc/logrotate.d/xenner"
grep -v "^$P/\(bin\|sbin\|lib/xenner\|lib/systemd/system\|share/man/man[158]\)/" "$tmp/list" |
	grep -vx ./etc/logrotate.d/xenner && fail "files outside the layout"
grep -q "^/var/log/xenner/console/\*.log {" "$tmp/d/etc/logrotate.d/xenner" ||
	fail "logrotate: not the console logs"
grep -q -- "--log-dir=/var/log/xenner/console" \
	"$tmp/d/usr/local/lib/systemd/system/xenner-xenconsoled.service" || fail "console logs not in /var/log/xenner"
if command -v logrotate >/dev/null; then
	logrotate -d "$tmp/d/etc/logrotate.d/xenner" >"$tmp/lr" 2>&1 || { cat "$tmp/lr"; fail "logrotate -d"; }
fi
[ "$(readlink "$tmp/d/usr/local/bin/xm")" = xenner-xm ] || fail "xm link"
grep -rl "@[A-Z_]*@" "$tmp/d/usr/local/lib/systemd/system" "$tmp/d/etc" && fail "placeholder left in a unit"
grep -q "/usr/local/lib/xenner" "$tmp/d/usr/local/bin/xenner-dom0" || fail "xenner-dom0 libdir"
grep -q "LD_PRELOAD=/usr/local/lib/xenner/libxenner-preload.so" \
	"$tmp/d/usr/local/lib/systemd/system/xenner-xenstored.service" || fail "shim in unit"
"$tmp/d/usr/local/bin/xm" help | grep -q "create" || fail "installed xm does not run"
ok "installed $(wc -l <"$tmp/list") files"

make -s -C "$SRCDIR" BUILD="$rel" PREFIX=/usr/local DESTDIR="$tmp/d" uninstall \
	>"$tmp/log" 2>&1 || fail "make uninstall"
left=$(cd "$tmp/d" && find . ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
ok "uninstall removes them all"

# systemd-analyze verify wants the binaries at their real paths: install
# with PREFIX inside the temporary directory for that.
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP-PART systemd-analyze missing (apt-get install systemd)"
	exit 0
fi
make -s -C "$SRCDIR" BUILD="$rel" PREFIX="$tmp/p" install >"$tmp/log" 2>&1 ||
	fail "install with PREFIX"
mkdir -p "$tmp/etc"
units=$(ls "$tmp/p/lib/systemd/system"/*)
cp "$tmp/p/lib/systemd/system/xenner@.service" "$tmp/p/lib/systemd/system/xenner@example.service"
out=$(cd "$tmp/p/lib/systemd/system" && SYSTEMD_LOG_LEVEL=warning \
	systemd-analyze verify --man=no $units \
	"$tmp/p/lib/systemd/system/xenner@example.service" 2>&1)
# a container without systemd as PID 1 may not run it at all
if echo "$out" | grep -qi "failed to \(connect\|initialize\|set up\)\|Operation not permitted"; then
	echo "SKIP-PART systemd-analyze cannot run here: $(echo "$out" | head -n 2)"
	exit 0
fi
echo "$out" | grep -v "^$" | grep -v "is not executable: No such file\|Unit is bound to inactive\|ConditionPathExists" | grep . &&
	fail "systemd-analyze verify complained"
ok "systemd-analyze verify is clean"
exit 0
