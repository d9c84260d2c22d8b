#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (make run): a plain netcat in netns "tx" sends the mainline
# documentation's pattern into ncdevmem in netns "rx", whose only RX queue
# is bound to a udmabuf.  ncdevmem validates every byte through the
# udmabuf's mmap.  Prints what moved, how fast, and the NIC's own counters
# of payload bytes written into the dma-buf versus into host memory.
. ./lib.sh

BYTES=${BYTES:-1073741824}

fail() { echo "main job: FAILED: $*"; exit 1; }

setup_netns || fail "network setup"
dev0=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
host0=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)

echo "main job: ncdevmem -l -f $RX_IF -s $RX_IP4 -p $PORT -v 7 (netns $RX_NS)"
$RXNS ncdevmem -l -f $RX_IF -s $RX_IP4 -p $PORT -v 7 > /tmp/ncdevmem.out 2>&1 &
srv=$!
wait_listen $RX_NS $PORT || { cat /tmp/ncdevmem.out; fail "ncdevmem is not listening"; }

echo "main job: yes ... | tr | head -c $BYTES | nc -N $RX_IP4 $PORT (netns $TX_NS)"
t0=$(date +%s.%N)
pattern_feed "$BYTES" | tx nc -N $RX_IP4 $PORT || fail "netcat"
wait $srv
rc=$?
t1=$(date +%s.%N)
cat /tmp/ncdevmem.out
[ $rc -eq 0 ] || fail "ncdevmem exited with $rc"

dev1=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
host1=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
got=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' /tmp/ncdevmem.out | tail -n 1)
secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')

echo
echo "=== devmem TCP receive: results ==="
echo "sent by netcat:              $BYTES bytes"
echo "received and validated:      ${got:-0} bytes in $secs s ($(echo "${got:-0} $secs" | awk '{ printf "%.1f", $1 / $2 / 1e6 }') MB/s end to end)"
echo "NIC payload into dma-buf:    $((dev1 - dev0)) bytes (ethtool -S $RX_IF rx_devmem_bytes)"
echo "NIC payload into host memory: $((host1 - host0)) bytes (ethtool -S $RX_IF rx_host_payload_bytes)"
echo "sender TSO segments:         $(ethstat $TX_NS $TX_IF tx_tcp_seg_good) (must be 0: QEMU 7.2 fragments TSO frames)"
echo "receiver IP reassemblies:    $(snmp $RX_NS Ip ReasmReqds)"
rx ethtool -S $RX_IF | grep -E 'devmem|host_payload|hdr_split|hdr_drop|csum_drop'

[ "$got" = "$BYTES" ] || fail "received $got of $BYTES bytes"
grep -q ' validation_errors=0' /tmp/ncdevmem.out || fail "validation errors"
[ $((host1 - host0)) -eq 0 ] || fail "payload landed in host memory"
echo "main job: RX OK: $BYTES bytes moved NIC -> dma-buf, every byte validated, none in host memory"

# Device to device: ncdevmem sends from a udmabuf (devmem TX) in netns tx to
# ncdevmem receiving into a udmabuf (devmem RX) in netns rx; the client
# wraps around its 64 MiB dma-buf, keeping the pattern continuous.
TX_BYTES=${TX_BYTES:-$BYTES}
echo
echo "main job: device to device: ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N $TX_BYTES (netns $TX_NS)"
dev0=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
host0=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
$RXNS ncdevmem -l -f $RX_IF -s $RX_IP4 -p $PORT -v 7 > /tmp/ncdevmem.out 2>&1 &
srv=$!
wait_listen $RX_NS $PORT || { cat /tmp/ncdevmem.out; fail "ncdevmem server is not listening"; }
t0=$(date +%s.%N)
tx ncdevmem -f $TX_IF -s $RX_IP4 -p $PORT -v 7 -N "$TX_BYTES" > /tmp/ncdevmem-tx.out 2>&1
crc=$?
wait $srv
rc=$?
t1=$(date +%s.%N)
cat /tmp/ncdevmem-tx.out /tmp/ncdevmem.out
[ $crc -eq 0 ] || fail "ncdevmem client exited with $crc"
[ $rc -eq 0 ] || fail "ncdevmem server exited with $rc"
dev1=$(ethstat $RX_NS $RX_IF rx_devmem_bytes)
host1=$(ethstat $RX_NS $RX_IF rx_host_payload_bytes)
got=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' /tmp/ncdevmem.out | tail -n 1)
secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
echo
echo "=== devmem TCP device to device: results ==="
echo "sent from the sender's dma-buf: $(sed -n 's/.*mode=tx bytes=\([0-9]*\).*/\1/p' /tmp/ncdevmem-tx.out) bytes, $(sed -n 's/.* completions=\([0-9]*\).*/\1/p' /tmp/ncdevmem-tx.out) zerocopy completions"
echo "received and validated:         ${got:-0} bytes in $secs s ($(echo "${got:-0} $secs" | awk '{ printf "%.1f", $1 / $2 / 1e6 }') MB/s end to end)"
echo "NIC payload into dma-buf:       $((dev1 - dev0)) bytes"
echo "NIC payload into host memory:   $((host1 - host0)) bytes"
[ "$got" = "$TX_BYTES" ] || fail "received $got of $TX_BYTES bytes"
grep -q ' validation_errors=0' /tmp/ncdevmem.out || fail "validation errors"
[ $((host1 - host0)) -eq 0 ] || fail "payload landed in host memory"
echo "main job: OK: $BYTES bytes NIC -> dma-buf and $TX_BYTES bytes dma-buf -> dma-buf, every byte validated, none in host memory"
