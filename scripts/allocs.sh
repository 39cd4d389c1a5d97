#!/usr/bin/env bash
# make allocs: heap allocations per request of the running binary, counted
# by valgrind's DHAT. The proxy serves N and then 3N requests (httpclose,
# http-server-close keep-alive, tcp, and the extensions: `kal` keep-alive
# on both sides with `option http-keep-alive`, `reuse` one request per
# client connection on pooled server connections with `http-reuse
# always`) from a local keep-alive backend; the difference divided by 2N
# is what one request allocates. Expected: 0. The `par` run does the
# keep-alive one from 10 clients at once (timers, queues and pools under
# concurrency). The `acl` run is the keep-alive one with ACLs matched
# case-insensitively (`-i`): a `block` rule and a run of exact-match
# `use_backend` rules answered by the rule index. MODES picks some of them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
BIN=${BIN:-$PWD/target/release/haproxy}
[ -x "$BIN" ] || cargo build --release
W=$(mktemp -d /tmp/hrs-allocs.XXXXXX)
trap 'kill $(cat "$W"/be.pid "$W"/fe.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT
N=${N:-100}
# no port is picked and freed: the backend binds port 0 and writes the
# port it got; the proxy's port is held by scripts/hold-port.py (bound, not
# listening, SO_REUSEPORT) and each proxy binds it beside the holder
cat > "$W/be.py" <<PY
import os, socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(128)
open("$W/be.port.tmp", "w").write("%d\\n" % s.getsockname()[1]); os.rename("$W/be.port.tmp", "$W/be.port")
R = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
def h(c):
    buf = b""
    c.settimeout(10)
    try:
        # keep-alive: one response per request until the proxy closes
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d: raise EOFError
                buf += d
            buf = buf.split(b"\r\n\r\n", 1)[1]
            c.sendall(R)
    except Exception: pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=h, args=(c,), daemon=True).start()
PY
python3 "$W/be.py" & echo $! > "$W/be.pid"
python3 scripts/hold-port.py "$W/fe.port" & echo $! > "$W/fe.pid"
for _ in $(seq 100); do [ -s "$W/be.port" ] && [ -s "$W/fe.port" ] && break; sleep 0.1; done
BE=$(cat "$W/be.port") FE=$(cat "$W/fe.port")
cat > "$W/cl.py" <<'PY'
import socket, sys
n, port, ka = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "ka"
REQ = b"GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\nCookie: JSESSIONID=A~zz\r\n\r\n"
def read_one(c, buf):
    while True:
        if b"\r\n\r\n" in buf:
            rest = buf.split(b"\r\n\r\n", 1)[1]
            if len(rest) >= 5: return rest[5:]
        d = c.recv(65536)
        if not d: raise SystemExit("closed early")
        buf += d
if ka:
    c = socket.create_connection(("127.0.0.1", port)); c.settimeout(10); buf = b""
    for _ in range(n):
        c.sendall(REQ); buf = read_one(c, buf)
    c.close()
else:
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port)); c.settimeout(10)
        c.sendall(REQ); read_one(c, b""); c.close()
PY
total() { # mode requests -> total blocks allocated
    local mode=$1 n=$2 fe=$FE
    local conn="option httpclose" m=http cl=close
    case $mode in
        ka|par) conn="option http-server-close"; cl=ka;;
        acl) conn="option http-server-close
    acl h1 hdr(host) -i one.example ONE.example.org
    acl h2 hdr(host) -i two.example
    acl adm path_beg -i /ADMIN /private
    acl known hdr(host) -i A localhost
    block if adm
    block if !known
    use_backend other if h1
    use_backend other if h2"; cl=ka;;
        kal) conn="option http-keep-alive"; cl=ka;;
        reuse) conn="option http-keep-alive
    http-reuse always";;
        tcp) m=tcp; conn="";;
    esac
    cat > "$W/p.cfg" <<CFG
global
    log 127.0.0.1:9 local0
defaults
    log global
    mode $m
    option $( [ $m = http ] && echo httplog || echo tcplog )
    timeout connect 5s
    timeout client 10s
    timeout server 10s
listen app 127.0.0.1:$fe
    balance roundrobin
    $( [ $m = http ] && echo "cookie JSESSIONID prefix" )
    $( [ $m = http ] && echo "option forwardfor" )
    $conn
    server a 127.0.0.1:$BE $( [ $m = http ] && echo "cookie A" )
    server b 127.0.0.1:$BE $( [ $m = http ] && echo "cookie B" )
$( [ $mode = acl ] && printf 'backend other\n    mode http\n    server o 127.0.0.1:%s\n' "$BE" )
CFG
    valgrind --tool=dhat --dhat-out-file=/dev/null "$BIN" -db -f "$W/p.cfg" > "$W/vg.log" 2>&1 &
    local p=$! i
    for i in $(seq 1 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$fe)).close()" 2>/dev/null && break
        sleep 0.1
    done
    if [ "$mode" = par ]; then
        local pids="" j
        for j in $(seq 1 10); do python3 "$W/cl.py" "$((n / 10))" "$fe" ka & pids="$pids $!"; done
        wait $pids
    else
        python3 "$W/cl.py" "$n" "$fe" "$cl"
    fi
    kill -USR1 $p; wait $p || true
    sed -n 's/.* bytes in \([0-9,]*\) blocks.*/\1/p' "$W/vg.log" | tr -d , | head -1
}
for mode in ${MODES:-close ka tcp par kal reuse acl}; do
    a=$(total $mode "$N"); b=$(total $mode $((3 * N)))
    echo "$mode: $a blocks after $N requests, $b after $((3 * N)): $(( (b - a) / (2 * N) )) per request"
done
