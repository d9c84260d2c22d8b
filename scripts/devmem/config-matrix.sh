#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# config-matrix.sh: compile every object the series touches with Debian's
# own amd64 kernel configuration (debian-config.sh) in each combination of
#
#   CONFIG_NET_DEVMEM  y | n      (the KUnit suites as modules with y)
#   CONFIG_IPV6        y | m
#
# with W=1, and compare the warnings with those of the same objects of the
# pristine tree (the series' base, same configuration, same W=1): any
# warning the pristine tree does not have is a failure, as is any compile
# error.  An object the configuration does not build (the devmem files
# with NET_DEVMEM=n) is skipped and said so.  One line per configuration,
# then "N passed, N failed".  Objects: build/matrix/<config>/ (the
# pristine tree's: build/matrix/base.ipv6-<y|m>/); the warnings that
# differ: build/matrix/<config>/new-warnings.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
KSRC=${KSRC:-$BUILD/linux}
TOP=$BUILD/matrix
BASESRC=$TOP/base-src
JOBS=${JOBS:-$(nproc)}
CONFIGS=${CONFIGS:-"devmem-y.ipv6-y devmem-n.ipv6-y devmem-y.ipv6-m devmem-n.ipv6-m"}

mkdir -p "$TOP"
"$REPO/scripts/devmem/debian-config.sh" "$TOP/config.debian" || exit 1
echo "config-matrix: Debian's amd64 configuration from linux-config-6.1 $(cat "$TOP/config.debian.version")"

# The pristine tree: a worktree of build/linux at the base.
if [ "$(git -C "$BASESRC" rev-parse HEAD 2>/dev/null)" != "$(git -C "$KSRC" rev-parse devmem-base)" ]; then
	rm -rf "$BASESRC"
	git -C "$KSRC" worktree prune
	git -C "$KSRC" worktree add -q --detach "$BASESRC" devmem-base || exit 1
fi

# The objects: every .c the series adds or changes.
mapfile -t SOURCES < <(git -C "$KSRC" diff --name-only devmem-base HEAD -- '*.c')

# gate SRC CONFIG: the symbols that must be y or m for kbuild to build SRC,
# from the obj-$(CONFIG_X) / <module>-objs / <module>-$(CONFIG_X) lines of
# its directory's Makefile (continuation lines joined).  Prints "y" for an
# unconditional object, "?" if the Makefile does not say.
gate() {
	python3 - "$KSRC" "$1" <<'EOF'
import re, sys, os
src, path = sys.argv[1], sys.argv[2]
d, obj = os.path.dirname(path), os.path.basename(path)[:-2] + ".o"
text = open(os.path.join(src, d, "Makefile")).read().replace("\\\n", " ")
lines = [l.split("#")[0] for l in text.splitlines()]
def gates(o, depth=0):
    for l in lines:
        m = re.match(r"\s*([\w-]+?)-(y|objs|\$\((CONFIG_\w+)\))\s*[:+]?=\s*(.*)", l)
        if not m or o not in m.group(4).split():
            continue
        owner, cond = m.group(1), m.group(3)
        need = [cond] if cond else []
        if owner == "obj":
            return need
        if depth < 3:
            up = gates(owner + ".o", depth + 1)
            if up is not None:
                return need + up
    return None
g = gates(obj)
print("?" if g is None else (" ".join(g) if g else "y"))
EOF
}

enabled() {	# enabled CONFIG SYMBOLS...
	local cfg=$1 s
	shift
	for s in "$@"; do
		[ "$s" = y ] && continue
		grep -Eq "^$s=(y|m)$" "$cfg" || return 1
	done
}

