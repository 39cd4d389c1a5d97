#!/usr/bin/env bash
# make soak: the classic config (the README's webfarm: httpclose, cookie
# prefix, forwardfor, two checked servers) on 127.0.0.1 in front of two
# nginx server blocks, wrk at about half of the measured capacity plus a
# few hostile clients (slow heads, half-closes, resets, junk, cut bodies)
# for SOAK_SECONDS (default 1800). The same listener also has a TLS bind
# (`bind ... ssl crt`, HAProxy 1.5 syntax) with its own wrk at a tenth of
# the rate (httpclose: a full handshake per request) and hostile TLS
# clients (mutated ClientHellos, cut handshakes, garbage after one). RSS, fd count and CurrConns are sampled
# every 10 s into a CSV; at the end the figures are printed and the run
# fails if the proxy died, if its idle fd count is not back where it was
# before the load, or if its RSS grew by more than RSS_MARGIN_KB between
# the first and the last tenth of the run.
#   usage: scripts/soak.sh [BIN]     (SOAK_SECONDS, RSS_MARGIN_KB, SOAK_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/haproxy}")
SOAK_SECONDS=${SOAK_SECONDS:-1800}
RSS_MARGIN_KB=${RSS_MARGIN_KB:-2048}
export DEBIAN_FRONTEND=noninteractive
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
    (systemctl stop nginx 2>/dev/null || service nginx stop 2>/dev/null || true) >/dev/null 2>&1
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
W=${SOAK_DIR:-$(mktemp -d /tmp/hrs-soak.XXXXXX)}
mkdir -p "$W"
chmod 755 "$W"   # nginx workers drop root
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# three ports held by this script (scripts/hold-port.py: bound, not
# listening, SO_REUSEPORT), never picked and freed: nginx (`reuseport`) and
# the proxy bind them beside the holders. A bound port is never given to a
# client (wrk) as its source port either.
for n in P B1 B2 T; do
    python3 scripts/hold-port.py "$W/$n.port" &
    pids+=($!)
done
for _ in $(seq 100); do [ -s "$W/P.port" ] && [ -s "$W/B1.port" ] && [ -s "$W/B2.port" ] && [ -s "$W/T.port" ] && break; sleep 0.1; done
P=$(cat "$W/P.port") B1=$(cat "$W/B1.port") B2=$(cat "$W/B2.port") T=$(cat "$W/T.port")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/tls.key" \
    -out "$W/tls.crt" -days 2 -subj /CN=soak.test 2>/dev/null
cat "$W/tls.crt" "$W/tls.key" >"$W/tls.pem"

cat > "$W/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $W/cbt;
    proxy_temp_path $W/pt;
    fastcgi_temp_path $W/ft;
    uwsgi_temp_path $W/ut;
    scgi_temp_path $W/st;
    keepalive_timeout 65s;
    server { listen 127.0.0.1:$B1 reuseport; location / { return 200 "web01\n"; } }
    server { listen 127.0.0.1:$B2 reuseport; location / { return 200 "web02\n"; } }
}
EOF
"$NGINX" -c "$W/nginx.conf" -p "$W" 2>>"$W/nginx-error.log" &
pids+=($!)

# the classic config, with local addresses, in the foreground (-db) so that
# its PID is ours, and a stats socket for CurrConns
cat > "$W/haproxy.cfg" <<EOF
global
    log 127.0.0.1   local0
    maxconn 4096
    stats socket $W/stats.sock level admin

defaults
    log     global
    mode    http
    option  httplog
    option  dontlognull
    retries 3
    option redispatch
    maxconn 2000
    contimeout 5000
    clitimeout 50000
    srvtimeout 50000

listen webfarm 127.0.0.1:$P
    bind 127.0.0.1:$T ssl crt $W/tls.pem
    mode http
    stats enable
    stats uri /haproxy?stats
    balance roundrobin
    cookie JSESSIONID prefix
    option httpclose
    option forwardfor
    server web01 127.0.0.1:$B1 cookie A check
    server web02 127.0.0.1:$B2 cookie B check
