# bench/lib.sh: shell functions shared by bench/boot and bench/blk
# (sourced, not run). The script sets BENCH (its name, for messages)
# before sourcing; lib.sh reads the common environment:
#   BUILD                  xenner build dir [build]
#   BENCH_BOOT_TIMEOUT     limit for one xenner / qemu-tcg boot, s [300]
#   BENCH_KVM_TIMEOUT      limit for a qemu-kvm boot, s [300]
#   BENCH_SETUPS           which to run [host xenner tcg kvm]
#   BENCH_KVM_CPU          -cpu for qemu-kvm, e.g. qemu64,-cx16 [QEMU's]
#   XENNER_CACHE           guest kernel cache [/var/cache/xenner]
#   QEMU                   the QEMU binary [qemu-system-x86_64]
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the sourcing script

SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$SRCDIR/$BUILD" ;; esac
# xenner-dom0 finds the daemons of this build through it
export BUILD
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-300}
KVM_TIMEOUT=${BENCH_KVM_TIMEOUT:-300}
SETUPS=${BENCH_SETUPS:-host xenner tcg kvm}
cache=${XENNER_CACHE:-/var/cache/xenner}
XENNER=$BUILD/xenner/xenner
QEMU=${QEMU:-qemu-system-x86_64}

die() { echo "$BENCH: $*" >&2; exit 1; }
note() { echo "$BENCH: $*" >&2; }
want() { case " $SETUPS " in *" $1 "*) return 0 ;; esac; return 1; }

