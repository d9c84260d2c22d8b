# SPDX-License-Identifier: GPL-2.0
#
# Devmem TCP for Linux 6.1: build the kernel (Debian's linux-source-6.1 plus
# our overlay and patch series), the tools and a test VM, then run the main
# job or the tests in QEMU.
#
#   make run     build everything, boot the VM, move >= 1 GiB through devmem TCP
#   make test    build everything, run every test (host checks, KUnit, selftests)
#
# The one place the base kernel version is pinned:
export LINUX_SOURCE_VERSION := 6.1.192-2

REPO := $(CURDIR)
BUILD := $(REPO)/build
KSRC := $(BUILD)/linux
KOBJ := $(BUILD)/kobj
HDR := $(BUILD)/headers
JOBS ?= $(shell nproc)
KMAKE = $(MAKE) -C $(KSRC) O=$(KOBJ) -j$(JOBS)
SCRIPTS := $(REPO)/scripts/devmem
export BUILD REPO KSRC KOBJ HDR

.PHONY: all deps tree config kernel headers tools initramfs run test \
	patches export-patches land check-patches checkpatch series-check portability \
	config-matrix test-nodevmem test-debug deb test-debian clean distclean

all: deps kernel tools initramfs

deps:
	@$(SCRIPTS)/deps.sh

tree: deps
	@$(SCRIPTS)/tree.sh prepare

# tinyconfig plus our fragment; redone when the fragment changes.
$(KOBJ)/.config: kernel/configs/devmem_vm.config | tree
	mkdir -p $(KOBJ)
	$(KMAKE) -s tinyconfig devmem_vm.config
	@$(SCRIPTS)/check-config.sh $< $@

config: tree $(KOBJ)/.config

kernel: config
	$(KMAKE) -s bzImage
	@echo "kernel: $(KOBJ)/arch/x86/boot/bzImage"

headers: kernel
	$(KMAKE) -s headers_install INSTALL_HDR_PATH=$(HDR)

tools: headers
	$(MAKE) -C tools/ncdevmem HDR=$(HDR)
	$(MAKE) -C selftests/devmem HDR=$(HDR)

initramfs: tools
	@$(SCRIPTS)/mkinitramfs.sh

run: all
	@$(SCRIPTS)/vm.sh run

test: all
	@$(SCRIPTS)/test.sh

# build/linux's commits -> patches/, with the cover letter
patches:
	@$(SCRIPTS)/tree.sh export cover

export-patches: patches

# fold build/linux's fixup commits into their patches, then export
land:
	@$(SCRIPTS)/tree.sh land
	@$(SCRIPTS)/tree.sh export cover

# the series applies to a pristine base and gives exactly the tested tree
check-patches: tree
	@$(SCRIPTS)/tree.sh check

checkpatch: tree
	@$(SCRIPTS)/host-checks.sh checkpatch

# every prefix of the series builds (slow: not part of make test)
series-check: tree
	@$(SCRIPTS)/series-build.sh

# the series applies to, and the kernel builds on, every linux-source-6.1
# version in the archive (slow: not part of make test)
portability: deps
	@$(SCRIPTS)/portability.sh

# every object the series touches, with Debian's amd64 config, NET_DEVMEM
# y/n x IPv6 y/m, W=1: no errors, no warnings the pristine tree lacks
# (slow: not part of make test)
config-matrix: deps tree
	@$(SCRIPTS)/config-matrix.sh

# the series with CONFIG_NET_DEVMEM=n: the plain-TCP cases on that kernel
test-nodevmem: initramfs
	@$(SCRIPTS)/test-nodevmem.sh

# the VM suite on a debug kernel (KASAN, KFENCE, UBSAN, kmemleak, lockdep,
# DEBUG_OBJECTS, DMA-API debugging, fault injection): any report fails
test-debug: initramfs
	@$(SCRIPTS)/test-debug.sh

# Debian packages (linux-image, linux-headers) of the tested tree, from
# Debian's own amd64 configuration trimmed to the test machine's modules
# (slow: not part of make test)
deb: deps tree
	@$(SCRIPTS)/deb.sh

# a debootstrapped Debian 12 system with those packages installed by dpkg,
# booted in QEMU: the suite and the main job there (not part of make test)
test-debian: tools deb
	@$(SCRIPTS)/deps.sh debootstrap
	@$(SCRIPTS)/test-debian.sh

clean:
	-$(MAKE) -C tools/ncdevmem clean
	-$(MAKE) -C selftests/devmem clean
	rm -rf $(KOBJ) $(HDR) $(BUILD)/initramfs*

distclean:
	rm -rf $(BUILD)
