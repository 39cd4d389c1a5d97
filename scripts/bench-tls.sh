#!/usr/bin/env bash
# make bench (TLS part): haproxy-rs against another haproxy (Debian's 2.6
# by default) with the same certificates, ECDSA P-256 and RSA-2048, ROUNDS
# rounds of DURATION seconds interleaved:
# - full handshakes per proxy core-second: `openssl s_time -new` (a new TLS
#   session per connection, no resumption), with what each server picks
#   from the client's default offer, then again with the client offering
#   only TLS_AES_256_GCM_SHA384 (the same suite on both sides);
# - keep-alive requests per proxy core-second over TLS: wrk (50
#   connections) through `option http-server-close` (both proxies close
#   the server side, as 1.4 does) to an nginx on loopback (skipped without
#   wrk or nginx);
# - RSS per idle TLS connection: 500 clients (Python's ssl) that finished
#   their handshake and send nothing, the proxy's VmRSS before and after.
# As ../shared/bench does, the proxy runs pinned to PROXY_CPU (0) and the
# clients and nginx to LOAD_CPU (1), and the other haproxy gets `nbthread
# 1` (one core, as 1.4). The proxy's CPU time is read from /proc/PID/stat
# around each run, so the figure is per second of the proxy's own CPU
# whatever the client or the machine's other load costs.
# Usage: scripts/bench-tls.sh [OURS] [OTHER]   (OTHER may be absent)
set -euo pipefail
cd "$(dirname "$0")/.."
OURS=${1:-${PROXY_B:-target/release/haproxy}}
OTHER=${2:-${PROXY_A:-/usr/sbin/haproxy}}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
PORT=${TLS_BENCH_PORT:-10443}
PCPU=${PROXY_CPU:-0}
LCPU=${LOAD_CPU:-1}
command -v openssl >/dev/null || { echo "bench-tls: openssl CLI needed" >&2; exit 2; }
dir=$(mktemp -d /tmp/hrs-bench-tls.XXXXXX)
trap 'rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/p256.key" \
    -out "$dir/p256.crt" -days 30 -subj /CN=bench.test 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/rsa.key" -out "$dir/rsa.crt" -days 30 \
    -subj /CN=bench.test 2>/dev/null
cat "$dir/p256.crt" "$dir/p256.key" > "$dir/p256.pem"
cat "$dir/rsa.crt" "$dir/rsa.key" > "$dir/rsa.pem"

# the global section: the other haproxy runs one thread, as ours
glob() {
    if [ "$1" = "$OURS" ]; then printf 'global\n    maxconn %s\n' "$2"
    else printf 'global\n    maxconn %s\n    nbthread 1\n' "$2"; fi
}
# the proxy, pinned; its pid in $pid
start() {
    taskset -c "$PCPU" "$1" -db -f "$2" >/dev/null 2>&1 &
    pid=$!
    sleep 0.5
}

