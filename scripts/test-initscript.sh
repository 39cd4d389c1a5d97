#!/usr/bin/env bash
# Runs the packaged SysV init script (rpm/haproxy.init) itself against our
# binary: start, status, check, reload under load, stop, each with the exit
# code the CentOS script gives. It runs in a private mount namespace where
# /etc, /usr/sbin and /var/lib are overlays and /run is a tmpfs, so the
# host is left untouched. /etc/rc.d/init.d/functions is a small shim of
# CentOS's (daemon, killproc, status, success, failure).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--inside" ]; then
    if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        echo "init script test: skipped (needs root and mount namespaces)"
        exit 0
    fi
    bin=target/static/haproxy
    [ -x "$bin" ] || bin=target/release/haproxy
    [ -x "$bin" ] || cargo build --release
    getent group haproxy >/dev/null || groupadd -r haproxy
    getent passwd haproxy >/dev/null || useradd -r -g haproxy -d /var/lib/haproxy -s /usr/sbin/nologin haproxy
    exec unshare -m --propagation private "$0" --inside "$PWD/$bin"
fi

BIN=$2
T=$(mktemp -d /tmp/hrs-init.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f /var/run/haproxy.pid ] && xargs -r kill -TERM < /var/run/haproxy.pid 2>/dev/null || true
    rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT

for d in etc usr/sbin var/lib; do
    mkdir -p "$T/up/$d" "$T/work/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/up/$d,workdir=$T/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
mkdir -p /run/lock/subsys /etc/rc.d/init.d /etc/sysconfig /etc/haproxy /var/lib/haproxy

install -m 0755 "$BIN" /usr/sbin/haproxy
install -m 0755 rpm/haproxy.init /etc/rc.d/init.d/haproxy
install -m 0644 rpm/haproxy.sysconfig /etc/sysconfig/haproxy
echo "NETWORKING=yes" > /etc/sysconfig/network
cat > /etc/rc.d/init.d/functions <<'EOF'
# A shim of CentOS 6's /etc/rc.d/init.d/functions: the parts haproxy's
# init script uses, with the same exit codes.
success() { echo -n "[  OK  ]"; return 0; }
failure() { echo -n "[FAILED]"; return 1; }
daemon() {
    "$@"
    local rc=$?
    [ $rc -eq 0 ] && success || failure
    return $rc
}
killproc() {
    local base=$1 sig=${2:--TERM} pid
    pid=$(cat "/var/run/$base.pid" 2>/dev/null | head -1)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        # CentOS: "not running" is 7 only for LSB callers, else a printed
        # failure with exit 0
        if [ -n "${LSB:-}" ]; then return 7; fi
        failure; return 0
    fi
    kill "$sig" $(cat "/var/run/$base.pid") && success || failure
}
status() {
    local base=$1 pid
    pid=$(cat "/var/run/$base.pid" 2>/dev/null | head -1)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "$base (pid $pid) is running..."; return 0
    fi
    if [ -f "/var/run/$base.pid" ]; then echo "$base dead but pid file exists"; return 1; fi
    if [ -f "/var/lock/subsys/$base" ]; then echo "$base dead but subsys locked"; return 2; fi
    echo "$base is stopped"; return 3
}
EOF

# no port is picked and freed: the backend binds port 0 and says which it
# got; the frontend's port is held (bound, not listening, SO_REUSEPORT) by a
# process of this script that the proxy binds beside, through every reload
mkdir -p "$T/www" && echo "hello from the backend" > "$T/www/index.html"
python3 scripts/hold-port.py "$T/be.port" --serve "$T/www" &
PIDS+=($!)
python3 scripts/hold-port.py "$T/fe.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/be.port" ] && [ -s "$T/fe.port" ] && break; sleep 0.1; done
FE=$(cat "$T/fe.port") BE=$(cat "$T/be.port")
cat > /etc/haproxy/haproxy.cfg <<EOF
global
    chroot      /var/lib/haproxy
    pidfile     /var/run/haproxy.pid
    maxconn     1000
    user        haproxy
    group       haproxy
    daemon
    stats socket /var/lib/haproxy/stats
defaults
    mode http
    option httpclose
    retries 3
    option redispatch
    contimeout 2000
    clitimeout 10000
    srvtimeout 10000
listen web 127.0.0.1:$FE
    server b1 127.0.0.1:$BE
EOF
cp /etc/haproxy/haproxy.cfg "$T/good.cfg"

