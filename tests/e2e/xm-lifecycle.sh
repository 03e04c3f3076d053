#!/bin/bash
# test-needs: kvm
# xenner-xm create/list/pause/unpause/vcpu-list/block-list/shutdown/destroy
# on a test kernel, end to end through evtchnd, xenstored and xenner's
# control socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xm-lib.sh"

img=$XENNER_RUNDIR/disk.img
truncate -s 4M "$img"
cfg=$(write_cfg alpha "vcpus = 2" "extra = 'secs=3600'" \
	"disk = [ 'file:$img,xvda,w' ]")

# -n: the xenner command line the config turns into
"$XM" create -n "$cfg" >"$XENNER_RUNDIR/n.out" || fail "create -n"
grep -q -- "-smp 2 .*-disk $img,vdev=xvda .*-console xenconsoled" \
	"$XENNER_RUNDIR/n.out" || { cat "$XENNER_RUNDIR/n.out"; fail "create -n args"; }

out=$("$XM" create "$cfg") || { xm_log alpha; fail "create"; }
[[ "$out" == "Started domain alpha (id="*")" ]] || fail "create said '$out'"
ok "create: $out"
"$XM" create "$cfg" 2>"$XENNER_RUNDIR/dup.err" && fail "second create of alpha"
grep -q "already runs" "$XENNER_RUNDIR/dup.err" || fail "duplicate message"
ok "a second domain of the same name is refused"

"$XM" list >"$XENNER_RUNDIR/list.out"
head -n 1 "$XENNER_RUNDIR/list.out" | grep -Eq '^Name +ID +Mem\(MB\) +VCPUs +State +Time\(s\)$' ||
	fail "list header: $(head -n 1 "$XENNER_RUNDIR/list.out")"
grep -Eq '^Domain-0 +0 ' "$XENNER_RUNDIR/list.out" || fail "no Domain-0 row"
grep -Eq '^alpha +[0-9]+ +32 +2 +r----- +[0-9]+\.[0-9]$' "$XENNER_RUNDIR/list.out" ||
	{ cat "$XENNER_RUNDIR/list.out"; fail "alpha's row"; }
ok "list shows alpha running with 32 MB and 2 vCPUs"
"$XM" list -l alpha | grep -q "(on_reboot restart)" || fail "list -l"
"$XM" list nosuch 2>/dev/null && fail "list of a missing domain"

"$XM" pause alpha || fail "pause"
[ "$(xm_state alpha)" = "--p---" ] || fail "state after pause: $(xm_state alpha)"
"$XM" vcpu-list alpha >"$XENNER_RUNDIR/vcpu.out"
[ "$(grep -c '^alpha .* --p ' "$XENNER_RUNDIR/vcpu.out")" = 2 ] ||
	{ cat "$XENNER_RUNDIR/vcpu.out"; fail "vcpu-list while paused"; }
ok "pause: state --p---, both vCPUs paused"
"$XM" unpause alpha || fail "unpause"
[ "$(xm_state alpha)" = "r-----" ] || fail "state after unpause: $(xm_state alpha)"
ok "unpause: running again"

wait_until "'$XM' block-list alpha | grep -q '^51712 '" 50 ||
	{ "$XM" block-list alpha; fail "block-list"; }
"$XM" network-list alpha | grep -q '^Idx' || fail "network-list header"
"$XM" info | grep -q '^nr_domains  *: 1$' || fail "info"
ok "block-list, network-list, info"

id=$(xm_id alpha)
timeout 30 "$XM" shutdown -w alpha >"$XENNER_RUNDIR/sd.out" || fail "shutdown -w"
grep -q "Domain alpha (id $id) shut down" "$XENNER_RUNDIR/sd.out" || fail "shutdown message"
[ -z "$(xm_state alpha)" ] || fail "alpha still listed after shutdown -w"
xm_log alpha | grep -q "asked to power off" || true
xm_log alpha | grep -q "alpha (id $id) powered off (xenner exit status 0): destroy" ||
	{ xm_log alpha; fail "monitor log"; }
wait_until "[ ! -e '$XENNER_RUNDIR/xm/alpha.monitor' ]" 30 || fail "monitor state left"
[ -e "$XENNER_RUNDIR/vmcore.$id" ] && fail "vmcore left"
ok "shutdown -w: the guest powered off, on_poweroff=destroy"

"$XM" create "$(write_cfg beta "extra = 'secs=3600'")" >/dev/null || fail "create beta"
id=$(xm_id beta)
xpid=$("$XM" list -l beta | sed -n 's/ *(xenner_pid \([0-9]*\))/\1/p')
[ -n "$xpid" ] || fail "no xenner pid"
"$XM" destroy beta || fail "destroy"
[ -z "$(xm_state beta)" ] || fail "beta listed after destroy"
wait_until "! kill -0 $xpid 2>/dev/null" 30 || fail "xenner survived destroy"
wait_until "[ ! -e '$XENNER_RUNDIR/xm/beta.monitor' ]" 30 || fail "monitor not gone"
xm_log beta | grep -q "destroyed" || { xm_log beta; fail "destroy not logged"; }
ok "destroy ends the domain at once; the monitor does not restart it"

