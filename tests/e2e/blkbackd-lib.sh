# Shared by the blkbackd-*.sh tests (not a test itself: not executable).
# dom0 services without their own blkbackd: each test runs blkbackd
# itself so it can kill and restart it.
. "$(dirname "$0")/lib.sh"
BLKBACKD="$BUILD/blkbackd/blkbackd"
BLKFRONT="$BUILD/tests/blkfront/xenner-blkfront"
need_file "$BLKBACKD" "make"
need_file "$BLKFRONT" "make"
export XENNER_BLKBACKD=none
start_dom0

start_blkbackd() {
	# shellcheck disable=SC2046
	env $(daemon_env) "$BLKBACKD" -f --rundir "$XENNER_RUNDIR" --loglevel debug "$@" \
		>>"$XENNER_RUNDIR/blkbackd.log" 2>&1 &
	BLKBACKD_PID=$!
	on_exit "kill -KILL $BLKBACKD_PID"
	wait_until "[ -s '$XENNER_RUNDIR/blkbackd.pid' ]" 50 ||
		{ cat "$XENNER_RUNDIR/blkbackd.log"; fail "blkbackd did not start"; }
}

# Expected bytes of the pattern the frontend writes.
pattern() { "$BLKFRONT" --pattern "$@"; }

# Checks the frontend's output against the expected lines.
expect_lines() { # file, expected (one per line)
	local got
	got=$(cat "$1")
	if [ "$got" != "$2" ]; then
		echo "--- expected"; echo "$2"
		echo "--- got"; echo "$got"
		echo "--- frontend stderr"; cat "$1.err" 2>/dev/null
		echo "--- blkbackd log"; tail -n 40 "$XENNER_RUNDIR/blkbackd.log"
		fail "frontend output differs"
	fi
}
