#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: busybox, the Debian tools the tests drive
# (iproute2, ethtool, OpenBSD netcat, coreutils' yes/tr/head) with the
# shared libraries they need, our tools and selftests, and the guest scripts.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
ROOT=$BUILD/initramfs
OUT=$BUILD/initramfs.cpio.gz

HOST_BINS="/bin/bash /usr/sbin/ip /usr/sbin/tc /usr/sbin/ethtool /usr/bin/nc.openbsd
	   /usr/bin/yes /usr/bin/tr /usr/bin/head /usr/bin/timeout /usr/bin/ss"

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,root,var}
mkdir -p "$ROOT/usr/share/devmem"
ln -s /run "$ROOT/var/run"

cp /bin/busybox "$ROOT/bin/busybox"

copy_with_libs() {
	local bin=$1 lib
	mkdir -p "$ROOT$(dirname "$bin")"
	cp -L "$bin" "$ROOT$bin"
	for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}

for b in $HOST_BINS; do
	copy_with_libs "$b"
done
ln -s /usr/bin/nc.openbsd "$ROOT/usr/bin/nc"

for b in "$REPO"/tools/ncdevmem/ncdevmem "$REPO"/selftests/devmem/bin/*; do
	[ -x "$b" ] || continue
	copy_with_libs "$b"
	mv "$ROOT$b" "$ROOT/usr/bin/$(basename "$b")"
done
rm -rf "${ROOT:?}$REPO"

cp "$REPO"/selftests/devmem/vm/* "$ROOT/usr/share/devmem/"
mv "$ROOT/usr/share/devmem/init" "$ROOT/init"
chmod +x "$ROOT/init" "$ROOT"/usr/share/devmem/*.sh

echo "root:x:0:0:root:/root:/bin/sh" > "$ROOT/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$ROOT/etc/passwd"
echo "root:x:0:" > "$ROOT/etc/group"

(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1 > "$OUT")
echo "initramfs: $OUT ($(du -h "$OUT" | cut -f1))"
