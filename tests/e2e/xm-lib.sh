# Helpers for the xenner-xm tests: source after lib.sh.  Starts the dom0
# services in a private run directory and writes domain configs that boot
# the hk-xm helper kernel (a cooperative guest: console echo, follows
# control/shutdown, ends by itself after secs=N).
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XM="$BUILD/tools/xm/xenner-xm"
HK="$BUILD/tests/guests/hk-xm"
need_file "$XM" "make"
need_file "$HK" "make"
start_dom0
# every domain a test starts is destroyed, and its monitor gone, at exit
on_exit "for d in \$('$XM' list 2>/dev/null | awk 'NR > 2 { print \$1 }'); do '$XM' destroy \$d; done; sleep 0.5"

# write_cfg NAME [extra lines...]: $XENNER_RUNDIR/NAME.cfg
write_cfg() {
	local name=$1 f=$XENNER_RUNDIR/$1.cfg
	shift
	{
		echo "# $name: hk-xm under xenner-xm"
		echo "name = '$name'"
		echo "kernel = '$HK'"
		echo "memory = 32"
		printf '%s\n' "$@"
	} >"$f"
	echo "$f"
}

# The State column of NAME in xm list ("" if it is not listed).
xm_state() { "$XM" list | awk -v n="$1" '$1 == n { print $5 }'; }
xm_id() { "$XM" list | awk -v n="$1" '$1 == n { print $2 }'; }
xm_log() { cat "$XENNER_RUNDIR/xm/$1.log" 2>/dev/null; }
