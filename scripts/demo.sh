#!/usr/bin/env bash
# Runs haproxy-rs on compat-configs/demo.cfg (127.0.0.1:8080) in front of a
# local demo web server on 127.0.0.1:8081. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/haproxy ] || cargo build --release
www=$(mktemp -d)
printf '<html><body><h1>Hello from the demo backend behind haproxy-rs</h1></body></html>\n' > "$www/index.html"
python3 -m http.server 8081 --bind 127.0.0.1 --directory "$www" >/dev/null 2>&1 &
backend=$!
trap 'kill "$backend" 2>/dev/null; rm -rf "$www"' EXIT
# start the proxy once the backend answers, so its first check passes
for _ in $(seq 50); do
    python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8081), 0.2)' 2>/dev/null && break
    sleep 0.1
done
echo "haproxy-rs on http://127.0.0.1:8080/  (stats: http://127.0.0.1:8080/haproxy?stats)"
echo "try: curl -i http://127.0.0.1:8080/"
./target/release/haproxy -db -f compat-configs/demo.cfg
