#!/bin/bash
# test-needs: kvm
# Compressed ELF kernels, as Xen's domain builder takes them: tk-hypercall
# compressed whole by gzip, bzip2, xz, lzma, lz4 (legacy and frame) and
# zstd boots under xenner, and so does a gzip'd lower-half kernel
# (tk-low-hypercall, linked at 0x40000000); a truncated, a corrupt, a
# non-kernel and a bomb (an ELF header and 1.1 GiB of zeros: past xenner's
# 1 GiB bound) each fail with one line and leave nothing behind.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER=$BUILD/xenner/xenner
TK=$BUILD/tests/guests/tk-hypercall
need_file "$XENNER" "make"
need_file "$TK" "make"
start_dom0
d=$XENNER_RUNDIR/k
mkdir -p "$d"

boot() { # kernel, what
	local out=$d/boot.out
	timeout -k 5 "$(scaled 60)" "$XENNER" -kernel "$1" -m 32 -name kc \
		</dev/null >"$out" 2>&1
	local rc=$?
	[ $rc = 0 ] || { cat "$out"; fail "$2: exit $rc"; }
	grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$out" ||
		{ cat "$out"; fail "$2: no clean RESULT"; }
}

while read -r name cmd; do
	$cmd <"$TK" >"$d/$name" || fail "$cmd"
	boot "$d/$name" "$name ($cmd)"
done <<'EOF'
gzip gzip -9 -n
bzip2 bzip2 -9
xz xz -6 --check=crc32
lzma xz --format=lzma
lz4-legacy lz4 -l -q
lz4-frame lz4 -q
zstd zstd -q
EOF
ok "tk-hypercall compressed with gzip, bzip2, xz, lzma, lz4 -l, lz4, zstd boots"

gzip -9 -n <"$BUILD/tests/guests/tk-low-hypercall" >"$d/low.gz"
boot "$d/low.gz" "gzip'd tk-low-hypercall"
grep -q "^linked at 40000000" "$d/boot.out" || { cat "$d/boot.out"; fail "not in the lower half"; }
ok "a gzip'd kernel linked at 0x40000000 boots"

# Each bad kernel: exit 1, one line naming the problem, nothing left.
refuse() { # file, expected text
	local out=$d/bad.out rc
	timeout -k 5 "$(scaled 60)" "$XENNER" -kernel "$1" -m 32 -name bad \
		</dev/null >"$out" 2>&1
	rc=$?
	[ $rc = 1 ] || { cat "$out"; fail "$(basename "$1"): exit $rc, expected 1"; }
	[ "$(wc -l <"$out")" = 1 ] || { cat "$out"; fail "$(basename "$1"): not one line"; }
	grep -qF "$2" "$out" || { cat "$out"; fail "$(basename "$1"): no '$2'"; }
	echo "  $(cat "$out")"
}
n=$(stat -c %s "$d/gzip")
head -c $((n / 2)) "$d/gzip" >"$d/cut.gz"
refuse "$d/cut.gz" "truncated gzip data"
cp "$d/xz" "$d/bad.xz"
printf '\377\377\377\377\377\377\377\377' |
	dd of="$d/bad.xz" bs=1 seek=$(($(stat -c %s "$d/xz") / 3)) conv=notrunc 2>/dev/null
refuse "$d/bad.xz" "corrupt xz data"
head -c 100M /dev/zero | gzip -1 >"$d/zeros.gz"
refuse "$d/zeros.gz" "the gzip data holds neither an ELF kernel nor a bzImage"
{ head -c 64 "$TK"; head -c 1100M /dev/zero; } | zstd -q -1 >"$d/bomb.zst"
start=$(date +%s%N)
refuse "$d/bomb.zst" "zstd data expands beyond 1024 MiB, the limit for a kernel"
ok "truncated, corrupt, non-kernel and bomb ($(stat -c %s "$d/bomb.zst") bytes, refused in $((($(date +%s%N) - start) / 1000000)) ms) kernels: one line each"

for f in "$XENNER_RUNDIR"/vmcore.* "$XENNER_RUNDIR"/emu.*; do
	[ -e "$f" ] && fail "left $f behind"
done
XENNER_RUNDIR=$XENNER_RUNDIR "$BUILD/tools/xm/xenner-xm" list | grep -q " kc \| bad " &&
	fail "a domain is still listed"
"$DOM0" status >/dev/null || fail "dom0 services died"
exit 0
