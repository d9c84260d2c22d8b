#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The devmem TCP test suite, run inside the test VM (devmem.job=test).
# Prints kselftest TAP and ends with "N passed, N failed".
. ./lib.sh

NTEST=0
NPASS=0
NFAIL=0
NSKIP=0
LOGDIR=/tmp/devmem-tests
mkdir -p $LOGDIR

# result NAME STATUS [REASON]: STATUS 0 = pass, 4 = skip, other = fail.
result() {
	NTEST=$((NTEST + 1))
	case "$2" in
	0) NPASS=$((NPASS + 1)); echo "ok $NTEST $1" ;;
	4) NSKIP=$((NSKIP + 1)); echo "ok $NTEST $1 # SKIP ${3:-}" ;;
	*) NFAIL=$((NFAIL + 1)); echo "not ok $NTEST $1${3:+ # $3}" ;;
	esac
}

# run_bounded LOG CMD...: run CMD with its output in LOG, killing its whole
# process group if it runs longer than TEST_TIMEOUT seconds.
run_bounded() {
	local log=$1 pid dog rc
	shift
	set -m
	"$@" > "$log" 2>&1 &
	pid=$!
	(sleep "${TEST_TIMEOUT:-300}"; echo "TIMEOUT after ${TEST_TIMEOUT:-300} s" >> "$log";
	 kill -KILL -- -$pid) > /dev/null 2>&1 &
	dog=$!
	set +m
	wait $pid
	rc=$?
	kill -KILL -- -$dog > /dev/null 2>&1
	wait $dog 2> /dev/null
	return $rc
}

# always_run NAME: setup and the final checks, which every run needs once.
always_run() {
	case "$1" in netns_setup|no_dmabuf_left|kmemleak_clean|dmesg_clean_before_faults|dmesg_clean) return 0 ;; esac
	return 1
}

# selected NAME: whether the development filter DEVMEM_TESTS (an ERE on
# the kernel command line, e.g. VM_APPEND="DEVMEM_TESTS=tx_kill") lets test
# NAME run.  CI sets no filter.
selected() {
	always_run "$1" || [ -z "${DEVMEM_TESTS:-}" ] ||
		echo "$1" | grep -Eq "$DEVMEM_TESTS"
}

# run_test NAME FUNC: run one shell test; its output is shown as TAP
# diagnostics when it fails (always with DEVMEM_VERBOSE=1).
# DEVMEM_REPEAT=N runs it N times (a flakiness hunt), each run a result of
# its own.
run_test() {
	local name=$1 n=${DEVMEM_REPEAT:-1} i
	shift
	selected "$name" || return 0
	always_run "$name" && n=1
	for i in $(seq "$n"); do
		run_test_once "$name" "$@"
	done
}

# Kernel reports (WARN, BUG, sanitizers) are named with the test during
# which they appeared; dmesg_clean fails on them at the end.
KREPORT='WARNING:|BUG:|Oops|UBSAN:|KASAN:|KFENCE:|INFO: |ODEBUG:|DMA-API: [^ ]+ [^ ]+: '

run_test_once() {
	local name=$1 rc t0=$SECONDS n0
	shift
	n0=$(dmesg | wc -l)
	run_bounded "$LOGDIR/$name.log" "$@"
	rc=$?
	echo "# $name: $((SECONDS - t0)) s"
	dmesg | tail -n +$((n0 + 1)) | grep -E "$KREPORT" | head -n 5 |
		sed "s/^/# kernel report during $name: /"
	if { [ $rc -ne 0 ] && [ $rc -ne 4 ]; } || [ -n "${DEVMEM_VERBOSE:-}" ]; then
		sed 's/^/# /' "$LOGDIR/$name.log"
	fi
	result "$name" $rc "$( [ $rc -eq 4 ] && tail -n 1 "$LOGDIR/$name.log")"
}

# run_tap PREFIX CMD...: run a program that prints TAP and fold each of its
# test lines into this suite as PREFIX.name.
run_tap() {
	local prefix=$1 line rc seen=0
	shift
	selected "$prefix" || return 0
	run_bounded "$LOGDIR/$prefix.tap" "$@"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*)
			seen=1
			result "$prefix.$(echo "$line" | sed 's/^ok [0-9]* \(- \)\{0,1\}//; s/ *# SKIP.*//')" 4 \
				"$(echo "$line" | sed 's/.*# SKIP *//')" ;;
		"ok "*)
			seen=1
			result "$prefix.$(echo "$line" | sed 's/^ok [0-9]* \(- \)\{0,1\}//')" 0 ;;
		"not ok "*)
			seen=1
			result "$prefix.$(echo "$line" | sed 's/^not ok [0-9]* \(- \)\{0,1\}//')" 1 ;;
		"#"*) echo "$line" ;;
		esac
	done < "$LOGDIR/$prefix.tap"
	if [ $seen -eq 0 ]; then
		sed 's/^/# /' "$LOGDIR/$prefix.tap"
		result "$prefix" 1 "no TAP output (exit $rc)"
	elif [ $rc -ne 0 ] && [ $rc -ne 4 ] && ! grep -q '^not ok' "$LOGDIR/$prefix.tap"; then
		result "$prefix.exit" 1 "exit status $rc"
	fi
}

echo "TAP version 13"

. ./tests.sh

echo "# $NPASS passed, $NFAIL failed, $NSKIP skipped"
echo "1..$NTEST"
echo "$NPASS passed, $NFAIL failed"
[ $NFAIL -eq 0 ]
