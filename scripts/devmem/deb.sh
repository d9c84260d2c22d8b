#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh: Debian binary kernel packages (linux-image, linux-headers) of
# the tested tree (build/linux: the pinned linux-source-6.1 plus the
# series), configured as Debian configures its own amd64 kernel, trimmed
# to the modules the test machine loads.
#
#   1. Debian's config.amd64_none_amd64 (package linux-config-6.1 of the
#      pinned 6.1.y, see debian-config.sh), olddefconfig;
#   2. localmodconfig with deb/modules.lsmod: every module the test machine
#      (deb/modules.lsmod says which) does not load is switched off, the
#      built-in part of Debian's kernel stays as it is;
#   3. deb/devmem.config merged over it (NET_DEVMEM, UDMABUF, the KUnit
#      suites as modules, no DWARF/BTF, a build-time module signing key),
#      and checked line by line.
#
# The packages are linux-image-<release> and linux-headers-<release>, with
# <release> = <upstream version>-devmem (e.g. 6.1.192-devmem): they install
# beside Debian's own 6.1.0-N-amd64 kernels, never over them.  Output:
# build/deb/*.deb, listed in build/deb/packages.
#
#   deb.sh          configure (when an input changed) and build the packages
#   deb.sh config   only configure
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
KSRC=${KSRC:-$BUILD/linux}
TOP=$BUILD/deb
DEBOBJ=$TOP/kobj
JOBS=${JOBS:-$(nproc)}
HERE=$REPO/scripts/devmem/deb
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$REPO/Makefile")}
# Package revision: ours, on top of Debian's source version.
DEB_REVISION=${DEB_REVISION:-1}
# LOCALVERSION= (set, empty): no "+" for the git tree (setlocalversion).
KMAKE="make -C $KSRC O=$DEBOBJ -j$JOBS LOCALVERSION="

mkdir -p "$TOP/dl" "$DEBOBJ"

configure() {
	"$REPO/scripts/devmem/debian-config.sh" "$TOP/config.debian"
	echo "deb.sh: Debian's amd64 configuration from linux-config-6.1 $(cat "$TOP/config.debian.version")"
	cp "$TOP/config.debian" "$DEBOBJ/.config"
	$KMAKE -s olddefconfig
	# localmodconfig asks about nothing new after olddefconfig; the
	# yes '' answers any question with its default all the same.
	$KMAKE -s LSMOD="$HERE/modules.lsmod" localmodconfig < <(yes '') > "$TOP/localmodconfig.log" 2>&1 ||
		{ cat "$TOP/localmodconfig.log" >&2; exit 1; }
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$DEBOBJ" "$DEBOBJ/.config" \
		"$HERE/devmem.config" > "$TOP/merge_config.log"
	$KMAKE -s olddefconfig
	local line bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*|"# CONFIG_"*" is not set") ;;
		*) continue ;;
		esac
		if ! grep -qxF "$line" "$DEBOBJ/.config"; then
			echo "deb.sh: wanted '$line', the configuration has:" >&2
			grep -E "(^|# )${line#\# }" "$DEBOBJ/.config" >&2 ||
				grep -E "${line%%=*}[= ]" "$DEBOBJ/.config" >&2 || echo "  (nothing)" >&2
			bad=1
		fi
	done < "$HERE/devmem.config"
	[ $bad -eq 0 ] || exit 1
	cp "$HERE/devmem.config" "$DEBOBJ/.devmem-deb.config"
	cp "$HERE/modules.lsmod" "$DEBOBJ/.devmem-deb.lsmod"
	cp "$TOP/config.debian" "$DEBOBJ/.devmem-deb.debian"
}

# Reconfigure only when one of the inputs changed (an incremental build
# otherwise).
if ! cmp -s "$HERE/devmem.config" "$DEBOBJ/.devmem-deb.config" ||
   ! cmp -s "$HERE/modules.lsmod" "$DEBOBJ/.devmem-deb.lsmod" ||
   [ ! -f "$DEBOBJ/.config" ]; then
	configure
fi
[ "${1:-}" = config ] && { echo "deb.sh: configured: $DEBOBJ/.config"; exit 0; }

$KMAKE -s syncconfig
release=$($KMAKE -s kernelrelease)
case "$release" in
*-devmem) ;;
*) echo "deb.sh: kernel release $release does not end in -devmem" >&2; exit 1 ;;
esac
pkgversion="$LINUX_SOURCE_VERSION+devmem$DEB_REVISION"
start=$(date +%s)
rm -f "$TOP"/*.deb "$TOP"/*.buildinfo "$TOP"/*.changes
echo "deb.sh: building linux-image-$release and linux-headers-$release ($pkgversion); log: $TOP/build.log"
if ! $KMAKE KDEB_PKGVERSION="$pkgversion" KDEB_SOURCENAME=linux-devmem \
	KBUILD_BUILD_USER=devmem KBUILD_BUILD_HOST=devmem \
	DEBEMAIL="devmem <devmem@localhost>" bindeb-pkg > "$TOP/build.log" 2>&1; then
	tail -n 40 "$TOP/build.log" >&2
	echo "deb.sh: the package build failed (log: $TOP/build.log)" >&2
	exit 1
fi
# linux-libc-dev comes with bindeb-pkg; Debian's own stays installed.
rm -f "$TOP"/linux-libc-dev_*.deb
ls "$TOP"/linux-image-"$release"_*.deb "$TOP"/linux-headers-"$release"_*.deb > "$TOP/packages"
echo "$release" > "$TOP/release"
for d in $(cat "$TOP/packages"); do
	dpkg-deb -f "$d" Package Version Architecture | paste -sd' '
done
echo "deb.sh: packages in $TOP ($(( $(date +%s) - start )) s)"