# bad arguments get clear errors and status 2 (usage) or 1
"$XM" frobnicate 2>"$XENNER_RUNDIR/e" ; [ $? = 2 ] || fail "unknown subcommand status"
grep -q "unknown subcommand 'frobnicate'" "$XENNER_RUNDIR/e" || fail "unknown subcommand message"
"$XM" pause 2>/dev/null; [ $? = 2 ] || fail "pause without a domain"
"$XM" pause nosuch 2>"$XENNER_RUNDIR/e"; [ $? = 1 ] || fail "pause of a missing domain"
grep -q "no domain 'nosuch'" "$XENNER_RUNDIR/e" || fail "missing domain message"
"$XM" shutdown -x alpha 2>/dev/null; [ $? = 2 ] || fail "bad shutdown option"
"$XM" create 2>/dev/null; [ $? = 2 ] || fail "create without config"
"$XM" create /nonexistent.cfg 2>"$XENNER_RUNDIR/e" && fail "missing config"
grep -q "/nonexistent.cfg" "$XENNER_RUNDIR/e" || fail "missing config message"
bad=$(write_cfg gamma "memroy = 64")
"$XM" create "$bad" 2>"$XENNER_RUNDIR/e" && fail "typo accepted"
grep -q "gamma.cfg:5: memroy: unknown setting" "$XENNER_RUNDIR/e" ||
	{ cat "$XENNER_RUNDIR/e"; fail "typo message"; }
vcfg=$(write_cfg delta "vif = [ 'mac=00:16:3e:00:00:07, bridge=xenbr0' ]")
if grep -q -- "^ *-net " <("$BUILD/xenner/xenner" -help 2>&1); then
	"$XM" create -n "$vcfg" | grep -q -- "-net tap,mac=00:16:3e:00:00:07,bridge=xenbr0" ||
		fail "vif not passed as -net"
	ok "vif becomes xenner -net"
else
	"$XM" create "$vcfg" 2>"$XENNER_RUNDIR/e" && fail "vif accepted without -net"
	grep -q "vif: network devices are not supported" "$XENNER_RUNDIR/e" ||
		{ cat "$XENNER_RUNDIR/e"; fail "vif message"; }
fi
"$XM" create "$cfg" memory=1 2>"$XENNER_RUNDIR/e" && fail "memory=1 accepted"
grep -q "command line:1: memory: 1 is outside" "$XENNER_RUNDIR/e" || fail "override message"
ok "bad subcommands, arguments and configs are refused clearly"

# a qcow2 disk and a vfb: served by the domain's QEMU (qemu-system-xen)
QEMU=${XENNER_QEMU:-/usr/libexec/xen-qemu-system-i386}
command -v qemu-img >/dev/null && [ -x "$QEMU" ] ||
	{ echo "SKIP: qcow2 and vfb part (no qemu-img or $QEMU)"; exit 0; }
q=$XENNER_RUNDIR/e.qcow2
qemu-img create -q -f qcow2 "$q" 8M || fail "qemu-img create"
for ((display = 40 + $$ % 50, n = 0; n < 50; display = 40 + (display - 39) % 50, n++)); do
	ss -ltnH "sport = :$((5900 + display))" 2>/dev/null | grep -q . || break
done
ecfg=$(write_cfg epsilon "extra = 'secs=3600'" \
	"disk = [ 'tap:qcow2:$q,xvda,w', 'format=raw, vdev=xvdb, target=$img' ]" \
	"vfb = [ 'vnc=1, vnclisten=127.0.0.1, vncdisplay=$display' ]")
"$XM" create -n "$ecfg" >"$XENNER_RUNDIR/n.out" || fail "create -n epsilon"
grep -q -- "-disk $q,vdev=xvda,format=qcow2 -disk $img,vdev=xvdb -vfb vnc=$display,listen=127.0.0.1 " \
	"$XENNER_RUNDIR/n.out" || { cat "$XENNER_RUNDIR/n.out"; fail "create -n args"; }
"$XM" create "$ecfg" >/dev/null || { xm_log epsilon; fail "create epsilon"; }
id=$(xm_id epsilon)
# (xm create returns when the domain exists; its QEMU may still be
# starting, and the disks' nodes come after it)
bl_ok() {
	"$XM" block-list epsilon >"$XENNER_RUNDIR/bl.out"
	grep -q "^51712 .*/local/domain/0/backend/qdisk/$id/51712/$" "$XENNER_RUNDIR/bl.out" &&
		grep -q "^51728 .*/local/domain/0/backend/vbd/$id/51728/$" "$XENNER_RUNDIR/bl.out"
}
wait_until bl_ok 100 || { cat "$XENNER_RUNDIR/bl.out"; fail "block-list epsilon"; }
wait_until "[ \"\$(xenstore-read /local/domain/0/backend/qdisk/$id/51712/state)\" = 2 ]" 100 ||
	{ xm_log epsilon; fail "QEMU did not take the qcow2 disk"; }
[ "$(xenstore-read "/local/domain/0/backend/vfb/$id/0/vncdisplay")" = "$display" ] ||
	fail "vfb nodes"
proc_alive "$(cat "$XENNER_RUNDIR/qemu-dm-$id.pid")" || fail "no qemu-dm-$id"
"$XM" destroy epsilon || fail "destroy epsilon"
wait_until "[ ! -e '$XENNER_RUNDIR/qemu-dm-$id.pid' ]" 150 || { xm_log epsilon; fail "qemu-dm-$id left"; }
qemu-img check -q "$q" || fail "qemu-img check after destroy"
ok "tap:qcow2: and vfb = [ 'vnc=1, ...' ] become -disk ...,format=qcow2 and -vfb; QEMU serves them"
exit 0
