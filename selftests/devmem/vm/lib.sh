# SPDX-License-Identifier: GPL-2.0
# Shared by the guest scripts: the two-namespace topology.
#
# QEMU gives the VM two e1000e NICs joined by a hub.  eth0 goes to netns
# "rx" (the devmem receiver: its only RX queue gets bound), eth1 to netns
# "tx" (a plain sender, TSO off: QEMU 7.2 mangles TSO frames on a hub, see
# Documentation/networking/devmem.rst, "Testing in QEMU").
RX_NS=rx
TX_NS=tx
RX_IF=eth0
TX_IF=eth1
OTHER_IF=eth2	# a third e1000e on a hub of its own, in netns tx
RX_IP4=192.168.77.1
TX_IP4=192.168.77.2
RX_IP6=fd77::1
TX_IP6=fd77::2
MTU=${MTU:-9000}
PORT=5201

rx() { ip netns exec $RX_NS "$@"; }
tx() { ip netns exec $TX_NS "$@"; }
# $RXNS / $TXNS: the same for commands started with "&".  Bash runs a
# function started in the background in a subshell of its own, so $! would
# be that subshell and a kill would miss the program itself.
RXNS="ip netns exec $RX_NS"
TXNS="ip netns exec $TX_NS"

setup_netns() {
	ip netns del $RX_NS 2>/dev/null
	ip netns del $TX_NS 2>/dev/null
	# A deleted netns hands its physical devices back to this one from
	# a workqueue: wait for them (a second setup, e.g. the main job
	# after the suite).
	local back=0 p
	for _ in $(seq 100); do
		[ -e /sys/class/net/$RX_IF ] && [ -e /sys/class/net/$TX_IF ] &&
			[ -e /sys/class/net/$OTHER_IF ] && { back=1; break; }
		sleep 0.1
	done
	if [ $back -eq 0 ]; then
		echo "setup_netns: $RX_IF/$TX_IF/$OTHER_IF did not come back from the old namespaces; processes still in one:" >&2
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/net")" = "$(readlink /proc/self/ns/net)" ] && continue
			echo "  ${p#/proc/} $(cat "$p/comm" 2>/dev/null) $(readlink "$p/ns/net")" >&2
		done
		ip -o link >&2
	fi
	ip netns add $RX_NS || return 1
	ip netns add $TX_NS || return 1
	ip link set $RX_IF netns $RX_NS || return 1
	ip link set $TX_IF netns $TX_NS || return 1
	ip link set $OTHER_IF netns $TX_NS || return 1
	tx ip link set $OTHER_IF up
	for ns in $RX_NS $TX_NS; do
		ip -n $ns link set lo up
	done
	rx ip link set $RX_IF mtu "$MTU" up || return 1
	tx ip link set $TX_IF mtu "$MTU" up || return 1
	rx ip addr add $RX_IP4/24 dev $RX_IF
	tx ip addr add $TX_IP4/24 dev $TX_IF
	rx ip addr add $RX_IP6/64 dev $RX_IF nodad
	tx ip addr add $TX_IP6/64 dev $TX_IF nodad
	tx ethtool -K $TX_IF tso off >/dev/null || return 1
	# Static IPv6 neighbours: once eth0's queue is bound, the 82574 splits
	# ICMPv6 after the IPv6 header, its body lands in the dma-buf and the
	# driver drops it, so neighbour discovery cannot work on a bound NIC
	# (ARP is never split).  See Documentation/networking/devmem.rst.
	rx ip -6 neigh replace $TX_IP6 lladdr "$(tx cat /sys/class/net/$TX_IF/address)" \
		dev $RX_IF nud permanent || return 1
	tx ip -6 neigh replace $RX_IP6 lladdr "$(rx cat /sys/class/net/$RX_IF/address)" \
		dev $TX_IF nud permanent || return 1
	wait_link
}

# wait_link: wait up to ~20 s for both links (e1000e autonegotiates in a
# few hundred ms, again after each reset, and its watchdog reports the
# link every 2 s; longer on the debug kernel) and a ping across.
wait_link() {
	for _ in $(seq 100); do
		if rx cat /sys/class/net/$RX_IF/carrier 2>/dev/null | grep -q 1 &&
		   tx cat /sys/class/net/$TX_IF/carrier 2>/dev/null | grep -q 1; then
			tx ping -c 1 -W 2 $RX_IP4 >/dev/null 2>&1 && return 0
		fi
		sleep 0.2
	done
	echo "link between $TX_IF and $RX_IF did not come up" >&2
	return 1
}

# wait_listen NS PORT: wait until something listens on TCP PORT in NS.
wait_listen() {
	for _ in $(seq 100); do
		ip netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			awk '$4 == "0A" { print $2 }' | grep -qi ":$(printf %04X "$2")\$" && return 0
		sleep 0.1
	done
	return 1
}

# pattern_feed BYTES: the mainline devmem documentation's test stream,
# 1,2,3,4,5,6,0 repeating (validated by ncdevmem -v 7).
pattern_feed() {
	yes "$(printf '\001\002\003\004\005\006')" | tr '\n' '\0' | head -c "$1"
}

# ethstat NS IF NAME: one counter from ethtool -S.
ethstat() {
	ip netns exec "$1" ethtool -S "$2" 2>/dev/null |
		awk -v k="$3:" '$1 == k { print $2; found = 1 } END { if (!found) print "NA" }'
}

# dmabuf_count: how many dma-bufs exist (dma-buf's debugfs bufinfo).  A
# binding holds a reference on its dma-buf, so a binding that outlives its
# owner keeps the count up.
dmabuf_count() {
	sed -n 's/^Total \([0-9]*\) objects.*/\1/p' /sys/kernel/debug/dma_buf/bufinfo
}

# wait_no_dmabuf: wait up to 10 s for every dma-buf to be freed; on failure
# print what is left (with the devices still attached) and return 1.
wait_no_dmabuf() {
	for _ in $(seq 50); do
		[ "$(dmabuf_count)" = 0 ] && return 0
		sleep 0.2
	done
	cat /sys/kernel/debug/dma_buf/bufinfo
	echo "dma-bufs are still referenced (a binding outlived its owner)"
	return 1
}

# snmp NS PROTO FIELD: one /proc/net/snmp counter ("Icmp" "OutDestUnreachs").
snmp() {
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == p && hdr { print (f in col) ? $col[f] : "NA"; exit }' /proc/net/snmp
}

# wait_no_sender_conn: wait up to 10 s until netns tx has no TCP socket to
# the receiver's port but TIME-WAIT ones (which hold no skbs); on failure
# show the sockets and return 1.
wait_no_sender_conn() {
	local n
	for _ in $(seq 50); do
		n=$(tx ss -Htn state all exclude time-wait dst $RX_IP4 "( dport = :$PORT )" | wc -l)
		[ "$n" -eq 0 ] && return 0
		sleep 0.2
	done
	tx ss -tanoiem
	echo "the sender's socket is still there"
	return 1
}
