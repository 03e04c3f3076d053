#!/bin/bash
# evtchnd as a daemon: the socket exists when the starting command returns,
# a second instance is refused, a stale socket is replaced, SIGTERM cleans
# up every file.
set -u
BIN="$BUILD/evtchnd/evtchnd"
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }
dir=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

wait_gone() { # pid
	for _ in $(seq 100); do
		proc_alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

"$BIN" --help | grep -q -- --rundir || fail "--help"
"$BIN" --bogus 2>/dev/null; [ $? = 2 ] || fail "bad option not refused"
"$BIN" --loglevel loud -f --rundir "$dir" 2>/dev/null
[ $? = 1 ] || fail "bad --loglevel not refused"

# XENNER_RUNDIR is overridden by --rundir.
XENNER_RUNDIR=/nonexistent/x "$BIN" --rundir "$dir" --loglevel debug ||
	fail "start"
[ -S "$dir/evtchnd.sock" ] || fail "no socket right after start"
[ -f "$dir/evtchnd.pid" ] || fail "no pidfile"
pid=$(cat "$dir/evtchnd.pid")
kill -0 "$pid" || fail "pid $pid not running"
grep -qx '[0-9][0-9]*' "$dir/xsd_port" || fail "bad xsd_port"
[ "$(stat -c %s "$dir/xsd_kva")" = 4096 ] || fail "bad xsd_kva"

"$BIN" --rundir "$dir" --pidfile "$dir/second.pid" 2>/dev/null &&
	fail "second instance started"
kill -0 "$pid" || fail "first instance died"
[ -S "$dir/evtchnd.sock" ] || fail "second instance removed the socket"

kill -TERM "$pid"
wait_gone "$pid" || fail "no exit on SIGTERM"
pid=
for f in evtchnd.sock evtchnd.pid xsd_port xsd_kva; do
	[ -e "$dir/$f" ] && fail "$f left behind"
done

# A stale socket (killed daemon) is replaced; --pidfile is honoured.
"$BIN" -f --rundir "$dir" 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -S "$dir/evtchnd.sock" ] && break; sleep 0.05; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -S "$dir/evtchnd.sock" ] || fail "no stale socket to test with"
"$BIN" --rundir "$dir" --pidfile "$dir/other.pid" || fail "stale socket"
pid=$(cat "$dir/other.pid")
kill -0 "$pid" || fail "restart not running"
kill -TERM "$pid"
wait_gone "$pid" || fail "no exit on SIGTERM"
pid=
[ -e "$dir/other.pid" ] && fail "pidfile left behind"
echo "PASS"
exit 0
