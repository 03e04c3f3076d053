#!/bin/bash
# Runs every test and prints "N passed, N failed, N skipped" last.
#   unit tests:  $BUILD/tests/unit/*   (binaries, cmocka or plain)
#   e2e tests:   tests/e2e/*.sh        (get $BUILD and $SRCDIR in the env)
# Exit status 0 = pass, 77 = skip, anything else = fail.  Optional
# arguments are name filters (substring match; "=NAME" matches exactly).
#
# Tests that boot guests say "# test-needs: kvm".  They run on this host
# when its /dev/kvm is usable (xenner -check-kvm), otherwise in the SVM
# test VM (scripts/svm-vm: QEMU TCG with nested SVM), all in one VM boot,
# and are reported as "NAME [svm]".  On a host with KVM the ones marked
# "# test-svm-smoke" run once more in that VM, so both kinds of KVM stay
# tested (SVM_SMOKE=0 leaves that out).
#   --svm    only the KVM tests, all in the SVM VM (make check-svm)
#   --here   everything on this host, no VM (what runs inside the VM)
# Tests run side by side, TEST_JOBS at a time (default: the host's CPUs;
# each test has its own run directory), the guest tests and the longest
# first, the VM batch as one of them; a test's lines appear when it ends.
# Environment: TEST_TIMEOUT (default 300 s a test unless it says
# "# test-timeout: N"), TEST_TIMEOUT_SCALE (multiplies every limit; the
# VM run uses SVM_TIMEOUT_SCALE, default 3), TEST_LOGDIR (keep the logs
# there), SVM_TIMEOUT (the whole VM batch; default 4500 s, 1500 s for the
# smoke set).  "# test-svm-seconds: N" is how long a guest test took in
# the VM, for sharing the tests out between two VMs.
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$SRCDIR/$BUILD" ;; esac
export SRCDIR BUILD
TIMEOUT=${TEST_TIMEOUT:-300}
SCALE=${TEST_TIMEOUT_SCALE:-1}

where=auto
case "${1:-}" in
--svm) where=svm; shift ;;
--here) where=here; shift ;;
esac
filters=("$@")

