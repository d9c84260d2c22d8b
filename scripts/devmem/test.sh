#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test: the host checks, the VM suite (KUnit + selftests) on the VM
# kernel, then the same suite on the debug kernel (test-debug.sh: KASAN,
# kmemleak, lockdep, ..., fault injection; DEVMEM_DEBUG=0 skips it for a
# quicker loop while developing).  Ends with the total "N passed, N failed".
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}

# vm_counts LOG RC: "passed failed" of a VM run from its summary line; a run
# that printed none, or failed without a failed test, counts one failure.
vm_counts() {
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" 2>/dev/null | tail -n 1)
	[ -z "$line" ] && echo "test.sh: $1: the VM suite printed no summary (exit $2)" >&2
	p=$(echo "${line:-0 passed, 1 failed}" | cut -d' ' -f1)
	f=$(echo "${line:-0 passed, 1 failed}" | cut -d' ' -f3)
	[ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$p $f"
}

rm -f "$BUILD/host-checks.result"
"$REPO/scripts/devmem/host-checks.sh"
read -r hp hf < "$BUILD/host-checks.result" 2>/dev/null || { hp=0; hf=1; }

"$REPO/scripts/devmem/vm.sh" test
vrc=$?
read -r vp vf < <(vm_counts "$BUILD/vm-test.log" $vrc)

dp=0 df=0
if [ "${DEVMEM_DEBUG:-1}" != 0 ]; then
	rm -f "$BUILD/vm-test-debug.log"
	"$REPO/scripts/devmem/test-debug.sh"
	drc=$?
	read -r dp df < <(vm_counts "$BUILD/vm-test-debug.log" $drc)
fi

echo "host: $hp passed, $hf failed; vm: $vp passed, $vf failed; debug kernel: $dp passed, $df failed"
echo "$((hp + vp + dp)) passed, $((hf + vf + df)) failed"
[ $((hf + vf + df)) -eq 0 ]
