#!/usr/bin/env python3
"""Memory part of the scale bench (issue #24), for each proxy given:

  * stick table: RSS per entry of a `stick on src` table (`type ip`)
    filled for --fill seconds by requests from new source addresses of
    127/8, one per connection; the figure is the RSS growth from a warm
    proxy over the number of requests answered (table size 2 x --entries);
  * idle connections: RSS per client connection held open without a
    request (http mode, `timeout client` 5 min), as many as the fd hard
    limit allows (up to 100,000; the figure says how many).

Usage: bench-scale-mem.py --proxy NAME=BIN [...] [--entries N] [--base-port P]
Ports: P for the proxy, P+1 for nginx (started here).
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
bs = __import__("bench-scale")

def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def start(binary, cfg_text, work, port):
    cfg = os.path.join(work, "mem.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    p = subprocess.Popen(["taskset", "-c", "0", binary, "-f", cfg, "-db"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not bs.wait_port(port, 60):
        bs.stop(p)
        return None
    return p


def send_keys(port, secs, offset, conns=8):
    """For `secs` seconds, one request per connection, each from a new
    source address of 127/8 (the table's key); how many were answered."""
    import threading
    counts = [0] * conns
    end = time.time() + secs

    def run(c):
        i = offset + c
        while time.time() < end:
            ip = "127.%d.%d.%d" % ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)
            i += conns
            try:
                s = socket.socket()
                s.bind((ip, 0))
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                buf = b""
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    buf += d
                s.close()
                counts[c] += buf.startswith(b"HTTP/1.") and b" 200 " in buf[:16]
            except OSError:
                pass

    ts = [threading.Thread(target=run, args=(c,)) for c in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts)


def stick_rss(binary, v2, work, port, n, secs):
    cfg = (bs.head(port, v2) + "    default_backend app\n\nbackend app\n"
           "    stick-table type ip size %d expire 30m\n"
           "    stick on src\n    server s 127.0.0.1:%d\n" % (2 * n, port + 1))
    p = start(binary, cfg, work, port)
    if not p:
        return None
    try:
        send_keys(port, 2, 0x010000)
        r0 = rss(p.pid)
        got = send_keys(port, secs, 0x020000)
        r1 = rss(p.pid)
        return (r1 - r0) / max(got, 1), got
    finally:
        bs.stop(p)


def idle_rss(binary, v2, work, port, n):
    cfg = bs.head(port, v2).replace("maxconn 2000", "maxconn %d" % (n + 100)).replace(
        "timeout client 30s", "timeout client 300s") + "    maxconn %d\n" % (n + 100) + \
        "    default_backend app\n" + \
        bs.backends(port, ["app"])
    p = start(binary, cfg, work, port)
    if not p:
        return None
    socks = []
    try:
        # warm: a few requests, so that pools exist before the baseline
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while s.recv(65536):
                pass
            s.close()
        time.sleep(0.5)
        r0 = rss(p.pid)
        for i in range(n):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i // 20000), 0))
            s.connect(("127.0.0.1", port))
            socks.append(s)
        # every connection accepted: the proxy holds n more fds
        base = len(os.listdir("/proc/%d/fd" % p.pid))
        end = time.time() + 30
        while time.time() < end:
            time.sleep(0.5)
            now = len(os.listdir("/proc/%d/fd" % p.pid))
            if now == base:
                break
            base = now
        r1 = rss(p.pid)
        return (r1 - r0) / n
    finally:
        for s in socks:
            s.close()
        bs.stop(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy", action="append", required=True, help="NAME=BIN")
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--base-port", type=int, default=14600)
    ap.add_argument("--skip-stick", action="store_true")
    ap.add_argument("--fill", type=int, default=30, help="seconds of new keys")
    a = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n_idle = min(100_000, hard - 1000)
    proxies = [tuple(p.split("=", 1)) for p in a.proxy]
    work = tempfile.mkdtemp(prefix="hrs-bench-mem-")
    os.chmod(work, 0o755)
    port = a.base_port
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(bs.NGINX % {"w": work, "p": port + 1})
    ng = subprocess.Popen(["taskset", "-c", "1", "nginx", "-p", work + "/", "-c",
                           os.path.join(work, "nginx.conf")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not bs.wait_port(port + 1, 10):
            sys.exit("nginx did not start")
        print("\n| memory | " + " | ".join(n for n, _ in proxies) + " |")
        print("|---" * (len(proxies) + 1) + "|")
        if not a.skip_stick:
            cells = []
            for _, b in proxies:
                r = stick_rss(b, bs.is_v2(b), work, port, a.entries, a.fill)
                cells.append("%.0f B (%d keys)" % r if r else "n/a")
            print("| stick table, RSS per entry (stick on src, %d s of new addresses) | %s |" % (a.fill, " | ".join(cells)),
                  flush=True)
        cells = []
        for _, b in proxies:
            r = idle_rss(b, bs.is_v2(b), work, port, n_idle)
            cells.append("%.0f B" % r if r else "n/a")
        print("| idle connections, RSS per connection (%d held; fd hard limit %d) | %s |"
              % (n_idle, hard, " | ".join(cells)), flush=True)
    finally:
        bs.stop(ng)


if __name__ == "__main__":
    main()
