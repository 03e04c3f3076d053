#!/bin/bash
# test-needs: kvm
# A guest that floods its console (hk-flood: CONSOLEIO_write and the PV
# console ring, 4 MiB each) is held to XENNER_CONSOLE_RATE: xenner keeps
# at most a burst (16 s of the rate) plus the rate over the run, says it
# dropped output, and the guest is never made to wait (it powers off on
# time); with the limit off (0) everything comes through.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER="$BUILD/xenner/xenner"
HK="$BUILD/tests/guests/hk-flood"
need_file "$XENNER" "make"
need_file "$HK" "make"
start_dom0
R=$XENNER_RUNDIR

flood() { # rate(KiB/s) io-MiB ring-MiB name
	local t0 t1
	t0=$(date +%s%N)
	XENNER_CONSOLE_RATE=$1 timeout -k 5 "$(scaled 120)" "$XENNER" -kernel "$HK" \
		-name "$4" -m 32 -append "io=$2 ring=$3" \
		</dev/null >"$R/$4.out" 2>"$R/$4.err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	bytes=$(stat -c %s "$R/$4.out")
}

flood 64 4 4 limited
[ $rc = 0 ] || { tail -n 5 "$R/limited.err"; fail "flooding guest: exit $rc"; }
grep -q "console output above 64 KiB/s: dropping" "$R/limited.err" ||
	{ cat "$R/limited.err"; fail "no 'dropping' line"; }
# a burst of 16 s of 64 KiB/s, the rate over the run, a line of slack
max=$((16 * 65536 + 65536 * ms / 1000 + 4096))
[ "$bytes" -le "$max" ] || fail "kept $bytes bytes of 8 MiB in $ms ms (at most $max)"
ok "8 MiB flood at 64 KiB/s: $bytes bytes kept (at most $max) in $ms ms, the guest powered off"

flood 0 1 1 unlimited
[ $rc = 0 ] || { tail -n 5 "$R/unlimited.err"; fail "unlimited: exit $rc"; }
# hk-flood writes whole 4000-byte chunks: 262 of them make its "MiB"
[ "$bytes" -ge $((2 * 262 * 4000)) ] || fail "unlimited: only $bytes bytes of 2 MiB"
grep -q "dropping" "$R/unlimited.err" && fail "unlimited run dropped output"
ok "XENNER_CONSOLE_RATE=0: all $bytes bytes of a 2 MiB flood kept"