# CPU ticks (user+system) of a process
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# one run: proxy binary, cert, s_time's extra arguments; prints
# handshakes per proxy core-second
run() {
    local bin=$1 pem=$2 cfg="$dir/bench.cfg" pid
    shift 2
    { glob "$bin" 4096; printf 'defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\nlisten tls\n    bind 127.0.0.1:%s ssl crt %s\n    server s1 127.0.0.1:9\n' \
        "$PORT" "$pem"; } > "$cfg"
    start "$bin" "$cfg"
    local t0 n t1
    t0=$(ticks "$pid")
    n=$(taskset -c "$LCPU" openssl s_time -connect "127.0.0.1:$PORT" -new -time "$DURATION" "$@" 2>/dev/null \
        | awk '/connections in/ {print $1; exit}')
    t1=$(ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v n="${n:-0}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (t > 0) printf "%d", n / (t / hz); else print 0 }'
}

# nginx answering "ok" on loopback, the keep-alive runs' server
NGINX_PORT=$((PORT + 1))
nginx_pid=
if command -v wrk >/dev/null && { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }; then
    mkdir -p "$dir/nginx/logs"
    printf 'daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log %s/nginx/error.log;\npid %s/nginx/pid;\nevents { worker_connections 1024; }\nhttp { access_log off; server { listen 127.0.0.1:%s; location / { return 200 "ok\\n"; } } }\n' \
        "$dir" "$dir" "$NGINX_PORT" > "$dir/nginx/nginx.conf"
    taskset -c "$LCPU" "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
    nginx_pid=$!
    trap 'kill $nginx_pid 2>/dev/null; rm -rf "$dir"' EXIT
    sleep 0.3
fi

# one keep-alive run: requests per proxy core-second
run_ka() {
    local bin=$1 pem=$2 cfg="$dir/ka.cfg" pid
    { glob "$bin" 4096; printf 'defaults\n    mode http\n    option http-server-close\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\nlisten tls\n    bind 127.0.0.1:%s ssl crt %s\n    server s1 127.0.0.1:%s\n' \
        "$PORT" "$pem" "$NGINX_PORT"; } > "$cfg"
    start "$bin" "$cfg"
    local t0 n t1
    t0=$(ticks "$pid")
    n=$(taskset -c "$LCPU" wrk -t1 -c50 -d"${DURATION}s" "https://127.0.0.1:$PORT/" 2>/dev/null | awk '/requests in/ {print $1; exit}')
    t1=$(ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v n="${n:-0}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (t > 0) printf "%d", n / (t / hz); else print 0 }'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# what one openssl client negotiates with a proxy (the comparison is fair
# only when both sides agree on version, cipher, key exchange, signature)
negotiated() {
    local bin=$1 pem=$2 cfg="$dir/neg.cfg" pid
    { glob "$bin" 64; printf 'defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\nlisten tls\n    bind 127.0.0.1:%s ssl crt %s\n    server s1 127.0.0.1:9\n' \
        "$PORT" "$pem"; } > "$cfg"
    start "$bin" "$cfg"
    echo | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null \
        | awk '/^New, / {v=$2; c=$NF} /^Server Temp Key:/ {k=$4} /^Peer signature type:/ {g=$4}
               END {printf "%s %s kx %s sig %s", v, c, k, g}' | tr -d ','
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
for kind in p256 rsa; do
    line="tls negotiated $kind: haproxy-rs $(negotiated "$OURS" "$dir/$kind.pem")"
    [ -x "$OTHER" ] && line="$line; $(basename "$OTHER") $(negotiated "$OTHER" "$dir/$kind.pem")"
    echo "$line"
done

scenarios="handshakes handshakes-aes256"
[ -n "$nginx_pid" ] && scenarios="$scenarios keepalive"
for what in $scenarios; do
for kind in p256 rsa; do
    ours=() other=()
    fn=run extra=()
    [ "$what" = keepalive ] && fn=run_ka
    [ "$what" = handshakes-aes256 ] && extra=(-ciphersuites TLS_AES_256_GCM_SHA384)
    for _ in $(seq "$ROUNDS"); do
        ours+=("$($fn "$OURS" "$dir/$kind.pem" "${extra[@]}")")
        [ -x "$OTHER" ] && other+=("$($fn "$OTHER" "$dir/$kind.pem" "${extra[@]}")")
    done
    mo=$(printf '%s\n' "${ours[@]}" | median)
    line="tls $what/core-s $kind: haproxy-rs $mo (${ours[*]})"
    if [ ${#other[@]} -gt 0 ]; then
        mt=$(printf '%s\n' "${other[@]}" | median)
        line="$line, $(basename "$OTHER") $mt (${other[*]}), ratio $(awk -v a="$mo" -v b="$mt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    fi
    echo "$line"
done
done

# RSS per idle TLS connection (P-256)
idle() {
    python3 - "$1" "$dir/p256.pem" "$PORT" "$dir" <<'PYEOF'
import socket, ssl, subprocess, sys, time
binary, pem, port, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cfg = d + "/idle.cfg"
open(cfg, "w").write("global\n    maxconn 2000\ndefaults\n    mode http\n    timeout client 60s\n"
                     "    timeout server 60s\n    timeout connect 5s\n    timeout http-request 60s\n"
                     "listen tls\n    bind 127.0.0.1:%d ssl crt %s\n    server s1 127.0.0.1:9\n" % (port, pem))
p = subprocess.Popen([binary, "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    time.sleep(0.5)
    def rss():
        for l in open("/proc/%d/status" % p.pid):
            if l.startswith("VmRSS"):
                return int(l.split()[1])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for s in [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port))) for _ in range(20)]:
        s.close()
    time.sleep(0.3)
    r0, n = rss(), 500
    conns = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port))) for _ in range(n)]
    time.sleep(0.5)
    print(int((rss() - r0) * 1024 / n))
finally:
    p.kill()
PYEOF
}
if command -v python3 >/dev/null; then
    line="tls idle RSS/connection (bytes): haproxy-rs $(idle "$OURS")"
    [ -x "$OTHER" ] && line="$line, $(basename "$OTHER") $(idle "$OTHER")"
    echo "$line"
fi
