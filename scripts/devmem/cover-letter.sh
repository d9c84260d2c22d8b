#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cover-letter.sh: print the series' cover letter (mbox format, as
# git format-patch --cover-letter would, with the blurb filled in) for
# build/linux's commits devmem-base..HEAD.  "make patches" writes it to
# patches/0000-cover-letter.txt; the .txt name keeps it out of
# "git am patches/*.patch".
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$BUILD/linux
LINUX_SOURCE_VERSION=${LINUX_SOURCE_VERSION:-$(sed -n 's/^export LINUX_SOURCE_VERSION := //p' "$REPO/Makefile")}

n=$(git -C "$TREE" rev-list --count devmem-base..HEAD)
author=$(git -C "$TREE" log -1 --format='%an <%ae>' HEAD)
date=$(git -C "$TREE" log -1 --format='%aD' HEAD)

cat <<EOF
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: $author
Date: $date
Subject: [PATCH 00/$n] devmem TCP for Linux 6.1 (Debian linux-source-6.1)

Device memory TCP lets a TCP receiver place connection payload straight
into a dma-buf (GPU or accelerator memory) while headers still go to host
memory and through the normal stack, and lets a sender transmit from a
dma-buf.  Data that starts and ends in device memory then crosses neither
host memory nor the CPU.  Mainline has it since 6.12 (receive) and 6.16
(transmit); this series brings the same feature, with mainline's user
API value for value, to the 6.1 LTS kernel of Debian 12.

Why a port and not a backport: 6.1 has no netmem, no page_pool memory
providers, no queue management API, no netdev netlink family and no
settable tcp-data-split, and its skb frags are bio_vecs.  The series
builds each of those pieces for 6.1, guards every place 6.1 reads frag
payload (including gaps mainline still has: tcp_urg()'s BUG(), IP
fragmentation and ICMP timestamps on unreadable skbs), and adds the
first driver, e1000e, whose 82574 splits headers in hardware and is
emulated with packet split by QEMU, so the whole path runs without
special hardware.

How it is laid out
 - netmem_ref / struct net_iov and unreadable skbs, with every CPU access
   to frag payload in the core, TCP/IP, packet sockets and netfilter
   guarded;
 - page_pool memory providers, dma-buf bindings (the dmabuf provider),
   KUnit suites, the netdev genl family (bind-rx, queue-get);
 - TCP receive: recvmsg(MSG_SOCK_DEVMEM), SCM_DEVMEM_LINEAR/DMABUF,
   SO_DEVMEM_DONTNEED, put_cmsg_notrunc();
 - ethtool: tcp-data-split settable, core guards while a queue is bound;
 - e1000e receive in steps (page_pool, header split, queue restart,
   memory provider, counters);
 - TX bindings and bind-tx, TCP transmit with SCM_DEVMEM_DMABUF, e1000e
   transmit;
 - documentation (devmem.rst, netmem.rst), config fragments for the
   test VM and its debug kernel, and a udmabuf fix that kernel's DMA-API
   checks asked for.

How it was tested
 - The series applies with "git am" to Debian's linux-source-6.1
   $LINUX_SOURCE_VERSION, and the tree it makes is checked, file for
   file, to be the tree that is built and tested ("make check-patches").
 - Every patch builds on its own ("make series-check").
 - "make test" boots the kernel in QEMU (TCG) with emulated 82574 NICs
   and runs the KUnit suites and the devmem selftests: bind/unbind errno
   and lifecycle cases, validated IPv4/IPv6 receive into a udmabuf with
   the NIC's counters showing no payload in host memory, token return,
   devmem transmit to plain and devmem receivers, programs killed
   mid-transfer, offload changes and unregister while bound, and a clean
   dmesg with no dma-buf left referenced at the end.
 - The same suite runs on a debug build (KASAN, KFENCE, UBSAN, kmemleak,
   lockdep with PROVE_RCU, DEBUG_OBJECTS, DMA-API debugging, the netdev
   and netns reference trackers) and fails on any report; with fault
   injection, allocations that bind-rx, bind-tx and their unbind reach
   fail in turn, each run ending cleanly ("make test-debug", part of
   "make test").
 - "make run" moves 1 GiB through devmem receive and 1 GiB dma-buf to
   dma-buf, validated.
 - It applies without fuzz to every linux-source-6.1 in Debian's archive
   (6.1.170 to 6.1.192: "make portability").
 - With CONFIG_NET_DEVMEM=n the kernel behaves as stock 6.1: plain TCP in
   both families and the header split state pass the suite's cases
   ("make test-nodevmem").
 - With Debian's own amd64 configuration, every object the series touches
   compiles with NET_DEVMEM y and n, IPv6 built in and modular, and W=1
   shows no warning the pristine objects do not have ("make
   config-matrix").
 - Debian packages built from it ("make deb") install with dpkg on a
   debootstrapped Debian 12, which boots on them and passes the suite and
   the main job with Debian's own ip and ethtool ("make test-debian").

Differences from mainline (details in Documentation/networking/devmem.rst)
 - one ndo_queue_restart op instead of mainline's queue API;
 - tcp-data-split made settable for drivers that declare it;
 - bindings tied to the creating netlink socket through the netlink
   release notifier (6.1 genetlink has no per-socket private data);
 - tokens released at close(), not at socket destruction;
 - a TX binding can be used only by its creator's sockets or with
   CAP_NET_ADMIN; devmem sends fail with EOPNOTSUPP when the device has
   no SG/checksum offload, or the route uses IPsec, or the socket TCP-MD5;
 - a devmem connection whose device lost its offloads is ended at the
   next retransmission timeout; provider pools do not log the periodic
   "stalled pool" warning while user space holds tokens;
 - only bind-rx, bind-tx and queue-get of the netdev family.

The user-space side (tools/ncdevmem, the selftests and the VM scripts)
lives beside the series in the project repository.

EOF
git -C "$TREE" shortlog devmem-base..HEAD
echo
git -C "$TREE" diff --stat=72 devmem-base..HEAD
echo
echo "base-commit: Debian linux-source-6.1 $LINUX_SOURCE_VERSION"
