#!/usr/bin/env python3
"""Network-level fuzz of the real binary (issue #18, item 6).

Starts the proxy on a config with an httpclose listener, an
http-server-close listener, a stats page and a tcp listener, in front of
two local scripted backends: a sane one and a mutant that answers with
broken status lines, bad chunking, truncated bodies, huge headers, resets
and silence. Then sends N connections (default 20,000) of mutated requests
(bit flips, truncations, duplicated headers, CL/TE mixes, random bytes)
ended in every bad way (half-close, reset, close without reading, trickle,
silence), with bounded concurrency. Afterwards it waits for the proxy's
timeouts and checks that the proxy is alive, that its fd count is exactly
back to the baseline, its RSS back within a small margin, `show info`
CurrConns back to 1 (the query's own session, as 1.4.25 counts it), and that a normal request still gets a 200.
With our binary a TLS listener (`bind ... ssl crt`, HAProxy 1.5 syntax)
takes a tenth of the connections: mutated ClientHellos, handshakes cut
short, broken records after a real handshake, mutated requests through
TLS (scripts/net_fuzz_tls.py); `--no-tls` leaves it out (1.4.25 has no
TLS).

Python 3 standard library only. Exit status 0 when every check passes.
`--proxy /tmp/haproxy-1.4.25/haproxy` runs the same against the oracle.
"""
import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import net_fuzz_tls
from net_fuzz_backend import Backend, reset

TIMEOUTS = dict(connect=2, client=3, server=3, http_request=3, queue=3)


