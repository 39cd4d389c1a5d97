#!/usr/bin/env bash
# make bench, scale section (issue #24): pattern lists of 100,000 entries,
# a 1,000-rule use_backend list, `-c` on 1k..10k backends, for haproxy-rs
# beside HAProxy 1.4.25 (HAPROXY14, default /tmp/haproxy-1.4.25/haproxy)
# and HAProxy 2.x (HAPROXY2, default /usr/sbin/haproxy when it is a 2.x)
# where present, then scripts/bench-scale-mem.py (stick table and idle
# connection memory). Needs wrk, nginx and taskset (scripts/bench.sh installs
# the first two). Knobs: DURATION (s per run), SCALE_BASE_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in wrk nginx taskset; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "bench-scale: $t not installed" >&2; exit 2; }
done
export PATH=$PATH:/usr/sbin
BIN=${BIN:-target/release/haproxy}
[ -x "$BIN" ] || cargo build --release
args=(--proxy "haproxy-rs=$(realpath "$BIN")")
h14=${HAPROXY14:-/tmp/haproxy-1.4.25/haproxy}
[ -x "$h14" ] && args+=(--proxy "haproxy-1.4.25=$h14")
h2=${HAPROXY2:-/usr/sbin/haproxy}
if [ -x "$h2" ] && "$h2" -v 2>&1 | grep -q "HAProxy version 2"; then
    args+=(--proxy "haproxy-$("$h2" -v 2>&1 | sed -n 's/^HAProxy version \([0-9.]*\).*/\1/p')=$h2")
fi
python3 scripts/bench-scale.py "${args[@]}" --duration "${DURATION:-5}" --rounds "${ROUNDS:-3}" \
    --base-port "${SCALE_BASE_PORT:-14500}"
# stick table RSS per entry, idle connections RSS per connection
exec python3 scripts/bench-scale-mem.py "${args[@]}" --fill "${FILL:-15}" \
    --base-port "$(( ${SCALE_BASE_PORT:-14500} + 100 ))"
