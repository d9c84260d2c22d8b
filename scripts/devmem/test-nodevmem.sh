#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-nodevmem.sh: the series with CONFIG_NET_DEVMEM=n behaves as stock
# 6.1.  Builds the test VM's kernel (tinyconfig + devmem_vm.config) with
# NET_DEVMEM (and so its KUnit suites) off, in build/kobj-nodevmem, and
# boots it with job "plain": the suite's cases that need no devmem (plain
# TCP in both families, validated; header split state through ethtool)
# must pass, and the kernel must log nothing bad.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
KSRC=${KSRC:-$BUILD/linux}
KOBJN=$BUILD/kobj-nodevmem
JOBS=${JOBS:-$(nproc)}
KMAKE="make -C $KSRC O=$KOBJN -j$JOBS"

mkdir -p "$KOBJN"
if [ ! -f "$KOBJN/.config" ] || [ "$REPO/kernel/configs/devmem_vm.config" -nt "$KOBJN/.config" ]; then
	$KMAKE -s tinyconfig devmem_vm.config
	"$KSRC/scripts/config" --file "$KOBJN/.config" -d NET_DEVMEM -d NET_DEVMEM_KUNIT_TEST
	$KMAKE -s olddefconfig
fi
grep -qx '# CONFIG_NET_DEVMEM is not set' "$KOBJN/.config" ||
	{ echo "test-nodevmem.sh: NET_DEVMEM is still set" >&2; exit 1; }
start=$(date +%s)
$KMAKE -s bzImage
echo "test-nodevmem.sh: kernel with CONFIG_NET_DEVMEM=n built ($(( $(date +%s) - start )) s)"
if nm "$KOBJN/vmlinux" | grep -qw net_devmem_bind_dmabuf; then
	echo "test-nodevmem.sh: devmem code is in the NET_DEVMEM=n kernel" >&2
	exit 1
fi
KOBJ=$KOBJN "$REPO/scripts/devmem/vm.sh" plain