EOF
"$BIN" -db -f "$W/haproxy.cfg" >"$W/haproxy.out" 2>&1 &
HPID=$!
pids+=($HPID)
for _ in $(seq 50); do [ -S "$W/stats.sock" ] && break; sleep 0.1; done
sleep 1

curconns() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])
s.sendall(b"show info\n"); o = b""
while True:
    d = s.recv(65536)
    if not d: break
    o += d
print([l.split(": ")[1] for l in o.decode().splitlines() if l.startswith("CurrConns:")][0])
' "$W/stats.sock"
}
fds() { ls "/proc/$HPID/fd" | wc -l; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$HPID/status"; }
get200() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P/"; }

[ "$(get200)" = 200 ] || { echo "soak: the proxy does not answer 200"; exit 1; }

# capacity, then half of it: Debian's wrk has no -R, so each of C
# connections waits D ms (a wrk script's delay()) before each request,
# C chosen for a D of about 10 ms; D is then tuned on short runs
rate() { wrk -t1 -c"$1" -d"$2"s -s "$W/delay.lua" "http://127.0.0.1:$P/" | awk '/^Requests\/sec/ {printf "%d", $2}'; }
echo 'function delay() return 0 end' >"$W/delay.lua"
CAP=$(wrk -t2 -c50 -d10s "http://127.0.0.1:$P/" | awk '/^Requests\/sec/ {printf "%d", $2}')
HALF=$((CAP / 2))
C=$(( HALF / 100 > 0 ? HALF / 100 : 1 ))
D=$(( C * 1000 / (HALF > 0 ? HALF : 1) ))
for _ in 1 2 3; do
    echo "function delay() return $D end" >"$W/delay.lua"
    R=$(rate "$C" 4)
    # within 10%: good enough; else scale the delay
    [ $(( R * 10 )) -gt $(( HALF * 11 )) ] || [ $(( R * 10 )) -lt $(( HALF * 9 )) ] || break
    D=$(( D * R / HALF )); [ "$D" -gt 0 ] || D=1
done
echo "soak: capacity $CAP req/s; wrk -t1 -c$C with a ${D} ms delay gives $R req/s (target $HALF)"
sleep 2
IDLE_FDS0=$(fds) IDLE_RSS0=$(rss)
echo "soak: idle before: fds $IDLE_FDS0, RSS $IDLE_RSS0 kB, CurrConns $(curconns)"

# a few hostile clients, each in a loop until the end of the run
cat > "$W/hostile.py" <<'EOF'
import random, socket, struct, sys, threading, time
port, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
def one(rng):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    k = rng.randrange(6)
    req = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40 + b"\r\n\r\n"
    try:
        if k == 0:    # slow head: a byte every 0.5 s, then give up
            for c in req[:rng.randrange(5, 30)]:
                s.send(bytes([c])); time.sleep(0.5)
        elif k == 1:  # half-close in the middle of the head
            s.sendall(req[:rng.randrange(1, len(req))]); s.shutdown(socket.SHUT_WR); s.recv(4096)
        elif k == 2:  # reset after a partial request
            s.sendall(req[:rng.randrange(1, len(req))]); time.sleep(0.1); rst(s); return
        elif k == 3:  # junk
            s.sendall(bytes(rng.randrange(256) for _ in range(200))); s.recv(4096)
        elif k == 4:  # a body cut short, then half-close
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            s.shutdown(socket.SHUT_WR); s.recv(4096)
        else:         # a request, then a reset before reading the answer
            s.sendall(req); rst(s); return
    except OSError:
        pass
    s.close()
def loop(seed, client):
    rng = random.Random(seed)
    while time.monotonic() < end:
        try:
            client(rng)
        except OSError:
            time.sleep(0.2)
def one_tls(rng):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", tport), timeout=5)
    k = rng.randrange(4)
    try:
        if k == 0:    # a ClientHello with flipped bits
            obj = ctx.wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO())
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            h = bytearray(out.read())
            for _ in range(rng.randrange(1, 6)):
                h[rng.randrange(len(h))] ^= 1 << rng.randrange(8)
            s.sendall(h); s.recv(4096)
        elif k == 1:  # half a ClientHello, then a reset
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"); time.sleep(0.2); rst(s); return
        elif k == 2:  # a handshake, then garbage records
            t = ctx.wrap_socket(s); t.sendall(b"GET / HTTP/1.1\r\n")
            s.sendall(bytes(rng.randrange(256) for _ in range(300))); s.recv(4096)
        else:         # a handshake, half a request, then a reset
            t = ctx.wrap_socket(s); t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n"); time.sleep(0.1); rst(s); return
    except (OSError, ValueError):
        pass
    s.close()
