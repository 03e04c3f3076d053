#!/bin/bash
# test-needs: kvm
# Save and restore of Debian's kernel (docs/save-restore.md): the guest
# counts once a second into a file it holds open on an ext2 file system
# on xvda (blkbackd); xenner-xm save makes Linux suspend through
# control/shutdown and ends the domain; xenner -restore resumes it in a
# new domain (xenstore shows it under its new id), where the console, the
# clock and blkfront carry on: the counter continues and the file, still
# open across the save, holds every number once in order.
# Prints the save time and the guest-visible gap.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
need_linux_guest
need_file "$BUILD/blkbackd/blkbackd" "make"
XM="$BUILD/tools/xm/xenner-xm"
need_file "$XM" "make"
start_dom0
make_initrd
R=$XENNER_RUNDIR
N=20

truncate -s 16M "$R/a.img"
run='modprobe xen-blkfront; i=0; while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;'
run+=' mke2fs -q /dev/xvda && mkdir /mnt && mount -t ext2 /dev/xvda /mnt && exec 3>/mnt/log && echo XT-FS-OK;'
run+=" i=0; while [ \$i -lt $N ]; do i=\$((i+1)); echo \$i >&3; echo XT-COUNT \$i \$(date +%s); sleep 1; done;"
run+=" exec 3>&-; seq 1 $N | cmp - /mnt/log && echo XT-FILE-OK; umount /mnt"
"$XENNER" -name lsave -kernel "$kernel" -initrd "$initrd" -m 256 -disk "$R/a.img" \
	-append "console=hvc0 loglevel=4 xenner.run=\"$run\"" </dev/null >"$R/a.out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$R/a.out" "XT-COUNT 3"
old=$("$XM" list | awk '$1 == "lsave" { print $2 }')
t0=$(date +%s%N)
"$XM" save -t 60 lsave "$R/img" || { tail -n 30 "$R/a.out"; fail "xenner-xm save"; }
t1=$(date +%s%N)
wait $pid
rc=$?
[ $rc = 6 ] || { tail -n 30 "$R/a.out"; fail "xenner exit $rc after save, expected 6"; }
last=$(sed -n 's/^XT-COUNT \([0-9]*\) .*/\1/p' "$R/a.out" | tail -n 1)
ok "saved at count $last in $(( (t1 - t0) / 1000000 )) ms ($(du -k "$R/img" | cut -f1) KiB on disk)"

"$XENNER" -restore "$R/img" </dev/null >"$R/b.out" 2>&1 &
pid=$!
on_exit "kill -9 $pid"
wait_guest $pid "$R/b.out" "XT-COUNT $((last + 1)) "
new=$("$XM" list | awk '$1 == "lsave" { print $2 }')
[ -n "$new" ] && [ "$new" != "$old" ] || fail "xm list shows lsave as '$new' (was $old)"
XENSTORED_PATH=$R/xenstored/socket xenstore-read "/local/domain/$new/name" | grep -qx lsave ||
	fail "xenstore has no /local/domain/$new/name"
wait_exit $pid 300 "$R/b.out"
wait $pid
rc=$?
[ $rc = 0 ] || { tail -n 40 "$R/b.out"; fail "restored guest: exit $rc"; }
grep -q "XT-COUNT $N " "$R/b.out" || { tail -n 40 "$R/b.out"; fail "the counter did not reach $N"; }
grep -q "XT-FILE-OK" "$R/b.out" || { tail -n 40 "$R/b.out"; fail "the file on xvda is not 1..$N"; }
a=$(sed -n "s/^XT-COUNT $last \([0-9]*\).*/\1/p" "$R/a.out")
b=$(sed -n "s/^XT-COUNT $((last + 1)) \([0-9]*\).*/\1/p" "$R/b.out")
ok "restored as domain $new (was $old): counted on to $N, the open file on xvda holds 1..$N; guest-visible gap $((b - a)) s"
