#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build, the VM and the tests need from Debian's archive,
# including linux-source-6.1 at the pinned version, plus the packages
# named as arguments (what a long target needs beyond that, e.g.
# debootstrap).  Idempotent: does nothing when everything is already
# installed.
set -euo pipefail
# The pin lives in the top-level Makefile only.
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$(dirname "$0")/../../Makefile")}
: "${LINUX_SOURCE_VERSION:?no LINUX_SOURCE_VERSION in the top-level Makefile}"

PKGS="build-essential flex bison bc cpio kmod libelf-dev libssl-dev
      xz-utils rsync patch git perl python3 sparse
      qemu-system-x86 busybox-static iproute2 ethtool netcat-openbsd
      coreutils libmnl-dev pkg-config $*"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ "$have" = "$LINUX_SOURCE_VERSION" ] || missing="$missing linux-source-6.1=$LINUX_SOURCE_VERSION"

[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "deps.sh: apt-get update failed; trying the cached lists" >&2
if ! $SUDO apt-get install -y -qq --no-install-recommends --allow-downgrades $missing; then
	if ! apt-cache show "linux-source-6.1=$LINUX_SOURCE_VERSION" >/dev/null 2>&1; then
		echo "deps.sh: the pinned linux-source-6.1 $LINUX_SOURCE_VERSION is no longer in the archive." >&2
		echo "deps.sh: versions on offer:" >&2
		apt-cache madison linux-source-6.1 >&2 || true
		echo "deps.sh: move the pin (LINUX_SOURCE_VERSION in the top-level Makefile) and re-check patches (make check-patches)." >&2
	fi
	exit 1
fi
