#!/bin/bash
# blkbackd-xen and netbackd-xen are the real-Xen builds: every import
# resolves against Debian's stock libraries on the default library path,
# none comes from our shim.  blkbackd and netbackd (the xenner builds) find
# the shim in $BUILD/lib.
. "$(dirname "$0")/lib.sh"
need_file /usr/lib/x86_64-linux-gnu/libxenevtchn.so.1 "libxenevtchn1"

check_daemon() { # name
	local d=$1 xen=$BUILD/$1/$1-xen own=$BUILD/$1/$1 out imports lib

	need_file "$xen" "make"
	need_file "$own" "make"
	out=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd -r "$xen" 2>&1) || fail "ldd -r: $out"
	echo "$out" | grep -Eq "not found|undefined symbol|version .* not found" &&
		fail "unresolved imports: $out"
	for lib in libxenevtchn.so.1 libxengnttab.so.1 libxenstore.so.4; do
		echo "$out" | grep -Eq "$lib => /(usr/)?lib/x86_64-linux-gnu/$lib" ||
			fail "$lib does not resolve to the stock library: $out"
	done
	echo "$out" | grep -q "$BUILD" && fail "$d-xen picks up the build tree"
	readelf -d "$xen" | grep -Eq "RPATH|RUNPATH" && fail "$d-xen has a run path"
	# It imports only the public library API (no xc_*, no shim internals).
	imports=$(nm -D --undefined-only "$xen" | awk '{ print $2 }' | grep -E '^(xc_|xs_|xen)')
	echo "$imports" | grep -q '^xc_' && fail "$d-xen uses libxenctrl: $imports"
	ok "$d-xen resolves against Debian's libraries ($(echo "$imports" | wc -l) Xen imports)"

	out=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$own" 2>&1)
	for lib in libxenevtchn.so.1 libxengnttab.so.1; do
		echo "$out" | grep "$lib =>" | grep -q "$BUILD/$d/../lib/$lib" ||
			fail "$d does not find our $lib: $out"
	done
	# Same sonames and symbol versions: each binary runs on either set.
	diff <(nm -D --undefined-only "$xen" | awk '{ print $2 }' | sort) \
		<(nm -D --undefined-only "$own" | awk '{ print $2 }' | sort) ||
		fail "the two $d builds import different symbols"
	"$own" --help | grep -q -- --foreground || fail "$d --help"
	"$own" --max-queues 99 2>/dev/null && fail "$d: bad --max-queues accepted"
	ok "$d runs against $BUILD/lib"
}

check_daemon blkbackd
check_daemon netbackd
exit 0
