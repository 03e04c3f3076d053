#!/bin/bash
# Every man page is lint-clean, and every program we ship has one.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || skip "mandoc not installed"
cd "$SRCDIR/man" || fail "no man/"
out=$(mandoc -Tlint -W warning ./*.[1-8] 2>&1) || true
[ -z "$out" ] || fail "mandoc -Tlint: $out"
for prog in blkbackd.8 netbackd.8 evtchnd.8 xenner-dom0.8 xenner-vmcore.1 xenner.1 xenner-stats.1; do
	[ -f "$prog" ] || fail "man page $prog missing"
done
ok "$(ls ./*.[1-8] | wc -l) man pages lint-clean"
