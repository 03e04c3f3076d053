#!/bin/bash
# The README's main job: boot Debian's stock cloud kernel as a Xen PV guest
# on KVM with xenner, its console on this terminal.
#
#   scripts/demo.sh                 interactive busybox shell (exit or
#                                   poweroff ends it; Ctrl-] stops the guest)
#   scripts/demo.sh -c 'COMMAND'    run COMMAND in the guest, then power off
#   scripts/demo.sh -smp N -m MB    more vCPUs or memory (default 1, 512)
#
# It installs what it needs (apt), builds xenner and an initramfs from
# busybox, and starts a private set of dom0 services (stock xenstored and
# xenconsoled on the xenner shim) for the guest.  On a host without a
# usable /dev/kvm it does the same inside the SVM test VM (scripts/svm-vm:
# QEMU TCG with nested SVM), which is slow but works anywhere.
set -eu
cd "$(dirname "$0")/.."
args=("$@")

cmd="" smp=1 mem=512
while [ $# -gt 0 ]; do
	case "$1" in
	-c) cmd=${2:?-c needs a command}; shift ;;
	-smp) smp=${2:?}; shift ;;
	-m) mem=${2:?}; shift ;;
	-h|--help) sed -n 2,12p "$0"; exit 0 ;;
	*) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$cmd" in *'"'*) echo "demo: -c COMMAND may not contain \"" >&2; exit 2 ;; esac

./scripts/setup-deps.sh
make -j"$(nproc)" build-all >/dev/null
kernel=$(ls /var/cache/xenner/kernel/boot/vmlinuz-* | head -n1)
initrd=build/demo/initramfs.cpio.gz
if [ ! -s "$initrd" ] || [ scripts/mkinitramfs.sh -nt "$initrd" ]; then
	mkdir -p build/demo
	./scripts/mkinitramfs.sh "$initrd"
fi

if ! build/xenner/xenner -check-kvm >/dev/null 2>&1; then
	echo "no usable /dev/kvm here: running xenner inside a QEMU TCG VM" \
		"with nested SVM; expect it to be slow" >&2
	mode=-i
	[ -n "$cmd" ] || [ ! -t 0 ] || [ ! -t 1 ] && mode=-n
	exec ./scripts/svm-vm $mode -- ./scripts/demo.sh ${args[@]+"${args[@]}"}
fi

export XENNER_RUNDIR=${XENNER_RUNDIR:-$(mktemp -d /dev/shm/xenner-demo.XXXXXX)}
append="console=hvc0 quiet"
[ -n "$cmd" ] && append="$append xenner.run=\"$cmd\""
echo "== booting $(basename "$kernel") as a Xen PV guest under xenner" \
	"($smp vCPU, $mem MiB); first boot takes a while on this machine" >&2
set +e
build/xenner/xenner -name demo -kernel "$kernel" -initrd "$initrd" \
	-m "$mem" -smp "$smp" -append "$append"
rc=$?
rmdir "$XENNER_RUNDIR" 2>/dev/null
exit $rc
