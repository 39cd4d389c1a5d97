#!/usr/bin/env bash
# Drives today's service definitions with our binary in place of
# /usr/sbin/haproxy: Debian 12's /etc/init.d/haproxy (start, status,
# reload under load, stop) and haproxy 2.x's systemd unit as Debian 12 ships
# it (ExecStart with -Ws and Type=notify, ExecReload's `-c -q` check then
# `kill -USR2 $MAINPID`, KillMode=mixed stop), its command lines taken from
# the unit file and run as systemd would run them (Environment= and
# EnvironmentFile= variables, $VAR split into words, NOTIFY_SOCKET), since
# no systemd runs here (scripts/unit-cmdline.py expands them); then our
# RPM's own unit (rpm/haproxy.service: ExecStartPre, Type=forking,
# ExecReload with -sf, ExecStop) the same way. Debian's files come from its
# haproxy package,
# fetched at test time (`apt-get download haproxy`, cached in
# target/debian/), not committed. Everything happens in a private mount
# namespace: /etc, /usr/sbin and /var/lib are overlays, /run is a tmpfs, and
# the binary is bind-mounted over /usr/sbin/haproxy; the host is untouched.
# Usage: scripts/test-debian-init.sh [BINARY]   (default target/release/haproxy)
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { # a missing prerequisite fails in CI, is a printed skip elsewhere
    if [ -n "${CI:-}" ]; then echo "debian init test: FAIL: $1"; exit 1; fi
    echo "debian init test: skipped ($1)"; exit 0
}
if [ "${1:-}" != "--inside" ]; then
    if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        skip "needs root and mount namespaces"
    fi
    [ -f /lib/lsb/init-functions ] && command -v start-stop-daemon >/dev/null || skip "needs sysvinit-utils and dpkg"
    bin=${1:-target/release/haproxy}
    [ -x "$bin" ] || cargo build --release
    bin=$(readlink -f "$bin")
    mkdir -p target/debian
    deb=$(ls target/debian/haproxy_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        (cd target/debian && apt-get download haproxy >/dev/null 2>&1) || true
        deb=$(ls target/debian/haproxy_*.deb 2>/dev/null | head -1 || true)
    fi
    [ -n "$deb" ] || skip "cannot download Debian's haproxy package (apt-get update?)"
    getent group haproxy >/dev/null || groupadd -r haproxy
    getent passwd haproxy >/dev/null || useradd -r -g haproxy -d /var/lib/haproxy -s /usr/sbin/nologin haproxy
    echo "debian init test: $(basename "$deb"), binary $bin"
    exec unshare -m --propagation private "$0" --inside "$bin" "$PWD/$deb" "$PWD/scripts"
fi

BIN=$2 DEB=$3 HERE=$4
T=$(mktemp -d /tmp/hrs-deb.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    pkill -TERM -F /run/haproxy.pid 2>/dev/null || true
    umount /usr/sbin/haproxy 2>/dev/null || true
    rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT

dpkg-deb -x "$DEB" "$T/deb"
for d in etc usr/sbin var/lib; do
    mkdir -p "$T/up/$d" "$T/work/$d"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/up/$d,workdir=$T/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /etc/haproxy /var/lib/haproxy /etc/init.d
: > /usr/sbin/haproxy
chmod 0755 /usr/sbin/haproxy
mount --bind "$BIN" /usr/sbin/haproxy
install -m 0755 "$T/deb/etc/init.d/haproxy" /etc/init.d/haproxy
install -m 0644 "$T/deb/etc/default/haproxy" /etc/default/haproxy
UNIT=$T/deb/lib/systemd/system/haproxy.service

# no port is picked and freed: the backend binds port 0 and says which it
# got; the frontend's port is held (bound, not listening, SO_REUSEPORT) by a
# process of this script that the proxy binds beside, through every reload
mkdir -p "$T/www" && echo "hello from the backend" > "$T/www/index.html"
python3 "$HERE/hold-port.py" "$T/be.port" --serve "$T/www" &
PIDS+=($!)
python3 "$HERE/hold-port.py" "$T/fe.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/be.port" ] && [ -s "$T/fe.port" ] && break; sleep 0.1; done
FE=$(cat "$T/fe.port") BE=$(cat "$T/be.port")
# a 1.4 configuration in Debian's layout; `daemon` as in Debian's default
# config, which -Ws must override (the master is what systemd watches)
cat > /etc/haproxy/haproxy.cfg <<EOF
global
    chroot /var/lib/haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    user haproxy
    group haproxy
    daemon
defaults
    mode http
    option httpclose
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen web 127.0.0.1:$FE
    server b1 127.0.0.1:$BE
EOF
cp /etc/haproxy/haproxy.cfg "$T/good.cfg"
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$BE),1)" 2>/dev/null && break; sleep 0.1; done

