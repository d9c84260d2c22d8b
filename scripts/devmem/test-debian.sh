#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-debian.sh: the devmem suite and the main job on a real Debian 12
# system running our kernel packages.
#
#   1. a Debian 12 (bookworm) root file system from debootstrap, Debian's
#      own packages only (systemd, udev, initramfs-tools, iproute2, ethtool,
#      netcat-openbsd, iputils-ping, libmnl0); made once and cached in
#      build/debian/base;
#   2. a fresh copy of it, in which dpkg installs build/deb's linux-image and
#      linux-headers exactly as on a user's machine (the package scripts run
#      update-initramfs through /etc/kernel/postinst.d);
#   3. our tools and selftests in /usr/local/bin, the guest scripts in
#      /usr/share/devmem and a systemd unit that runs the jobs at boot;
#   4. an ext4 image of it, booted in QEMU (TCG) with the vmlinuz and the
#      initrd dpkg installed in its /boot and the two e1000e NICs of the test
#      VM, once for the suite and once for the main job (a fresh boot each,
#      as on the test VM); systemd starts the unit, which runs the job,
#      reports on the serial console and powers off.
#
# Debian's ethtool and ip drive every test there: they read our counters
# (ethtool -S) and set and show header split (ethtool -G/-g tcp-data-split).
# Ends with "N passed, N failed" (the suite's cases plus the main job).
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
TOP=$BUILD/debian
BASE=$TOP/base
ROOT=$TOP/root
IMG=$TOP/root.img
TIMEOUT=${VM_TIMEOUT:-3600}
SUITE=${DEBIAN_SUITE:-bookworm}
DEBIAN_PKGS="systemd,systemd-sysv,udev,kmod,initramfs-tools,iproute2,ethtool,netcat-openbsd,iputils-ping,procps,libmnl0"
MOUNTS=""

die() { echo "test-debian.sh: $*" >&2; exit 1; }

cleanup() {
	local m
	for m in $MOUNTS; do
		umount -l "$m" 2>/dev/null
	done
}
trap cleanup EXIT

# The archive this machine's apt uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
	echo "${DEBIAN_MIRROR:-${m:-http://deb.debian.org/debian}}"
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, dpkg in the image)"
[ -s "$BUILD/deb/packages" ] || die "no packages: run make deb first"
release=$(cat "$BUILD/deb/release")
for f in $(cat "$BUILD/deb/packages"); do
	[ -f "$f" ] || die "$f is missing: run make deb"
done
mkdir -p "$TOP"

# 1. The base system, once.
if [ ! -f "$BASE/.devmem-base-done" ] || [ "$(cat "$BASE/.devmem-base-done")" != "$SUITE $DEBIAN_PKGS" ]; then
	start=$(date +%s)
	rm -rf "$BASE"
	echo "test-debian.sh: debootstrap $SUITE from $(mirror) (log: $TOP/debootstrap.log)"
	if ! debootstrap --variant=minbase --include="$DEBIAN_PKGS" "$SUITE" "$BASE" "$(mirror)" \
		> "$TOP/debootstrap.log" 2>&1; then
		tail -n 20 "$TOP/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	echo "$SUITE $DEBIAN_PKGS" > "$BASE/.devmem-base-done"
	echo "test-debian.sh: base system ready ($(( $(date +%s) - start )) s)"
fi

# 2. A fresh root with our packages installed by dpkg.
start=$(date +%s)
rm -rf "$ROOT"
cp -a "$BASE" "$ROOT"
rm -f "$ROOT/.devmem-base-done"
for m in proc sys dev; do
	mount --bind "/$m" "$ROOT/$m" || die "cannot bind-mount /$m into the image root"
	MOUNTS="$ROOT/$m $MOUNTS"
done
mkdir -p "$ROOT/tmp/devmem-debs"
cp $(cat "$BUILD/deb/packages") "$ROOT/tmp/devmem-debs/"
echo "test-debian.sh: dpkg -i $(cd "$ROOT/tmp/devmem-debs" && echo *.deb)"
if ! chroot "$ROOT" sh -c 'dpkg -i /tmp/devmem-debs/*.deb' > "$TOP/dpkg.log" 2>&1; then
	cat "$TOP/dpkg.log" >&2
	die "dpkg could not install our packages"