def held_port():
    """A port this process holds for the proxy's listener: bound (port 0,
    then again by number, which Linux keeps through a pause), not listening,
    SO_REUSEADDR and SO_REUSEPORT, so the proxy (any binary: 1.4.25 has no
    `fd@`) binds it beside this socket and, as the only listener there, gets
    every connection. No port is picked and freed."""
    def one(port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        return s
    first = one(0)
    s = one(first.getsockname()[1])
    first.close()
    return s


# ---------------------------------------------------------------------------
# Clients

BASE = [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /a?b=c HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nCookie: JSESSIONID=A~abc; SRV=good\r\n\r\n",
    b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
    b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /stats;csv HTTP/1.0\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\r\n\r\n",
]

SMUGGLE = [
    b"Content-Length: 5\r\nContent-Length: 6\r\n",
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Transfer-Encoding: chunked, gzip\r\n",
    b"Transfer-Encoding : chunked\r\n",
    b"Transfer-Encoding:\tchunked\r\n",
    b"Transfer-Encoding: chunked\r\n folded\r\n",
    b"Content-Length: +5\r\n",
    b"Content-Length: 5, 5\r\n",
    b"Content-Length: -1\r\n",
    b"Content-Length: 99999999999999999999999\r\n",
    b"Transfer-Encoding: xchunked\r\n",
]


def mutate(req, rng):
    """One to three mutations of a request."""
    r = bytearray(req)
    for _ in range(rng.randrange(1, 4)):
        k = rng.randrange(12)
        if k == 0 and r:
            for _ in range(rng.randrange(1, 5)):
                r[rng.randrange(len(r))] ^= 1 << rng.randrange(8)
        elif k == 1 and r:
            del r[rng.randrange(len(r)):]
        elif k == 2:
            lines = bytes(r).split(b"\r\n")
            if len(lines) > 2:
                i = rng.randrange(1, len(lines) - 1)
                lines.insert(i, lines[i])
            r = bytearray(b"\r\n".join(lines))
        elif k == 3:
            i = bytes(r).find(b"\r\n")
            if i >= 0:
                r[i + 2:i + 2] = rng.choice(SMUGGLE)
        elif k == 4:
            r = bytearray(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        elif k == 5 and r:
            i = rng.randrange(len(r))
            r[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        elif k == 6 and r:
            i = rng.randrange(len(r))
            r[i:i] = rng.choice([b"\r", b"\n", b"\0", b"\r\n", b" ", b"\t", b":"])
        elif k == 7:
            i = bytes(r).find(b"\r\n")
            if i >= 0:
                big = b"X-Big: " + b"b" * rng.randrange(1000, 20000) + b"\r\n"
                r[i + 2:i + 2] = big
        elif k == 8:
            i = bytes(r).find(b"\r\n")
            if i >= 0:
                many = b"".join(b"X-M%d: v\r\n" % j for j in range(rng.randrange(50, 200)))
                r[i + 2:i + 2] = many
        elif k == 9:
            r = bytearray(bytes(r).replace(b"\r\n", b"\n"))
        elif k == 10:
            r = r + bytearray(rng.choice(BASE))
        else:
            i = bytes(r).find(b"\r\n\r\n")
            if i >= 0:
                r[i + 4:] = rng.choice([b"ffffffffffffffffffff\r\n", b"5\r\nhel", b"zz\r\n",
                                        b"0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"])
    return bytes(r)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1


def drain(sock, limit_s):
    """Reads until close, error or limit_s; returns the first bytes."""
    first = b""
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            d = sock.recv(65536)
            if not d:
                return first, "eof"
            if len(first) < 16:
                first += d[:16]
        return first, "timeout"
    except socket.timeout:
        return first, "timeout"
    except OSError:
        return first, "error"


def one_client(port_for, seed, stats):
    rng = random.Random(seed)
    targets, weights = ["close", "sclose", "stats", "tcp", "tls"], [40, 40, 10, 10, 10]
    if "tls" not in port_for:
        targets, weights = targets[:4], weights[:4]
    target = rng.choices(targets, weights)[0]
    req = rng.choice(BASE)
    if rng.random() < 0.9:
        req = mutate(req, rng)
    ending = rng.choices(["read", "halfclose", "reset", "close", "trickle", "idle", "hang"],
                         [40, 20, 12, 12, 8, 6, 2])[0]
    if target == "tls":
        return net_fuzz_tls.one_client(port_for["tls"], rng, req, ending, reset, drain, stats)
    s = socket.socket()
    try:
        s.settimeout(3)
        s.connect(("127.0.0.1", port_for[target]))
        if ending == "idle":
            time.sleep(rng.random() * 0.3)
            reset(s) if rng.random() < 0.5 else s.close()
            stats.add("idle")
            return
        if ending == "trickle":
            for i in range(0, len(req), max(1, len(req) // 4)):
                s.sendall(req[i:i + max(1, len(req) // 4)])
                time.sleep(0.05)
        else:
            s.sendall(req)
        if ending == "reset":
            time.sleep(rng.random() * 0.05)
            reset(s)
            stats.add("reset")
            return
        if ending == "close":
            s.close()
            stats.add("close")
            return
        if ending == "halfclose":
            s.shutdown(socket.SHUT_WR)
        first, how = drain(s, 6.0 if ending == "hang" else 1.0)
        status = first[9:12].decode("latin-1") if first.startswith(b"HTTP/") else "other"
        stats.add(f"{ending}:{status if first else 'none'}:{how}")
    except OSError as e:
        stats.add(f"oserror:{type(e).__name__}")
    finally:
        s.close()


# ---------------------------------------------------------------------------
# The proxy and its figures


def pipe_fds(pid):
    """The proxy's pipe ends: its signal pipe, and its splice pipe once a
    body has been spliced (made on first use, then kept: whether the
    warm-up made it depends on timing, so it is allowed for)."""
    n = 0
    for x in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{x}").startswith("pipe:")
        except OSError:
            pass
    return n


def fds_ok(pid, base_fds, fds, base_pipes):
    """fds back at the baseline, plus the one splice pipe if it was made
    after the baseline (`base_pipes` is None when it existed already)."""
    if base_fds is None or fds == base_fds:
        return True
    return base_pipes is not None and fds == base_fds + 2 and pipe_fds(pid) == base_pipes + 2


def proc_figures(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return fds, rss


def stats_cmd(path, cmd):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(path)
    s.sendall(cmd.encode() + b"\n")
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    return out.decode("latin-1")


def show_info(path):
    info = {}
    for line in stats_cmd(path, "show info").splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            info[k] = v
    return info


def normal_get(port, path="/"):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
    first, _ = drain(s, 3)
    s.close()
    return first[:12]


def config(d, ports, back, pem):
    t = TIMEOUTS
    tls = "" if pem is None else f"""listen tls_l
    bind 127.0.0.1:{ports['tls']} ssl crt {pem}
    option http-server-close
    balance roundrobin
    server good 127.0.0.1:{back[0]}
    server mutant 127.0.0.1:{back[1]}
"""
    return f"""global
    maxconn 4000
    stats socket {d}/stats.sock level admin
defaults
    mode http
    retries 1
    option redispatch
    timeout connect {t['connect']}s
    timeout client {t['client']}s
    timeout server {t['server']}s
    timeout http-request {t['http_request']}s
    timeout queue {t['queue']}s
listen close_l 127.0.0.1:{ports['close']}
    option httpclose
    option forwardfor
    balance roundrobin
    cookie JSESSIONID prefix
    server good 127.0.0.1:{back[0]} cookie A
    server mutant 127.0.0.1:{back[1]} cookie B
listen sclose_l 127.0.0.1:{ports['sclose']}
    option http-server-close
    balance roundrobin
    cookie SRV insert indirect
    server good 127.0.0.1:{back[0]} cookie good
    server mutant 127.0.0.1:{back[1]} cookie mutant
listen stats_l 127.0.0.1:{ports['stats']}
    stats enable
    stats uri /stats
    stats auth admin:admin
    stats admin if TRUE
listen tcp_l 127.0.0.1:{ports['tcp']}
    mode tcp
    balance roundrobin
    server good 127.0.0.1:{back[0]}
    server mutant 127.0.0.1:{back[1]}
listen sane_l 127.0.0.1:{ports['sane']}
    option httpclose
    server good 127.0.0.1:{back[0]}
""" + tls


def settle(proc, sock_path, base_fds, limit_s, base_pipes=None):
    """Waits (bounded) for CurrConns 1 (the `show info` session itself,
    counted by 1.4.25 as well) and the fd count back at base_fds."""
    deadline = time.monotonic() + limit_s
    info, fds, rss = {}, -1, 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            info = show_info(sock_path)
            fds, rss = proc_figures(proc.pid)
        except OSError:
            info = {}
            time.sleep(0.5)
            continue
        if info.get("CurrConns") == "1" and fds_ok(proc.pid, base_fds, fds, base_pipes):
            break
        time.sleep(0.5)
    return info, fds, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy", default="target/release/haproxy")
    ap.add_argument("--conns", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--rss-margin-kb", type=int, default=1536)
    ap.add_argument("--no-tls", action="store_true", help="no TLS listener (for 1.4.25)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    print(f"net-fuzz: seed {a.seed}, {a.conns} connections, concurrency {a.concurrency}")
    d = tempfile.mkdtemp(prefix="hrs-netfuzz-")
    pem = None if a.no_tls else net_fuzz_tls.make_cert(d)
    names = ["close", "sclose", "stats", "tcp", "sane"] + ([] if pem is None else ["tls"])
    held = {n: held_port() for n in names}
    ports = {n: h.getsockname()[1] for n, h in held.items()}
    good = Backend(0, False, rng.getrandbits(32), TIMEOUTS["server"])
    mutant = Backend(0, True, rng.getrandbits(32), TIMEOUTS["server"])
    cfg = os.path.join(d, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(config(d, ports, [good.port, mutant.port], pem))
    err = open(os.path.join(d, "stderr"), "w")
    proc = subprocess.Popen([a.proxy, "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=err)
    sock_path = os.path.join(d, "stats.sock")
    for _ in range(100):
        if os.path.exists(sock_path) or proc.poll() is not None:
            break
        time.sleep(0.05)
    failures = []
    try:
        failures = run(a, proc, ports, sock_path)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if failures:
        print("net-fuzz: FAILED: " + "; ".join(failures) + f" (work dir {d})")
        sys.exit(1)
    print("net-fuzz: OK")


def run(a, proc, ports, sock_path):
    if proc.poll() is not None:
        return [f"proxy exited at start ({proc.returncode})"]
    cold_fds, cold_rss = proc_figures(proc.pid)
    cold_pipes = pipe_fds(proc.pid)
    normal_get(ports["sane"], "/big")
    # warm-up: normal requests at full concurrency, so buffer pools are at
    # their working size before the baseline is taken
    with ThreadPoolExecutor(a.concurrency) as ex:
        list(ex.map(lambda _: normal_get(ports["sane"]), range(500)))
        if "tls" in ports:
            list(ex.map(lambda _: net_fuzz_tls.normal_get(ports["tls"], drain), range(200)))
    _, base_fds, base_rss = settle(proc, sock_path, None, 10)
    # the splice pipe is made on first use and kept: if the warm-up did
    # not splice (timing), it may appear later without being a leak
    base_pipes = pipe_fds(proc.pid)
    if base_pipes != cold_pipes:
        base_pipes = None
    print(f"baseline: fds {base_fds} (cold {cold_fds}), RSS {base_rss} kB (cold {cold_rss} kB)")
    stats = Stats()
    peak = [base_fds, base_rss]
    done = threading.Event()

    def sampler():
        while not done.wait(2) and proc.poll() is None:
            f, r = proc_figures(proc.pid)
            peak[0], peak[1] = max(peak[0], f), max(peak[1], r)

    threading.Thread(target=sampler, daemon=True).start()
    t0 = time.monotonic()
    seeds = [random.Random(a.seed + 1).getrandbits(48) + i for i in range(a.conns)]
    with ThreadPoolExecutor(a.concurrency) as ex:
        list(ex.map(lambda s: one_client(ports, s, stats), seeds))
    done.set()
    took = time.monotonic() - t0
    print(f"sent {a.conns} connections in {took:.0f} s; peak fds {peak[0]}, peak RSS {peak[1]} kB")
    for k in sorted(stats.counts, key=lambda k: -stats.counts[k])[:25]:
        print(f"  {stats.counts[k]:6d} {k}")
    failures = []
    if proc.poll() is not None:
        return [f"proxy died ({proc.returncode})"]
    limit = max(TIMEOUTS.values()) * 3 + 10
    info, fds, rss = settle(proc, sock_path, base_fds, limit, base_pipes)
    print(f"after: fds {fds} (baseline {base_fds}), RSS {rss} kB (baseline {base_rss} kB, "
          f"+{rss - base_rss} kB), CurrConns {info.get('CurrConns')} (the query's own: 1)")
    if proc.poll() is not None:
        return [f"proxy died ({proc.returncode})"]
    if not fds_ok(proc.pid, base_fds, fds, base_pipes):
        failures.append(f"fds {fds} != baseline {base_fds}")
    elif fds != base_fds:
        print("(the splice pipe was made after the baseline: +2 fds allowed)")
    if rss > base_rss + a.rss_margin_kb:
        failures.append(f"RSS grew by {rss - base_rss} kB (> {a.rss_margin_kb} kB)")
    if info.get("CurrConns") != "1":
        failures.append(f"CurrConns {info.get('CurrConns')} (1 is the query's own)")
    if failures:
        print("show sess:\n" + stats_cmd(sock_path, "show sess"))
        print("fds: " + " ".join(sorted(os.readlink(f"/proc/{proc.pid}/fd/{x}")
                                        for x in os.listdir(f"/proc/{proc.pid}/fd"))))
    st = normal_get(ports["sane"])
    print(f"normal request after the fuzz: {st!r}")
    if not st.startswith(b"HTTP/1.") or st[9:12] != b"200":
        failures.append(f"normal request got {st!r}")
    if "tls" in ports:
        st = net_fuzz_tls.normal_get(ports["tls"], drain)
        print(f"normal request over TLS after the fuzz: {st!r}")
        if not st.startswith(b"HTTP/1.") or st[9:12] != b"200":
            failures.append(f"normal TLS request got {st!r}")
    return failures


if __name__ == "__main__":
    main()