set +e # from here on every outcome is checked explicitly
pass=0 fail=0
expect() { # what, expected exit code, actual exit code
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok   $1 (exit $3)"
    else fail=$((fail + 1)); echo "FAIL $1: expected exit $2, got $3"; fi
}
svc() { /etc/rc.d/init.d/haproxy "$@" >"$T/out" 2>&1; echo $?; }
fetch() { python3 - "$FE" <<'EOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    d = b""
    while True:
        c = s.recv(65536)
        if not c: break
        d += c
    sys.exit(0 if d.startswith(b"HTTP/1.0 200") and d.endswith(b"hello from the backend\n") else 1)
except Exception:
    sys.exit(1)
EOF
}
alive() { kill -0 "$1" 2>/dev/null; }
wait_gone() { for _ in $(seq 50); do alive "$1" || return 0; sleep 0.1; done; return 1; }

for _ in $(seq 50); do fetch_be=$(python3 -c "import socket; socket.create_connection(('127.0.0.1',$BE),1)" 2>/dev/null && echo up || true); [ "$fetch_be" = up ] && break; sleep 0.1; done

expect "check (valid config)" 0 "$(svc check)"
expect "status before start" 3 "$(svc status)"
expect "start" 0 "$(svc start)"
pid1=$(head -1 /var/run/haproxy.pid)
alive "$pid1" && [ -f /var/lock/subsys/haproxy ] && fetch; expect "started daemon serves, pidfile and lock" 0 $?
expect "status while running" 0 "$(svc status)"

# reload under continuous load: no request may fail
python3 - "$FE" "$T/load" <<'EOF' &
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
ok = bad = 0
end = time.time() + 6
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        d = b""
        while True:
            c = s.recv(65536)
            if not c: break
            d += c
        s.close()
        if d.startswith(b"HTTP/1.0 200"): ok += 1
        else: bad += 1
    except Exception:
        bad += 1
open(out, "w").write(f"{ok} {bad}\n")
EOF
LOAD=$!
PIDS+=($LOAD)
sleep 1
expect "reload" 0 "$(svc reload)"
sleep 1.5
pid2=$(head -1 /var/run/haproxy.pid)
expect "reload" 0 "$(svc reload)"
pid3=$(head -1 /var/run/haproxy.pid)
wait "$LOAD" || true
read -r ok bad < "$T/load"
echo "     reload under load: $ok requests, $bad failed"
[ "$bad" = 0 ] && [ "$ok" -gt 50 ]; expect "no request lost across 2 reloads" 0 $?
[ "$pid1" != "$pid2" ] && [ "$pid2" != "$pid3" ] && wait_gone "$pid1" && wait_gone "$pid2" && alive "$pid3"
expect "old processes gone, new pid in the pidfile" 0 $?

# a broken config: check and reload refuse, the running process stays
printf '    bogus_keyword here\n' >> /etc/haproxy/haproxy.cfg
expect "check (invalid config)" 1 "$(svc check)"
grep -q "unknown keyword 'bogus_keyword'" "$T/out"; expect "check names the error" 0 $?
sed 's/^/     | /' "$T/out"
expect "reload (invalid config)" 1 "$(svc reload)"
alive "$pid3" && fetch; expect "old process still serves after a refused reload" 0 $?
expect "restart (invalid config)" 1 "$(svc restart)"
cp "$T/good.cfg" /etc/haproxy/haproxy.cfg

expect "stop" 0 "$(svc stop)"
wait_gone "$pid3" && [ ! -f /var/lock/subsys/haproxy ]; expect "stopped: process gone, lock removed" 0 $?
expect "status after stop (pidfile kept, as CentOS)" 1 "$(svc status)"
expect "stop when stopped (prints FAILED)" 0 "$(svc stop)"
grep -q FAILED "$T/out"; expect "stop when stopped says FAILED" 0 $?
expect "condrestart when stopped" 0 "$(svc condrestart)"
expect "start again" 0 "$(svc start)"
expect "restart" 0 "$(svc restart)"
pid4=$(head -1 /var/run/haproxy.pid)
fetch; expect "serves after restart" 0 $?
expect "stop" 0 "$(svc stop)"
wait_gone "$pid4"; expect "stopped after restart" 0 $?
expect "usage" 2 "$(svc bogus)"

echo "init script test: $pass passed, $fail failed"
[ "$fail" = 0 ]
