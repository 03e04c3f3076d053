# Shared helpers for end-to-end tests; source it from a test script.
# Every test gets a private run directory on tmpfs and stops whatever it
# started on exit, so tests can run side by side and leave nothing behind.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
case "$BUILD" in /*) ;; *) BUILD="$SRCDIR/$BUILD" ;; esac
export BUILD SRCDIR
DOM0="$SRCDIR/tools/xenner-dom0"
STANDIN="$BUILD/tests/standin/xenner-standin"

skip() { echo "SKIP $*"; exit 77; }

# A time limit in seconds, stretched by TEST_TIMEOUT_SCALE on slow hosts
# (the runner sets it in the SVM test VM, where everything is TCG).
scaled() { echo $(($1 * ${TEST_TIMEOUT_SCALE:-1})); }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_file() { [ -e "$1" ] || skip "missing $1${2:+ ($2)}"; }

# The environment a backend daemon of this build runs with, for `env
# $(daemon_env) DAEMON ...`: the shim libraries, and the ASan runtime
# first when they are an ASan build.
daemon_env() {
	local asan
	asan=$(ldd "$BUILD/lib/libxenevtchn.so.1" 2>/dev/null | awk '/libasan/ { print $3 }')
	echo "LD_LIBRARY_PATH=$BUILD/lib ${asan:+LD_PRELOAD=$asan}" \
		"ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}"
}

# Debian's kernel as a guest (scripts/fetch-guest-kernel.sh): skips without
# a writable /dev/kvm, the kernel or xenner; sets $kernel and $XENNER.
need_linux_guest() {
	local cache=${XENNER_CACHE:-/var/cache/xenner}
	[ -w /dev/kvm ] || skip "no writable /dev/kvm"
	kernel=$(ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$kernel" ] || skip "no guest kernel in $cache (scripts/fetch-guest-kernel.sh)"
	XENNER=$BUILD/xenner/xenner
	need_file "$XENNER" "make"
}

# The busybox initramfs of scripts/mkinitramfs.sh, in the run directory:
# sets $initrd.
make_initrd() {
	initrd=$XENNER_RUNDIR/initrd.gz
	"$SRCDIR/scripts/mkinitramfs.sh" "$initrd" >/dev/null || fail "mkinitramfs.sh"
}

_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" >/dev/null 2>&1 || true
	done
}
trap _run_cleanups EXIT
trap 'exit 130' INT
# The runner's time limit (SIGTERM): the state of this test's guests
# first, so that a stall leaves evidence, not just "timed out".
_descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		_descendants "$c"
	done
}
_on_term() {
	local p
	echo "--- SIGTERM (the test's time is up)"
	for p in $(_descendants $$); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = xenner ] && xenner_dump "$p"
	done
	show_logs
}
trap '_on_term; exit 130' TERM

new_rundir() {
	XENNER_RUNDIR=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
	export XENNER_RUNDIR
	export XENSTORED_PATH=$XENNER_RUNDIR/xenstored/socket
	on_exit "rm -rf '$XENNER_RUNDIR'"
}

show_logs() {
	local f
	for f in "$XENNER_RUNDIR"/*.log "$XENNER_RUNDIR"/console/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f"
		tail -n 20 "$f"
	done
}

start_dom0() {
	need_root
	need_file /usr/lib/xen-4.17/bin/xenstored "xen-utils-4.17"
	need_file "$BUILD/evtchnd/evtchnd" "make"
	[ -n "${XENNER_RUNDIR:-}" ] || new_rundir
	on_exit "'$DOM0' stop"
	"$DOM0" start || { show_logs; fail "xenner-dom0 start"; }
}

# Polls a shell condition up to $2 times, 0.1 s apart (default 50; scaled
# like the time limits).  Under TCG a poll takes longer than its 0.1 s;
# the waits for guests below count time instead.
wait_until() {
	local cond=$1 n=$(scaled "${2:-50}") i
	for ((i = 0; i < n; i++)); do
		eval "$cond" && return 0
		sleep 0.1
	done
	return 1
}

# Microseconds on the clock into $_now, without a process.
now_us() { _now=${EPOCHREALTIME//[!0-9]/}; }

pid_of_service() { cat "$XENNER_RUNDIR/$1.pid"; }

# Asks the xenner that is PID, or its child (under timeout, say),
# for each vCPU's registers, what would wake it, and emu's counters
# (SIGUSR1), and shows what it printed: a stalled guest leaves evidence.
xenner_dump() { # pid
	local p err
	for p in "$1" $(pgrep -P "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = xenner ] || continue
		err=$(readlink "/proc/$p/fd/2")
		kill -USR1 "$p" 2>/dev/null || continue
		sleep 2
		[ -f "$err" ] || continue
		echo "--- xenner $p after SIGUSR1 ($err)"
		tail -n 60 "$err"
	done
	# the SVM test VM traces KVM's exits and interrupts (docs/svm-vm.md)
	if [ "$(cat /sys/kernel/tracing/tracing_on 2>/dev/null)" = 1 ]; then
		echo "--- KVM's last events (L1's trace)"
		tail -n 200 /sys/kernel/tracing/trace
	fi
}

# Waits up to $2 seconds (scaled) for xenner $1 to end.  If it does not,
# the tail of its output $3, its state (xenner_dump) and the run
# directory's logs are shown, and the test fails.
wait_exit() { # pid, seconds, output file
	local end
	now_us
	end=$((_now + $(scaled "$2") * 1000000))
	while proc_alive "$1"; do
		now_us
		if [ "$_now" -ge "$end" ]; then
			tail -n 40 "$3"
			xenner_dump "$1"
			show_logs
			fail "xenner $1 still running after $(scaled "$2") s ($(basename "$3"))"
		fi
		sleep 0.1
	done
}

# Waits up to TENTHS (default 3000) for PATTERN in the output of a guest
# whose xenner (or the timeout wrapping it) is PID.  Fails at once, with the
# output's last lines, when xenner ends first, the guest kernel panics or
# reports a hung task: a dead guest must not cost a test its whole limit.
# A guest that reports an RCU stall gets 120 s (scaled) more; a stalled
# or timed-out guest's xenner is asked for its state (xenner_dump).
wait_guest() { # pid, output file, pattern, [tenths]
	local pid=$1 out=$2 pat=$3 why="" stall=0 end
	now_us
	end=$((_now + $(scaled "${4:-3000}") * 100000))
	while ! grep -q -- "$pat" "$out" 2>/dev/null; do
		now_us
		if ! proc_alive "$pid"; then
			why="xenner ended"
		elif grep -q "Kernel panic\|blocked for more than" "$out" 2>/dev/null; then
			why="the guest kernel panicked or hung"
		elif [ $stall = 0 ] && grep -q "rcu: INFO: .* detected stall" "$out" 2>/dev/null; then
			stall=$_now
			xenner_dump "$pid"
		elif [ $stall != 0 ] && [ $((_now - stall)) -ge $(($(scaled 120) * 1000000)) ]; then
			why="the guest reported an RCU stall (above) and did not get on"
		elif [ "$_now" -ge "$end" ]; then
			why="timeout"
		fi
		if [ "$why" = timeout ]; then
			tail -n 30 "$out"
			xenner_dump "$pid"
			show_logs
			fail "no '$pat' in $(basename "$out") within $(($(scaled "${4:-3000}") / 10)) s"
		elif [ -n "$why" ]; then
			sleep 1 # the rest of the guest's last words
			grep -q -- "$pat" "$out" 2>/dev/null && return 0
			tail -n 40 "$out"
			[ "$why" = "xenner ended" ] || xenner_dump "$pid"
			show_logs
			fail "$why before '$pat' appeared in $(basename "$out")"
		fi
		sleep 0.1
	done
}

# Starts the guest stand-in in the background with a script on stdin.
# Sets STANDIN_PID and STANDIN_OUT (its stdout; stderr in STANDIN_OUT.err).
start_standin() { # name, script
	need_file "$STANDIN" "make"
	STANDIN_OUT=$XENNER_RUNDIR/standin-$1.out
	"$STANDIN" --name "$1" - >"$STANDIN_OUT" 2>"$STANDIN_OUT.err" <<<"$2" &
	STANDIN_PID=$!
	on_exit "kill -KILL $STANDIN_PID"
}

# Waits until the stand-in has printed at least N lines.
standin_wait_lines() { # n, [tenths]
	wait_until "[ \$(wc -l <'$STANDIN_OUT') -ge $1 ]" "${2:-100}" || {
		echo "--- stand-in stdout"; cat "$STANDIN_OUT"
		echo "--- stand-in stderr"; cat "$STANDIN_OUT.err"
		show_logs
		fail "stand-in did not print $1 lines"
	}
}
standin_line() { sed -n "${1}p" "$STANDIN_OUT"; }

# Alive and not a zombie (daemons are reaped by init, which may be slow).
# A zombie main thread whose other threads are still exiting counts as
# alive: they hold the process's files (its sockets to evtchnd and
# xenstored) until the last one is gone, as libxenstore's reader thread
# does for a SIGKILLed backend on a loaded host.
proc_alive() {
	local state tasks
	kill -0 "$1" 2>/dev/null || return 1
	read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$state" != Z ] && return 0
	tasks=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
	[ "$tasks" -gt 1 ]
}
