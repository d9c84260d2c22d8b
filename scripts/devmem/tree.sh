#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Manage the kernel work tree and the patch series.
#
# The product is patches/: a git format-patch series that, applied with
# "git am patches/*.patch" to Debian's pristine linux-source-6.1 (pinned),
# gives the whole feature, new files included.  The repository also keeps
# every new file at its kernel path (the overlay): the developer's working
# view of the series' end state.
#
#   tree.sh prepare   extract the base (once), apply patches/ when it
#                     changed, then copy overlay files that differ into the
#                     work tree (so the build sees overlay edits at once)
#   tree.sh export    turn the work tree's commits since the base back into
#                     patches/ (one commit = one patch; with "cover", also
#                     write patches/0000-cover-letter.txt)
#   tree.sh check     git am the series onto a freshly extracted pristine
#                     base and compare the result with the work tree we
#                     build and test: any difference is drift
#   tree.sh land      fold fixup commits into their patches (an
#                     autosquash rebase that keeps the mtimes of unchanged
#                     files, so builds stay incremental)
#   tree.sh overlay   list the overlay files (our new kernel files)
#
# The work tree (build/linux) is a git repository whose first commit,
# tagged devmem-base, is the pristine source, then one commit per patch.
# Overlay files are ordinary tracked files there.  After an edit, in the
# overlay or directly in build/linux, commit the change into the patch it
# belongs to (git commit --fixup=<commit>), then run "make land" (tree.sh
# land, then the export).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
# The pin lives in the top-level Makefile only.
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$REPO/Makefile")}
: "${LINUX_SOURCE_VERSION:?no LINUX_SOURCE_VERSION in the top-level Makefile}"
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
TARBALL=/usr/src/linux-source-6.1.tar.xz
# Directories of the repository that hold new kernel files.
OVERLAY_DIRS="include net drivers kernel lib Documentation"
# git am and commits made by these scripts; a patch keeps its own author.
GIT_ID="-c user.name=devmem-tree -c user.email=devmem@localhost"
GIT="git -C $TREE $GIT_ID"
# Overlay files copied into build/linux that differ from the series: "hash path"
SYNCED=$TREE/.git/devmem-synced

die() { echo "tree.sh: error: $*" >&2; exit 1; }

overlay_files() {
	cd "$REPO"
	for d in $OVERLAY_DIRS; do
		[ ! -d "$d" ] || find "$d" -type f ! -name '*.o' ! -name '.*' \
			! -name '*.orig' ! -name '*.rej' ! -name '*~'
	done | sort
}

