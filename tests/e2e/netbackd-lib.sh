# Shared by the netbackd-*.sh tests (not a test itself: not executable).
# dom0 services without their own netbackd; each test runs netbackd itself
# inside a network namespace of its own (so its taps, bridges and
# addresses are private), and can kill and restart it.
. "$(dirname "$0")/lib.sh"
NETBACKD="$BUILD/netbackd/netbackd"
NETFRONT="$BUILD/tests/netfront/xenner-netfront"
need_file "$NETBACKD" "make"
need_file "$NETFRONT" "make"
need_root
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v python3 >/dev/null || skip "python3 missing"
export XENNER_NETBACKD=none XENNER_BLKBACKD=none
start_dom0

NS=xnt-$$-$RANDOM
ip netns add "$NS" || skip "cannot create a network namespace"
on_exit "ip netns del $NS"
nsx() { ip netns exec "$NS" "$@"; }
# Only our own frames: no IPv6 autoconfiguration chatter on the taps.
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip link set lo up

start_netbackd() {
	# ip netns exec execs: $! is netbackd itself.
	# shellcheck disable=SC2046
	ip netns exec "$NS" env $(daemon_env) "$NETBACKD" -f --rundir "$XENNER_RUNDIR" --loglevel debug "$@" \
		>>"$XENNER_RUNDIR/netbackd.log" 2>&1 &
	NETBACKD_PID=$!
	on_exit "kill -KILL $NETBACKD_PID"
	wait_until "[ -s '$XENNER_RUNDIR/netbackd.pid' ]" 50 ||
		{ cat "$XENNER_RUNDIR/netbackd.log"; fail "netbackd did not start"; }
}

# A UDP echo on port 7777 in the namespace; returns once it listens (a
# loaded host takes seconds to start python, and a datagram sent before
# the bind is lost, which the test would see as a lost echo).
start_echo() {
	local ready=$XENNER_RUNDIR/echo.ready
	ip netns exec "$NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
open(sys.argv[1], "w").close()
while True:
    d, a = s.recvfrom(65536)
    s.sendto(d, a)
' "$ready" </dev/null >/dev/null 2>&1 &
	on_exit "kill -KILL $!"
	wait_until "[ -e '$ready' ]" 300 || fail "the UDP echo did not start"
}

# Waits for the tap of a vif; then gives it an address and a neighbour.
tap_up() { # ifname, host ip/prefix, guest ip, guest mac
	wait_until "nsx ip link show '$1' >/dev/null 2>&1" 100 ||
		{ tail "$XENNER_RUNDIR/netbackd.log"; fail "no tap $1"; }
	nsx ip addr add "$2" dev "$1"
	nsx ip neigh replace "$3" lladdr "$4" dev "$1" nud permanent
}

# Checks the frontend's output against the expected lines.
expect_lines() { # file, expected (one per line)
	local got
	got=$(cat "$1")
	if [ "$got" != "$2" ]; then
		echo "--- expected"; echo "$2"
		echo "--- got"; echo "$got"
		echo "--- frontend stderr"; cat "$1.err" 2>/dev/null
		echo "--- netbackd log"; tail -n 40 "$XENNER_RUNDIR/netbackd.log"
		fail "frontend output differs"
	fi
}
