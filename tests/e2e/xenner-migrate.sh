#!/bin/bash
# test-needs: kvm
# Migration between two xenner runtimes on this host (two dom0 sets, as two
# hosts would have) with the hk-suspend helper kernel (docs/migration.md):
# xenner-xm migrate -l and plain migrate move it (the source xenner exits
# 7, the guest resumes on the receiver with its counter, memory, clock
# and xenstore node, nothing is left on either side; -b bounds the copy
# while it runs); a receiver that dies in the stream, a restore that
# fails on the receiver (after the guest suspended: it resumes at the
# source) and a migrate client killed in the pre-copy each leave the guest
# running at the source and nothing at the receiver; a receiver killed
# after it said ready leaves it paused at the source until unpaused; a domain `xenner-xm create` started migrates and its
# monitor does not restart it at the source.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER="$BUILD/xenner/xenner"
XM="$BUILD/tools/xm/xenner-xm"
HK="$BUILD/tests/guests/hk-suspend"
need_file "$XENNER" "make"
need_file "$XM" "make"
need_file "$HK" "make"
start_dom0
A=$XENNER_RUNDIR
C=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
on_exit "rm -rf '$C'"
on_exit "XENNER_RUNDIR='$C' '$DOM0' stop"
XENNER_RUNDIR=$C "$DOM0" start >/dev/null || fail "second dom0 set"
export XENNER
RECEIVE="env XENNER_RUNDIR=$C XENSTORED_PATH=$C/xenstored/socket $XM migrate-receive"

boot() { # name
	"$XENNER" -kernel "$HK" -name "$1" -m 64 -append "secs=120 migrating" \
		>"$A/$1.out" 2>&1 &
	GUEST=$!
	on_exit "kill $GUEST"
	wait_guest $GUEST "$A/$1.out" "hk-suspend: counting"
}

runs_at_source() { # name, what
	kill -0 $GUEST 2>/dev/null || { cat "$A/$1.out"; fail "$2: the source xenner ended"; }
	"$XM" list "$1" >/dev/null 2>&1 || fail "$2: $1 not in the source's xm list"
	XENNER_RUNDIR=$C "$XM" list "$1" >/dev/null 2>&1 && fail "$2: $1 is at the receiver too"
	ls "$C"/xm/migrate-* >/dev/null 2>&1 && fail "$2: the receiver left $(ls "$C"/xm/migrate-*)"
	return 0
}

moved() { # name, migrate options...
	local name=$1 out
	shift
	out=$("$XM" migrate "$@" -s '' "$name" "$RECEIVE" 2>&1) ||
		{ echo "$out"; cat "$A/$name.out"; fail "migrate $*: $out"; }
	wait $GUEST
	rc=$?
	[ $rc = 7 ] || { cat "$A/$name.out"; fail "source xenner exit $rc, expected 7"; }
	wait_until "grep -q '^RESULT' '$C/xm/$name.log' 2>/dev/null" 300 ||
		{ cat "$C/xm/$name.log"; fail "no RESULT from the migrated guest"; }
	grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$C/xm/$name.log" ||
		{ cat "$C/xm/$name.log"; fail "the migrated guest failed"; }
	grep -q "hk-suspend: resumed in a new domain" "$C/xm/$name.log" || fail "not resumed"
	for f in "$A"/vmcore.* "$A"/emu.* "$C"/xm/migrate-*; do
		[ -e "$f" ] && fail "migrate $* left $f"
	done
	MOVED=$out
}

# 1. a receiver that dies in the stream: the guest never noticed
boot hk1
"$XM" migrate -l -s '' hk1 "head -c 200000 >/dev/null" >"$A/m.out" 2>&1 &&
	fail "a migration to a receiver that died succeeded"
runs_at_source hk1 "receiver died"
ok "receiver dies mid-stream: $(tail -n 1 "$A/m.out")"

# 2. the migrate client killed in the pre-copy (the receiver never reads)
"$XM" migrate -l -s '' hk1 "sleep 30" >"$A/m.out" 2>&1 &
m=$!
sleep 2
{ kill -9 $m; wait $m; } 2>/dev/null
wait_until "grep -q 'client went away' '$A/hk1.out'" 100 ||
	{ cat "$A/hk1.out"; fail "xenner did not see the client go"; }
runs_at_source hk1 "client killed"
ok "migrate client killed in the pre-copy: the guest runs on at the source"

# 3. the restore fails at the receiver, after the guest suspended: it is
# resumed at the source (its suspend returns 1) and counts on
"$XM" migrate -l -s '' hk1 "env XENNER=/bin/false $RECEIVE" >"$A/m.out" 2>&1 &&
	fail "a migration whose restore failed succeeded"
grep -q "keeps running here" "$A/m.out" || { cat "$A/m.out"; fail "no 'keeps running here'"; }
wait_until "grep -q 'hk-suspend: suspend cancelled: running on' '$A/hk1.out'" 50 ||
	{ cat "$A/hk1.out"; fail "the guest did not resume at the source"; }
runs_at_source hk1 "restore failed"
ok "restore fails at the receiver: the guest resumed at the source"

# 3b. the receiver SIGKILLed right after it said ready: the sender's go
# goes out and no confirmation comes back.  Whether the guest runs there
# is unknown, so it stays at the source, paused, for an administrator:
# here the receiver's never-unpaused copy is destroyed and the source's
# unpaused, and it counts on (its suspend returns 1)
cat >"$A/die-after-ready" <<'SH'
#!/bin/bash
# the receiver, its answers passed on; its "ready" only once it is
# SIGKILLed, so that it never reads the go; the stream stays open 2 s more
f=$(mktemp -u /tmp/xenner-ready.XXXXXX)
mkfifo "$f"
"$@" <&0 >"$f" 2>/dev/null &
r=$!
while IFS= read -r line; do
	case $line in ready*) kill -9 $r; wait $r; echo "$line"; sleep 2; break ;; esac
	echo "$line"
