#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# portability.sh: apply the series (git am, which never fuzzes) to every
# linux-source-6.1 version Debian's archive offers and build the VM kernel
# on each.  One line per version, then "N passed, N failed".
#
#   portability.sh [VERSION...]    default: every version apt-cache lists
#   PORTABILITY_BUILD=0 portability.sh   only apply (no kernel builds)
#
# Each version's source package is downloaded once (build/portability/debs),
# its tree kept as a git repository (build/portability/<version>/linux,
# tag devmem-base) and its objects in build/portability/<version>/kobj, so a
# second run re-applies the series and rebuilds only what changed.  Not
# part of make test: the first run downloads ~150 MB and builds one kernel
# per version.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
TOP=$BUILD/portability
JOBS=${JOBS:-$(nproc)}
GIT_ID="-c user.name=devmem-tree -c user.email=devmem@localhost"

if [ $# -gt 0 ]; then
	versions="$*"
else
	versions=$(apt-cache madison linux-source-6.1 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -uV)
fi
[ -n "$versions" ] || { echo "portability.sh: no linux-source-6.1 versions in the archive" >&2; exit 1; }
mkdir -p "$TOP/debs"

# The tree of one version, as a git repository at its pristine base;
# devmem-base-version is written last, so a failed step is redone.
prepare_version() (
	set -e
	v=$1
	dir=$TOP/$1
	deb=$TOP/debs/linux-source-6.1_$(echo "$v" | sed 's/:/%3a/')_all.deb
	[ -f "$dir/linux/.git/devmem-base-version" ] && exit 0
	if [ ! -f "$deb" ]; then
		(cd "$TOP/debs" && apt-get download -q "linux-source-6.1=$v") > "$TOP/download-$v.log" 2>&1
	fi
	tmp=$(mktemp -d "$TOP/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/linux-source-6.1.tar.xz; then
		rm -f "$deb"	# a damaged download: fetch it again next time
		exit 1
	fi
	rm -rf "$dir/linux"
	mkdir -p "$dir"
	tar -xf "$tmp/usr/src/linux-source-6.1.tar.xz" -C "$dir"
	mv "$dir/linux-source-6.1" "$dir/linux"
	git -C "$dir/linux" init -q
	git -C "$dir/linux" add -A -f .
	git -C "$dir/linux" $GIT_ID commit -q -m "Debian linux-source-6.1 $v"
	git -C "$dir/linux" tag devmem-base
	echo "$v" > "$dir/linux/.git/devmem-base-version"
)

pass=0
fail=0
for v in $versions; do
	start=$(date +%s)
	dir=$TOP/$v
	if ! prepare_version "$v"; then
		fail=$((fail + 1))
		echo "$v: FAIL: could not download or extract linux-source-6.1=$v"
		continue
	fi
	git -C "$dir/linux" am --abort > /dev/null 2>&1
	git -C "$dir/linux" reset -q --hard devmem-base
	git -C "$dir/linux" clean -q -f -d -x
	n=0
	bad=""
	for p in "$REPO"/patches/*.patch; do
		if ! git -C "$dir/linux" $GIT_ID am -q "$p" > "$dir/am.log" 2>&1; then
			git -C "$dir/linux" am --abort > /dev/null 2>&1
			bad=$(basename "$p")
			break
		fi
		n=$((n + 1))
	done
	total=$(ls "$REPO"/patches/*.patch | wc -l)
	if [ -n "$bad" ]; then
		fail=$((fail + 1))
		echo "$v: FAIL: $bad does not apply ($n of $total applied; $dir/am.log)"
		continue
	fi
	if [ "${PORTABILITY_BUILD:-1}" = 0 ]; then
		pass=$((pass + 1))
		echo "$v: ok: $total patches applied ($(( $(date +%s) - start )) s; not built)"
		continue
	fi
	mkdir -p "$dir/kobj"
	if make -C "$dir/linux" O="$dir/kobj" -j"$JOBS" -s tinyconfig devmem_vm.config > "$dir/build.log" 2>&1 &&
	   make -C "$dir/linux" O="$dir/kobj" -j"$JOBS" -s bzImage >> "$dir/build.log" 2>&1; then
		warn=$(grep -c -E ': (warning|error):' "$dir/build.log")
		if [ "$warn" -eq 0 ]; then
			pass=$((pass + 1))
			echo "$v: ok: $total patches applied, kernel built ($(( $(date +%s) - start )) s)"
		else
			fail=$((fail + 1))
			echo "$v: FAIL: $total patches applied, $warn compiler warnings ($dir/build.log)"
		fi
	else
		fail=$((fail + 1))
		echo "$v: FAIL: $total patches applied, build failed ($dir/build.log)"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
