#!/bin/bash
# A vmcore made by xenner-vmcore is an ELF core that readelf and gdb accept,
# gdb sees guest RAM at the right addresses, and xenner-vmcore info rejects
# a damaged file with a clear message.
set -u
TOOL="$BUILD/tools/xenner-vmcore"
for t in readelf gdb; do
	command -v $t >/dev/null || { echo "SKIP $t is not installed"; exit 77; }
done
[ -x "$TOOL" ] || { echo "FAIL $TOOL not built"; exit 1; }
dir=$(mktemp -d /dev/shm/xenner-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
core="$dir/vmcore.5"
fail() { echo "FAIL $*"; exit 1; }

"$TOOL" create "$core" --domid 5 --pages 256 --name elf-test ||
	fail "create"
"$TOOL" create "$core" --domid 5 --pages 256 2>"$dir/err" &&
	fail "create overwrote an existing file"
grep -q "File exists" "$dir/err" || fail "no EEXIST message: $(cat "$dir/err")"

"$TOOL" info "$core" >"$dir/info" || fail "info"
grep -q '^domid: *5$' "$dir/info" || fail "info domid: $(cat "$dir/info")"
grep -q '^name: *elf-test$' "$dir/info" || fail "info name"
grep -q '^nr_pages: *256 ' "$dir/info" || fail "info pages"

readelf -a "$core" >"$dir/readelf" 2>&1 || fail "readelf rc: $(cat "$dir/readelf")"
grep -Eiq 'error|warning' "$dir/readelf" && fail "readelf: $(cat "$dir/readelf")"
grep -q 'CORE (Core file)' "$dir/readelf" || fail "not ET_CORE"
grep -q 'Advanced Micro Devices X86-64' "$dir/readelf" || fail "not x86_64"
grep -q 'XENNER .*0x584e0001' "$dir/readelf" || fail "no XENNER note"
# PT_LOAD: offset 2 MiB, vaddr/paddr 0, 1 MiB file and memory size, RWE.
grep -A1 '^  LOAD' "$dir/readelf" | tr -s ' \n' ' ' |
	grep -q 'LOAD 0x0000000000200000 0x0000000000000000 0x0000000000000000 0x0000000000100000 0x0000000000100000 RWE' ||
	fail "PT_LOAD: $(grep -A1 '^  LOAD' "$dir/readelf")"

# Put a string into pfn 1 and read it back through gdb at address 0x1000.
printf 'xenner-vmcore-ok\0' |
	dd of="$core" bs=1 seek=$((2 * 1024 * 1024 + 4096)) conv=notrunc status=none
gdb -nx -batch -c "$core" -ex 'info files' -ex 'x/s 0x1000' \
	>"$dir/gdb" 2>&1 || fail "gdb rc: $(cat "$dir/gdb")"
cat "$dir/gdb"
# No registers yet (no NT_PRSTATUS while running) is the only allowed warning.
grep -v "Couldn't find general-purpose registers" "$dir/gdb" |
	grep -Eiq 'error|warning|not in executable format|not a core' &&
	fail "gdb complained"
grep -q '0x0000000000000000 - 0x0000000000100000 is load1' "$dir/gdb" ||
	fail "gdb does not see RAM as load1"
grep -q 'xenner-vmcore-ok' "$dir/gdb" || fail "gdb reads wrong RAM"

# Damaged files: clear one-line reasons, non-zero exit.
cp --sparse=always "$core" "$dir/bad"
truncate -s $((2 * 1024 * 1024 + 4096)) "$dir/bad"
"$TOOL" info "$dir/bad" >/dev/null 2>"$dir/err" && fail "truncated accepted"
grep -q 'truncated: file has 2101248 bytes, RAM needs 3145728' "$dir/err" ||
	fail "truncated message: $(cat "$dir/err")"
cp --sparse=always "$core" "$dir/bad"
printf 'X' | dd of="$dir/bad" bs=1 seek=1 conv=notrunc status=none
"$TOOL" info "$dir/bad" >/dev/null 2>"$dir/err" && fail "bad magic accepted"
grep -q 'bad magic' "$dir/err" || fail "magic message: $(cat "$dir/err")"
"$TOOL" info "$dir/missing" 2>/dev/null && fail "missing file accepted"
"$TOOL" create "$dir/x" --domid 1 --pages 0 2>/dev/null && fail "0 pages accepted"
[ -e "$dir/x" ] && fail "failed create left a file"
echo PASS
exit 0