# configure OBJ NAME: Debian's config plus NAME's settings, olddefconfig,
# and a check that they took.
configure() {
	local obj=$1 name=$2 src=$3 devmem ipv6
	devmem=${name%%.*}; devmem=${devmem#devmem-}
	ipv6=${name##*.ipv6-}
	mkdir -p "$obj"
	cp "$TOP/config.debian" "$obj/.config"
	# Debian's signing keys are not in the source package.
	"$src/scripts/config" --file "$obj/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY certs/signing_key.pem \
		--set-val IPV6 "$ipv6"
	if [ "$devmem" = y ]; then
		"$src/scripts/config" --file "$obj/.config" -e NET_DEVMEM \
			-m KUNIT -m NET_DEVMEM_KUNIT_TEST
	else
		"$src/scripts/config" --file "$obj/.config" -d NET_DEVMEM
	fi
	make -s -C "$src" O="$obj" olddefconfig > "$obj/config.log" 2>&1 || return 1
	grep -qx "CONFIG_IPV6=$ipv6" "$obj/.config" || { echo "IPV6 is not $ipv6"; return 1; }
	if [ "$src" = "$KSRC" ]; then
		if [ "$devmem" = y ]; then
			grep -qx "CONFIG_NET_DEVMEM=y" "$obj/.config" &&
				grep -qx "CONFIG_NET_DEVMEM_KUNIT_TEST=m" "$obj/.config" ||
				{ echo "NET_DEVMEM or its KUnit suites did not take"; return 1; }
		else
			grep -qx "# CONFIG_NET_DEVMEM is not set" "$obj/.config" ||
				{ echo "NET_DEVMEM=n did not take"; return 1; }
		fi
	fi
	make -s -C "$src" O="$obj" -j"$JOBS" LOCALVERSION= prepare > "$obj/prepare.log" 2>&1 ||
		{ tail -n 20 "$obj/prepare.log"; return 1; }
}

# warnings LOG: the W=1 warnings of a log, without line and column numbers
# and without the build tree's path, one per line, sorted.
warnings() {
	grep -E ': (warning|error):' "$1" |
		sed -E "s|$KSRC/||; s|$BASESRC/||; s|:[0-9]+:[0-9]+:|:|; s|:[0-9]+:|:|" | sort -u
}

# build OBJDIR SRCTREE OBJ: compile one object with W=1, its output in
# OBJDIR/logs/OBJ.log.  Once per run for the pristine tree (its objects do
# not depend on NET_DEVMEM, which it does not have).
build() {
	local objdir=$1 src=$2 o=$3 log=$1/logs/$3.log
	if [ "$src" = "$BASESRC" ] && [ -f "$log.done" ]; then
		return "$(cat "$log.done")"
	fi
	mkdir -p "$(dirname "$log")"
	rm -f "$objdir/$o"
	make -C "$src" O="$objdir" -j"$JOBS" LOCALVERSION= W=1 "$o" > "$log" 2>&1
	local rc=$?
	[ $rc -eq 0 ] || rc=1
	echo $rc > "$log.done"
	return $rc
}

pass=0
fail=0
rm -rf "$TOP"/base.ipv6-*/logs
for name in $CONFIGS; do
	start=$(date +%s)
	obj=$TOP/$name
	bobj=$TOP/base.ipv6-${name##*.ipv6-}
	rm -rf "$obj/logs"
	if ! out=$(configure "$obj" "$name" "$KSRC" 2>&1); then
		fail=$((fail + 1))
		echo "$name: FAIL: configuration: $out"
		continue
	fi
	if [ ! -f "$bobj/.config" ] || [ "$TOP/config.debian" -nt "$bobj/.config" ]; then
		if ! out=$(configure "$bobj" "devmem-n.ipv6-${name##*.ipv6-}" "$BASESRC" 2>&1); then
			fail=$((fail + 1))
			echo "$name: FAIL: configuration of the pristine tree: $out"
			continue
		fi
	fi
	built=0 skipped="" errors=""
	ours=() theirs=()
	for src in "${SOURCES[@]}"; do
		o=${src%.c}.o
		g=$(gate "$src")
		# shellcheck disable=SC2086
		if [ "$g" = "?" ] || ! enabled "$obj/.config" $g; then
			skipped="$skipped $o"
			continue
		fi
		ours+=("$obj/logs/$o.log")
		if ! build "$obj" "$KSRC" "$o"; then
			errors="$errors $o"
			continue
		fi
		built=$((built + 1))
		if [ -f "$BASESRC/$src" ]; then
			build "$bobj" "$BASESRC" "$o" ||
				echo "# the pristine $o does not build in $name" >> "$obj/logs/$o.log"
			theirs+=("$bobj/logs/$o.log")
		fi
	done
	cat "${ours[@]}" > "$obj/build.log"
	cat "${theirs[@]}" /dev/null > "$obj/pristine.log"
	comm -23 <(warnings "$obj/build.log") <(warnings "$obj/pristine.log") > "$obj/new-warnings"
	nw=$(wc -l < "$obj/new-warnings")
	secs=$(( $(date +%s) - start ))
	if [ -n "$errors" ] || [ "$nw" -ne 0 ]; then
		fail=$((fail + 1))
		echo "$name: FAIL: errors:${errors:- none}; $nw new W=1 warnings ($secs s):"
		sed 's/^/  /' "$obj/new-warnings" | head -n 20
		[ -n "$errors" ] && grep -E ': error:' "$obj/build.log" | head -n 10 | sed 's/^/  /'
	else
		pass=$((pass + 1))
		echo "$name: ok: $built objects, no errors, no new W=1 warnings" \
			"($(warnings "$obj/pristine.log" | wc -l) in the pristine objects; not built here:${skipped:- none}; $secs s)"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
