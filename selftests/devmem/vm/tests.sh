# SPDX-License-Identifier: GPL-2.0
#
# The test cases, sourced by run_tests.sh (which provides result, run_test
# and run_tap).  Each test asserts a real outcome: bytes validated, errnos,
# counters, binding state.

XFER=${XFER:-67108864}	# bytes per end-to-end transfer (64 MiB)

# --- KUnit: the suites ran at boot; fold their results in. ---------------
kunit_results() {
	local suite="" line name seen=0
	dmesg | sed 's/^\[[^]]*\] //' > $LOGDIR/kunit.log
	while IFS= read -r line; do
		case "$line" in
		"    # Subtest: "*) suite=${line#    # Subtest: } ;;
		"    ok "*|"    not ok "*)
			seen=1
			name=$(echo "$line" | sed 's/^ *\(not \)\{0,1\}ok [0-9]* \(- \)\{0,1\}//; s/ *#.*//')
			case "$line" in
			*"# SKIP"*) result "kunit.$suite.$name" 4 "$(echo "$line" | sed 's/.*# SKIP *//')" ;;
			"    ok "*) result "kunit.$suite.$name" 0 ;;
			*) result "kunit.$suite.$name" 1 ;;
			esac ;;
		esac
	done < $LOGDIR/kunit.log
	if [ $seen -eq 0 ]; then
		result "kunit" 1 "no KUnit results in dmesg"
	fi
}
# A kernel without devmem (job "plain") has no suites to report.
[ -n "${DEVMEM_NO_KUNIT:-}" ] || kunit_results

# --- Topology -------------------------------------------------------------
run_test netns_setup setup_netns || true

# The distribution's ethtool (ioctl-free netlink, "TCP data split" in
# ethtool -g) shows the header split state e1000e reports: on at the
# suite's jumbo MTU, off at 1500 (the 82574 splits only when the frame
# does not fit one buffer, see e1000e_rx_hsplit_possible()).
hds_state() {
	rx ethtool -g $RX_IF | awk -F':[ \t]*' '/^TCP data split/ { print $2 }'
}
ethtool_shows_header_split() {
	local jumbo small back
	jumbo=$(hds_state)
	rx ip link set $RX_IF mtu 1500 || return 1
	small=$(hds_state)
	rx ip link set $RX_IF mtu "$MTU" || return 1
	back=$(hds_state)
	rx ethtool -g $RX_IF
	echo "TCP data split: '$jumbo' at MTU $MTU, '$small' at 1500, '$back' at $MTU again"
	wait_link || return 1
	[ "$jumbo" = on ] && [ "$small" = off ] && [ "$back" = on ]
}
run_test ethtool_shows_header_split ethtool_shows_header_split

# Plain TCP, no binding: the pattern through a plain netcat in each
# family, checked by md5sum, with the NIC's payload counters showing it
# went to host memory.  The same cases pass on a kernel built with
# CONFIG_NET_DEVMEM=n (make test-nodevmem: the series changes nothing
# there).
plain_tcp() {
	local fam=$1 bytes=$2 dst rx want got h0 h1
	[ "$fam" = 6 ] && dst=$RX_IP6 || dst=$RX_IP4
	h0=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
	$RXNS nc -$fam -l -p $PORT > /tmp/plain.$fam.bin &
	rx=$!
	wait_listen $RX_NS $PORT || { kill $rx; echo "nc did not listen"; return 1; }
	if ! pattern_feed "$bytes" | tx nc -N "$dst" $PORT; then
		kill $rx
		echo "the sending nc failed"
		return 1
	fi
	wait $rx
	want=$(pattern_feed "$bytes" | md5sum)
	got=$(md5sum < /tmp/plain.$fam.bin)
	echo "IPv$fam: received $(stat -c %s /tmp/plain.$fam.bin) of $bytes bytes"
	rm -f /tmp/plain.$fam.bin
	[ "$want" = "$got" ] || { echo "md5 $got, sent $want"; return 1; }
	h1=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
	echo "NIC: host payload bytes +$((h1 - h0))"
	[ $((h1 - h0)) -ge "$bytes" ] || { echo "the NIC counted less payload than was sent"; return 1; }
}
run_test plain_tcp_ipv4_validated plain_tcp 4 16777216
run_test plain_tcp_ipv6_validated plain_tcp 6 16777216

