#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debian-config.sh OUT: Debian's own amd64 kernel configuration
# (config.amd64_none_amd64 from the package linux-config-6.1) for the
# pinned upstream version, written to OUT; OUT.version gets the package
# version.  The archive may carry only a later Debian revision of the
# pinned 6.1.y (e.g. 6.1.192-3 for the pinned 6.1.192-2): its
# configuration is Debian's for that upstream release all the same.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
OUT=${1:?usage: debian-config.sh OUT}
DL=$BUILD/deb/dl
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$REPO/Makefile")}
upstream=${LINUX_SOURCE_VERSION%-*}

versions=$(apt-cache madison linux-config-6.1 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
v=$(echo "$versions" | grep -x "$LINUX_SOURCE_VERSION" || true)
[ -n "$v" ] || v=$(echo "$versions" | grep "^${upstream//./\\.}-" | sort -V | tail -n 1 || true)
if [ -z "$v" ]; then
	echo "debian-config.sh: no linux-config-6.1 of $upstream in the archive; on offer:" >&2
	echo "$versions" >&2
	exit 1
fi
mkdir -p "$DL"
deb=$DL/linux-config-6.1_${v}_amd64.deb
if [ ! -f "$deb" ]; then
	(cd "$DL" && apt-get download -q "linux-config-6.1=$v" 2>&1 |
		grep -v '^W: Download is performed unsandboxed') || true
fi
[ -f "$deb" ] || { echo "debian-config.sh: could not download linux-config-6.1=$v" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO ./usr/src/linux-config-6.1/config.amd64_none_amd64.xz | xz -dc > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$v" > "$OUT.version"
