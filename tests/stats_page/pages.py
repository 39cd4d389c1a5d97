"""Serves the stats page in every state the page test covers and fetches it.

One haproxy process (ours or 1.4.25's, same config) runs a proxy `app` whose
servers are in each state the page draws (UP, DOWN, NOLB, MAINT, no check,
backup UP, backup DOWN, tracking) plus a frontend and a backend, and several
small `listen` sections that only serve the stats page, each with one set of
stats options (admin on/off, refresh, scope, show-node/desc/legends,
hide-version).  `fetch_all` returns {name: (head, body)} for each page.
Every wait is bounded; the process is killed by its pid.
"""

import http.server
import os
import socket
import subprocess
import threading
import time


def bound_socket(share=False):
    """A TCP socket bound to 127.0.0.1, not listening, held by this
    process: port 0 first, then the port read back bound again by number on
    a second socket before the first closes (Linux releases a port it chose
    when a paused listener is shut down). With `share`, SO_REUSEPORT: a
    proxy binds the same port beside it (1.4.25 has no `fd@`)."""
    def one(port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if share:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        return s
    first = one(0)
    s = one(first.getsockname()[1])
    first.close()
    return s


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    status = 200

    def _answer(self):
        body = b"ok\n" if self.status == 200 else b"gone\n"
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # health checks close as soon as they have the status line
        pass


def start_backend(status):
    """A threaded HTTP server answering every request with `status`."""
    handler = type("H%d" % status, (_Handler,), {"status": status})
    srv = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# The stats-only sections: name -> stats lines.  Each gets its own port.
STATS_SECTIONS = {
    "plain": "",
    "admin": "    stats admin if TRUE\n",
    "refresh": "    stats refresh 5s\n",
    "scope": "    stats scope app\n",
    "decor": "    stats show-node node-A.1\n    stats show-desc my little cluster\n"
             "    stats show-legends\n",
    "hidever": "    stats hide-version\n",
    "admin_refresh": "    stats admin if TRUE\n    stats refresh 10s\n"
                     "    stats show-legends\n",
}

# The pages: name -> (section, uri).
PAGES = {
    "plain": ("plain", "/"),
    "admin": ("admin", "/"),
    "admin_done": ("admin", "/;st=DONE"),
    "admin_none": ("admin", "/;st=NONE"),
    "admin_part": ("admin", "/;st=PART"),
    "admin_errp": ("admin", "/;st=ERRP"),
    "admin_excd": ("admin", "/;st=EXCD"),
    "admin_deny": ("admin", "/;st=DENY"),
    "up": ("plain", "/;up"),
    "refresh": ("refresh", "/"),
    "refresh_up": ("refresh", "/;up"),
    "norefresh": ("refresh", "/;norefresh"),
    "norefresh_up": ("refresh", "/;up;norefresh"),
    "scope": ("scope", "/"),
    "decor": ("decor", "/"),
    "hidever": ("hidever", "/"),
    "admin_refresh_up": ("admin_refresh", "/;up"),
}


def config(addrs, ok_port, nf_port, dead_port):
    """The configuration: app's servers cover every state of the page;
    `addrs` holds each section's listening address (`fd@N` or ip:port)."""
    cfg = """global
    maxconn 200
    stats timeout 10s

defaults
    mode http
    contimeout 1000
    clitimeout 5000
    srvtimeout 5000
    option httpclose

frontend web {web}
    default_backend app

backend empty

listen app {app}
    balance roundrobin
    option httpchk GET /chk
    http-check disable-on-404
    server up1 127.0.0.1:{ok} check inter 200 fall 1 rise 1
    server down1 127.0.0.1:{dead} check inter 200 fall 1 rise 1
    server nolb1 127.0.0.1:{nf} check inter 200 fall 1 rise 1
    server maint1 127.0.0.1:{ok} check inter 200 disabled
    server nochk1 127.0.0.1:{ok}
    server trk1 127.0.0.1:{ok} track up1
    server bkup1 127.0.0.1:{ok} check inter 200 fall 1 rise 1 backup
    server bkdown1 127.0.0.1:{dead} check inter 200 fall 1 rise 1 backup
    server bkmaint1 127.0.0.1:{ok} backup disabled
""".format(web=addrs["web"], app=addrs["app"], ok=ok_port, nf=nf_port, dead=dead_port)
    for name, lines in STATS_SECTIONS.items():
        cfg += "\nlisten st_{n} {p}\n    stats enable\n    stats uri /\n{l}".format(
            n=name, p=addrs[name], l=lines)
    return cfg


def http_get(port, uri, timeout=5.0):
    """GET uri; returns (head, body) as text (latin-1)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: test\r\n\r\n" % uri).encode())
        data = b""
        end = time.time() + timeout
        while time.time() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    text = data.decode("latin-1")
    head, _, body = text.partition("\r\n\r\n")
    return head, body


EXPECTED_STATES = {"up1": "UP", "down1": "DOWN", "nolb1": "NOLB", "maint1": "MAINT",
                   "nochk1": "no check", "trk1": "UP", "bkup1": "UP",
                   "bkdown1": "DOWN", "bkmaint1": "MAINT"}


def wait_states(port, secs=10.0):
    """Polls the CSV until every server of app is in its intended state."""
    end = time.time() + secs
    got = {}
    while time.time() < end:
        try:
            _, body = http_get(port, "/;csv", timeout=2.0)
        except OSError:
            time.sleep(0.1)
            continue
        got = {}
        for line in body.splitlines():
            f = line.split(",")
            if len(f) > 17 and f[0] == "app" and f[1] in EXPECTED_STATES:
                got[f[1]] = f[17]
        if got == EXPECTED_STATES:
            return got
        time.sleep(0.1)
    raise RuntimeError("servers never reached their states: %r" % got)


class Running:
    """A haproxy process on the config above, with its backends."""

    def __init__(self, binary, workdir, handed=True):
        """`handed`: the proxy gets its listening sockets from this process
        (`bind fd@N`, haproxy-rs); otherwise (1.4.25) it binds ports this
        process holds until the proxy runs. No port is ever picked and
        freed."""
        self.ok = start_backend(200)
        self.nf = start_backend(404)
        # nothing listens there (connection refused); held until stop()
        self.dead = bound_socket()
        names = ["web", "app"] + list(STATS_SECTIONS)
        socks = {n: bound_socket(share=not handed) for n in names}
        self.ports = {n: socks[n].getsockname()[1] for n in names}
        if handed:
            addrs = {n: "fd@%d" % socks[n].fileno() for n in names}
        else:
            addrs = {n: "127.0.0.1:%d" % self.ports[n] for n in names}
        cfg = config(addrs, self.ok.server_address[1], self.nf.server_address[1],
                     self.dead.getsockname()[1])
        self.cfg_path = os.path.join(workdir, "haproxy.cfg")
        with open(self.cfg_path, "w") as f:
            f.write(cfg)
        keep = tuple(s.fileno() for s in socks.values()) if handed else ()
        with open(os.path.join(workdir, "haproxy.err"), "w") as err:
            self.proc = subprocess.Popen([binary, "-db", "-f", self.cfg_path],
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         pass_fds=keep)
        try:
            wait_states(self.ports["plain"])
        except Exception:
            self.stop()
            raise
        finally:
            # the proxy has them now (its copies, or its own binds)
            for sock in socks.values():
                sock.close()

    def url(self, page):
        section, uri = PAGES[page]
        return "http://127.0.0.1:%d%s" % (self.ports[section], uri)

    def fetch(self, page):
        section, uri = PAGES[page]
        return http_get(self.ports[section], uri)

    def fetch_all(self):
        return {name: self.fetch(name) for name in PAGES}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.ok.shutdown()
        self.nf.shutdown()
        self.dead.close()
