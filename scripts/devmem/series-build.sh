#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series-build.sh: build the VM kernel at every prefix of the patch series
# (patch 1, patches 1-2, ...), each exactly as the series leaves the tree
# (new files arrive with the patch that introduces them), so that every
# patch builds on its own and the series bisects.
#
# Uses a git worktree of build/linux (build/series/linux, detached at each
# patch in turn) and one object directory (build/series/kobj), so a prefix
# rebuilds only what its patch changed.  The config is tinyconfig plus
# kernel/configs/devmem_vm.config (copied in, untracked, before the patch
# that adds it): options a later patch introduces are simply absent
# before it.  Takes roughly one kernel build
# per patch that touches a widely included header; not part of make test.
#
# Output: TAP, one line per patch, ending with "N passed, N failed"; the
# build log of a failing prefix is in build/series/<n>.log.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
WT=$BUILD/series/linux
KOBJ=$BUILD/series/kobj
JOBS=${JOBS:-$(nproc)}

[ -d "$TREE/.git" ] || { echo "series-build.sh: no $TREE: run make first" >&2; exit 1; }

mapfile -t commits < <(git -C "$TREE" rev-list --reverse devmem-base..HEAD)
[ ${#commits[@]} -gt 0 ] || { echo "series-build.sh: no patches" >&2; exit 1; }

if [ ! -e "$WT/.git" ] || ! git -C "$WT" rev-parse -q --verify HEAD > /dev/null 2>&1; then
	rm -rf "$WT"
	mkdir -p "$(dirname "$WT")"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$WT" devmem-base || exit 1
fi
mkdir -p "$KOBJ"

CONFIG_FRAG=kernel/configs/devmem_vm.config

# Work trees of older versions of this script had the overlay linked in.
find "$WT" -path "$WT/.git" -prune -o -type l -lname "$REPO/*" -exec rm -f {} +

echo "TAP version 13"
echo "1..${#commits[@]}"
pass=0
fail=0
n=0
for c in "${commits[@]}"; do
	n=$((n + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	log=$BUILD/series/$n.log
	if ! git -C "$WT" ls-files --error-unmatch "$CONFIG_FRAG" > /dev/null 2>&1; then
		rm -f "$WT/$CONFIG_FRAG"
	fi
	git -C "$WT" checkout -q --detach "$c" || { echo "Bail out! checkout $c"; exit 1; }
	if [ ! -e "$WT/$CONFIG_FRAG" ]; then
		git -C "$TREE" show "HEAD:$CONFIG_FRAG" > "$WT/$CONFIG_FRAG"
	fi
	if make -C "$WT" O="$KOBJ" -j"$JOBS" -s tinyconfig devmem_vm.config > "$log" 2>&1 &&
	   make -C "$WT" O="$KOBJ" -j"$JOBS" -s bzImage >> "$log" 2>&1; then
		if grep -E ': (warning|error):' "$log" > /dev/null; then
			fail=$((fail + 1))
			echo "not ok $n $subject # warnings"
			grep -E ': (warning|error):' "$log" | head -n 20 | sed 's/^/# /'
		else
			pass=$((pass + 1))
			echo "ok $n $subject"
		fi
	else
		fail=$((fail + 1))
		echo "not ok $n $subject"
		grep -E 'error|Error' "$log" | head -n 20 | sed 's/^/# /'
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
