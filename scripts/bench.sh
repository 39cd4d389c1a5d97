#!/usr/bin/env bash
# make bench: haproxy-rs side by side with Debian's haproxy package (and the
# reference harness in ../shared/bench): nginx backends, wrk load, proxy
# pinned to one core, interleaved runs, medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx libnginx-mod-stream)
# PROXY_A: the haproxy 2.x to compare with (Debian's package by default;
# point it at an extracted .deb to leave the host's binaries alone)
[ -n "${PROXY_A:-}" ] || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
    # the packages' own services are not wanted here
    (systemctl stop nginx haproxy 2>/dev/null || service nginx stop 2>/dev/null || true) >/dev/null 2>&1
fi
[ -x target/release/haproxy ] || cargo build --release
BENCH=${BENCH:-../shared/bench}
if [ ! -x "$BENCH/run.sh" ] && [ ! -f "$BENCH/run.sh" ]; then
    echo "reference harness not found at $BENCH" >&2
    exit 2
fi
export PROXY_A=${PROXY_A:-/usr/sbin/haproxy} LABEL_A=${LABEL_A:-debian-haproxy}
# the haproxy-rs flavour: 1.4 syntax plus the keep-alive extensions, so the
# s2b (keep-alive both sides) and s7 (pooled server connections) scenarios
# run for us too
export PROXY_B=$PWD/target/release/haproxy LABEL_B=${LABEL_B:-haproxy-rs} FLAVOR_B=${FLAVOR_B:-haproxy-rs}
export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10}
# nginx workers drop root: the work dir must be readable by them
export WORKDIR=${WORKDIR:-$(mktemp -d /tmp/hrs-bench.XXXXXX)}
chmod 755 "$WORKDIR"
sh "$BENCH/run.sh"
# beside the throughput figures: what a client that reads nothing costs
./scripts/stalled-rss.sh
