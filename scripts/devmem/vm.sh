#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh run|test|shell: boot the devmem test VM (QEMU TCG, two e1000e NICs
# joined by a QEMU hub) and run a job in it.  The console goes to stdout
# and to build/vm-<job>.log; the exit status is the guest job's.  A third
# e1000e, alone on its own hub, is a second devmem-capable device for the
# tests that need one.
#
# Environment: KOBJ (the kernel's build dir), VM_LOG, VM_MEM (MiB),
# VM_TIMEOUT (s), VM_APPEND (more kernel command line; NAME=value words
# reach the guest scripts as environment variables).
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
KOBJ=${KOBJ:-$BUILD/kobj}
JOB=${1:-test}
LOG=${VM_LOG:-$BUILD/vm-$JOB.log}
TIMEOUT=${VM_TIMEOUT:-2400}
KERNEL=$KOBJ/arch/x86/boot/bzImage
INITRD=$BUILD/initramfs.cpio.gz

for f in "$KERNEL" "$INITRD"; do
	[ -f "$f" ] || { echo "vm.sh: $f missing: run make first" >&2; exit 1; }
done

echo "vm.sh: booting the VM for job '$JOB' (log: $LOG)"
# TCG: KVM is not usable on these machines (no nested virtualisation).
timeout --foreground "$TIMEOUT" qemu-system-x86_64 \
	-machine pc,accel=tcg -cpu max -smp 2 -m ${VM_MEM:-2048} \
	-display none -serial stdio -monitor none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 devmem.job=$JOB ${VM_APPEND:-}" \
	-netdev hubport,id=hp0,hubid=0 -device e1000e,netdev=hp0,mac=52:54:00:77:00:01 \
	-netdev hubport,id=hp1,hubid=0 -device e1000e,netdev=hp1,mac=52:54:00:77:00:02 \
	-netdev hubport,id=hp2,hubid=1 -device e1000e,netdev=hp2,mac=52:54:00:77:00:03 \
	2>&1 | sed -u 's/\r$//' | tee "$LOG"
qrc=${PIPESTATUS[0]}

rc=$(sed -n 's/^DEVMEM-VM-RESULT rc=\([0-9]*\).*/\1/p' "$LOG" | tail -n 1)
if [ -z "$rc" ]; then
	[ "$qrc" = 124 ] && echo "vm.sh: the VM timed out after ${TIMEOUT}s" >&2
	echo "vm.sh: the VM ended without reporting a result (qemu exit $qrc): see $LOG" >&2
	exit 1
fi
exit "$rc"