set +e # from here on every outcome is checked explicitly
pass=0 fail=0
expect() { # what, expected exit code, actual exit code
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok   $1 (exit $3)"
    else fail=$((fail + 1)); echo "FAIL $1: expected exit $2, got $3"; sed 's/^/     | /' "$T/out" 2>/dev/null; fi
}
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
# the pid of the process answering on the stats socket (the serving one)
serving_pid() { python3 - <<'EOF'
import socket
try:
    s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect("/run/haproxy/admin.sock")
    s.sendall(b"show info\n"); d = b""
    while True:
        c = s.recv(65536)
        if not c: break
        d += c
    print(next(l.split(": ")[1] for l in d.decode().splitlines() if l.startswith("Pid: ")))
except Exception:
    print("none")
EOF
}
alive() { kill -0 "$1" 2>/dev/null; }
wait_gone() { for _ in $(seq 100); do alive "$1" || return 0; sleep 0.1; done; return 1; }
load_start() { # requests in a loop for $1 seconds, counts in $T/load
    python3 - "$FE" "$T/load" "$1" <<'EOF' &
import socket, sys, time
port, out, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
ok = bad = 0
end = time.time() + secs
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
}
load_check() { # what
    wait "$LOAD"
    read -r ok bad < "$T/load"
    echo "     $1: $ok requests, $bad failed"
    [ "$bad" = 0 ] && [ "$ok" -gt 50 ]; expect "no request lost: $1" 0 $?
}

echo "== Debian 12 /etc/init.d/haproxy"
svc() { /etc/init.d/haproxy "$@" >"$T/out" 2>&1; echo $?; }
expect "status before start" 3 "$(svc status)"
expect "start" 0 "$(svc start)"
pid1=$(head -1 /run/haproxy.pid)
alive "$pid1" && fetch && [ "$(serving_pid)" = "$pid1" ]; expect "started daemon serves, pid in pidfile" 0 $?
expect "status while running" 0 "$(svc status)"
load_start 6
sleep 1
expect "reload (-sf PID -D after it)" 0 "$(svc reload)"
pid2=$(head -1 /run/haproxy.pid)
sleep 1.5
expect "second reload" 0 "$(svc reload)"
pid3=$(head -1 /run/haproxy.pid)
load_check "init script, 2 reloads"
[ "$pid1" != "$pid2" ] && [ "$pid2" != "$pid3" ] && wait_gone "$pid1" && wait_gone "$pid2" \
    && alive "$pid3" && [ "$(serving_pid)" = "$pid3" ]
expect "reloaded: new pid serves, old ones gone" 0 $?
printf '    bogus_keyword here\n' >> /etc/haproxy/haproxy.cfg
expect "reload with a broken config refused" 1 "$(svc reload)"
alive "$pid3" && fetch; expect "old process still serves" 0 $?
cp "$T/good.cfg" /etc/haproxy/haproxy.cfg
expect "stop" 0 "$(svc stop)"
wait_gone "$pid3" && [ ! -f /run/haproxy.pid ]; expect "stopped: process and pidfile gone" 0 $?
expect "status after stop" 3 "$(svc status)"

echo "== haproxy 2.x systemd unit ($(basename "$DEB"))"
# systemd's environment and command lines (scripts/unit-cmdline.py)
unit_env() { # unit: exports its Environment= and EnvironmentFile= variables
    local kv
    while IFS= read -r kv; do [ -n "$kv" ] && export "${kv?}"; done < <(python3 "$HERE/unit-cmdline.py" env "$1")
}
unit_words() { # unit, key, index: the command line's words into WORDS
    mapfile -d '' WORDS < <(python3 "$HERE/unit-cmdline.py" cmd "$1" "$2" "$3")
}
run_unit() { # unit, key, index: runs it as systemd would, prints its exit code
    unit_words "$@"
    "${WORDS[@]}" >"$T/out" 2>&1; echo $?
}
unset CONFIG PIDFILE EXTRAOPTS MAINPID
export MAINPID
unit_env "$UNIT"
echo "     CONFIG=$CONFIG PIDFILE=$PIDFILE EXTRAOPTS=$EXTRAOPTS"
grep -q '^Type=notify' "$UNIT" && grep -q '^KillMode=mixed' "$UNIT"; expect "unit is Type=notify, KillMode=mixed" 0 $?
mkdir -p /run/haproxy
NOTIFY_SOCKET=$T/notify
export NOTIFY_SOCKET
python3 - "$NOTIFY_SOCKET" "$T/notified" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(60)
try:
    while True:
        m = s.recv(4096).decode()
        with open(sys.argv[2], "a") as f:
            f.write(m.replace("\n", " ") + "\n")