fi
cleanup
MOUNTS=""
rm -rf "$ROOT/tmp/devmem-debs"
for f in "boot/vmlinuz-$release" "boot/initrd.img-$release" "lib/modules/$release/modules.dep"; do
	[ -f "$ROOT/$f" ] || die "the installed system has no /$f"
done
chroot "$ROOT" dpkg-query -W -f='${Package} ${Version} ${Status}\n' \
	"linux-image-$release" "linux-headers-$release"

# 3. Our tools, the guest scripts and the unit that runs them.
for b in "$REPO"/tools/ncdevmem/ncdevmem "$REPO"/selftests/devmem/bin/*; do
	[ -x "$b" ] || die "$b is not built: run make tools"
	install -m 755 "$b" "$ROOT/usr/local/bin/"
done
mkdir -p "$ROOT/usr/share/devmem"
cp "$REPO"/selftests/devmem/vm/*.sh "$ROOT/usr/share/devmem/"
install -m 755 "$REPO/scripts/devmem/deb/devmem-job" "$ROOT/usr/local/sbin/devmem-job"
cp "$REPO/scripts/devmem/deb/devmem-job.service" "$ROOT/etc/systemd/system/"
ln -sf /etc/systemd/system/devmem-job.service \
	"$ROOT/etc/systemd/system/multi-user.target.wants/devmem-job.service"
# The console is the job's: no login prompt on it.
ln -sf /dev/null "$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > "$ROOT/etc/fstab"
echo devmem-debian > "$ROOT/etc/hostname"
echo "test-debian.sh: image root ready ($(( $(date +%s) - start )) s)"

# 4. The image, and the boot.
rm -f "$IMG"
truncate -s 3G "$IMG"
mkfs.ext4 -q -F -L devmem-root -d "$ROOT" "$IMG" || die "mkfs.ext4 -d failed"

# boot JOB: boot the image for one job (test: the suite; run: the main
# job), a fresh boot each as on the test VM; console in console-JOB.log.
boot() {
	local log=$TOP/console-$1.log
	echo "test-debian.sh: booting Debian 12 on linux-image-$release for job $1 (log: $log)"
	timeout --foreground "$TIMEOUT" qemu-system-x86_64 \
		-machine pc,accel=tcg -cpu max -smp 2 -m 2048 \
		-display none -serial stdio -monitor none -no-reboot \
		-drive file="$IMG",format=raw,if=virtio \
		-kernel "$ROOT/boot/vmlinuz-$release" -initrd "$ROOT/boot/initrd.img-$release" \
		-append "root=/dev/vda rw console=ttyS0 quiet loglevel=4 systemd.show_status=false net.ifnames=0 panic=-1 oops=panic devmem.job=$1 ${VM_APPEND:-}" \
		-netdev hubport,id=hp0,hubid=0 -device e1000e,netdev=hp0,mac=52:54:00:77:00:01 \
		-netdev hubport,id=hp1,hubid=0 -device e1000e,netdev=hp1,mac=52:54:00:77:00:02 \
		-netdev hubport,id=hp2,hubid=1 -device e1000e,netdev=hp2,mac=52:54:00:77:00:03 \
		2>&1 | sed -u 's/\r$//' > "$log"
	local qrc=${PIPESTATUS[0]}
	grep -E '^(ok|not ok|#|DEVMEM-|main job|=== |[a-z ]+:  )' "$log" | grep -v '^# *$'
	if ! grep -q "^DEVMEM-JOB-RESULT job=$1 " "$log"; then
		[ "$qrc" = 124 ] && echo "test-debian.sh: the VM timed out after ${TIMEOUT}s" >&2
		echo "test-debian.sh: job $1 reported no result (qemu exit $qrc): see $log" >&2
	fi
}

boot test
boot run
sline=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$TOP/console-test.log" | tail -n 1)
run_rc=$(sed -n 's/^DEVMEM-JOB-RESULT job=run rc=\([0-9]*\).*/\1/p' "$TOP/console-run.log" | tail -n 1)
sp=$(echo "${sline:-0 passed, 1 failed}" | cut -d' ' -f1)
sf=$(echo "${sline:-0 passed, 1 failed}" | cut -d' ' -f3)
if [ "${run_rc:-1}" = 0 ]; then sp=$((sp + 1)); else sf=$((sf + 1)); fi
echo "test-debian.sh: suite ${sline:-no summary}; main job rc=${run_rc:-none}"
echo "$sp passed, $sf failed"
[ "$sf" -eq 0 ]
