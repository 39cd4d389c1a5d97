#!/usr/bin/env python3
"""The scale section of `make bench` (issue #24): what a proxy's cost does
when the configuration grows, beside HAProxy 1.4.25 and 2.x when present.

  * pattern lists: `acl badip src -f ips.lst` (100,000 addresses, in a
    `block`) and `acl knownhost hdr(host) -i -f hosts.lst` (100,000 names,
    in `use_backend`), every request matching the last name; requests per
    proxy core-second with and without the two ACLs;
  * a 1,000-rule `use_backend` list on host names, matched by its first
    and by its last rule; roundrobin over a backend of 1,000 servers;
  * `haproxy -c` on 1,000/2,000/4,000/10,000 backends of 4 servers with one
    host rule each (scripts/gen-scale-config.py), fastest of 3.

The proxy is pinned to CPU 0, wrk and the nginx backend to CPU 1; the
figure is wrk's completed requests over the proxy's utime+stime, so other
load on the machine slows the run but bends the figure less. Each case
runs ROUNDS times (default 3), the proxies interleaved and their order
alternated from round to round; a cell is the median (min-max). Ports: BASE
(default 14500) for the proxy, BASE+1 for nginx.

Usage: bench-scale.py --proxy NAME=BIN [--proxy NAME=BIN ...]
       [--duration S] [--rounds N] [--base-port P] [--skip-load] [--skip-check]
A BIN whose `-v` says "HAProxy version 2" gets the 2.x syntax.
"""
import argparse
import os
import random
import re
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HZ = os.sysconf("SC_CLK_TCK")
N_LIST = 100_000


def is_v2(binary):
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    return "HAProxy version 2" in (out.stdout + out.stderr)


def head(port, v2):
    g = "global\n    maxconn 2000\n"
    if v2:
        g += "    no strict-limits\n"
    return g + ("\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n"
                "    timeout server 30s\n\nfrontend fe\n    bind 127.0.0.1:%d\n"
                "    option http-server-close\n" % port)


def backends(port, names):
    return "".join("\nbackend %s\n    server s 127.0.0.1:%d\n" % (n, port + 1) for n in names)


def cfg_plain(port, v2, _work):
    return head(port, v2) + "    default_backend app\n" + backends(port, ["app"])


def cfg_lists(port, v2, work):
    deny = "http-request deny if badip" if v2 else "block if badip"
    return (head(port, v2) +
            "    acl badip src -f %s/ips.lst\n    %s\n"
            "    acl knownhost hdr(host) -i -f %s/hosts.lst\n"
            "    use_backend app if knownhost\n    default_backend other\n" % (work, deny, work) +
            backends(port, ["app", "other"]))


def cfg_rules(port, v2, _work, n=1000):
    acls = "".join("    acl h%d hdr(host) -i site%d.example.com\n" % (i, i) for i in range(n))
    rules = "".join("    use_backend b%d if h%d\n" % (i % 10, i) for i in range(n))
    return (head(port, v2) + acls + rules + "    default_backend b0\n" +
            backends(port, ["b%d" % i for i in range(10)]))


def cfg_farm(port, v2, _work, n=1000):
    """one backend of n servers (all the same nginx), roundrobin"""
    return (head(port, v2) + "    default_backend farm\n\nbackend farm\n    balance roundrobin\n" +
            "".join("    server s%d 127.0.0.1:%d\n" % (i, port + 1) for i in range(n)))


def cfg_leastconn(port, v2, work):
    return cfg_farm(port, v2, work).replace("balance roundrobin", "balance leastconn")


def cfg_chash(port, v2, work):
    return cfg_farm(port, v2, work).replace(
        "balance roundrobin", "balance uri\n    hash-type consistent")


def write_lists(work):
    rng = random.Random(24)
    with open(os.path.join(work, "ips.lst"), "w") as f:
        # addresses outside 127/8, so the client is never blocked
        for _ in range(N_LIST):
            f.write("%d.%d.%d.%d\n" % (rng.randint(1, 126), rng.randint(0, 255),
                                       rng.randint(0, 255), rng.randint(1, 254)))
    with open(os.path.join(work, "hosts.lst"), "w") as f:
        for i in range(N_LIST):
            f.write("site%d.example.com\n" % i)


NGINX = """daemon off;
worker_processes 1;
pid %(w)s/nginx.pid;
error_log %(w)s/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path %(w)s/cb;
    proxy_temp_path %(w)s/pt;
    fastcgi_temp_path %(w)s/ft;
    uwsgi_temp_path %(w)s/ut;
    scgi_temp_path %(w)s/st;
    server { listen 127.0.0.1:%(p)d backlog=4096; location / { return 200 "hello\\n"; } }
}
"""