tport = int(sys.argv[3])
ts = [threading.Thread(target=loop, args=(i, one)) for i in range(4)]
ts += [threading.Thread(target=loop, args=(10 + i, one_tls)) for i in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
EOF
python3 "$W/hostile.py" "$P" "$SOAK_SECONDS" "$T" &
pids+=($!)
wrk -t1 -c"$C" -d"${SOAK_SECONDS}"s -s "$W/delay.lua" "http://127.0.0.1:$P/" >"$W/wrk.out" 2>&1 &
WRK=$!
pids+=($WRK)
# TLS: a tenth of the connections, each request a full handshake
CT=$(( C / 10 > 0 ? C / 10 : 1 ))
wrk -t1 -c"$CT" -d"${SOAK_SECONDS}"s -s "$W/delay.lua" "https://127.0.0.1:$T/" >"$W/wrk-tls.out" 2>&1 &
pids+=($!)

CSV="$W/soak.csv"
echo "seconds,fds,rss_kb,curr_conns" >"$CSV"
t0=$(date +%s)
while kill -0 "$WRK" 2>/dev/null; do
    kill -0 "$HPID" 2>/dev/null || { echo "soak: the proxy died"; exit 1; }
    echo "$(( $(date +%s) - t0 )),$(fds),$(rss),$(curconns)" >>"$CSV"
    sleep 10
done
wait "$WRK" || true
sed -n '/Requests\/sec/p;/Non-2xx/p;/Socket errors/p;/requests in/p' "$W/wrk.out"
sleep 2
echo "soak: TLS:"; sed -n '/Requests\/sec/p;/Non-2xx/p;/Socket errors/p;/requests in/p' "$W/wrk-tls.out"

# idle again: hostile clients finish their last round, timeouts expire
for _ in $(seq 120); do
    [ "$(curconns)" = 1 ] && [ "$(fds)" = "$IDLE_FDS0" ] && break
    sleep 1
done
IDLE_FDS1=$(fds) IDLE_RSS1=$(rss) CC=$(curconns) CODE=$(get200)
TCODE=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "https://127.0.0.1:$T/")
echo "soak: idle after: fds $IDLE_FDS1, RSS $IDLE_RSS1 kB, CurrConns $CC (the query's own: 1), normal request $CODE, over TLS $TCODE"
ok=0
python3 - "$CSV" "$RSS_MARGIN_KB" <<'EOF' || ok=$?
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for k in ("fds", "rss_kb", "curr_conns"):
    v = [int(r[k]) for r in rows]
    print(f"soak: {k:10s} samples {len(v)}: min {min(v)} max {max(v)} first {v[0]} last {v[-1]}")
rss = [int(r["rss_kb"]) for r in rows]
n = max(1, len(rss) // 10)
a, b = max(rss[:n]), max(rss[-n:])
print(f"soak: RSS max over the first tenth {a} kB, over the last tenth {b} kB ({b - a:+d} kB)")
sys.exit(0 if b - a <= int(sys.argv[2]) else 3)
EOF
echo "soak: CSV in $CSV"
[ "$ok" = 0 ] || { echo "soak: FAILED: RSS grew by more than $RSS_MARGIN_KB kB"; exit 1; }
[ "$IDLE_FDS1" = "$IDLE_FDS0" ] || { echo "soak: FAILED: idle fds $IDLE_FDS0 -> $IDLE_FDS1"; exit 1; }
[ "$CC" = 1 ] || { echo "soak: FAILED: CurrConns $CC"; exit 1; }
[ "$CODE" = 200 ] || { echo "soak: FAILED: normal request got $CODE"; exit 1; }
[ "$TCODE" = 200 ] || { echo "soak: FAILED: normal TLS request got $TCODE"; exit 1; }
echo "soak: OK"
