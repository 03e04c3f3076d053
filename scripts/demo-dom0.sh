#!/bin/bash
# The dom0 half on its own: Debian's stock xenstored and xenconsoled,
# running on the
# xenner shim with no Xen hypervisor, serve the test stand-in domain.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
make -j"$(nproc)" build-all >/dev/null

XENNER_RUNDIR=$(mktemp -d /dev/shm/xenner-demo.XXXXXX)
export XENNER_RUNDIR XENSTORED_PATH=$XENNER_RUNDIR/xenstored/socket
cleanup() {
	[ -n "${guest:-}" ] && kill "$guest" 2>/dev/null && wait "$guest" 2>/dev/null
	tools/xenner-dom0 stop
	rm -rf "$XENNER_RUNDIR"
}
trap cleanup EXIT

echo "== starting dom0 services in $XENNER_RUNDIR"
tools/xenner-dom0 start
tools/xenner-dom0 status

echo "== creating a stand-in domain (a guest played by a host process)"
out=$XENNER_RUNDIR/standin.out
build/tests/standin/xenner-standin --name demo - >"$out" <<'SCRIPT' &
domid
console Hello from a Xen PV domain served by stock xenconsoled on xenner!
write data/greeting hello-xenstore
read data/greeting
wait-signal
SCRIPT
guest=$!
for _ in $(seq 50); do [ "$(wc -l <"$out")" -ge 2 ] && break; sleep 0.1; done
id=$(head -n1 "$out")
sleep 0.5

echo "== the domain as the stock xenstore-ls sees it"
xenstore-ls -f "/local/domain/$id"
echo "== its console, as stock xenconsoled logged it"
cat "$XENNER_RUNDIR/console/guest-demo.log"
echo "== the stock daemons run on the xenner libraries"
for s in xenstored xenconsoled; do
	pid=$(cat "$XENNER_RUNDIR/$s.pid")
	echo "$s (pid $pid):"
	grep -o "$PWD/build/lib/[^ ]*" "/proc/$pid/maps" | sort -u | sed 's/^/    /'
done
echo "== xenner boots a PV kernel (one of the project's test kernels) on /dev/kvm,"
echo "   served by the same dom0 services"
build/xenner/xenner -name demo-kvm -kernel build/tests/guests/tk-hypercall -stats \
	2>&1 | grep -v "^    "
echo "== shutting down"
