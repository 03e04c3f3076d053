#!/bin/bash
# test-needs: kvm
# test-svm-smoke
# Boots every PV test kernel (tests/guests/tk-*) under xenner on /dev/kvm
# with one set of dom0 services; a kernel's source may ask for xenner
# options with a line "xenner-args: -smp 2".  tk-crash-* must end with the
# crash status (3); all others must report "RESULT: N passed, 0 failed"
# and power off (0).  Nothing may be left behind in the run directory.
. "$(dirname "$0")/lib.sh"
[ -c /dev/kvm ] || skip "no /dev/kvm"
[ -w /dev/kvm ] || skip "/dev/kvm not writable"
XENNER="$BUILD/xenner/xenner"
need_file "$XENNER" "make"
start_dom0

# the whole output, then what went wrong once more at its end (a CI log
# keeps only the last lines, which would otherwise be counters)
show_out() {
	cat "$out"
	echo "--- $name: what went wrong:"
	grep -E "FAIL|crash|fault|panic|BUG|err:|warn:" "$out" | head -n 20
}

n=0
for k in "$BUILD"/tests/guests/tk-*; do
	[ -x "$k" ] || continue
	case "$k" in *.o | *.d) continue ;; esac
	name=$(basename "$k")
	out=$XENNER_RUNDIR/$name.out
	# a kernel asks for options with a "xenner-args: ..." line
	args=$(sed -n 's|.*xenner-args: *\(.*[^ ]\) *\*/.*|\1|p' \
		"$SRCDIR/tests/guests/$name.c" 2>/dev/null | head -n 1)
	# shellcheck disable=SC2086 # args are words
	timeout -k 5 "$(scaled 120)" "$XENNER" -kernel "$k" -name "$name" -stats $args \
		>"$out" 2>&1
	rc=$?
	case "$name" in
	tk-crash-*)
		[ $rc = 3 ] || { show_out; fail "$name: exit $rc, expected 3 (crash)"; }
		grep -q "crashed\|crash" "$out" || { show_out; fail "$name: no crash message"; }
		;;
	*)
		[ $rc = 0 ] || { show_out; fail "$name: exit $rc, expected 0"; }
		grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$out" ||
			{ show_out; fail "$name: no clean RESULT line"; }
		;;
	esac
	# "/* xenner-expect: TEXT */" lines: TEXT must be in xenner's output
	# (what the guest wrote to its PV console comes out there)
	while read -r want; do
		grep -qF "$want" "$out" || { show_out; fail "$name: no '$want'"; }
	done < <(sed -n 's|^/\* xenner-expect: \(.*\) \*/$|\1|p' "$SRCDIR/tests/guests/$name.c" 2>/dev/null)
	for f in "$XENNER_RUNDIR"/vmcore.* "$XENNER_RUNDIR"/emu.*; do
		[ -e "$f" ] && fail "$name left $f behind"
	done
	ok "$name${args:+ ($args)} (exit $rc) $(grep -m1 '^RESULT' "$out")"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no test kernels built"
# dom0 must have survived all of them
"$DOM0" status >/dev/null || fail "dom0 services died"
exit 0
