#!/usr/bin/env bash
# A haproxy binary without dynamic dependencies: musl when that target is
# installed, else glibc linked statically (crt-static).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/static
if rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-musl; then
    cargo build --release --target x86_64-unknown-linux-musl
    cp target/x86_64-unknown-linux-musl/release/haproxy target/static/haproxy
else
    RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
    cp target/x86_64-unknown-linux-gnu/release/haproxy target/static/haproxy
fi
file target/static/haproxy || true
if ldd target/static/haproxy 2>&1 | grep -q "=>"; then
    echo "target/static/haproxy has dynamic dependencies" >&2
    exit 1
fi
echo "static binary: target/static/haproxy"