# queue_dmabuf NS IF QUEUE: the dmabuf id queue-get reports ("none" if unbound).
queue_dmabuf() {
	ip netns exec "$1" devmem_bind -f "$2" -Q "$3"
}

# rx_transfer FAMILY BYTES: ncdevmem validates BYTES of the pattern sent by
# a plain netcat; asserts the summary and the NIC's payload counters.
rx_transfer() {
	local fam=$1 bytes=$2 dst out dev0 host0 dev1 host1 got
	[ "$fam" = 6 ] && dst=$RX_IP6 || dst=$RX_IP4
	dev0=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
	host0=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
	out=$LOGDIR/ncdevmem.$fam.out
	$RXNS ncdevmem -l -f $RX_IF -s $dst -p $PORT -v 7 > "$out" 2>&1 &
	local srv=$!
	wait_listen $RX_NS $PORT || { cat "$out"; echo "ncdevmem did not listen"; kill $srv; return 1; }
	pattern_feed "$bytes" | tx nc -N "$dst" $PORT || { echo "nc failed"; }
	wait $srv
	local rc=$?
	cat "$out"
	[ $rc -eq 0 ] || { echo "ncdevmem exit $rc"; return 1; }
	got=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$out" | tail -n 1)
	[ "$got" = "$bytes" ] || { echo "received $got bytes, sent $bytes"; return 1; }
	grep -q ' validation_errors=0' "$out" || { echo "validation errors"; return 1; }
	local frags tok
	frags=$(sed -n 's/.* frags=\([0-9]*\).*/\1/p' "$out" | tail -n 1)
	tok=$(sed -n 's/.* tokens_returned=\([0-9]*\).*/\1/p' "$out" | tail -n 1)
	[ -n "$frags" ] && [ "$frags" -gt 0 ] && [ "$frags" = "$tok" ] ||
		{ echo "frags=$frags but tokens_returned=$tok"; return 1; }
	dev1=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
	host1=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
	echo "NIC: devmem bytes +$((dev1 - dev0)), host payload bytes +$((host1 - host0))"
	[ $((dev1 - dev0)) -ge "$bytes" ] || { echo "the NIC wrote less than $bytes into the dma-buf"; return 1; }
	[ $((host1 - host0)) -eq 0 ] || { echo "payload landed in host memory"; return 1; }
	[ "$(queue_dmabuf $RX_NS $RX_IF 0)" = none ] ||
		{ echo "binding still installed after ncdevmem exited"; return 1; }
}

run_test rx_ipv4_validated rx_transfer 4 "$XFER"
run_test rx_ipv6_validated rx_transfer 6 "$XFER"

# --- Error paths of bind-rx and queue-get ----------------------------------
veth_pair() {
	rx ip link add vdm0 type veth peer name vdm1 2>/dev/null
	rx ip link set vdm0 up
}
veth_pair
run_tap bind ip netns exec $RX_NS devmem_bind -f $RX_IF -F vdm0

# --- Socket API -----------------------------------------------------------
# SO_DEVMEM_DONTNEED errnos; a plain recv() on devmem data fails with EFAULT
# and consumes nothing; tokens still held when the socket closes are
# released: the second connection moves more than the 16 MiB dma-buf holds,
# which only works if the first connection's tokens came back.
devmem_recv_test() {
	$RXNS devmem_recv -f $RX_IF -s $RX_IP4 -p $PORT -v 7 -d 16M -r &
	local srv=$!
	if wait_listen $RX_NS $PORT; then
		pattern_feed 67108864 | tx timeout 60 nc -N $RX_IP4 $PORT >/dev/null 2>&1
		wait_listen $RX_NS $PORT &&
			pattern_feed 67108864 | tx timeout 60 nc -N $RX_IP4 $PORT >/dev/null 2>&1
	fi
	wait $srv
}
run_tap recv devmem_recv_test

