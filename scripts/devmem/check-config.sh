#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-config.sh FRAGMENT DOTCONFIG: fail when an option the fragment asks
# for did not make it into the final .config (an unmet dependency).
set -euo pipefail
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx -- "$line" "$2"; then
		echo "check-config: $line requested but .config has: $(grep -- "^${line%%=*}=" "$2" || echo 'not set')" >&2
		bad=1
	fi
done < "$1"
if [ $bad -ne 0 ]; then
	rm -f "$2"
	exit 1
fi