done <"$f"
rm -f "$f"
SH
chmod +x "$A/die-after-ready"
n=$(grep -c 'suspend cancelled: running on' "$A/hk1.out")
"$XM" migrate -l -s '' hk1 "$A/die-after-ready $RECEIVE" >"$A/m.out" 2>&1 &&
	fail "a migration whose receiver died after ready succeeded"
grep -q "no confirmation.*it stays here, paused" "$A/m.out" || { cat "$A/m.out"; fail "no 'stays here, paused'"; }
kill -0 $GUEST 2>/dev/null || { cat "$A/hk1.out"; fail "the source xenner ended without a confirmation"; }
sleep 1
[ "$(grep -c 'suspend cancelled: running on' "$A/hk1.out")" = "$n" ] ||
	fail "the guest resumed at the source by itself"
XENNER_RUNDIR=$C "$XM" destroy hk1 >"$A/d.out" 2>&1 ||
	{ cat "$A/d.out" "$C/xm/hk1.log"; fail "no paused copy of hk1 at the receiver to destroy"; }
"$XM" unpause hk1 || fail "unpause at the source"
wait_until "[ \$(grep -c 'suspend cancelled: running on' '$A/hk1.out') -gt $n ]" 50 ||
	{ cat "$A/hk1.out"; fail "the guest did not resume at the source after unpause"; }
runs_at_source hk1 "receiver died after ready"
ok "receiver killed after ready: $(grep -o 'no confirmation ([^)]*)' "$A/m.out"); paused at the source until unpaused, then it counted on"

# 4. after all that, a live migration moves it, at most 1 MiB/s while it
# runs: the pages sent then cannot have taken less than that allows
moved hk1 -l -b 1
pre=$(echo "$MOVED" | sed -n 's/.*, \([0-9]*\) pages while running,.*/\1/p')
took=$(echo "$MOVED" | sed -n 's/.*MiB, \([0-9.]*\) s in all.*/\1/p')
[ -n "$pre" ] && [ -n "$took" ] || fail "-b: cannot read '$MOVED'"
awk -v p="$pre" -v t="$took" 'BEGIN { exit !(t >= p * 4096 / 1048576 * 0.9) }' ||
	fail "-b 1: $pre pages while running in $took s, faster than 1 MiB/s"
ok "live, -b 1 (MiB/s): $MOVED"

# 5. stop-and-copy
boot hk2
moved hk2
ok "stop-and-copy: $MOVED"

# 6. a domain xenner-xm create started: its monitor sees it migrate away
# and does not restart it (on_poweroff and on_crash are restart)
cat >"$A/hk3.cfg" <<CFG
name = 'hk3'
kernel = '$HK'
memory = 64
extra = 'secs=120 migrating'
on_poweroff = 'restart'
on_crash = 'restart'
CFG
"$XM" create "$A/hk3.cfg" >/dev/null || { cat "$A/xm/hk3.log"; fail "xm create hk3"; }
on_exit "'$XM' destroy hk3 2>/dev/null"
wait_until "grep -q 'hk-suspend: counting' '$A/xm/hk3.log'" 100 || { cat "$A/xm/hk3.log"; fail "hk3 did not start"; }
cp "$A/xm/hk3.log" "$A/hk3.before"
# (its stream recorded for 7.)
out=$("$XM" migrate -l -s '' hk3 "tee '$A/stream' | $RECEIVE" 2>&1) || { echo "$out"; fail "migrate hk3"; }
wait_until "grep -q 'migrated away' '$A/xm/hk3.log'" 100 || { cat "$A/xm/hk3.log"; fail "the monitor did not see hk3 migrate"; }
sleep 1
"$XM" list hk3 >/dev/null 2>&1 && { cat "$A/xm/hk3.log"; fail "the monitor restarted hk3 at the source"; }
wait_until "grep -q '^RESULT' '$C/xm/hk3.log' 2>/dev/null" 300 || fail "no RESULT from hk3 at the receiver"
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$C/xm/hk3.log" || { cat "$C/xm/hk3.log"; fail "hk3 failed at the receiver"; }
ok "xm create'd domain: $(grep -m1 'migrated away' "$A/xm/hk3.log" | sed 's/^.*domain/domain/'); not restarted"

# 7. the receiver SIGKILLed mid-stream (no clean-up of its own): its half
# image was never named, so its run directory keeps nothing
[ -s "$A/stream" ] || fail "no recorded stream"
head -c 1000000 "$A/stream" >"$A/part"
mkfifo "$A/feed"
exec 8<>"$A/feed" # held open: the stream does not end, it stops
$RECEIVE <"$A/feed" >/dev/null 2>&1 &
r=$!
on_exit "kill -9 $r"
cat "$A/part" >&8 &
w=$!
on_exit "kill $w"
wait_until "ls -l /proc/$r/fd 2>/dev/null | grep -q '/xm/.*(deleted)'" 100 ||
	{ ls -l /proc/$r/fd; fail "the receiver holds no unnamed image"; }
kill -9 $r
wait $r 2>/dev/null
kill $w 2>/dev/null
exec 8>&-
ls "$C"/xm/migrate-* >/dev/null 2>&1 && fail "a killed receiver left $(ls "$C"/xm/migrate-*)"
ok "a receiver killed mid-stream left no image"
