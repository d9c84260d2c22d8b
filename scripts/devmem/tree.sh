#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Manage the kernel work tree: Debian's linux-source-6.1 (pinned), our new
# files linked in at their kernel paths, and our patch series on top.
#
#   tree.sh prepare   extract the base (once), link the overlay, (re)apply
#                     patches/ when the series changed
#   tree.sh export    turn the work tree's commits since the base back into
#                     patches/ (one commit = one patch)
#   tree.sh check     apply the series to a freshly extracted pristine base
#                     with no fuzz, and check that no patch creates a file
#   tree.sh overlay   list the overlay files (our new kernel files)
#
# The work tree (build/linux) is a git repository whose first commit,
# tagged devmem-base, is the pristine source.  Edit existing kernel files
# there, commit them into the right patch (git commit --fixup=<commit>;
# git rebase -i --autosquash devmem-base), then run "tree.sh export".
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
# The pin lives in the top-level Makefile only.
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$(dirname "$0")/../../Makefile")}
: "${LINUX_SOURCE_VERSION:?no LINUX_SOURCE_VERSION in the top-level Makefile}"
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
TARBALL=/usr/src/linux-source-6.1.tar.xz
# Directories of the repository that hold new kernel files.
OVERLAY_DIRS="include net drivers kernel lib Documentation"
GIT="git -C $TREE -c user.name=devmem-tree -c user.email=devmem@localhost"

die() { echo "tree.sh: error: $*" >&2; exit 1; }

overlay_files() {
	cd "$REPO"
	for d in $OVERLAY_DIRS; do
		[ -d "$d" ] && find "$d" -type f ! -name '*.o' ! -name '.*'
	done | sort
}

patches_hash() {
	local p
	for p in "$REPO"/patches/*.patch; do
		if [ -e "$p" ]; then cat "$p"; fi
	done | sha256sum | cut -d' ' -f1
}

check_pin() {
	local have
	have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
	[ "$have" = "$LINUX_SOURCE_VERSION" ] && [ -f "$TARBALL" ] && return 0
	echo "tree.sh: linux-source-6.1 is '${have:-not installed}', pinned $LINUX_SOURCE_VERSION" >&2
	return 1
}

extract_base() {
	check_pin || die "linux-source-6.1=$LINUX_SOURCE_VERSION is not installed (run make deps)"
	echo "tree.sh: extracting linux-source-6.1 $LINUX_SOURCE_VERSION into $TREE"
	rm -rf "$TREE" "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xf "$TARBALL" -C "$TREE.tmp"
	mv "$TREE.tmp/linux-source-6.1" "$TREE"
	rmdir "$TREE.tmp"
	git -C "$TREE" init -q
	# Debian's top-level .gitignore ignores everything; track all of it.
	git -C "$TREE" add -A -f .
	$GIT commit -q -m "Debian linux-source-6.1 $LINUX_SOURCE_VERSION"
	$GIT tag devmem-base
	echo "$LINUX_SOURCE_VERSION" > "$TREE/.git/devmem-base-version"
}

link_overlay() {
	local f exclude=$TREE/.git/info/exclude
	mkdir -p "$(dirname "$exclude")"
	: > "$exclude.new"
	# Drop links to overlay files that no longer exist.
	find "$TREE" -path "$TREE/.git" -prune -o -type l -lname "$REPO/*" -print |
	while read -r f; do
		[ -e "$f" ] || rm -f "$f"
	done
	overlay_files | while read -r f; do
		if [ -e "$TREE/$f" ] && [ ! -L "$TREE/$f" ]; then
			die "overlay file $f exists in the base tree: change it with a patch"
		fi
		mkdir -p "$TREE/$(dirname "$f")"
		ln -sfn "$REPO/$f" "$TREE/$f"
		echo "/$f" >> "$exclude.new"
	done
	mv "$exclude.new" "$exclude"
}

apply_series() {
	local want stamp=$TREE/.git/devmem-patches head_file=$TREE/.git/devmem-head
	want=$(patches_hash)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi
	if [ -n "$($GIT status --porcelain --untracked-files=no)" ]; then
		die "build/linux has uncommitted edits and patches/ changed: commit and 'make export-patches', or discard them"
	fi
	if [ -f "$head_file" ] && [ "$($GIT rev-parse HEAD)" != "$(cat "$head_file")" ]; then
		die "build/linux has commits that are not in patches/: run 'make export-patches' first"
	fi
	echo "tree.sh: applying the patch series"
	$GIT reset -q --hard devmem-base
	local p
	for p in "$REPO"/patches/*.patch; do
		[ -e "$p" ] || continue
		$GIT am -q --committer-date-is-author-date "$p" ||
			{ $GIT am --abort || true; die "patch $(basename "$p") does not apply"; }
	done
	$GIT rev-parse HEAD > "$head_file"
	echo "$want" > "$stamp"
}

cmd_prepare() {
	if [ ! -d "$TREE/.git" ]; then
		extract_base
	elif [ "$(cat "$TREE/.git/devmem-base-version" 2>/dev/null)" != "$LINUX_SOURCE_VERSION" ]; then
		die "build/linux holds another base version; remove build/ to re-extract"
	fi
	link_overlay
	apply_series
}

cmd_export() {
	[ -d "$TREE/.git" ] || die "no work tree; run make first"
	if [ -n "$($GIT status --porcelain --untracked-files=no)" ]; then
		die "commit your edits in build/linux into the right patch first (git commit --fixup)"
	fi
	rm -f "$REPO"/patches/*.patch
	$GIT format-patch -q --no-signature --zero-commit --no-numbered \
		-o "$REPO/patches" devmem-base..HEAD
	$GIT rev-parse HEAD > "$TREE/.git/devmem-head"
	patches_hash > "$TREE/.git/devmem-patches"
	ls "$REPO/patches"
}

cmd_check() {
	local p n=0
	check_pin || die "linux-source-6.1=$LINUX_SOURCE_VERSION is not installed"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	tar -xf "$TARBALL" -C "$tmp"
	for p in "$REPO"/patches/*.patch; do
		[ -e "$p" ] || continue
		if grep -q '^new file mode' "$p"; then
			echo "FAIL: $(basename "$p") creates a file: new files belong in the overlay"
			exit 1
		fi
		if ! patch -d "$tmp/linux-source-6.1" -p1 -F0 -s --no-backup-if-mismatch < "$p"; then
			echo "FAIL: $(basename "$p") does not apply cleanly to a pristine $LINUX_SOURCE_VERSION"
			exit 1
		fi
		n=$((n + 1))
	done
	echo "ok: $n patches apply with no fuzz to pristine linux-source-6.1 $LINUX_SOURCE_VERSION"
}

case "${1:-}" in
prepare) cmd_prepare ;;
export) cmd_export ;;
check) cmd_check ;;
overlay) overlay_files ;;
*) echo "usage: $0 prepare|export|check|overlay" >&2; exit 2 ;;
esac
