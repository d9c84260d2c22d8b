#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
. ./lib.sh
setup_netns || exit 1
rx nc -l -p $PORT > /dev/null &
wait_listen $RX_NS $PORT || exit 1
t0=$(date +%s)
pattern_feed 268435456 | tx nc -N $RX_IP4 $PORT
wait
t1=$(date +%s)
echo "moved 256 MiB in $((t1 - t0)) s"
rx ethtool -S $RX_IF | head -30