def wait_port(port, secs):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fl = f.read().rsplit(")", 1)[1].split()
    return int(fl[11]) + int(fl[12])


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def load(binary, cfg_text, work, port, host, duration):
    """(requests per proxy core-second, wrk requests/s) or None."""
    cfg = os.path.join(work, "bench.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    p = subprocess.Popen(["taskset", "-c", "0", binary, "-f", cfg, "-db"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_port(port, 60):
            return None
        wrk = ["taskset", "-c", "1", "wrk", "-t1", "-c50", "-H", "Host: " + host,
               "http://127.0.0.1:%d/" % port]
        subprocess.run(wrk[:-1] + ["-d1s", wrk[-1]], capture_output=True, timeout=60)
        c0 = cpu_ticks(p.pid)
        out = subprocess.run(wrk[:-1] + ["-d%ds" % duration, wrk[-1]], capture_output=True,
                             text=True, timeout=duration + 60).stdout
        c1 = cpu_ticks(p.pid)
        m = re.search(r"(\d+) requests in", out)
        r = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if not m or not r or c1 <= c0:
            return None
        return int(m.group(1)) / ((c1 - c0) / HZ), float(r.group(1))
    finally:
        stop(p)


def check_time(binary, cfg):
    best = None
    for _ in range(3):
        t = time.time()
        rc = subprocess.run([binary, "-c", "-q", "-f", cfg], capture_output=True,
                            timeout=600).returncode
        dt = time.time() - t
        if rc != 0:
            return None
        best = dt if best is None else min(best, dt)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proxy", action="append", required=True, help="NAME=BIN")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--base-port", type=int, default=14500)
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--skip-check", action="store_true")
    a = ap.parse_args()
    proxies = [tuple(p.split("=", 1)) for p in a.proxy]
    work = tempfile.mkdtemp(prefix="hrs-bench-scale-")
    os.chmod(work, 0o755)
    port = a.base_port
    print("# scale bench (issue #24): proxy on CPU 0, wrk + nginx on CPU 1, %ds runs" % a.duration)
    if not a.skip_load:
        write_lists(work)
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(NGINX % {"w": work, "p": port + 1})
        ng = subprocess.Popen(["taskset", "-c", "1", "nginx", "-p", work + "/", "-c",
                               os.path.join(work, "nginx.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_port(port + 1, 10):
                sys.exit("nginx did not start (see %s/nginx-error.log)" % work)
            cases = [
                ("no ACL", cfg_plain, "site%d.example.com" % (N_LIST - 1)),
                ("100k IPs + 100k hosts, last host", cfg_lists, "site%d.example.com" % (N_LIST - 1)),
                ("1,000 host rules, first matches", cfg_rules, "site0.example.com"),
                ("1,000 host rules, last matches", cfg_rules, "site999.example.com"),
                ("roundrobin over 1,000 servers", cfg_farm, "x"),
                ("leastconn over 1,000 servers", cfg_leastconn, "x"),
                ("uri, hash-type consistent, over 1,000 servers", cfg_chash, "x"),
            ]
            print("\n| requests per proxy core-second, median (min-max) of %d | " % a.rounds +
                  " | ".join(n for n, _ in proxies) + " |")
            print("|---" * (len(proxies) + 1) + "|")
            for label, make, host in cases:
                got = {n: [] for n, _ in proxies}
                for r in range(a.rounds):
                    order = proxies if r % 2 == 0 else proxies[::-1]
                    for name, binary in order:
                        x = load(binary, make(port, is_v2(binary), work), work, port, host,
                                 a.duration)
                        if x:
                            got[name].append(x[0])
                cells = []
                for name, _ in proxies:
                    v = sorted(got[name])
                    cells.append("%.0f (%.0f-%.0f)" % (statistics.median(v), v[0], v[-1])
                                 if v else "n/a")
                print("| %s | %s |" % (label, " | ".join(cells)), flush=True)
        finally:
            stop(ng)
    if not a.skip_check:
        gen = os.path.join(HERE, "gen-scale-config.py")
        print("\n| `-c` seconds, N backends x 4 servers + N host rules | " +
              " | ".join(n for n, _ in proxies) + " |")
        print("|---" * (len(proxies) + 1) + "|")
        for n in (1000, 2000, 4000, 10000):
            cfg = os.path.join(work, "c%d.cfg" % n)
            subprocess.run([sys.executable, gen, str(n), cfg], check=True)
            cells = []
            for _, binary in proxies:
                t = check_time(binary, cfg)
                cells.append("%.3f" % t if t is not None else "n/a")
            print("| %d | %s |" % (n, " | ".join(cells)), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
