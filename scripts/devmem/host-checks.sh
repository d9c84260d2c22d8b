#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks, printed as TAP: the patch series applies with git am
# to a pristine base and gives exactly the tree we build and test;
# checkpatch --strict finds no error in our new files or patches;
# kernel-doc finds no warning in our new files.
#   host-checks.sh [checkpatch]
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
KSRC=${KSRC:-$BUILD/linux}
STATE=${HOST_CHECKS_STATE:-$BUILD/host-checks.result}
n=0 pass=0 fail=0

report() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1)); echo "ok $n host.$1"
	else
		fail=$((fail + 1)); echo "not ok $n host.$1"
		sed 's/^/# /' /tmp/host-check.$$ | head -n 60
	fi
}

CP="$KSRC/scripts/checkpatch.pl --strict --no-tree --show-types --quiet"
files=$(cd "$REPO" && "$REPO/scripts/devmem/tree.sh" overlay | grep -E '\.(c|h)$')

echo "TAP version 13"
if [ "${1:-}" != checkpatch ]; then
	"$REPO/scripts/devmem/tree.sh" check > /tmp/host-check.$$ 2>&1
	report series_applies_and_equals_tested_tree $?
fi

rc=0
: > /tmp/host-check.$$
for f in $files; do
	(cd "$REPO" && $CP -f "$f") >> /tmp/host-check.$$ 2>&1
done
grep -q '^ERROR' /tmp/host-check.$$ && rc=1
echo "# checkpatch (files): $(grep -c '^ERROR' /tmp/host-check.$$) errors, $(grep -c '^WARNING' /tmp/host-check.$$) warnings, $(grep -c '^CHECK' /tmp/host-check.$$) checks"
report checkpatch_new_files $rc

rc=0
: > /tmp/host-check.$$
for p in "$REPO"/patches/*.patch; do
	[ -e "$p" ] || continue
	$CP "$p" >> /tmp/host-check.$$ 2>&1
done
grep -q '^ERROR' /tmp/host-check.$$ && rc=1
echo "# checkpatch (patches): $(grep -c '^ERROR' /tmp/host-check.$$) errors, $(grep -c '^WARNING' /tmp/host-check.$$) warnings, $(grep -c '^CHECK' /tmp/host-check.$$) checks"
report checkpatch_patches $rc

rc=0
(cd "$REPO" && "$KSRC/scripts/kernel-doc" -none $(echo "$files" | grep -v '^include/uapi/')) > /tmp/host-check.$$ 2>&1
grep -qi 'warning' /tmp/host-check.$$ && rc=1
report kernel_doc_new_files $rc

rm -f /tmp/host-check.$$
echo "# host checks: $pass passed, $fail failed"
echo "$pass $fail" > "$STATE"
[ $fail -eq 0 ]
