#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test: the host checks, then the VM suite (KUnit + selftests).
# Ends with the total "N passed, N failed".
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}

rm -f "$BUILD/host-checks.result"
"$REPO/scripts/devmem/host-checks.sh"
read -r hp hf < "$BUILD/host-checks.result" 2>/dev/null || { hp=0; hf=1; }

"$REPO/scripts/devmem/vm.sh" test
vrc=$?
vline=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$BUILD/vm-test.log" | tail -n 1)
vp=$(echo "${vline:-0 passed, 1 failed}" | cut -d' ' -f1)
vf=$(echo "${vline:-0 passed, 1 failed}" | cut -d' ' -f3)
[ -z "$vline" ] && echo "test.sh: the VM suite printed no summary (exit $vrc)"
[ $vrc -ne 0 ] && [ "$vf" -eq 0 ] && vf=1

echo "host: $hp passed, $hf failed; vm: $vp passed, $vf failed"
echo "$((hp + vp)) passed, $((hf + vf)) failed"
[ $((hf + vf)) -eq 0 ]