# positive N...: dies unless every argument is a positive integer.
positive() {
	local v
	for v in "$@"; do
		[[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive number: '$v'"
	done
}

# check_prereqs: sets $kernel; dies without what the setups need.
check_prereqs() {
	local f
	kernel=
	for f in "$cache"/kernel/boot/vmlinuz-*; do
		[ -f "$f" ] && { kernel=$f; break; }
	done
	[ -n "$kernel" ] ||
		die "no guest kernel in $cache (scripts/fetch-guest-kernel.sh)"
	command -v gcc >/dev/null || die "no gcc (scripts/setup-bench-deps.sh)"
	if want xenner; then
		[ -x "$XENNER" ] || die "no $XENNER (make BUILD=$BUILD)"
	fi
	if want tcg || want kvm; then
		command -v "$QEMU" >/dev/null ||
			die "no $QEMU (scripts/setup-bench-deps.sh)"
	fi
}

# bench_init DEFAULT_OUT: makes $OUT (BENCH_OUT or DEFAULT_OUT) and the
# scratch directory $tmp, removed at exit; xenner's run directory is in
# $tmp. A script's cleanup_extra function, if any, runs first at exit.
bench_init() {
	OUT=${BENCH_OUT:-$1}
	mkdir -p "$OUT" || die "cannot create $OUT"
	tmp=$(mktemp -d /dev/shm/xenner-bench.XXXXXX) || die "mktemp"
	child=
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	# xenner starts private dom0 services when none run; keep them in tmp
	export XENNER_RUNDIR=$tmp/run
	mkdir -p "$XENNER_RUNDIR"
	export XENSTORED_PATH=$XENNER_RUNDIR/xenstored/socket
}

# stop_child: asks the child to stop (twice: xenner powers the guest off
# at the first SIGTERM, stops at the second), kills it after 5 s.
stop_child() {
	local i
	kill -TERM "$child" 2>/dev/null || return 0
	sleep 0.2
	kill -TERM "$child" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$child" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$child" 2>/dev/null
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$child" ] && stop_child
	declare -F cleanup_extra >/dev/null && cleanup_extra
	# what a xenner killed at the last resort left (its private dom0)
	"$SRCDIR/tools/xenner-cleanup" --rundir "$XENNER_RUNDIR" \
		>/dev/null 2>&1
	rm -rf "$tmp"
}

# build_static SOURCE OUTPUT: the in-guest program, gcc -static -O2.
build_static() {
	gcc -static -O2 -std=gnu11 -Wall -Wextra -Werror -o "$2" "$1" ||
		die "cannot build the static $(basename "$1") (libc6-dev:" \
			"scripts/setup-bench-deps.sh)"
}

# make_initrd [-t TREE] OUTPUT PROGRAM...: scripts/mkinitramfs.sh's
# initramfs with the programs added in /bin (and TREE's files, if given,
# at their paths).
make_initrd() {
	local tree="" out p
	if [ "$1" = -t ]; then
		tree=$2
		shift 2
	fi
	out=$1
	shift
	"$SRCDIR/scripts/mkinitramfs.sh" "$tmp/base.gz" >/dev/null ||
		die "mkinitramfs.sh failed"
	# The kernel unpacks concatenated cpio archives in order: append ours.
	rm -rf "$tmp/extra"
	mkdir -p "$tmp/extra/bin"
	for p in "$@"; do
		cp "$p" "$tmp/extra/bin/" || die "cp $p"
	done
	[ -z "$tree" ] || cp -a "$tree/." "$tmp/extra/" || die "cp $tree"
	(cd "$tmp/extra" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -9 >"$tmp/extra.gz" || die "cpio"
	cat "$tmp/base.gz" "$tmp/extra.gz" >"$out"
}

# add_dynamic TREE BINARY: BINARY and the shared libraries it loads, at
# their paths under TREE (for a busybox initramfs, which has no libc).
add_dynamic() {
	local f
	for f in "$2" $(ldd "$2" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		mkdir -p "$1$(dirname "$f")" && cp -L "$f" "$1$f" ||
			die "cannot copy $f"
	done
}

# Results: R[setup.key]; boot() fills R[NAME.init], R[NAME.off] (ms; ""
# = not reached) and R[NAME.why] (why it did not end normally).
declare -A R

# failed_at LOG: " at CPL0 code f0 48 0f c7 .. (lock cmpxchg16b)" from the
# register dump QEMU prints at a KVM emulation failure.
failed_at() {
	local code cpl
	code=$(sed -n 's/^Code=.*<\([0-9a-f][0-9a-f]\)> \(\([0-9a-f][0-9a-f] \)\{0,5\}\).*/\1 \2/p' "$1" |
		head -n 1)
	cpl=$(sed -n 's/.* CPL=\([0-3]\) .*/\1/p' "$1" | head -n 1)
	[ -n "$code" ] || return 0
	printf ' at CPL%s code %s' "${cpl:-?}" "${code% }"
	case "$code" in
	"f0 48 0f c7 "*) printf ' (lock cmpxchg16b)' ;;
	"f0 0f c7 "*) printf ' (lock cmpxchg8b)' ;;
	esac
}

# Runs one boot: boot NAME TIMEOUT CMD...; its console goes to
# $OUT/NAME.log. Sets R[NAME.init], R[NAME.off] (ms), R[NAME.why].
boot() {
	local name=$1 limit=$2 log=$OUT/$1.log start now rc
	local init_ms='' why=''
	shift 2
	start=$(date +%s%N)
	"$@" </dev/null >"$log" 2>&1 &
	child=$!
	while kill -0 "$child" 2>/dev/null; do
		now=$((($(date +%s%N) - start) / 1000000))
		if [ -z "$init_ms" ] && grep -q "XENNER-INIT: /init reached" "$log"; then
			init_ms=$now
		fi
		if grep -q "KVM internal error\|emulation failure" "$log"; then
			# QEMU stops the VM but stays; give it a moment to
			# print the registers, then say where it failed
			sleep 0.5
			why="KVM emulation failure after $((now / 1000)) s$(failed_at "$log")"
			stop_child
			break
		fi
		if [ "$now" -ge $((limit * 1000)) ]; then
			why="killed at the ${limit} s limit"
			stop_child
			break
		fi
		sleep 0.1
	done
	# (quietly: bash reports a job it killed)
	{ wait "$child"; } 2>/dev/null
	rc=$?
	child=
	now=$((($(date +%s%N) - start) / 1000000))
	if [ -z "$init_ms" ] && grep -q "XENNER-INIT: /init reached" "$log"; then
		init_ms=$now
	fi
	R[$name.init]=$init_ms
	R[$name.off]=
	if [ -z "$why" ]; then
		if grep -q "XENNER-RUN: exit" "$log"; then
			R[$name.off]=$now
		else
			why="exit status $rc without reaching the end of /init"
		fi
	fi
	R[$name.why]=$why
	if [ -n "$why" ]; then
		note "$name: $why (reached /init: ${init_ms:-no}); log $log"
	else
		note "$name: /init after $init_ms ms, poweroff after $now ms"
	fi
}

# fmt VALUE SCALE DECIMALS: VALUE/SCALE, or "-"
fmt() {
	[ -n "$1" ] || { echo "-"; return; }
	awk -v v="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.*f", d, v / s }'
}
# ratio A B: A/B as "12.3x", or "-"
ratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "-"
		return
	fi
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b == 0) { print "-"; exit }
		r = a / b
		printf(r >= 100 ? "%.0fx" : r >= 10 ? "%.1fx" : "%.2fx", r) }'
}

