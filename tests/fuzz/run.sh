#!/bin/bash
# Runs each libFuzzer target of tests/fuzz for a bounded time and prints,
# per target, executions, seconds (wall and CPU) and crashes.
#   BUILD         where make fuzz-build put them (default build-fuzz)
#   FUZZ_SECONDS  seconds per target (default 60)
# One target at a time, at nice 19: the host is shared.
# Optional arguments name targets (blkif, kernel, ...); default all.
# Each run starts from the seeds in tests/fuzz/corpus/<target> (read only)
# and what earlier runs found in $BUILD/fuzz-corpus/<target>; a crash
# leaves its input in $BUILD/fuzz-artifacts/<target>/.  One line per run
# also goes to $BUILD/fuzz-log.tsv (date, target, executions, CPU seconds,
# crashes), the numbers docs/reliability.md adds up.
# Exit status: 0 no crash, 1 a target crashed (or did not build).
set -u
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build-fuzz}
case "$BUILD" in /*) ;; *) BUILD="$SRCDIR/$BUILD" ;; esac
SECONDS_EACH=${FUZZ_SECONDS:-60}

targets=("$@")
if [ ${#targets[@]} = 0 ]; then
	for d in "$SRCDIR"/tests/fuzz/corpus/*/; do
		targets+=("$(basename "$d")")
	done
fi

total_execs=0 total_cpu=0 crashed=()
for t in "${targets[@]}"; do
	bin=$BUILD/tests/fuzz/fuzz-$t
	seeds=$SRCDIR/tests/fuzz/corpus/$t
	work=$BUILD/fuzz-corpus/$t
	art=$BUILD/fuzz-artifacts/$t
	log=$BUILD/fuzz-logs/$t.log
	if [ ! -x "$bin" ]; then
		echo "fuzz-$t: not built ($bin)"
		crashed+=("$t")
		continue
	fi
	mkdir -p "$work" "$art" "$(dirname "$log")"
	# a slow unit on a loaded host is not a finding (a hang is a timeout)
	before=$(ls "$art" | grep -vc '^slow-unit-')
	TIMEFORMAT='%R %U %S'
	{ time nice -n 19 "$bin" -max_total_time="$SECONDS_EACH" \
		-print_final_stats=1 -timeout=30 -rss_limit_mb=2560 \
		-report_slow_units=30 \
		-artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1; } \
		2>"$log.time"
	rc=$?
	read -r wall usr sys <"$log.time"
	cpu=$(awk -v a="$usr" -v b="$sys" 'BEGIN { printf "%.1f", a + b }')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	execs=${execs:-0}
	crashes=$(($(ls "$art" | grep -vc '^slow-unit-') - before))
	[ $rc != 0 ] && [ $crashes = 0 ] && crashes=1
	printf 'fuzz-%-12s %10s executions %6.1f s (%6.1f s CPU), %s crashes\n' \
		"$t" "$execs" "$wall" "$cpu" "$crashes"
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$execs" \
		"$cpu" "$crashes" >>"$BUILD/fuzz-log.tsv"
	total_execs=$((total_execs + execs))
	total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }')
	if [ "$crashes" != 0 ]; then
		crashed+=("$t")
		grep -m 3 -E '^==[0-9]+==ERROR|SUMMARY|deadly signal' "$log"
		echo "  input: $(ls -t "$art" | head -n 1 | sed "s|^|$art/|")"
		echo "  log:   $log"
	fi
done
echo "${#targets[@]} targets, $total_execs executions, $total_cpu s CPU," \
	"${#crashed[@]} crashed${crashed[*]:+: ${crashed[*]}}"
[ ${#crashed[@]} = 0 ]
