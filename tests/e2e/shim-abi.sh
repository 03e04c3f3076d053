#!/bin/bash
# The shim libraries are drop-in replacements for the stock binaries:
# every symbol@version they import from libxenctrl, libxenevtchn,
# libxengnttab, libxenforeignmemory and libxendevicemodel is exported by
# ours, the four small libraries export exactly Debian's symbols with the
# same version nodes (and the same chaining), sonames match, and the
# stock binaries load BIND_NOW against ours without a lookup error.
. "$(dirname "$0")/lib.sh"

LIB=$BUILD/lib
SYSLIB=/usr/lib/x86_64-linux-gnu
LIBS="libxenctrl.so.4.17 libxenevtchn.so.1 libxengnttab.so.1
	libxenforeignmemory.so.1 libxendevicemodel.so.1"
for l in $LIBS libxenner-preload.so; do need_file "$LIB/$l" "make"; done
command -v objdump >/dev/null || skip "objdump (binutils) missing"

BINS=()
for b in /usr/lib/xen-4.17/bin/xenstored /usr/lib/xen-4.17/bin/xenconsoled \
	/usr/libexec/xen-qemu-system-i386; do
	[ -x "$b" ] && BINS+=("$b")
done
[ ${#BINS[@]} -gt 0 ] || skip "no stock Xen binaries installed"

tmp=$(mktemp -d /tmp/shim-abi.XXXXXX)
on_exit "rm -rf '$tmp'"
errors=0
err() { echo "ERROR: $*"; errors=$((errors + 1)); }

# "name@VERSION" lines of a library's defined dynamic symbols.
exports() {
	objdump -T "$1" | awk '$0 !~ /\*UND\*/ && $NF ~ /^[a-z_]/ &&
		$(NF-1) ~ /^VERS_/ { print $NF "@" $(NF-1) }' | sort -u
}
# "name@VERSION" of a binary's imports from the replaced libraries.
imports() {
	objdump -T "$1" | awk '/\*UND\*/ && $NF ~ /^(xc_|xenevtchn_|xengnttab_|xengntshr_|xenforeignmemory_|xendevicemodel_)/ {
		v = $(NF-1); gsub(/[()]/, "", v); print $NF "@" v }' | sort -u
}
cat_exports() { for l in $LIBS; do exports "$LIB/$l"; done | sort -u; }

cat_exports >"$tmp/ours"
[ -s "$tmp/ours" ] || fail "no exports parsed from our libraries"

# The checker itself must notice a missing import.
echo "xenevtchn_no_such_function@VERS_1.0" >"$tmp/fake"
[ -n "$(comm -23 "$tmp/fake" "$tmp/ours")" ] ||
	fail "self-check: a missing symbol was not detected"

for b in "${BINS[@]}"; do
	imports "$b" >"$tmp/imports"
	n=$(wc -l <"$tmp/imports")
	[ "$n" -gt 0 ] || err "$b: no imports parsed"
	missing=$(comm -23 "$tmp/imports" "$tmp/ours")
	[ -z "$missing" ] || err "$b needs, we lack: $missing"
	ok "$b: all $n imports exported with the right version"
done

for l in libxenevtchn.so.1 libxengnttab.so.1 libxenforeignmemory.so.1 \
	libxendevicemodel.so.1; do
	[ -e "$SYSLIB/$l" ] || continue
	if ! diff <(exports "$SYSLIB/$l") <(exports "$LIB/$l") >"$tmp/diff"; then
		err "$l: exports differ from Debian's (- Debian, + ours):"
		grep '^[<>]' "$tmp/diff" | sed 's/^</-/; s/^>/+/'
	fi
	# Version definitions and their parents (addresses stripped).
	vers() { readelf -V "$1" | sed -n '/Version definition/,/^$/p' |
		grep -oE '(Name|Parent 1): [^ ]+' | sed 's/lib.*\.so\.[0-9.]*/SONAME/'; }
	diff <(vers "$SYSLIB/$l") <(vers "$LIB/$l") >/dev/null ||
		err "$l: version nodes differ from Debian's"
done
ok "exports and version nodes match Debian's"

for l in $LIBS; do
	so=$(readelf -d "$LIB/$l" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$so" = "$l" ] || err "$l: soname is '$so'"
	base=${l%%.so*}.so
	[ "$(readlink "$LIB/$base")" = "$l" ] || err "$base symlink missing"
done
ok "sonames and symlinks"

# A sanitizer build of the shim needs its runtime loaded first.
san_preload=$(ldd "$LIB/libxenevtchn.so.1" | awk '/lib(asan|ubsan)\.so/ { printf "%s:", $3 }')
export ASAN_OPTIONS=detect_leaks=0

for b in "${BINS[@]}"; do
	LD_LIBRARY_PATH=$LIB LD_BIND_NOW=1 ldd -r "$b" >"$tmp/ldd" 2>&1
	if grep -E 'symbol lookup error|undefined symbol|no version information|not found' "$tmp/ldd"; then
		err "$b: ldd -r reports unresolved symbols"
	fi
	for l in $LIBS; do
		if grep -q "$l =>" "$tmp/ldd" && ! grep -q "$l => $LIB/$l" "$tmp/ldd"; then
			err "$b: $l does not resolve to our build"
		fi
	done
	# Actually run it: the loader binds everything before main().
	LD_LIBRARY_PATH=$LIB LD_PRELOAD=$san_preload$LIB/libxenner-preload.so \
		LD_BIND_NOW=1 timeout 20 "$b" --help >"$tmp/out" 2>&1
	rc=$?
	if grep -E 'symbol lookup error|no version information|error while loading|runtime does not come first' "$tmp/out"; then
		err "$b --help: loader error (rc $rc)"
	elif [ $rc != 0 ]; then
		err "$b --help: rc $rc"
		tail -n 5 "$tmp/out"
	fi
	ok "$b loads against the shim"
done

[ $errors = 0 ] || fail "$errors error(s)"
echo "PASS"