# emu's counters per operation: (test boot - baseline boot) / operations
counters() { # log -> "key<TAB>value" lines of xenner's -stats
	sed -n 's/^  *\(.*[^ ]\)  *\([0-9][0-9]*\)$/\1\t\2/p' "$1"
}
# per_op_header FIRST [WIDTH]: the header of a table of per_op rows.
per_op_header() {
	local w=${2:-62} dashes
	dashes=$(printf '%*s' "$((w + 2))" '' | tr ' ' -)
	printf "| %-14s | %10s | %9s | %9s | %9s | %-*s |\n" "$1" "entries" \
		"exits" "KVM exits" "us/entry" "$w" "largest contributors"
	echo "|----------------|-----------:|----------:|----------:|----------:|$dashes|"
}
# per_op_note: what the columns count.
per_op_note() {
	echo "(entries = entries into emu; exits = emu's requests to xenner's" \
		"userspace: console, events, page-table walks; KVM exits = KVM's" \
		"own VM exits, from its per-vCPU statistics, with the largest" \
		"reasons after \"KVM:\")"
}

# per_op LABEL OPS NS_PER_OP BASE.cnt TEST.cnt [WIDTH]: one row of the
# table; WIDTH of the last column [62].  KVM's own exits (xenner -stats
# "kvm exits") are a column of their own, with their largest reasons
# after emu's contributors.
per_op() {
	awk -F'\t' -v ops="$2" -v label="$1" -v ns="$3" -v w="${6:-62}" '
	FILENAME == ARGV[1] { base[$1] = $2; next }
	{
		d = ($2 - base[$1]) / ops
		if ($1 == "emu entries") ent = d
		else if ($1 ~ /^exit /) ex += d
		else if ($1 == "kvm exits") { kx = d; have_kvm = 1 }
		else if ($1 ~ /^kvm .*_exits$/) {
			m++; kk[m] = $1; kv[m] = d
		}
		else if ($1 ~ /^(hypercall |exception |syscall bounces$|interrupts$)/) {
			n++; k[n] = $1; v[n] = d
		}
	}
	function sort(kk, vv, n,   i, j, x) {
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (vv[j] > vv[i]) {
					x = vv[i]; vv[i] = vv[j]; vv[j] = x
					x = kk[i]; kk[i] = kk[j]; kk[j] = x
				}
	}
	function num(x) { return sprintf(x >= 100 ? "%.0f" : "%.2f", x) }
	END {
		sort(k, v, n)
		s = ""
		for (i = 1; i <= n && i <= 4; i++) {
			if (v[i] < 0.005) break
			name = k[i]; sub(/^hypercall /, "", name)
			sub(/^exception 14$/, "#PF", name)
			sub(/^exception 13$/, "#GP", name)
			sub(/^exception 6$/, "#UD", name)
			sub(/^syscall bounces$/, "syscall", name)
			s = s (s == "" ? "" : ", ") name " " num(v[i])
		}
		sort(kk, kv, m)
		t = ""
		for (i = 1; i <= m && i <= 2; i++) {
			if (kv[i] < 0.005) break
			name = kk[i]; sub(/^kvm /, "", name); sub(/_exits$/, "", name)
			t = t (t == "" ? "" : ", ") name " " num(kv[i])
		}
		if (t != "") s = s "; KVM: " t
		if (ent < 0.005 && ent > -0.005) ent = 0
		if (ex < 0.0005 && ex > -0.0005) ex = 0
		if (kx < 0.005 && kx > -0.005) kx = 0
		upe = (ns != "" && ent >= 0.5) ? sprintf("%.0f", ns / ent / 1000) : "-"
		printf("| %-14s | %10s | %9s | %9s | %9s | %-*s |\n", label,
		       num(ent), sprintf(ex >= 100 ? "%.0f" : "%.3f", ex),
		       have_kvm ? num(kx) : "-", upe, w, s)
	}' "$4" "$5"
}
