#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 20
# The hypercall-fuzzing guest (tests/guests/hk-fuzz.c): FUZZ_CALLS random
# hypercalls, faulting and privileged instructions and live page-table
# writes (default 10^4 per seed, make soak 10^6) for each seed of
# FUZZ_SEEDS (default two fixed ones; the seed replays the run).  After
# each run: the guest ended by powering off with all its actions done
# (never a crash, a signal or a hang), the dom0 services it talked to are
# alive and serve another guest, and the run directory holds what it held
# before.
# test-timeout: 900
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER=$BUILD/xenner/xenner
FUZZ=$BUILD/tests/guests/hk-fuzz
need_file "$XENNER" "make"
need_file "$FUZZ" "make"
calls=${FUZZ_CALLS:-10000}
seeds=${FUZZ_SEEDS:-"1 2"}
start_dom0

listing() { (cd "$XENNER_RUNDIR" && find . ! -name '*.log' ! -name '*.out' | sort); }
services="evtchnd xenstored xenconsoled blkbackd netbackd"
before=$(listing)
for seed in $seeds; do
	out=$XENNER_RUNDIR/fuzz.out
	echo "seed $seed, $calls actions (replay: FUZZ_SEEDS=$seed FUZZ_CALLS=$calls)"
	# 10^4 actions take ~8 s on kvm_pvm; a hang must still end the run
	timeout -k 5 "$(scaled $((60 + calls / 200)))" "$XENNER" -kernel "$FUZZ" \
		-m 32 -name fuzz -append "seed=$seed calls=$calls" -stats \
		</dev/null >"$out" 2>&1
	rc=$?
	grep -a "^FUZZ" "$out" | tail -n 3
	why=""
	case $rc in
	0) ;;
	3) why="the guest crashed" ;;
	124 | 137) why="no end within the time limit" ;;
	*) why="xenner exit status $rc" ;;
	esac
	[ -z "$why" ] && ! grep -aq "^FUZZ-DONE: seed $seed, $calls actions" "$out" &&
		why="the guest stopped before its last action"
	if [ -n "$why" ]; then
		grep -a "FUZZ-FAIL\|xenner: err\|emu:" "$out" | head -n 5
		tail -n 5 "$out"
		fail "seed $seed: $why (replay: FUZZ_SEEDS=$seed FUZZ_CALLS=$calls $0)"
	fi
	for s in $services; do
		proc_alive "$(pid_of_service "$s")" || { show_logs; fail "seed $seed: $s died"; }
	done
	[ "$(listing)" = "$before" ] ||
		{ diff <(echo "$before") <(listing); fail "seed $seed: the run directory changed"; }
	entries=$(sed -n 's/^ *emu entries *\([0-9]*\)$/\1/p' "$out" | tail -n 1)
	ok "seed $seed: $calls actions, powered off; ${entries:-?} emu entries"
done

# the services still serve a guest: xenstore through evtchnd and xenstored
out=$XENNER_RUNDIR/after.out
timeout -k 5 "$(scaled 60)" "$XENNER" -kernel "$BUILD/tests/guests/tk-xenstore" \
	-m 32 -name tk-xenstore </dev/null >"$out" 2>&1 ||
	{ tail -n 20 "$out"; fail "a guest after the fuzzing failed"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$out" ||
	{ tail -n 20 "$out"; fail "tk-xenstore after the fuzzing"; }
ok "dom0 services alive and serving tk-xenstore afterwards"
exit 0
