#!/bin/bash
# Every libFuzzer target (tests/fuzz) builds and runs a few seconds from its
# seed corpus (crash regressions included) without a crash: make fuzz stays
# honest.  Built with clang in its own directory ($BUILD-fuzz), so it never
# races with the build under test.
# test-timeout: 1200
. "$(dirname "$0")/lib.sh"
command -v clang >/dev/null ||
	skip "clang not installed (scripts/setup-deps.sh installs it)"
probe=$(mktemp -d /tmp/xenner-fuzz-probe.XXXXXX)
on_exit rm -rf "$probe"
printf 'int LLVMFuzzerTestOneInput(const char *d, long n) '\
'{ (void)d; (void)n; return 0; }\n' >"$probe/p.c"
clang -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" \
	>"$probe/log" 2>&1 ||
	skip "clang cannot link libFuzzer (libclang-rt-14-dev): $(head -n 1 "$probe/log")"

fbuild=$BUILD-fuzz
mkdir -p "$fbuild"
# One build of that directory at a time (make check and make asan may
# both run this test).
exec 9>"$fbuild/.lock"
flock 9
nice make -C "$SRCDIR" -j2 FUZZ_BUILD="$fbuild" fuzz-bins \
	>"$fbuild/smoke-build.log" 2>&1 ||
	fail "make fuzz-bins: $(grep -m 3 -E 'error|Error' "$fbuild/smoke-build.log")"
out=$(FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-2} BUILD=$fbuild \
	"$SRCDIR/tests/fuzz/run.sh" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || fail "a fuzz target crashed: $(echo "$out" | tail -n 1)"
ok "$(echo "$out" | tail -n 1)"