patch_files() {
	local p
	for p in "$REPO"/patches/*.patch; do
		[ -e "$p" ] && echo "$p"
	done
	return 0
}

patches_hash() {
	patch_files | xargs -r cat | sha256sum | cut -d' ' -f1
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

# Work trees made before the series carried the new files had them as
# symlinks into the repository, hidden by .git/info/exclude.
drop_old_links() {
	find "$TREE" -path "$TREE/.git" -prune -o -type l -lname "$REPO/*" -print |
		xargs -r rm -f
	: > "$TREE/.git/info/exclude"
}

# Paths with uncommitted changes in the work tree: modified tracked files
# and every untracked file (Debian's .gitignore ignores everything, so
# untracked files show as ignored).
dirty_paths() {
	$GIT status --porcelain --ignored=traditional --untracked-files=all |
		cut -c4- || true
}

# Uncommitted changes that are not just copies of the overlay.
local_edits() {
	local f
	dirty_paths | sort -u | while read -r f; do
		if [ -f "$REPO/$f" ] && [ -f "$TREE/$f" ] && cmp -s "$REPO/$f" "$TREE/$f"; then
			continue
		fi
		echo "$f"
	done
}

# remember_mtimes FILE: the mtime and content hash of every file the
# series (HEAD) changes.  A rebase or a re-apply rewrites all of them, which
# would make every build tree (the VM kernel, the packages, the config
# matrix) recompile nearly the whole kernel for a one-line change.
remember_mtimes() {
	$GIT diff --name-only devmem-base HEAD | while read -r f; do
		[ -f "$TREE/$f" ] || continue
		echo "$(stat -c %Y "$TREE/$f") $($GIT hash-object "$TREE/$f") $f"
	done > "$1"
}

# restore_mtimes FILE: give the files whose content did not change their
# old mtime back.
restore_mtimes() {
	local t h f
	while read -r t h f; do
		[ -f "$TREE/$f" ] && [ "$($GIT hash-object "$TREE/$f")" = "$h" ] &&
			touch -d "@$t" "$TREE/$f"
	done < "$1"
	rm -f "$1"
}

apply_series() {
	local want stamp=$TREE/.git/devmem-patches head_file=$TREE/.git/devmem-head
	local edits p f
	want=$(patches_hash)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi
	edits=$(local_edits)
	if [ -n "$edits" ]; then
		die "build/linux has uncommitted edits and patches/ changed: commit them and 'make patches', or discard them:
$edits"
	fi
	if [ -f "$head_file" ] && [ "$($GIT rev-parse HEAD)" != "$(cat "$head_file")" ]; then
		die "build/linux has commits that are not in patches/: run 'make patches' first"
	fi
	echo "tree.sh: applying the patch series"
	remember_mtimes "$TREE/.git/devmem-mtimes"
	# Whatever happens below, the old series is gone: forget it.
	rm -f "$stamp"
	$GIT am --abort > /dev/null 2>&1 || true
	$GIT reset -q --hard devmem-base
	$GIT rev-parse HEAD > "$head_file"
	# Overlay copies a patch is about to create; they come back from
	# the overlay below.
	overlay_files | while read -r f; do
		if ! in_series "$f"; then
			rm -f "$TREE/$f"
		fi
	done
	for p in $(patch_files); do
		if ! $GIT am -q --committer-date-is-author-date "$p"; then
			$GIT am --abort > /dev/null 2>&1 || true
			$GIT reset -q --hard devmem-base
			die "patch $(basename "$p") does not apply"
		fi
	done
	$GIT rev-parse HEAD > "$head_file"
	restore_mtimes "$TREE/.git/devmem-mtimes"
	echo "$want" > "$stamp"
}

# Fold the fixup commits (git commit --fixup=<commit>) into their patches,
# keeping the mtimes of the files whose content did not change.
cmd_land() {
	local edits
	edits=$(local_edits)
	[ -z "$edits" ] || die "build/linux has uncommitted edits: commit them with git commit --fixup=<commit> first:
$edits"
	remember_mtimes "$TREE/.git/devmem-mtimes"
	GIT_SEQUENCE_EDITOR=: $GIT rebase -q -i --autosquash devmem-base ||
		die "the rebase stopped: finish it in build/linux (git rebase --continue), then make patches"
	restore_mtimes "$TREE/.git/devmem-mtimes"
}

# Whether the series (build/linux's HEAD) has file $1.
in_series() {
	$GIT cat-file -e "HEAD:$1" 2>/dev/null
}

# Whether file $2 holds exactly what the series has at path $1.
same_as_series() {
	[ "$(git hash-object "$2")" = "$($GIT rev-parse -q --verify "HEAD:$1" 2>/dev/null)" ]
}

# Whether build/linux's copy of overlay file $1 may be replaced: it is
# what the series or our last copy left there, not an edit made in
# build/linux itself.
replaceable() {
	local f=$1 have
	[ -f "$TREE/$f" ] || return 0
	same_as_series "$f" "$TREE/$f" && return 0
	have=$(git hash-object "$TREE/$f")
	grep -qxF "$have $f" "$SYNCED" 2>/dev/null
}

# The build and the tests see the overlay: copy what differs.  A copy
# gets a fresh mtime, so make rebuilds exactly what changed.  Copies of
# overlay files that are gone (and in no patch) are removed.
sync_overlay() {
	local f h n=0 list
	list=$(overlay_files)
	if [ -f "$SYNCED" ]; then
		while read -r h f; do
			if ! grep -qxF "$f" <<< "$list" &&
			   ! in_series "$f" &&
			   [ -f "$TREE/$f" ] && [ "$(git hash-object "$TREE/$f")" = "$h" ]; then
				rm -f "$TREE/$f"
				echo "tree.sh: $f: removed from the overlay, copy removed"
			fi
		done < "$SYNCED"
	fi
	: > "$SYNCED.new"
	while read -r f; do
		if [ -f "$TREE/$f" ] && cmp -s "$REPO/$f" "$TREE/$f"; then
			if ! same_as_series "$f" "$REPO/$f"; then
				echo "$(git hash-object "$TREE/$f") $f" >> "$SYNCED.new"
			fi
			continue
		fi
		replaceable "$f" ||
			die "build/linux/$f was edited there: copy it to the overlay ($f) or 'git -C build/linux checkout $f'"
		mkdir -p "$TREE/$(dirname "$f")"
		cp "$REPO/$f" "$TREE/$f"
		echo "$(git hash-object "$TREE/$f") $f" >> "$SYNCED.new"
		n=$((n + 1))
		if in_series "$f"; then
			echo "tree.sh: $f: overlay edit not yet in the series"
		else
			echo "tree.sh: $f: new overlay file not yet in the series"
		fi
	done <<< "$list"
	mv "$SYNCED.new" "$SYNCED"
	if [ $n -gt 0 ]; then
		echo "tree.sh: commit these into their patches in build/linux, then 'make patches'"
	fi
}

cmd_prepare() {
	if [ ! -f "$TREE/.git/devmem-base-version" ]; then
		extract_base
	elif [ "$(cat "$TREE/.git/devmem-base-version" 2>/dev/null)" != "$LINUX_SOURCE_VERSION" ]; then
		die "build/linux holds another base version; remove build/ to re-extract"
	fi
	if [ -s "$TREE/.git/info/exclude" ] || [ ! -f "$TREE/.git/info/exclude" ]; then
		mkdir -p "$TREE/.git/info"
		drop_old_links
	fi
	apply_series
	sync_overlay
}

# Files that the series' end state and the overlay disagree on.
overlay_drift() {
	local f
	overlay_files | while read -r f; do
		if ! in_series "$f"; then
			echo "$f (in no patch)"
		elif ! same_as_series "$f" "$REPO/$f"; then
			echo "$f (overlay differs from the series)"
		fi
	done
}

cmd_export() {
	local drift edits f
	[ -d "$TREE/.git" ] || die "no work tree; run make first"
	[ ! -s "$TREE/.git/info/exclude" ] || die "build/linux has the old layout (overlay symlinks): run make first"
	drift=$(overlay_drift)
	if [ -n "$drift" ]; then
		echo "tree.sh: the overlay is not in build/linux's commits:" >&2
		echo "$drift" | sed 's/^/  /' >&2
		echo "tree.sh: commit each into the patch it belongs to, e.g." >&2
		echo "$drift" | cut -d' ' -f1 | while read -r f; do
			if in_series "$f"; then
				echo "  git -C build/linux add -f $f; git -C build/linux commit --fixup=$($GIT log -1 --format=%h -- "$f")" >&2
			else
				echo "  git -C build/linux add -f $f; git -C build/linux commit --fixup=<the patch that introduces it>" >&2
			fi
		done
		echo "  git -C build/linux rebase -i --autosquash devmem-base" >&2
		exit 1
	fi
	edits=$(local_edits)
	[ -z "$edits" ] || die "commit your edits in build/linux into the right patch first (git commit --fixup):
$edits"
	rm -f "$REPO"/patches/*.patch
	$GIT format-patch -q --no-signature --zero-commit --numbered \
		-o "$REPO/patches" devmem-base..HEAD
	if [ "${1:-}" = cover ]; then
		"$REPO/scripts/devmem/cover-letter.sh" > "$REPO/patches/0000-cover-letter.txt"
	fi
	$GIT rev-parse HEAD > "$TREE/.git/devmem-head"
	patches_hash > "$TREE/.git/devmem-patches"
	ls "$REPO/patches"
}

cmd_check() {
	local p n=0 base diffs
	check_pin || die "linux-source-6.1=$LINUX_SOURCE_VERSION is not installed"
	[ -d "$TREE/.git" ] || die "no work tree; run make first"
	tmp=$(mktemp -d "$BUILD/check.XXXXXX")	# global: the EXIT trap needs it
	trap 'rm -rf "$tmp"' EXIT
	tar -xf "$TARBALL" -C "$tmp"
	base=$tmp/linux-source-6.1
	git -C "$base" init -q
	git -C "$base" add -A -f .
	git -C "$base" $GIT_ID commit -q -m base
	for p in $(patch_files); do
		if ! git -C "$base" $GIT_ID am -q "$p" > "$tmp/am.log" 2>&1; then
			cat "$tmp/am.log"
			echo "FAIL: git am: $(basename "$p") does not apply to a pristine $LINUX_SOURCE_VERSION"
			exit 1
		fi
		n=$((n + 1))
	done
	echo "ok: git am applies $n patches to pristine linux-source-6.1 $LINUX_SOURCE_VERSION"
	# The tree the series makes must be the tree we build and test.
	diffs=$(diff -rq --no-dereference -x .git "$base" "$TREE" 2>&1 || true)
	# and the overlay itself, in case build/linux was not synced
	while read -r f; do
		cmp -s "$REPO/$f" "$base/$f" || diffs="$diffs
overlay $f differs from the series"
	done < <(overlay_files)
	diffs=$(sed '/^$/d' <<< "$diffs")
	if [ -n "$diffs" ]; then
		head -n 40 <<< "$diffs"
		echo "FAIL: the series and the tested tree (build/linux with the overlay) differ: commit the edits into their patches and 'make patches'"
		exit 1
	fi
	echo "ok: the tree built from patches/ is identical to the tested tree"
}

case "${1:-}" in
prepare) cmd_prepare ;;
export) cmd_export "${2:-}" ;;
check) cmd_check ;;
land) cmd_land ;;
overlay) overlay_files ;;
*) echo "usage: $0 prepare|export [cover]|check|land|overlay" >&2; exit 2 ;;
esac
