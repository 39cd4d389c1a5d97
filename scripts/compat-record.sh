#!/usr/bin/env bash
# Records the verdict of a haproxy binary (the 1.4.25 oracle) on every
# config of compat-configs/ into NAME.cfg.expect: a first line "exit N",
# then stderr with only the "DDD/HHMMSS (PID) : " stamp of the
# [ALERT]/[WARNING] lines removed (it changes at every run). Runs from the
# repository root with relative paths, as tests/it/compat_configs.rs does,
# so the file names inside the messages are the same.
# Usage: scripts/compat-record.sh /tmp/haproxy-1.4.25/haproxy [CFG...]
set -euo pipefail
oracle=${1:?usage: $0 ORACLE [CFG...]}
shift
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    set -- compat-configs/*.cfg compat-configs/invalid/*.cfg
fi
for cfg in "$@"; do
    rc=0
    err=$("$oracle" -c -f "$cfg" 2>&1 >/dev/null) || rc=$?
    {
        echo "exit $rc"
        if [ -n "$err" ]; then
            printf '%s\n' "$err" | sed -E 's/^(\[(ALERT|WARNING)\]) [0-9]+\/[0-9]+ \([0-9]+\) : /\1 /'
        fi
    } >"$cfg.expect"
done
