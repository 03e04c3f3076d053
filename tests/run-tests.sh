#!/bin/bash
# Runs every test and prints "N passed, N failed, N skipped" last.
#   unit tests:  $BUILD/tests/unit/*   (binaries, cmocka or plain)
#   e2e tests:   tests/e2e/*.sh        (get $BUILD and $SRCDIR in the env)
# Exit status 0 = pass, 77 = skip, anything else = fail.  Optional
# arguments are name filters (substring match).
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$SRCDIR/$BUILD" ;; esac
export SRCDIR BUILD
TIMEOUT=${TEST_TIMEOUT:-300}

tests=()
for t in "$BUILD"/tests/unit/*; do
	[ -x "$t" ] && [ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
done
for t in "$SRCDIR"/tests/e2e/*.sh; do
	[ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
done

pass=0 fail=0 skip=0 failed_names=()
logdir=$(mktemp -d /tmp/xenner-test-logs.XXXXXX)
for t in "${tests[@]}"; do
	name=$(basename "$t")
	if [ $# -gt 0 ]; then
		match=0
		for f in "$@"; do case "$name" in *"$f"*) match=1 ;; esac; done
		[ $match = 1 ] || continue
	fi
	log="$logdir/$name.log"
	start=$(date +%s)
	# a script may ask for more time: a "# test-timeout: SECONDS" line
	limit=$TIMEOUT retries=0
	if [[ "$t" == *.sh ]]; then
		l=$(sed -n 's/^# test-timeout: \([0-9]*\)$/\1/p' "$t" | head -n 1)
		[ -n "$l" ] && limit=$l
		# known-flaky tests may ask for one more try; it is reported
		r=$(sed -n 's/^# test-retries: \([0-9]*\)$/\1/p' "$t" | head -n 1)
		[ -n "$r" ] && retries=$r
	fi
	timeout -k 10 "$limit" "$t" >"$log" 2>&1
	rc=$?
	while [ $rc != 0 ] && [ $rc != 77 ] && [ "$retries" -gt 0 ]; do
		echo "FLAKY $name failed (rc=$rc), trying again; first log:"
		tail -n 5 "$log" | sed 's/^/    /'
		retries=$((retries - 1))
		timeout -k 10 "$limit" "$t" >"$log" 2>&1
		rc=$?
	done
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(grep -m1 '^SKIP' "$log" | cut -c6-)" ;;
	*)
		fail=$((fail + 1)); failed_names+=("$name")
		[ $rc = 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		echo "FAIL $name (rc=$rc, ${secs}s); last lines of its log:"
		tail -n 25 "$log" | sed 's/^/    /'
		;;
	esac
done
[ $fail = 0 ] && rm -rf "$logdir" || echo "logs of failed tests in $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