except Exception:
    pass
EOF
PIDS+=($!)
for _ in $(seq 50); do [ -S "$NOTIFY_SOCKET" ] && break; sleep 0.1; done
unit_words "$UNIT" ExecStart 1
echo "     ExecStart: ${WORDS[*]}"
"${WORDS[@]}" >"$T/unit.log" 2>&1 &
MAINPID=$!
PIDS+=($MAINPID)
for _ in $(seq 100); do grep -q "READY=1" "$T/notified" 2>/dev/null && break; sleep 0.1; done
grep -q "READY=1" "$T/notified"; expect "READY=1 sent to NOTIFY_SOCKET" 0 $?
w1=$(serving_pid)
alive "$MAINPID" && [ "$(cat "$PIDFILE")" = "$MAINPID" ] && [ "$w1" != "$MAINPID" ] && fetch
expect "main process in the foreground, pidfile holds it, a worker serves" 0 $?
load_start 6
sleep 1
expect "ExecReload 1 (check)" 0 "$(run_unit "$UNIT" ExecReload 1)"
expect "ExecReload 2 (USR2 to MAINPID)" 0 "$(run_unit "$UNIT" ExecReload 2)"
sleep 1.5
w2=$(serving_pid)
expect "ExecReload 1 again" 0 "$(run_unit "$UNIT" ExecReload 1)"
expect "ExecReload 2 again" 0 "$(run_unit "$UNIT" ExecReload 2)"
load_check "systemd unit, 2 reloads"
w3=$(serving_pid)
[ "$w1" != "$w2" ] && [ "$w2" != "$w3" ] && [ "$w3" != none ] && wait_gone "$w1" && wait_gone "$w2" && alive "$MAINPID"
expect "reloaded: new worker serves, old workers gone, same main pid" 0 $?
[ "$(grep -c READY=1 "$T/notified")" -ge 3 ] && grep -q RELOADING=1 "$T/notified"
expect "RELOADING=1 then READY=1 on each reload" 0 $?
printf '    bogus_keyword here\n' >> /etc/haproxy/haproxy.cfg
expect "ExecReload 1 with a broken config stops the reload" 1 "$(run_unit "$UNIT" ExecReload 1)"
kill -USR2 "$MAINPID"; sleep 1
alive "$MAINPID" && alive "$w3" && [ "$(serving_pid)" = "$w3" ] && fetch
expect "a USR2 with a broken config keeps the worker serving" 0 $?
cp "$T/good.cfg" /etc/haproxy/haproxy.cfg
# systemctl stop with KillMode=mixed: SIGTERM to the main process only
kill -TERM "$MAINPID"
wait "$MAINPID"; rc=$?
[ "$rc" = 0 ] || [ "$rc" = 143 ]; expect "stop: main process exits with a SuccessExitStatus" 0 $?
wait_gone "$w3"; expect "stop: the worker is gone too, before any SIGKILL" 0 $?

echo "== our RPM's systemd unit (rpm/haproxy.service, Type=forking)"
UNIT=$HERE/../rpm/haproxy.service
install -D -m 0644 "$HERE/../rpm/haproxy.sysconfig" /etc/sysconfig/haproxy
unset CONFIG PIDFILE EXTRAOPTS MAINPID NOTIFY_SOCKET
export MAINPID
unit_env "$UNIT"
rm -f "$PIDFILE"
expect "ExecStartPre (check)" 0 "$(run_unit "$UNIT" ExecStartPre 1)"
expect "ExecStart (-D, forks)" 0 "$(run_unit "$UNIT" ExecStart 1)"
MAINPID=$(head -1 "$PIDFILE" 2>/dev/null)
alive "$MAINPID" && [ "$(serving_pid)" = "$MAINPID" ] && fetch; expect "PIDFile names the serving process" 0 $?
load_start 5
sleep 1
expect "ExecReload 1 (check)" 0 "$(run_unit "$UNIT" ExecReload 1)"
expect "ExecReload 2 (-sf \$(cat \$PIDFILE))" 0 "$(run_unit "$UNIT" ExecReload 2)"
load_check "RPM unit, 1 reload"
old=$MAINPID
MAINPID=$(head -1 "$PIDFILE" 2>/dev/null)
[ "$old" != "$MAINPID" ] && wait_gone "$old" && alive "$MAINPID" && [ "$(serving_pid)" = "$MAINPID" ]
expect "reloaded: new pid in the PIDFile serves, old one gone" 0 $?
expect "ExecStop (USR1 to MAINPID)" 0 "$(run_unit "$UNIT" ExecStop 1)"
wait_gone "$MAINPID"; expect "stopped" 0 $?

echo "debian init test: $pass passed, $fail failed"
[ "$fail" = 0 ]
