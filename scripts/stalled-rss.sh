#!/usr/bin/env bash
# The "stalled downloads RSS/conn" line of make bench: 500 clients each ask
# for 10 MB and read nothing (tests/hostile_load.rs); the proxy's RSS growth
# per connection, for haproxy-rs and, when installed, 1.4.25 and Debian's
# haproxy. Each figure is one run of the test against that binary.
set -uo pipefail
cd "$(dirname "$0")/.."
bins=("$PWD/target/release/haproxy")
for b in /tmp/haproxy-1.4.25/haproxy /usr/sbin/haproxy; do
    [ -x "$b" ] && bins+=("$b")
done
for b in "${bins[@]}"; do
    line=$(HOSTILE_BIN="$b" cargo test -q --profile it --test hostile_load \
        stalled_downloads_bounded_memory_content_length -- --nocapture 2>&1 |
        grep -o 'RSS .* per connection' | head -1)
    printf 'stalled downloads RSS/conn  %-40s %s\n' "$b" "${line:-(no figure)}"
done
