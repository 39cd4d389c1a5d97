#!/usr/bin/env bash
# make bench (TLS part): haproxy-rs against another haproxy (Debian's 2.6
# by default) and nginx terminating TLS, with the same certificates, ECDSA
# P-256 and RSA-2048, ROUNDS rounds of DURATION seconds interleaved:
# - full handshakes per proxy core-second: `openssl s_time -new` (a new TLS
#   session per connection, no resumption), with what each server picks
#   from the client's default offer, then again with the client offering
#   only TLS_AES_256_GCM_SHA384 (the same suite on every side);
# - keep-alive requests per proxy core-second over TLS: wrk (50
#   connections) through `option http-server-close` (a new server
#   connection per request, as 1.4 does; nginx's proxy_pass does the
#   same) to an nginx on loopback;
# - RSS per idle TLS connection: 500 clients (Python's ssl) that finished
#   their handshake and send nothing, the proxy's VmRSS before and after
#   (the two haproxys).
# Each row gives the ratio of the medians and, in brackets, the median of
# the rounds' own ratios (runs seconds apart, so less of the machine's
# drift); on a shared VM prefer many short rounds (ROUNDS=9 DURATION=3).
# As ../shared/bench does, the proxy runs pinned to PROXY_CPU (0) and the
# clients and the backend nginx to LOAD_CPU (1); the other haproxy gets
# `nbthread 1` and the terminating nginx one worker (one core, as 1.4).
# The proxy's CPU time is read from /proc/PID/stat around each run, so the
# figure is per second of the proxy's own CPU whatever the client or the
# machine's other load costs. Without wrk the keep-alive rows are skipped;
# without nginx, its column and the keep-alive rows.
# Usage: scripts/bench-tls.sh [OURS] [OTHER] [NGINX]   (OTHER, NGINX may be absent)
set -euo pipefail
cd "$(dirname "$0")/.."
OURS=${1:-${PROXY_B:-target/release/haproxy}}
OTHER=${2:-${PROXY_A:-/usr/sbin/haproxy}}
NGINX=${3:-$(command -v nginx || echo /usr/sbin/nginx)}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
PORT=${TLS_BENCH_PORT:-10443}
PCPU=${PROXY_CPU:-0}
LCPU=${LOAD_CPU:-1}
NGINX_PORT=$((PORT + 1))
command -v openssl >/dev/null || { echo "bench-tls: openssl CLI needed" >&2; exit 2; }
dir=$(mktemp -d /tmp/hrs-bench-tls.XXXXXX)
backend_pid=
cleanup() {
    [ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/p256.key" \
    -out "$dir/p256.crt" -days 30 -subj /CN=bench.test 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/rsa.key" -out "$dir/rsa.crt" -days 30 \
    -subj /CN=bench.test 2>/dev/null
cat "$dir/p256.crt" "$dir/p256.key" > "$dir/p256.pem"
cat "$dir/rsa.crt" "$dir/rsa.key" > "$dir/rsa.pem"

# an nginx config: one worker, no master, under $dir/$1
nginx_conf() {
    mkdir -p "$dir/$1/logs"
    printf 'daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log %s/error.log;\npid %s/pid;\nevents { worker_connections 4096; }\nhttp { access_log off; keepalive_requests 1000000; server { %s } }\n' \
        "$dir/$1" "$dir/$1" "$2" > "$dir/$1/nginx.conf"
}

# starts terminator BIN (ours, the other haproxy or nginx) pinned, on
# $PORT with certificate PEM, in front of SERVER (host:port); its pid in
# $pid. KEEPALIVE=1: a new server connection per request.
launch() {
    local bin=$1 pem=$2 server=$3 ka=$4
    if [ "$bin" = "$NGINX" ]; then
        local loc="return 200 \"ok\\n\";"
        [ "$ka" = 1 ] && loc="proxy_pass http://$server;"
        nginx_conf tls "listen 127.0.0.1:$PORT ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $pem; ssl_certificate_key $pem; location / { $loc }"
        taskset -c "$PCPU" "$bin" -p "$dir/tls" -c "$dir/tls/nginx.conf" >/dev/null 2>&1 &
    else
        local cfg="$dir/bench.cfg" close=""
        [ "$ka" = 1 ] && close="    option http-server-close\n"
        {
            printf 'global\n    maxconn 4096\n'
            [ "$bin" = "$OURS" ] || printf '    nbthread 1\n'
            printf "defaults\n    mode http\n${close}    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\nlisten tls\n    bind 127.0.0.1:%s ssl crt %s\n    server s1 %s\n" \
                "$PORT" "$pem" "$server"
        } > "$cfg"
        taskset -c "$PCPU" "$bin" -db -f "$cfg" >/dev/null 2>&1 &
    fi
    pid=$!
    sleep 0.5
}

# CPU ticks (user+system) of a process
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load (a command printing a count) against BIN; prints the count per
# proxy core-second
measure() {
    local bin=$1 pem=$2 ka=$3 pid t0 n t1
    shift 3
    launch "$bin" "$pem" "127.0.0.1:$NGINX_PORT" "$ka"
    t0=$(ticks "$pid")
    n=$("$@")
    t1=$(ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v n="${n:-0}" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (t > 0) printf "%d", n / (t / hz); else print 0 }'
}
handshakes() {
    taskset -c "$LCPU" openssl s_time -connect "127.0.0.1:$PORT" -new -time "$DURATION" "$@" 2>/dev/null \
        | awk '/connections in/ {print $1; exit}'
}
requests() {
    taskset -c "$LCPU" wrk -t1 -c50 -d"${DURATION}s" "https://127.0.0.1:$PORT/" 2>/dev/null \
        | awk '/requests in/ {print $1; exit}'
}

# nginx answering "ok" on loopback, the keep-alive runs' server
if [ -x "$NGINX" ]; then
    nginx_conf backend "listen 127.0.0.1:$NGINX_PORT; location / { return 200 \"ok\\n\"; }"
    taskset -c "$LCPU" "$NGINX" -p "$dir/backend" -c "$dir/backend/nginx.conf" >/dev/null 2>&1 &
    backend_pid=$!
    sleep 0.3
    kill -0 "$backend_pid" 2>/dev/null || {
        echo "bench-tls: the backend nginx did not start (port $NGINX_PORT taken?): $(tail -1 "$dir/backend/error.log")" >&2
        exit 2
    }
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# what one openssl client negotiates with a terminator (a comparison of
# handshakes is like for like only when version, cipher, key exchange and
# signature agree: see the aes256 rows)
negotiated() {
    local pid
    launch "$1" "$2" 127.0.0.1:9 0
    echo | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null \
        | awk '/^New, / {v=$2; c=$NF} /^Server Temp Key:/ {k=$4} /^Peer signature type:/ {g=$4}
               END {printf "%s %s kx %s sig %s", v, c, k, g}' | tr -d ','
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
others=()
[ -x "$OTHER" ] && others+=("$OTHER")
[ -x "$NGINX" ] && others+=("$NGINX")
for kind in p256 rsa; do
    line="tls negotiated $kind: haproxy-rs $(negotiated "$OURS" "$dir/$kind.pem")"
    for o in "${others[@]}"; do line="$line; $(basename "$o") $(negotiated "$o" "$dir/$kind.pem")"; done
    echo "$line"
done

scenarios="handshakes handshakes-aes256"
command -v wrk >/dev/null && [ -x "$NGINX" ] && scenarios="$scenarios keepalive"
for what in $scenarios; do
for kind in p256 rsa; do
    declare -A got=()
    for _ in $(seq "$ROUNDS"); do
        for b in "$OURS" "${others[@]}"; do
            case $what in
                handshakes) r=$(measure "$b" "$dir/$kind.pem" 0 handshakes) ;;
                handshakes-aes256) r=$(measure "$b" "$dir/$kind.pem" 0 handshakes -ciphersuites TLS_AES_256_GCM_SHA384) ;;
                keepalive) r=$(measure "$b" "$dir/$kind.pem" 1 requests) ;;
            esac
            got[$b]="${got[$b]:-} $r"
        done
    done
    mo=$(printf '%s\n' ${got[$OURS]} | median)
    line="tls $what/core-s $kind: haproxy-rs $mo (${got[$OURS]# })"
    for o in "${others[@]}"; do
        mt=$(printf '%s\n' ${got[$o]} | median)
        # the median of the rounds' own ratios too: a round's runs are
        # seconds apart, so the machine's drift cancels out of each
        rr=$(paste <(printf '%s\n' ${got[$OURS]}) <(printf '%s\n' ${got[$o]}) \
            | awk '$2 > 0 {printf "%.3f\n", $1 / $2}' | median)
        line="$line, $(basename "$o") $mt (${got[$o]# }), ratio $(awk -v a="$mo" -v b="$mt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }') (per round ${rr:--})"
    done
    echo "$line"
    unset got
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