tests=()
for t in "$BUILD"/tests/unit/*; do
	[ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
done
for t in "$SRCDIR"/tests/e2e/*.sh; do
	[ -f "$t" ] && [ -x "$t" ] && tests+=("$t")
done

selected() { # name
	local f
	[ ${#filters[@]} = 0 ] && return 0
	for f in "${filters[@]}"; do
		case "$f" in
		=*) [ "$1" = "${f#=}" ] && return 0 ;;
		*) case "$1" in *"$f"*) return 0 ;; esac ;;
		esac
	done
	return 1
}
has_line() { [[ "$1" == *.sh ]] && grep -qx "$2" "$1"; }

pass=0 fail=0 skip=0 failed_names=()
if [ -n "${TEST_LOGDIR:-}" ]; then
	logdir=$TEST_LOGDIR keep_logs=1
	mkdir -p "$logdir"
else
	logdir=$(mktemp -d /tmp/xenner-test-logs.XXXXXX) keep_logs=0
fi

count() { # PASS|FAIL|SKIP, name
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed_names+=("$2") ;;
	esac
}
# what a job (a subshell) reports; the runner counts it
result() { echo "@@ $1 $2"; }

# Shortly before a test's limit, what still runs and the last lines of the
# tests' run directories go into its log: a hung test then says where.
watchdog() { # limit, log
	dog=""
	[ "$1" -gt 60 ] || return 0
	(
		sleep $(($1 - 20))
		echo "=== still running after $(($1 - 20)) s:"
		ps -eo pid,ppid,stat,etime,args --forest | grep -v ' \[' | tail -n 60
		for f in /dev/shm/xenner-test.*/*.out /dev/shm/xenner-test.*/*.log \
			/dev/shm/xenner-test.*/console/*.log; do
			[ -f "$f" ] || continue
			echo "--- $f"
			tail -n 15 "$f"
		done
	) >>"$2" 2>&1 &
	dog=$!
}
watchdog_stop() {
	local kids
	[ -n "$dog" ] || return 0
	# the watchdog first: with its sleep gone it would report a test
	# that already ended as still running
	kids=$(pgrep -P "$dog")
	kill "$dog" 2>/dev/null
	[ -z "$kids" ] || kill $kids 2>/dev/null
	wait "$dog" 2>/dev/null
	dog=""
}

# In the SVM VM (scripts/svm-vm traces KVM there): what L2 did before a
# triple fault, which KVM answers by resetting the vCPU, registers and all.
kvm_trace() { # log
	local t=/sys/kernel/tracing/trace
	grep -q "triple fault" "$1" && [ -r $t ] || return 0
	{
		echo "=== L1's last KVM events before xenner's triple-fault mark:"
		grep -m1 -B 400 "xenner: .*triple fault" $t || tail -n 400 $t
	} >>"$1" 2>&1
}

run_one() { # path
	local t=$1 name log start limit retries l r rc secs why
	name=$(basename "$t")
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
	limit=$((limit * SCALE))
	: >"$log"
	watchdog "$limit" "$log"
	timeout -k 10 "$limit" "$t" >>"$log" 2>&1
	rc=$?
	watchdog_stop
	while [ $rc != 0 ] && [ $rc != 77 ] && [ "$retries" -gt 0 ]; do
		echo "FLAKY $name failed (rc=$rc), trying again; first log:"
		tail -n 5 "$log" | sed 's/^/    /'
		retries=$((retries - 1))
		timeout -k 10 "$limit" "$t" >"$log" 2>&1
		rc=$?
	done
	secs=$(($(date +%s) - start))
	case $rc in
	0) result PASS "$name"; echo "PASS $name (${secs}s)" ;;
	77) result SKIP "$name"; echo "SKIP $name: $(grep -m1 '^SKIP' "$log" | cut -c6-)" ;;
	*)
		result FAIL "$name"
		[ $rc = 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		kvm_trace "$log"
		# the reason in the first line: a log cut short keeps it
		why=$(grep -a '^FAIL: ' "$log" | tail -n 1)
		echo "FAIL $name (rc=$rc, ${secs}s)${why:+: ${why#FAIL: }};" \
			"last lines of its log:"
		tail -n 25 "$log" | sed 's/^/    /'
		;;
	esac
}

# The VM batch: one boot of the SVM VM runs this script with --here on
# the given tests; its result lines are counted here as "NAME [svm]".
run_in_svm() { # batch-name paths...
	local names=() t line word name rest vmrc reported=" " why
	local vmlog=$logdir/$1
	shift
	for t in "$@"; do names+=("=$(basename "$t")"); done
	mkdir -p "$vmlog"
	echo "== ${#names[@]} test(s) in the SVM test VM (QEMU TCG, nested" \
		"SVM; slow): ${names[*]//=/}"
	if ! why=$("$SRCDIR/scripts/svm-vm" --check 2>&1) &&
		! why=$("$SRCDIR/scripts/svm-vm" --setup 2>&1); then
		for t in "$@"; do
			result SKIP "$(basename "$t")"
			echo "SKIP $(basename "$t") [svm]: no SVM test VM here:" \
				"$(echo "$why" | tail -n 1)"
		done
		return
	fi
	while IFS= read -r line; do
		case "$line" in
		'PASS '* | 'FAIL '* | 'SKIP '*)
			word=${line%% *}
			rest=${line#* }
			name=${rest%% *}
			name=${name%:}
			result "$word" "$name [svm]"
			reported+="$name "
			echo "$word $name [svm]${rest#"$name"}"
			;;
		[0-9]*' passed, '*' failed'*) ;; # the VM's own summary
		'    '*) echo "$line" ;;
		*) echo "svm: $line" ;;
		esac
	done < <("$SRCDIR/scripts/svm-vm" -n -o "$vmlog" ${svm_smp:+-smp "$svm_smp"} \
		-t "${SVM_TIMEOUT:-$svm_limit}" -C "$SRCDIR" \
		-e BUILD="$BUILD" -e TEST_LOGDIR="$vmlog" \
		-e TEST_TIMEOUT_SCALE="${SVM_TIMEOUT_SCALE:-3}" \
		-e TEST_TIMEOUT="$TIMEOUT" \
		-- tests/run-tests.sh --here "${names[@]}" 2>&1)
	wait $! 2>/dev/null
	vmrc=$?
	for t in "$@"; do
		name=$(basename "$t")
		case "$reported" in *" $name "*) continue ;; esac
		result FAIL "$name [svm]"
		echo "FAIL $name [svm]: never reported (svm-vm exit $vmrc:" \
			"the VM stopped or ran out of time)"
	done
}

# --- the jobs ---
declare -A running=() # pid -> log of the job's report
jobs_max=${TEST_JOBS:-$(nproc)}
start_job() { # report file, command...
	local res=$1
	shift
	"$@" >"$res" 2>&1 </dev/null &
	running[$!]=$res
}
collect_job() { # waits for a job to end (bash 5.2's wait -n misses
	local pid line res # jobs that ended before it was called: poll)
	while :; do
		for pid in "${!running[@]}"; do
			kill -0 "$pid" 2>/dev/null || break 2
		done
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
	res=${running[$pid]}
	unset "running[$pid]"
	while IFS= read -r line; do
		case "$line" in
		'@@ '*) line=${line#@@ }; count "${line%% *}" "${line#* }" ;;
		*) echo "$line" ;;
		esac
	done <"$res"
	rm -f "$res"
}
stop_jobs() {
	local p
	for p in "${!running[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null # timeout, svm-vm: they stop the rest
		kill "$p" 2>/dev/null
	done
	wait
	exit 130
}
trap stop_jobs INT TERM
run_job() { # function, args...: starts it when a slot is free
	while [ ${#running[@]} -ge "$jobs_max" ]; do collect_job; done
	start_job "$(mktemp "$logdir/.job.XXXXXX")" "$@"
}

# the guest tests first, the longest (by their limit) first of them
order() {
	local t k l
	for t in "$@"; do
		k=1 l=0
		has_line "$t" '# test-needs: kvm' && k=0
		[[ "$t" == *.sh ]] &&
			l=$(sed -n 's/^# test-timeout: \([0-9]*\)$/\1/p' "$t" | head -n 1)
		printf '%s %s %s\n' "$k" "${l:-$TIMEOUT}" "$t"
	done | sort -s -k1,1n -k2,2nr | cut -d' ' -f3-
}

kvm_ok=0
[ $where != svm ] && "$BUILD/xenner/xenner" -check-kvm >/dev/null 2>&1 &&
	kvm_ok=1
vm_tests=() here_tests=()
for t in "${tests[@]}"; do
	selected "$(basename "$t")" || continue
	if has_line "$t" '# test-needs: kvm'; then
		case $where in
		svm) vm_tests+=("$t"); continue ;;
		auto)
			if [ $kvm_ok = 0 ]; then
				vm_tests+=("$t")
				continue
			fi
			[ "${SVM_SMOKE:-1}" != 0 ] &&
				has_line "$t" '# test-svm-smoke' && vm_tests+=("$t")
			;;
		esac
	elif [ $where = svm ]; then
		continue
	fi
	here_tests+=("$t")
done
# L1 gets one vCPU unless SVMVM_SMP says otherwise.  With two, L1 itself
# broke seven times (QEMU 7.2's TCG, nested SVM): both vCPUs locked up
# with interrupts off, or L1 panicked with "corrupted stack end detected
# inside scheduler" in xenner's vCPU thread, in KVM's shutdown intercept
# (an L2 triple fault); not once in the batches run with one (docs/
# svm-vm.md).  Guests with two vCPUs still run, on one L1 CPU.
svm_limit=4500 svm_smp=${SVMVM_SMP:-1}
# the smoke set runs beside the native tests
[ $kvm_ok = 1 ] && svm_limit=1500
# The VM batches are the longest jobs of all.  Where every guest test runs
# in the VM, one VM per host CPU (two at most) shares them out: each test,
# longest first, to the batch with less work so far, so that both end
# together (the parallelism of a 2-vCPU L1 without its breakage).  A
# test's work is what "# test-svm-seconds: N" says it took in the VM, or
# a fifth of its time limit.
svm_seconds() {
	local n
	n=$(sed -n 's/^# test-svm-seconds: \([0-9]*\)$/\1/p' "$1" | head -n 1)
	[ -z "$n" ] && n=$(sed -n 's/^# test-timeout: \([0-9]*\)$/\1/p' "$1" | head -n 1) &&
		n=$((${n:-$TIMEOUT} / 5))
	echo "$n"
}
batches=1
[ $kvm_ok = 0 ] && [ "$jobs_max" -ge 2 ] && [ ${#vm_tests[@]} -ge 2 ] && batches=2
batches=${SVM_BATCHES:-$batches}
if [ ${#vm_tests[@]} -gt 0 ]; then
	declare -a batch1=() batch2=()
	w1=0 w2=0
	while read -r w t; do
		if [ "$batches" = 1 ] || [ $w1 -le $w2 ]; then
			batch1+=("$t") w1=$((w1 + w))
		else
			batch2+=("$t") w2=$((w2 + w))
		fi
	done < <(for t in "${vm_tests[@]}"; do echo "$(svm_seconds "$t") $t"; done |
		sort -s -k1,1nr)
	run_job run_in_svm svm "${batch1[@]}"
	[ ${#batch2[@]} -gt 0 ] && run_job run_in_svm svm2 "${batch2[@]}"
fi
while IFS= read -r t; do
	run_job run_one "$t"
done < <(order ${here_tests[@]+"${here_tests[@]}"})
while [ ${#running[@]} -gt 0 ]; do collect_job; done

if [ $fail = 0 ] && [ $keep_logs = 0 ]; then
	rm -rf "$logdir"
elif [ $fail != 0 ]; then
	echo "logs of failed tests in $logdir"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