# feed_until_reset BYTES: the pattern into the receiver on $PORT (IPv4)
# until it is all sent or the receiver resets the connection.
feed_until_reset() {
	pattern_feed "$1" | tx timeout 120 nc -N $RX_IP4 $PORT > /dev/null 2>&1
}

# The dma-buf runs out (devmem_recv holds every token until no data came
# for 12 s): the ring cannot be refilled, and e1000e retries the refill
# from a timer that backs off (10 ms doubling to 250 ms) instead of polling
# at 100 Hz.  alloc_rx_buff_failed counts failed refills.  Sampled about
# once a second: over the longest stretch in which rx_devmem_bytes stood
# still (the stall; before it, retransmissions that TCP drops give buffers
# back and restart the backoff; after it, the teardown moves data again),
# at least 5 s long, some refills must fail, but fewer than 20 per second
# (100 at 100 Hz).
rx_exhausted_refill_backoff() {
	local out=$LOGDIR/exhaust.tap samples=$LOGDIR/exhaust.samples rc
	$RXNS devmem_recv -f $RX_IF -s $RX_IP4 -p $PORT -v 7 -d 4M -S 12 > "$out" 2>&1 &
	local srv=$!
	wait_listen $RX_NS $PORT || { kill $srv; cat "$out"; return 1; }
	feed_until_reset 268435456 &
	local snd=$!
	: > "$samples"
	while kill -0 $srv 2>/dev/null; do
		rx ethtool -S $RX_IF | awk -v t="$(date +%s)" '
			$1 == "rx_devmem_bytes:" { b = $2 }
			$1 == "alloc_rx_buff_failed:" { f = $2 }
			END { print t, b, f }' >> "$samples"
		sleep 1
	done
	wait $srv
	rc=$?
	wait $snd
	cat "$out"
	[ $rc -eq 0 ] || { echo "devmem_recv exit $rc"; return 1; }
	grep -q 'hold_tokens: .*flow stalled' "$out" ||
		{ echo "the dma-buf was not exhausted"; return 1; }
	# the longest stretch with rx_devmem_bytes unchanged: its seconds and
	# the failed refills in it
	set -- $(awk '{ t[NR] = $1; b[NR] = $2; f[NR] = $3 }
		END {
			bs = 1; be = 1; i = 1
			for (j = 2; j <= NR; j++) {
				if (b[j] != b[j - 1]) i = j
				if (t[j] - t[i] > t[be] - t[bs]) { bs = i; be = j }
			}
			print t[be] - t[bs], f[be] - f[bs]
		}' "$samples")
	echo "stall of $1 s; alloc_rx_buff_failed +$2 in it"
	[ "$1" -ge 5 ] || { echo "no 5 s stall seen"; return 1; }
	[ "$2" -gt 0 ] || { echo "no failed refill counted"; return 1; }
	[ "$2" -lt $((20 * $1)) ] || { echo "$2 refill retries in $1 s"; return 1; }
}
run_test rx_exhausted_refill_backoff rx_exhausted_refill_backoff

# The binding goes (its netlink socket is closed) while a TCP socket still
# holds tokens for 65 s: the queue reports no binding at once, the old
# provider page_pool waits for the tokens without the periodic "stalled
# pool shutdown" warning (their holder is a live socket, not a leak), and
# everything is freed once the socket closes.
rx_unbind_holding_tokens() {
	local out=$LOGDIR/unbindhold.tap rc
	$RXNS devmem_recv -f $RX_IF -s $RX_IP4 -p $PORT -v 7 -d 4M -S 3 -U 65 > "$out" 2>&1 &
	local srv=$!
	wait_listen $RX_NS $PORT || { kill $srv; cat "$out"; return 1; }
	feed_until_reset 268435456
	wait $srv
	rc=$?
	cat "$out"
	[ $rc -eq 0 ] || { echo "devmem_recv exit $rc"; return 1; }
	grep -q 'close_with_held_tokens: unbound binding' "$out" ||
		{ echo "devmem_recv did not unbind while holding"; return 1; }
	if dmesg | grep 'stalled pool'; then
		echo "the page_pool warned about tokens a live socket held"
		return 1
	fi
	wait_no_dmabuf
}
run_test rx_unbind_holding_tokens rx_unbind_holding_tokens

# --- The owner dies mid-transfer ------------------------------------------------
kill_mid_transfer() {
	local out=$LOGDIR/kill.out
	$RXNS ncdevmem -l -f $RX_IF -s $RX_IP4 -p $PORT -v 7 > "$out" 2>&1 &
	local srv=$!
	wait_listen $RX_NS $PORT || { cat "$out"; return 1; }
	[ "$(queue_dmabuf $RX_NS $RX_IF 0)" != none ] ||
		{ echo "queue 0 not bound while ncdevmem runs"; return 1; }
	pattern_feed 1073741824 | $TXNS timeout 60 nc -N $RX_IP4 $PORT &
	local snd=$!
	sleep 2
	kill -9 $srv
	wait $srv 2>/dev/null
	kill -0 $srv 2>/dev/null && { echo "the owner survived kill -9"; return 1; }
	grep -q 'ncdevmem: summary' "$out" && { cat "$out"; echo "the transfer ended before the owner was killed"; return 1; }
	wait $snd 2>/dev/null
	sleep 1
	local q
	q=$(queue_dmabuf $RX_NS $RX_IF 0)
	[ "$q" = none ] || { echo "queue 0 still bound to dmabuf $q after the owner died"; return 1; }
	wait_no_dmabuf || return 1
	# The queue works again with host memory: a plain transfer checks out.
	$RXNS nc -l -p $PORT > /tmp/plain.bin &
	local plain=$!
	wait_listen $RX_NS $PORT || return 1
	pattern_feed 16777216 | tx nc -N $RX_IP4 $PORT
	wait $plain
	local want got
	want=$(pattern_feed 16777216 | md5sum)
	got=$(md5sum < /tmp/plain.bin)
	rm -f /tmp/plain.bin
	[ "$want" = "$got" ] || { echo "plain transfer after unbind corrupted"; return 1; }
}
run_test kill_owner_mid_transfer kill_mid_transfer



# --- Transmit from a dma-buf -------------------------------------------------
# summary_field FILE KEY: a key=value field of ncdevmem's summary line.
summary_field() {
	sed -n "s/.*summary.* $2=\([^ ]*\).*/\1/p" "$1" | tail -n 1
}

# check_tx_summary FILE BYTES: the client sent BYTES and every send completed.
check_tx_summary() {
	local sends comps
	[ "$(summary_field "$1" status)" = ok ] || { echo "ncdevmem client failed"; return 1; }
	[ "$(summary_field "$1" bytes)" = "$2" ] ||
		{ echo "client sent $(summary_field "$1" bytes) of $2 bytes"; return 1; }
	sends=$(summary_field "$1" sends)
	comps=$(summary_field "$1" completions)
	[ -n "$sends" ] && [ "$sends" -gt 0 ] && [ "$sends" = "$comps" ] ||
		{ echo "sends=$sends completions=$comps"; return 1; }
}

# tx_to_plain BYTES: devmem TX into a plain netcat; the bytes must match.
tx_to_plain() {
	local out=$LOGDIR/txplain.out bytes=$1
	$RXNS nc -l -p $PORT > /tmp/txplain.bin &
	local srv=$!
	wait_listen $RX_NS $PORT || return 1
	tx ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N "$bytes" > "$out" 2>&1
	local rc=$?
	wait $srv
	cat "$out"
	[ $rc -eq 0 ] || { echo "ncdevmem client exit $rc"; return 1; }
	check_tx_summary "$out" "$bytes" || return 1
	local want got
	want=$(pattern_feed "$bytes" | md5sum)
	got=$(md5sum < /tmp/txplain.bin)
	echo "received $(stat -c %s /tmp/txplain.bin) bytes"
	rm -f /tmp/txplain.bin
	[ "$want" = "$got" ] || { echo "the plain receiver got other bytes than the pattern"; return 1; }
}
run_test tx_to_plain_receiver_validated tx_to_plain 16777216

# tx_to_devmem FAMILY CHUNK BYTES: devmem TX (iovecs of CHUNK bytes) into
# devmem RX; ncdevmem validates every byte in the receiver's dma-buf.
tx_to_devmem() {
	local fam=$1 chunk=$2 bytes=$3 dst
	[ "$fam" = 6 ] && dst=$RX_IP6 || dst=$RX_IP4
	local sout=$LOGDIR/txdm.srv.$fam.$chunk cout=$LOGDIR/txdm.cli.$fam.$chunk
	$RXNS ncdevmem -l -f $RX_IF -s $dst -p $PORT -v 7 > "$sout" 2>&1 &
	local srv=$!
	wait_listen $RX_NS $PORT || { cat "$sout"; return 1; }
	tx ncdevmem -f $TX_IF -s $dst -p $PORT -v 7 -z "$chunk" -N "$bytes" > "$cout" 2>&1
	local crc=$?
	wait $srv
	local src=$?
	cat "$cout" "$sout"
	[ $crc -eq 0 ] && [ $src -eq 0 ] || { echo "client exit $crc, server exit $src"; return 1; }
	check_tx_summary "$cout" "$bytes" || return 1
	[ "$(summary_field "$sout" bytes)" = "$bytes" ] || { echo "server got a different byte count"; return 1; }
	[ "$(summary_field "$sout" dmabuf_bytes)" = "$bytes" ] || { echo "not all bytes landed in the dma-buf"; return 1; }
	[ "$(summary_field "$sout" validation_errors)" = 0 ] || { echo "validation errors"; return 1; }
}
run_test tx_devmem_to_devmem_ipv4 tx_to_devmem 4 4096 33554432
run_test tx_devmem_to_devmem_ipv6 tx_to_devmem 6 4096 33554432
run_test tx_chunks_3_bytes tx_to_devmem 4 3 1048576


# devmem_send: the sendmsg/bind-tx errnos, against a plain listener.
devmem_send_test() {
	tx ip link add vdt0 type veth peer name vdt1 2>/dev/null
	tx ip link set vdt0 up
	$RXNS nc -l -p $PORT > /dev/null &
	local srv=$!
	wait_listen $RX_NS $PORT || return 1
	# -T 30: send_rx_binding_id restarts eth1's RX ring (a link flap), so the
	# next send may need a retransmission before it completes.
	tx devmem_send -f $TX_IF -s $RX_IP4 -p $PORT -F $OTHER_IF -P vdt0 -T 30
	local rc=$?
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	return $rc
}
run_tap send devmem_send_test

# No checksum offload on the route's device (which also turns off its
# scatter-gather): a devmem send is refused with EOPNOTSUPP, never copied
# or checksummed by the CPU, and nothing reaches the receiver.
tx_no_csum_offload() {
	local out=$LOGDIR/txnocsum.out rc
	$RXNS nc -l -p $PORT > /tmp/txnocsum.bin &
	local srv=$!
	wait_listen $RX_NS $PORT || return 1
	tx ethtool -K $TX_IF tx off > /dev/null || { kill $srv; return 1; }
	tx ethtool -k $TX_IF | grep -E '^(tx-checksumming|scatter-gather):'
	tx ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N 1048576 > "$out" 2>&1
	rc=$?
	tx ethtool -K $TX_IF tx on sg on > /dev/null
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	cat "$out"
	[ $rc -ne 0 ] || { echo "the devmem send succeeded without checksum offload"; return 1; }
	grep -q 'send: .*Operation not supported' "$out" ||
		{ echo "expected EOPNOTSUPP from sendmsg"; return 1; }
	[ "$(stat -c %s /tmp/txnocsum.bin)" = 0 ] ||
		{ echo "the receiver got $(stat -c %s /tmp/txnocsum.bin) bytes"; return 1; }
	rm -f /tmp/txnocsum.bin
	tx ethtool -k $TX_IF | grep -q '^scatter-gather: on' || { echo "SG not restored"; return 1; }
}
run_test tx_no_csum_offload_refused tx_no_csum_offload

# The sender's device loses its checksum offload mid-stream: queued devmem
# skbs are dropped at transmit (never checksummed by the CPU), and at the
# next retransmission timeout TCP ends the connection (a RST to the peer)
# and the sender, blocked for write space or not, gets an error from
# sendmsg() instead of waiting for tcp_retries2; nothing warns, what
# arrived is an uncorrupted prefix, and the socket and its binding go away
# even before the offload is back.
tx_offload_off_mid_stream() {
	local out=$LOGDIR/txoff.out got want have ended=0 t0 t1
	$RXNS nc -l -p $PORT > /tmp/txoff.bin &
	local srv=$!
	wait_listen $RX_NS $PORT || return 1
	$TXNS ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N 8589934592 > "$out" 2>&1 &
	local cli=$!
	# the stream must be flowing (a debug kernel takes seconds to bind)
	for _ in $(seq 150); do
		[ "$(stat -c %s /tmp/txoff.bin)" -ge 1048576 ] && break
		sleep 0.2
	done
	t0=$(date +%s)
	tx ethtool -K $TX_IF tx off > /dev/null
	for _ in $(seq 75); do
		kill -0 $cli 2>/dev/null || { ended=1; break; }
		sleep 0.2
	done
	t1=$(date +%s)
	kill -9 $cli 2>/dev/null
	wait $cli 2>/dev/null
	local crc=$?
	wait_no_sender_conn
	local conn=$?
	tx ethtool -K $TX_IF tx on sg on > /dev/null
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	cat "$out"
	grep -q 'ncdevmem: summary status=ok' "$out" &&
		{ echo "the send finished before the offload went off"; return 1; }
	[ $ended = 1 ] || { echo "the sender was still blocked 15 s after the offload went off"; return 1; }
	echo "the sender ended $((t1 - t0)) s after the offload went off, exit $crc"
	[ $crc -ne 0 ] || { echo "the sender exited 0"; return 1; }
	grep -Eq 'send: .*(Operation not supported|Broken pipe|Connection reset)' "$out" ||
		{ echo "no send error in the sender's output"; return 1; }
	[ $conn -eq 0 ] || return 1
	got=$(stat -c %s /tmp/txoff.bin)
	echo "received $got bytes"
	[ "$got" -gt 0 ] || { echo "nothing arrived"; return 1; }
	want=$(pattern_feed "$got" | md5sum)
	have=$(md5sum < /tmp/txoff.bin)
	rm -f /tmp/txoff.bin
	[ "$want" = "$have" ] || { echo "the receiver got other bytes than the pattern"; return 1; }
	wait_no_dmabuf
}
run_test tx_offload_off_mid_stream tx_offload_off_mid_stream

# Forwarding: netns rx routes 10.77.0.0/24 to a veth (netns fw) and the
# sender sends to 10.77.0.2 through eth0, whose queue is bound.  The
# payload lands in the dma-buf; the unreadable skbs must be dropped at the
# veth (no netmem TX: validate_xmit, counted in its tx_dropped), never
# copied out, so the far end gets nothing.  The router's veth has MTU
# 1500, the far end 9000 (its MSS lets the sender send 9000-byte packets):
# the ICMP "fragmentation needed" that quotes them must not read the
# payload either (it quotes zeroes).  Port 5202: the sender's orphaned
# socket retransmits for a while after the test.
rx_forward_drop() {
	local out=$LOGDIR/fwd.ncdevmem drop0 drop1 unr0 unr1 got rc=0 fport=$((PORT + 1))
	ip netns add fw || return 1
	rx ip link add vfw0 type veth peer name vfw1 netns fw &&
	rx ip addr add 10.77.0.1/24 dev vfw0 && rx ip link set vfw0 up &&
	ip -n fw link set lo up && ip -n fw addr add 10.77.0.2/24 dev vfw1 &&
	ip -n fw link set vfw1 mtu 9000 up && ip -n fw route add default via 10.77.0.1 &&
	tx ip route add 10.77.0.0/24 via $RX_IP4 &&
	rx sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward' || rc=1
	if [ $rc -eq 0 ]; then
		# ncdevmem holds eth0's queue binding while the forwarded flow runs
		$RXNS ncdevmem -l -f $RX_IF -s $RX_IP4 -p $PORT -v 7 > "$out" 2>&1 &
		local binder=$!
		wait_listen $RX_NS $PORT || rc=1
		ip netns exec fw nc -l -p $fport > /tmp/fwd.bin &
		local far=$!
		wait_listen fw $fport || rc=1
		drop0=$(rx cat /sys/class/net/vfw0/statistics/tx_dropped)
		unr0=$(snmp $RX_NS Icmp OutDestUnreachs)
		pattern_feed 4194304 | tx timeout 15 nc -N 10.77.0.2 $fport
		drop1=$(rx cat /sys/class/net/vfw0/statistics/tx_dropped)
		unr1=$(snmp $RX_NS Icmp OutDestUnreachs)
		kill $far $binder 2>/dev/null
		wait $far $binder 2>/dev/null
		got=$(stat -c %s /tmp/fwd.bin)
		rm -f /tmp/fwd.bin
		echo "veth tx_dropped: $drop0 -> $drop1; ICMP dest unreachable sent: $unr0 -> $unr1; far end got $got bytes"
		[ "$drop1" -gt "$drop0" ] || { echo "no unreadable skb was dropped at the veth"; rc=1; }
		[ "$unr1" -gt "$unr0" ] || { echo "no ICMP fragmentation needed was sent"; rc=1; }
		[ "$got" = 0 ] || { echo "devmem payload was forwarded"; rc=1; }
	fi
	rx sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
	tx ip route del 10.77.0.0/24 2>/dev/null
	ip netns del fw
	return $rc
}
run_test rx_forward_unreadable_dropped rx_forward_drop

# The sender dies mid-stream: its orphaned socket (still holding devmem
# skbs) goes away once the receiver is gone, nothing leaks or warns
# (dmesg_clean), and devmem TX works again right after.
tx_kill_sender() {
	local out=$LOGDIR/txkill.out
	$RXNS nc -l -p $PORT > /dev/null &
	local srv=$!
	wait_listen $RX_NS $PORT || return 1
	$TXNS ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N 1073741824 > "$out" 2>&1 &
	local cli=$!
	sleep 3
	[ "$(dmabuf_count)" -ge 1 ] || { echo "no dma-buf while the sender runs"; return 1; }
	kill -9 $cli
	wait $cli 2>/dev/null
	kill -0 $cli 2>/dev/null && { echo "the sender survived kill -9"; return 1; }
	cat "$out"
	grep -q 'ncdevmem: summary' "$out" && { echo "the sender finished before it was killed"; return 1; }
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	# The orphan sends its write queue and a FIN, or gets a RST from the
	# closed receiver; either way it is freed with the devmem skbs it held
	# (and their binding references).  TIME-WAIT holds no skbs.
	wait_no_sender_conn || return 1
	wait_no_dmabuf || return 1
	tx_to_plain 4194304
}
run_test tx_kill_sender_mid_stream tx_kill_sender

# --- Reliability: lifecycle, concurrency, hostile peers --------------------------
# DEVMEM_STRESS=0 leaves them out (the debug kernel's run, until they are
# timed there).
[ "${DEVMEM_STRESS:-1}" = 0 ] || . ./tests_stress.sh

# --- Last: nothing went wrong in the kernel ------------------------------------
# Every binding of the suite is gone: no dma-buf is still referenced.
# Every report of the kernel's checkers fails: WARN/BUG/oops, KASAN,
# KFENCE, UBSAN, lockdep and RCU-lockdep, DEBUG_OBJECTS, list and
# reference-tracker corruption, hung tasks, DMA-API debugging, page_pool's
# stalled-pool warning, leaks.  "dmesg_clean all" also fails on any other
# stack dump and on allocation failures: the check before the fault
# injection tests, whose injected failures print those on purpose.
dmesg_clean() {
	local pat='WARNING:|BUG:|Oops|general protection|stalled pool|leaked|suspected memory leak|UBSAN:|KASAN:|KFENCE:|INFO: |ODEBUG:|corruption|DMA-API: [^ ]+ [^ ]+: |DMA-API: debugging out of memory|blocked for more than'
	[ "${1:-}" = all ] && pat="$pat|Call Trace|page allocation failure"
	sleep 1
	if dmesg | grep -qE "$pat"; then
		# each report with what follows it (the trace)
		dmesg | grep -E -A 40 "$pat" | head -n 400
		echo "the kernel logged the problems above"
		return 1
	fi
}
# The kernel log so far, strictly; then it is emptied, so that the final
# dmesg_clean sees only what the fault injection tests and after logged.
dmesg_before_faults() {
	dmesg_clean all || return 1
	dmesg -c > /dev/null
}
run_test dmesg_clean_before_faults dmesg_before_faults

# Systematic fault injection (debug kernel; devmem_faults skips elsewhere),
# last because injected faults also hit the checkers' own allocations
# (DMA-API debugging turns itself off, a reference tracker loses track):
# the Nth allocation that bind-rx, bind-tx or their unbind reaches fails,
# for every N up to the 32nd point, then N growing by an eighth; each must
# end cleanly (an errno, no binding left, the dma-buf freed).  Afterwards
# both NICs still move validated data, through devmem and through host
# memory.
# ip netns exec mounts a sysfs of the namespace: debugfs (fault injection,
# dma-buf state) has to be mounted again on it.
faults_in() {
	ip netns exec "$1" sh -c 'mount -t debugfs debugfs /sys/kernel/debug &&
		exec devmem_faults -f "$0" -o "$1" -D 32 -s 8' "$2" "$3"
}
run_tap faults_rx faults_in $RX_NS $RX_IF rx
run_tap faults_tx faults_in $TX_NS $TX_IF tx
after_faults() {
	wait_link || return 1
	rx_transfer 4 16777216 || return 1
	tx_to_plain 4194304
}
run_test after_faults_rx_and_tx_work after_faults

run_test no_dmabuf_left wait_no_dmabuf

# kmemleak (the debug kernel, make test-debug): two scans a few seconds
# apart (an object is reported once it has been unreferenced for a whole
# scan and is older than 5 s); any unreferenced object fails, with its
# allocation backtrace.
kmemleak_clean() {
	local f=/sys/kernel/debug/kmemleak
	[ -e $f ] || { echo "no kmemleak in this kernel"; return 4; }
	sleep 6
	echo scan > $f || return 1
	sleep 6
	echo scan > $f || return 1
	if [ -s $f ]; then
		cat $f
		echo "kmemleak found $(grep -c '^unreferenced object' $f) unreferenced objects"
		return 1
	fi
}
run_test kmemleak_clean kmemleak_clean

run_test dmesg_clean dmesg_clean
