"""Stats area: the HTTP stats page (`stats uri`, HTML and ;csv), its CSV
columns after mixed traffic, the stats keywords of a proxy (scope, auth/realm,
refresh, hide-version, show-node/desc/legends, admin + POST) and the unix
stats socket (show info/stat/errors, get/set weight, enable/disable server,
clear counters, help and errors).  Scenario and helper names start with `st_`.

Two small, documented extensions live ONLY in this file (nothing in the shared
harness is edited):

1. View "st" (registered by wrapping the harness's `view_bytes` in the
   difftest module object found in sys.modules).  It keeps the status line and
   headers verbatim and the body line by line (no 16 KiB summary; HTML rows are
   split before each "<tr" so that diffs are readable), after rewriting only
   values that vary with time or scheduling:
     CSV (a line with >= 40 commas, HTTP ;csv or `show stat`): the columns
       lastchg, downtime, rate, check_duration, req_rate become "N" when
       non-empty (empty stays empty); rate_max and req_rate_max become "N"
       when non-zero ("0" and empty are kept: a max is >= 1 as soon as one
       session/request was counted, whatever the timing);
     HTML: pid, uptime, "Running tasks: a/b", durations such as "12s"/"1m5s"
       at the start of a cell (last change, downtime), "in 12ms" (check
       duration), and the two session-rate cells of every row (and their
       "Cur:/Max: N req/s" titles) become placeholders;
     show info: the values of Pid, Uptime, Uptime_sec, Tasks, Run_queue;
     show errors: the capture dates become [<date>] and the internal buffer
       flags (they depend on whether the server's FIN was already seen)
       become <flags>.
2. Unix stats socket clients.  A Client whose first step is ("st_unix",)
   connects to {{tmp}}/haproxy.sock instead of TCP (hxlib.ClientRun is
   replaced by a subclass that only changes behaviour for such clients; the
   temp dir is learned by wrapping the difftest module's `subst`, keyed by the
   scenario's syslog port).  Supported steps there: send, recv_close,
   recv_until, shutw, close, sleep, wait_log, wait_be.
"""

import os as st_os
import re as st_re
import socket as st_socket
import sys as st_sys
import time as st_time

import hxlib as st_hxlib


def st_find_difftest():
    for m in list(st_sys.modules.values()):
        if m is not None and hasattr(m, "run_traffic") and hasattr(m, "view_bytes") \
                and hasattr(m, "subst"):
            return m
    return None


ST_DT = st_find_difftest()
ST_TMPDIRS = {}          # syslog port -> temp dir of the running scenario

# ---------------------------------------------------------------------------
# view "st"
# ---------------------------------------------------------------------------

ST_CSV_VARY = ("lastchg", "downtime", "rate", "rate_max", "check_duration",
               "req_rate", "req_rate_max")
ST_CSV_COLS = ("pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,"
               "eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,"
               "qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,"
               "check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,"
               "hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,"
               "srv_abrt").split(",")
ST_CSV_IDX = [ST_CSV_COLS.index(c) for c in ST_CSV_VARY]


ST_CSV_MAXIDX = [ST_CSV_COLS.index(c) for c in ("rate_max", "req_rate_max")]


def st_norm_csv_line(line):
    eol = ""
    if line.endswith("\n"):
        line, eol = line[:-1], "\n"
    f = line.split(",")
    for i in ST_CSV_IDX:
        if i < len(f) and f[i] != "" and not (i in ST_CSV_MAXIDX and f[i] == "0"):
            f[i] = "N"
    return ",".join(f) + eol


def st_norm_html_row(row):
    """Session-rate cells: 2nd/3rd cells after the name cell in a frontend
    row (queue is one colspan cell there), 4th/5th after it in server and
    backend rows (part 0 of the split is the <tr> itself)."""
    m = st_re.match(r'<tr class="([^"]*)">', row)
    if not m or m.group(1) == "titre":
        return row
    parts = st_re.split(r"(?=<td)", row)
    # the name cell is the first "<td class=ac"; with "stats admin" an extra
    # checkbox/empty cell precedes it
    name = next((i for i, p in enumerate(parts) if p.startswith("<td class=ac")), 1)
    idx = (name + 2, name + 3) if m.group(1) == "frontend" else (name + 4, name + 5)
    for i in idx:
        if i < len(parts):
            parts[i] = st_re.sub(r"\d+", "N", parts[i])
    return "".join(parts)


def st_norm_body(body):
    body = st_re.sub(r"(Statistics Report for pid )\d+", r"\1<pid>", body)
    body = st_re.sub(r"(<b>pid = </b> )\d+", r"\1<pid>", body)
    body = st_re.sub(r"\d+d \d+h\d\dm\d\ds", "<uptime>", body)
    body = st_re.sub(r"Running tasks: \d+/\d+", "Running tasks: <n>/<n>", body)
    body = st_re.sub(r"(?m)^(Pid|Uptime_sec|Tasks|Run_queue): \d+$", r"\1: <n>", body)
    body = st_re.sub(r"(?m)^(Uptime): .*$", r"\1: <uptime>", body)
    # human durations at the start of a cell: "<td ...>12s", "1m5s DOWN", "in 3ms"
    body = st_re.sub(r"(<td[^>]*>)(?:\d+[dhms])+(?=[ <])", r"\1<t>", body)
    body = st_re.sub(r" in \d+ms", " in <n>ms", body)
    body = st_re.sub(r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]", "[<date>]", body)
    body = st_re.sub(r"buffer flags 0x[0-9a-f]+", "buffer flags <flags>", body)
    if "<tr" in body:
        pieces = []
        for ln in st_re.findall(r"[^\n]*\n|[^\n]+$", body):
            for p in st_re.split(r"(?=<tr)", ln):
                if p:
                    pieces.append(st_norm_html_row(p))
        return pieces
    out = []
    for ln in st_re.findall(r"[^\n]*\n|[^\n]+$", body):
        if ln.count(",") >= 40 and not ln.startswith("#"):
            ln = st_norm_csv_line(ln)
        out.append(ln)
    return out


def st_view(s):
    """s: already normalised by the harness (ports, tmp dir, Date)."""
    if s.startswith("HTTP/"):
        he = s.find("\r\n\r\n")
        head = s if he < 0 else s[:he + 4]
        body = "" if he < 0 else s[he + 4:]
        return {"head": ST_DT.split_lines(head), "body": st_norm_body(body)}
    return {"body": st_norm_body(s)}


if ST_DT is not None and not getattr(ST_DT.view_bytes, "st_wrapped", False):
    st_orig_view_bytes = ST_DT.view_bytes

    def st_view_bytes(data, view, keys, norm, _orig=st_orig_view_bytes):
        if view == "st":
            return st_view(norm.text(data.decode("latin-1")))
        return _orig(data, view, keys, norm)
    st_view_bytes.st_wrapped = True
    ST_DT.view_bytes = st_view_bytes

    st_orig_subst = ST_DT.subst

    def st_subst(template, ports, tmpdir, _orig=st_orig_subst):
        if "log" in ports:
            ST_TMPDIRS[ports["log"]] = tmpdir
        return _orig(template, ports, tmpdir)
    ST_DT.subst = st_subst

# ---------------------------------------------------------------------------
# unix stats socket clients
# ---------------------------------------------------------------------------

st_BaseClientRun = st_hxlib.ClientRun


class st_ClientRun(st_BaseClientRun):
    def run(self):
        if not (self.steps and self.steps[0] == ("st_unix",)):
            return st_BaseClientRun.run(self)
        tmpdir = ST_TMPDIRS.get(self.ctx.syslog.port)
        path = st_os.path.join(tmpdir or "/nonexistent", "haproxy.sock")
        # the harness only waits for the TCP listeners: give the unix socket
        # (bound at the same start-up step) a bounded moment to appear
        deadline = st_time.monotonic() + 3.0
        for _ in range(1000):
            try:
                self.sock = st_socket.socket(st_socket.AF_UNIX, st_socket.SOCK_STREAM)
                self.sock.settimeout(3.0)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if st_time.monotonic() > deadline or not isinstance(
                        e, (FileNotFoundError, ConnectionRefusedError)):
                    self.transcript.append({"connect": "failed:%s" % type(e).__name__})
                    return
                st_time.sleep(0.01)
        try:
            for st in self.steps[1:]:
                op = st[0]
                if op == "send":
                    try:
                        self.sock.sendall(st[1])
                        self.transcript.append({"send": st[1]})
                    except OSError as e:
                        self.transcript.append({"send": st[1], "error": type(e).__name__})
                elif op == "recv_until":
                    marker = st[1]

                    def done(b, marker=marker):
                        i = b.find(marker)
                        return i + len(marker) if i >= 0 else -1
                    data, how = self._read(done, st[2])
                    self.transcript.append({"recv": data, "end": how})
                elif op == "recv_close":
                    data, how = self._read(lambda b: -1, st[1])
                    self.transcript.append({"recv": data, "end": how})
                elif op == "shutw":
                    try:
                        self.sock.shutdown(st_socket.SHUT_WR)
                    except OSError:
                        pass
                    self.transcript.append({"shutw": True})
                elif op == "sleep":
                    st_time.sleep(min(st[1], st_hxlib.MAX_WAIT))
                elif op == "wait_log":
                    ok = self.ctx.syslog.wait_for(st[1], st[2], self.ctx.sync_timeout(st[3]))
                    if not ok:
                        self.ctx.sync_failed = True
                        self.transcript.append({"wait_log_timeout": st[1]})
                elif op == "wait_be":
                    ok = self.ctx.backends[st[1]].wait_requests(st[2], self.ctx.sync_timeout(st[3]))
                    if not ok:
                        self.ctx.sync_failed = True
                        self.transcript.append({"wait_be_timeout": st[1]})
                elif op == "close":
                    try:
                        self.sock.close()
                    except OSError:
                        pass
                    self.transcript.append({"close": True})
                else:
                    raise ValueError("unknown client step %r" % (op,))
        finally:
            try:
                self.sock.close()
            except OSError:
                pass


if not getattr(st_hxlib.ClientRun, "st_patched", False):
    st_ClientRun.st_patched = True
    st_hxlib.ClientRun = st_ClientRun

# ---------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------

ST_GLOBAL_ADMIN = GLOBAL.replace("stats socket {{tmp}}/haproxy.sock",
                                 "stats socket {{tmp}}/haproxy.sock level admin")
ST_GLOBAL_USER = GLOBAL.replace("stats socket {{tmp}}/haproxy.sock",
                                "stats socket {{tmp}}/haproxy.sock level user")
ST_BYTES = [(r"( (?:200|303|401|403) )\d+( )", r"\1<bytes>\2")]
ST_OK = resp(b"ok\n")


def st_after(n, req, view="st", port="fe", timeout=3.0, keys=(), name=None):
    """A stats (or other) request sent once n traffic log lines were seen;
    then waits for its own log line (n+1)."""
    steps = []
    if n:
        steps.append(("wait_log", LOGSYNC, n, 3.0))
    steps += [("send", req), ("recv_close", timeout), ("close",),
              ("wait_log", LOGSYNC, n + 1, 3.0)]
    return Client(steps, port=port, view=view, keys=keys, name=name)


def st_csv(n=0, uri=b"/st;csv", port="fe", extra=b"", method=b"GET"):
    return st_after(n, get(uri, extra=extra, method=method), port=port)


def st_sock(cmds, n_logs=0, view="st", name=None):
    """One stats-socket connection sending <cmds> (bytes), reading to EOF."""
    steps = [("st_unix",)]
    if n_logs:
        steps.append(("wait_log", LOGSYNC, n_logs, 3.0))
    steps += [("send", cmds), ("recv_close", 3.0), ("close",)]
    return Client(steps, view=view, name=name)


def st_cfg(body, glob=GLOBAL):
    return glob + body


def st_add(name, desc, config, backends, clients, **kw):
    kw.setdefault("log_subs", ST_BYTES)
    add(name, desc, config, backends, clients, **kw)


# ---------------------------------------------------------------------------
# CSV columns after traffic: one error kind per scenario
# ---------------------------------------------------------------------------

ST_APP = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
%(extra)s\
    server s1 127.0.0.1:{{%(s1)s}}%(s1opt)s
"""


def st_app(extra="", s1="be1", s1opt=""):
    if extra and not extra.endswith("\n"):
        extra += "\n"
    return ST_APP % {"extra": extra, "s1": s1, "s1opt": s1opt}


def st_one(raw, i, timeout=3.0):
    """one-shot client sending raw bytes, waiting for log line i+1"""
    return Client([("send", raw), ("recv_close", timeout), ("close",),
                   ("wait_log", LOGSYNC, i + 1, 3.0)])


st_add("st_csv_fresh",
       "CSV right after start: only the stats request itself is counted.",
       st_app(), {"be1": BackendSpec(ST_OK)},
       [st_csv(0)])

st_add("st_csv_two_200",
       "Two 200s through s1, then CSV: stot/bin/bout/lbtot/hrsp_2xx/req_tot.",
       st_app(), {"be1": BackendSpec(ST_OK)},
       seq([get(b"/a"), get(b"/b")]) + [st_csv(2)])

st_add("st_csv_400_badreq",
       "A malformed request line (400, ereq) then CSV.",
       st_app(), {"be1": BackendSpec(ST_OK)},
       [st_one(b"GARBAGE\r\n\r\n", 0), st_csv(1)])

st_add("st_csv_400_badheader",
       "A header line without colon (400) then CSV.",
       st_app(), {"be1": BackendSpec(ST_OK)},
       [st_one(b"GET / HTTP/1.1\r\nHost x\r\n\r\n", 0), st_csv(1)])

st_add("st_csv_408_http_request",
       "timeout http-request 500 on a partial request (408) then CSV.",
       st_app("    timeout http-request 500"), {"be1": BackendSpec(ST_OK)},
       [st_one(b"GET / HTTP/1.1\r\nHost: x", 0), st_csv(1)])

st_add("st_csv_408_clitimeout",
       "clitimeout 500 while the client sends nothing (408 or silent) then CSV.",
       st_app("    timeout client 500"), {"be1": BackendSpec(ST_OK)},
       [st_one(b"", 0), st_csv(1)])

st_add("st_csv_client_empty_close",
       "Client connects and closes without sending anything, then CSV.",
       st_app(), {"be1": BackendSpec(ST_OK)},
       [Client([("shutw",), ("recv_close", 3.0), ("close",),
                ("wait_log", LOGSYNC, 1, 3.0)]), st_csv(1)])

st_add("st_csv_502_empty",
       "Server closes without answering (502) then CSV: eresp, hrsp_5xx.",
       st_app(), {"be1": BackendSpec(on_request="close")},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_502_garbage",
       "Server answers garbage (502 bad response) then CSV.",
       st_app(), {"be1": BackendSpec(b"NOT HTTP AT ALL\r\n\r\n")},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_503_noserver",
       "Proxy without any server: 503, then CSV (backend row, no server rows).",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
""", {}, seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_503_alldown",
       "Only server DOWN by its check (refused): 503 then CSV (DOWN, L4CON).",
       st_app(s1="dead", s1opt=" check inter 500 downinter 20000"), {},
       seq([get(b"/x")]) + [st_csv(1)],
       ready_logs=[HC_DOWN])

st_add("st_csv_503_queue_timeout",
       "maxconn 1 + timeout queue 300: the second request times out in queue (503).",
       st_app("    timeout queue 300", s1opt=" maxconn 1"),
       {"be1": BackendSpec(ST_OK, delay=1.0)},
       [Client([("send", get(b"/slow")), ("recv_close", 3.0), ("close",)]),
        Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/queued")), ("recv_close", 3.0),
                ("close",)]),
        st_csv(2)], parallel=True)

st_add("st_csv_504",
       "srvtimeout 500 with a server that never answers (504) then CSV.",
       st_app("    timeout server 500"), {"be1": BackendSpec(on_request="hold")},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_client_abort",
       "Client closes while the server is still thinking: cli_abrt, then CSV.",
       st_app(), {"be1": BackendSpec(ST_OK, delay=0.5)},
       [Client([("send", get(b"/x")), ("wait_be", "be1", 1, 3.0), ("close",),
                ("wait_log", LOGSYNC, 1, 3.0)]), st_csv(1)])

st_add("st_csv_client_abort_abortonclose",
       "option abortonclose, client shuts its side while waiting: then CSV.",
       st_app("    option abortonclose"), {"be1": BackendSpec(ST_OK, delay=0.5)},
       [Client([("send", get(b"/x")), ("wait_be", "be1", 1, 3.0), ("shutw",),
                ("recv_close", 3.0), ("close",), ("wait_log", LOGSYNC, 1, 3.0)]),
        st_csv(1)])

st_add("st_csv_server_abort",
       "Server sends half of its announced body then closes: srv_abrt, then CSV.",
       st_app(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_refused_retries",
       "Server refuses, retries 2: 503 with econ/wretr, then CSV.",
       st_app("    retries 2", s1="dead"), {},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_redispatch",
       "s1 refuses, option redispatch, retries 1: served by s2 (wredis), then CSV.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    balance roundrobin
    retries 1
    option redispatch
    server s1 127.0.0.1:{{dead}}
    server s2 127.0.0.1:{{be1}}
""", {"be1": BackendSpec(ST_OK)},
       seq([get(b"/x")]) + [st_csv(1)])

st_add("st_csv_queue_max",
       "maxconn 1 server, 3 parallel clients: qmax 2, smax 1, then CSV.",
       st_app("    timeout queue 3000", s1opt=" maxconn 1"),
       {"be1": BackendSpec(ST_OK, delay=0.3)},
       [Client([("send", get(b"/q")), ("recv_close", 3.0), ("close",)]),
        Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/q")), ("recv_close", 3.0),
                ("close",)]),
        Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/q")), ("recv_close", 3.0),
                ("close",)]),
        st_csv(3)], parallel=True)

ST_R100 = b"HTTP/1.1 100 Continue\r\n\r\n" + ST_OK

st_add("st_csv_hrsp_classes",
       "Responses 200/301/404/500/600/1xx+200 then CSV hrsp_* per class.",
       st_app(), {"be1": BackendSpec([ST_OK, resp(b"", status=b"301 Moved"),
                                      resp(b"nf\n", status=b"404 Not Found"),
                                      resp(b"err\n", status=b"500 Internal"),
                                      resp(b"odd\n", status=b"600 Odd"), ST_R100])},
       seq([get(b"/%d" % i) for i in range(6)]) + [st_csv(6)])

st_add("st_csv_reqdeny_block",
       "reqdeny and block each deny one request (403, dreq), then CSV.",
       st_app("    acl blk path_beg /blk\n    block if blk\n    reqdeny ^GET\\ /deny"),
       {"be1": BackendSpec(ST_OK)},
       seq([get(b"/deny"), get(b"/blk"), get(b"/ok")]) + [st_csv(3)])

st_add("st_csv_rspdeny",
       "rspdeny on a response header (502, dresp), then CSV.",
       st_app("    rspdeny ^X-Secret:"),
       {"be1": BackendSpec(resp(b"s\n", b"X-Secret: 1\r\n"))},
       seq([get(b"/x")]) + [st_csv(1)])


# ---------------------------------------------------------------------------
# tcp-mode proxies, backends without servers, server states, checks
# ---------------------------------------------------------------------------

ST_STATS_LISTEN = """
listen stats 127.0.0.1:{{fe2}}
    mode http
    stats enable
    stats uri /st
"""

st_add("st_csv_tcp_mode",
       "A tcp-mode proxy after one echoed connection: CSV from a separate stats listen.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    mode tcp
    option tcplog
    server s1 127.0.0.1:{{be1}}
""" + ST_STATS_LISTEN, {"be1": BackendSpec(mode="tcp_echo")},
       [Client([("send", b"hello tcp\n"), ("shutw",), ("recv_close", 3.0), ("close",),
                ("wait_log", LOGSYNC, 1, 3.0)]),
        st_csv(1, port="fe2")], listen=("fe", "fe2"))

st_add("st_csv_tcp_refused",
       "A tcp-mode proxy whose server refuses (retries 1): econ/wretr in CSV.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    mode tcp
    option tcplog
    retries 1
    server s1 127.0.0.1:{{dead}}
""" + ST_STATS_LISTEN, {},
       [Client([("send", b"hello tcp\n"), ("recv_close", 3.0), ("close",),
                ("wait_log", LOGSYNC, 1, 3.0)]),
        st_csv(1, port="fe2")], listen=("fe", "fe2"))

st_add("st_csv_frontend_backends",
       "frontend + two backends (one without servers) + stats listen; CSV lists them all.",
       GLOBAL + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    acl empty path_beg /empty
    use_backend bk_empty if empty
    default_backend bk_app

backend bk_app
    server a1 127.0.0.1:{{be1}}

backend bk_empty
""" + ST_STATS_LISTEN, {"be1": BackendSpec(ST_OK)},
       seq([get(b"/a"), get(b"/empty")]) + [st_csv(2, port="fe2")],
       listen=("fe", "fe2"))

ST_STATES = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    balance roundrobin
    server s1 127.0.0.1:{{be1}} weight 3
    server s2 127.0.0.1:{{be2}} disabled
    server s3 127.0.0.1:{{be3}} backup
    server s4 127.0.0.1:{{be1}} weight 0
    server s5 127.0.0.1:{{be1}} maxconn 7 maxqueue 9
    server s6 127.0.0.1:{{be3}} backup weight 5
"""

st_add("st_csv_server_states",
       "disabled (MAINT), backup, weight 0, maxconn/maxqueue servers: CSV.",
       ST_STATES, {"be1": BackendSpec(ST_OK)},
       seq([get(b"/a"), get(b"/b"), get(b"/c")]) + [st_csv(3)])

st_add("st_html_server_states",
       "The same states rendered in the HTML page.",
       ST_STATES, {"be1": BackendSpec(ST_OK)},
       seq([get(b"/a")]) + [st_csv(1, uri=b"/st")])

ST_CHK_HOLD = [(b"OPTIONS", "hold"), (b"GET /chk", "hold"), (b"HEAD", "hold")]


def st_chk_backend(check_resp, data=ST_OK):
    """be serving data, except that check requests get <check_resp> and the
    connection is held open (deterministic close by the proxy)."""
    return BackendSpec([check_resp, data, data, data, data], after_rules=ST_CHK_HOLD)


ST_TRACK = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    balance roundrobin
    server s1 127.0.0.1:{{dead}} check inter 500 downinter 20000
    server s2 127.0.0.1:{{be1}} track s1
    server s3 127.0.0.1:{{be2}}
"""

st_add("st_csv_track_down",
       "s2 tracks s1 which is DOWN by check: both DOWN in CSV, tracked column.",
       ST_TRACK, {"be1": BackendSpec(ST_OK), "be2": BackendSpec(ST_OK)},
       seq([get(b"/a")]) + [st_csv(1)],
       ready_logs=[HC_DOWN, (r"Server app/s2 is DOWN", 1, 3.0)])

st_add("st_html_track_down",
       "Tracking server DOWN via its tracked server, HTML rendering.",
       ST_TRACK, {"be1": BackendSpec(ST_OK), "be2": BackendSpec(ST_OK)},
       [st_csv(0, uri=b"/st")],
       ready_logs=[HC_DOWN, (r"Server app/s2 is DOWN", 1, 3.0)])

ST_CHK_HTTP = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    option httpchk
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 20000
%(extra)s"""


def st_chk_http(extra=""):
    return ST_CHK_HTTP % {"extra": extra}


def st_after_check(uri=b"/st;csv", n=0):
    """stats request once the backend saw the check and the proxy had time to
    read its answer"""
    return Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.3)] +
                  ([("wait_log", LOGSYNC, n, 3.0)] if n else []) +
                  [("send", get(uri)), ("recv_close", 3.0), ("close",),
                   ("wait_log", LOGSYNC, n + 1, 3.0)], view="st")


st_add("st_csv_check_l7ok",
       "option httpchk answered 200: L7OK/200 in CSV.",
       st_chk_http(), {"be1": st_chk_backend(resp(b"up\n"))},
       [st_after_check()])

st_add("st_html_check_l7ok",
       "option httpchk answered 200: HTML LastChk cell.",
       st_chk_http(), {"be1": st_chk_backend(resp(b"up\n"))},
       [st_after_check(b"/st")])

st_add("st_csv_check_l7sts",
       "option httpchk answered 500: DOWN, L7STS/500 in CSV.",
       st_chk_http(), {"be1": st_chk_backend(resp(b"no\n", status=b"500 Internal Error"))},
       [st_csv(0)], ready_logs=[HC_DOWN])

st_add("st_html_check_l7sts",
       "option httpchk answered 500: HTML rendering of a DOWN L7STS server.",
       st_chk_http(), {"be1": st_chk_backend(resp(b"no\n", status=b"500 Internal Error"))},
       [st_csv(0, uri=b"/st")], ready_logs=[HC_DOWN])

st_add("st_csv_check_l7rsp",
       "option httpchk answered with garbage: L7RSP in CSV.",
       st_chk_http(), {"be1": BackendSpec(b"garbage\r\n\r\n")},
       [st_csv(0)], ready_logs=[HC_DOWN])

st_add("st_csv_check_l7tout",
       "option httpchk never answered, timeout check 300: L7TOUT in CSV.",
       st_chk_http("    timeout check 300"),
       {"be1": BackendSpec(on_request="hold")},
       [st_csv(0)], ready_logs=[HC_DOWN])

st_add("st_csv_check_l4con_html",
       "Refused check: HTML rendering of L4CON DOWN server and backend DOWN.",
       st_app(s1="dead", s1opt=" check inter 500 downinter 20000"), {},
       [st_csv(0, uri=b"/st")], ready_logs=[HC_DOWN])

st_add("st_csv_check_disabled_checked",
       "A disabled server with check: MAINT in CSV (no check run).",
       st_app(s1opt=" check inter 20000 disabled"), {"be1": BackendSpec(ST_OK)},
       [st_csv(0)])

st_add("st_csv_backup_only_up",
       "Active server DOWN, backup serves: CSV of act/bck counters and lbtot.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{dead}} check inter 500 downinter 20000
    server s2 127.0.0.1:{{be1}} backup
""", {"be1": BackendSpec(ST_OK)},
       seq([get(b"/a"), get(b"/b")]) + [st_csv(2)], ready_logs=[HC_DOWN])


# ---------------------------------------------------------------------------
# the page itself: HTML, ;csv, ;up, ;norefresh, refresh, scope, decorations
# ---------------------------------------------------------------------------

ST_TWO = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri %(uri)s
%(extra)s\
    server s1 127.0.0.1:{{be1}}
    server s2 127.0.0.1:{{dead}} check inter 500 downinter 20000
"""


def st_two(extra="", uri="/st"):
    if extra and not extra.endswith("\n"):
        extra += "\n"
    return ST_TWO % {"extra": extra, "uri": uri}


ST_S2_DOWN = [(r"Server app/s2 is DOWN", 1, 6.0)]
ST_B1 = {"be1": BackendSpec(ST_OK)}


def st_page(name, desc, extra, uri, uri_cfg="/st", backends=None, reqs=(), method=b"GET",
            req_extra=b""):
    st_add(name, desc, st_two(extra, uri_cfg), backends or ST_B1,
           (seq(list(reqs)) if reqs else []) +
           [st_csv(len(reqs), uri=uri, method=method, extra=req_extra)],
           ready_logs=ST_S2_DOWN)


st_page("st_html_page", "Full HTML page after one request (UP and DOWN servers).",
        "", b"/st", reqs=[get(b"/a")])
st_page("st_html_up", "HTML with ;up hides the DOWN server.", "", b"/st;up")
st_page("st_csv_up", ";csv;up: does ;up also filter the CSV?", "", b"/st;csv;up")
st_page("st_csv_suffix_order", ";up;csv in the other order still gives CSV.", "", b"/st;up;csv")
st_page("st_html_refresh", "stats refresh 5s: Refresh header and refresh links.",
        "    stats refresh 5s", b"/st")
st_page("st_html_norefresh", "stats refresh 5s with ;norefresh: no Refresh header.",
        "    stats refresh 5s", b"/st;norefresh")
st_page("st_html_norefresh_without_refresh", ";norefresh when no refresh is configured.",
        "", b"/st;norefresh")
st_page("st_csv_refresh", "stats refresh with ;csv: is there a Refresh header?",
        "    stats refresh 10", b"/st;csv")
st_page("st_html_refresh_up", "refresh + ;up: links keep ;up.",
        "    stats refresh 3s", b"/st;up")
st_page("st_html_hide_version", "stats hide-version: no version in the title.",
        "    stats hide-version", b"/st")
st_page("st_html_show_node_name", "stats show-node with a name.",
        "    stats show-node node-A.1", b"/st")
st_page("st_html_show_desc", "stats show-desc with several words.",
        "    stats show-desc my little cluster", b"/st")
st_page("st_html_show_legends", "stats show-legends: server titles with address/cookie.",
        "    stats show-legends\n    cookie SRV insert", b"/st")
st_page("st_html_scope_self", "stats scope . : only the current proxy.",
        "    stats scope .", b"/st")
st_page("st_html_query_after_uri", "stats uri matched as a prefix: /st?x=1;up.",
        "", b"/st?x=1;up")
st_page("st_html_prefix_longer", "stats uri /st matches /stats too (prefix).",
        "", b"/stats")
st_page("st_not_stats_case", "/ST does not match stats uri /st: goes to the server.",
        "", b"/ST")
st_page("st_html_default_uri", "stats enable without uri: default /haproxy?stats.",
        "", b"/haproxy?stats;csv", uri_cfg="/haproxy?stats")
st_page("st_head_request", "HEAD on the stats uri.", "", b"/st", method=b"HEAD")
st_page("st_post_no_admin", "POST on the stats uri without stats admin: 303 ;st=DENY.",
        "", b"/st", method=b"POST",
        req_extra=b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n")
st_page("st_put_not_stats", "PUT on the stats uri is not a stats request: goes to the server.",
        "", b"/st", method=b"PUT", req_extra=b"Content-Length: 0\r\n")
st_page("st_html_st_codes", "GET ;st=DONE shows the action result message.",
        "", b"/st;st=DONE")
st_page("st_html_st_unkn", "GET ;st=XXXX shows the unknown-result message.",
        "", b"/st;st=XXXX")
st_page("st_html_st_deny", "GET ;st=DENY message.", "", b"/st;st=DENY")
st_add("st_http10_request", "HTTP/1.0 request without Host to the stats page.",
       st_two(), ST_B1, [st_after(0, get(b"/st;csv", host=None, version=b"HTTP/1.0"))],
       ready_logs=ST_S2_DOWN)

st_add("st_scope_other",
       "stats scope app on a separate stats listen: only app is listed.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    server s1 127.0.0.1:{{be1}}

listen other 127.0.0.1:{{fe3}}
    server o1 127.0.0.1:{{be2}}

listen stats 127.0.0.1:{{fe2}}
    stats enable
    stats uri /st
    stats scope app
""", ST_B1, seq([get(b"/a")]) + [st_csv(1, port="fe2"), st_csv(2, uri=b"/st", port="fe2")],
       listen=("fe", "fe2", "fe3"))

st_add("st_scope_two",
       "Two stats scope lines (app and other), stats listen itself hidden.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    server s1 127.0.0.1:{{be1}}

listen other 127.0.0.1:{{fe3}}
    server o1 127.0.0.1:{{be2}}

listen stats 127.0.0.1:{{fe2}}
    stats enable
    stats uri /st
    stats scope app
    stats scope other
""", ST_B1, [st_csv(0, port="fe2")], listen=("fe", "fe2", "fe3"))

st_add("st_scope_unknown",
       "stats scope naming an unknown proxy: nothing listed.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats scope nosuch
    server s1 127.0.0.1:{{be1}}
""", ST_B1, [st_csv(0), st_csv(1, uri=b"/st")])

st_add("st_stats_in_backend",
       "stats uri in a backend reached by use_backend; frontend has none.",
       GLOBAL + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    acl st path_beg /admin
    use_backend bk_stats if st
    default_backend bk_app

backend bk_app
    server a1 127.0.0.1:{{be1}}

backend bk_stats
    stats enable
    stats uri /admin/st
""", ST_B1, seq([get(b"/st;csv")]) + [st_csv(1, uri=b"/admin/st;csv")])

st_add("st_stats_in_defaults",
       "stats enable/uri in defaults: inherited by two listens.",
       GLOBAL.replace("defaults\n", "defaults\n    stats enable\n    stats uri /dst\n") + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    server s1 127.0.0.1:{{be1}}

listen app2 127.0.0.1:{{fe2}}
    option httpclose
    server s2 127.0.0.1:{{be1}}
""", ST_B1, [st_csv(0, uri=b"/dst;csv"), st_csv(1, uri=b"/dst;csv", port="fe2")],
       listen=("fe", "fe2"))

st_add("st_stats_tcp_listen",
       "stats uri in a tcp-mode listen: warning, not served as stats.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    mode tcp
    option tcplog
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}}
""", {"be1": BackendSpec(ST_OK)},
       [Client([("send", get(b"/st;csv")), ("recv_close", 3.0), ("close",),
                ("wait_log", LOGSYNC, 1, 3.0)])])

st_add("st_keepalive_stats",
       "option http-server-close: stats request on a keep-alive connection closes it.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option http-server-close
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}}
""", {"be1": BackendSpec(ST_OK, after="keep")},
       [Client([("send", get(b"/a")), ("recv_resp", 3.0), ("send", get(b"/st;csv")),
                ("recv_close", 3.0), ("close",), ("wait_log", LOGSYNC, 2, 3.0)], view="st")])


# ---------------------------------------------------------------------------
# stats auth / realm / http-request
# ---------------------------------------------------------------------------

def st_basic(user_pass):
    import base64
    return b"Authorization: Basic " + base64.b64encode(user_pass) + b"\r\n"


ST_AUTH = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
%(extra)s\
    server s1 127.0.0.1:{{be1}}
"""


def st_auth_cfg(extra):
    if extra and not extra.endswith("\n"):
        extra += "\n"
    return ST_AUTH % {"extra": extra}


def st_auth_case(name, desc, extra, hdr, uri=b"/st;csv", view="st"):
    st_add(name, desc, st_auth_cfg(extra), ST_B1,
           [st_after(0, get(uri, extra=hdr), view=view)])


ST_A1 = "    stats auth admin:secret"
st_auth_case("st_auth_none_401", "stats auth, no credentials: 401 with default realm.",
             ST_A1, b"", view="raw")
st_auth_case("st_auth_wrong_401", "stats auth, wrong password: 401.",
             ST_A1, st_basic(b"admin:nope"), view="raw")
st_auth_case("st_auth_ok", "stats auth, right credentials: CSV.",
             ST_A1, st_basic(b"admin:secret"))
st_auth_case("st_auth_second_user", "two stats auth lines, second user accepted.",
             ST_A1 + "\n    stats auth ops:pw2", st_basic(b"ops:pw2"))
st_auth_case("st_auth_realm", "stats realm with an escaped space in the 401.",
             ST_A1 + "\n    stats realm My\\ Stats", b"", view="raw")
st_auth_case("st_auth_realm_only", "stats realm alone (no auth): page is served.",
             "    stats realm Alone", b"")
st_auth_case("st_auth_not_basic", "Authorization with a non-Basic scheme: 401.",
             ST_A1, b"Authorization: Digest abc\r\n", view="raw")
st_auth_case("st_auth_bad_b64", "Authorization Basic with junk base64: 401.",
             ST_A1, b"Authorization: Basic !!!!\r\n", view="raw")
st_auth_case("st_auth_html_ok", "stats auth ok, HTML page (no admin form).",
             ST_A1, st_basic(b"admin:secret"), uri=b"/st")
st_auth_case("st_auth_other_uri_no_auth", "A non-stats URI is not authenticated.",
             ST_A1, b"", uri=b"/app", view="raw")
st_auth_case("st_http_request_deny", "stats http-request deny: 403 on the stats uri.",
             "    stats http-request deny", b"", view="raw")
st_auth_case("st_http_request_auth_realm", "stats http-request auth realm Private: 401.",
             "    stats http-request auth realm Private", b"", view="raw")
st_auth_case("st_http_request_auth_default_realm",
             "stats http-request auth without realm: default realm in the 401.",
             "    stats http-request auth", b"", view="raw")

ST_UL = GLOBAL + """
userlist ul
    user admin insecure-password secret

listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats http-request auth realm Private unless { http_auth(ul) }
    server s1 127.0.0.1:{{be1}}
"""

st_add("st_http_request_userlist_401", "userlist + stats http-request auth, no credentials.",
       ST_UL, ST_B1, [st_after(0, get(b"/st;csv"), view="raw")])
st_add("st_http_request_userlist_ok", "userlist + stats http-request auth, right credentials.",
       ST_UL, ST_B1, [st_after(0, get(b"/st;csv", extra=st_basic(b"admin:secret")))])

add("st_cfg_auth_and_http_request",
    "stats auth and stats http-request in the same proxy: fatal.",
    st_auth_cfg(ST_A1 + "\n    stats http-request allow"), kind="check")

# ---------------------------------------------------------------------------
# stats admin: POST actions and the 303 answer
# ---------------------------------------------------------------------------

ST_ADMIN = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats admin %(cond)s
    balance roundrobin
    server s1 127.0.0.1:{{be1}}
    server s2 127.0.0.1:{{be2}}
"""


def st_admin_cfg(cond="if TRUE"):
    return ST_ADMIN % {"cond": cond}


def st_post(body, uri=b"/st", extra=b""):
    return (b"POST " + uri + b" HTTP/1.1\r\nHost: test.local\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


ST_B12 = {"be1": BackendSpec(resp(b"s1\n")), "be2": BackendSpec(resp(b"s2\n"))}


def st_admin_case(name, desc, body, cond="if TRUE", then=(), extra=b""):
    """POST <body>, then CSV, then requests <then>."""
    cl = [st_after(0, st_post(body, extra=extra), view="raw"), st_csv(1)]
    for i, r in enumerate(then):
        cl.append(st_one(r, 2 + i))
    st_add(name, desc, st_admin_cfg(cond), ST_B12, cl)


st_admin_case("st_admin_disable", "POST action=disable s=s1: 303 DONE, s1 MAINT, traffic to s2.",
              b"s=s1&action=disable&b=app", then=[get(b"/a"), get(b"/b")])
st_admin_case("st_admin_disable_two", "disable s1 and s2 at once: 303 DONE, 503 afterwards.",
              b"s=s1&s=s2&action=disable&b=app", then=[get(b"/a")])
st_admin_case("st_admin_enable_not_maint", "enable a server not in maintenance: NONE.",
              b"s=s1&action=enable&b=app")
st_admin_case("st_admin_unknown_server", "disable an unknown server: ERRP.",
              b"s=zz&action=disable&b=app")
st_admin_case("st_admin_partial", "disable s1 and an unknown server: PART.",
              b"s=s1&s=zz&action=disable&b=app")
st_admin_case("st_admin_unknown_backend", "unknown backend name: ERRP.",
              b"s=s1&action=disable&b=nosuch")
st_admin_case("st_admin_bad_action", "unknown action: ERRP.",
              b"s=s1&action=explode&b=app")
st_admin_case("st_admin_no_server", "action and backend but no server: NONE.",
              b"action=disable&b=app")
st_admin_case("st_admin_empty_body", "empty POST body: NONE.", b"")
st_admin_case("st_admin_stop", "action=stop sets the weight to 0 (DONE), traffic to s2.",
              b"s=s1&action=stop&b=app", then=[get(b"/a"), get(b"/b")])
st_admin_case("st_admin_order_b_first", "parameters in another order (b, action, s).",
              b"b=app&action=disable&s=s2", then=[get(b"/a"), get(b"/b")])
st_admin_case("st_admin_urlencoded", "url-encoded values (s%31 for s1).",
              b"s=s%31&action=disable&b=ap%70")
st_admin_case("st_admin_denied_cond", "stats admin if FALSE: POST answered 303 DENY.",
              b"s=s1&action=disable&b=app", cond="if FALSE", then=[get(b"/a")])
st_admin_case("st_admin_unless", "stats admin unless FALSE acts like if TRUE.",
              b"s=s1&action=disable&b=app", cond="unless FALSE", then=[get(b"/a")])
st_admin_case("st_admin_expect_100", "POST with Expect: 100-continue: 100 then 303.",
              b"s=s1&action=disable&b=app", extra=b"Expect: 100-continue\r\n")

st_add("st_admin_disable_enable",
       "disable then enable s1 via POST: logs of both, back in rotation.",
       st_admin_cfg(), ST_B12,
       [st_after(0, st_post(b"s=s1&action=disable&b=app"), view="raw"),
        st_after(1, st_post(b"s=s1&action=enable&b=app"), view="raw"),
        st_csv(2), st_one(get(b"/a"), 3), st_one(get(b"/b"), 4)])

st_add("st_admin_html_form",
       "stats admin: HTML page with the admin form and checkboxes.",
       st_admin_cfg(), ST_B12, [st_csv(0, uri=b"/st")])

st_add("st_admin_html_after_disable",
       "HTML page ;st=DONE after a disable: MAINT row and the result banner.",
       st_admin_cfg(), ST_B12,
       [st_after(0, st_post(b"s=s1&action=disable&b=app"), view="raw"),
        st_csv(1, uri=b"/st;st=DONE")])

st_add("st_admin_disable_checked_server",
       "disable a checked UP server then enable it: logs and CSV.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    option httpchk
    stats enable
    stats uri /st
    stats admin if TRUE
    server s1 127.0.0.1:{{be1}} check inter 20000
    server s2 127.0.0.1:{{be2}}
""", {"be1": st_chk_backend(resp(b"up\n")), "be2": BackendSpec(resp(b"s2\n"))},
       [Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.3),
                ("send", st_post(b"s=s1&action=disable&b=app")), ("recv_close", 3.0),
                ("close",), ("wait_log", LOGSYNC, 1, 3.0)]),
        # state after the disable read on the socket: an extra HTTP stats
        # answer would put its (check-duration dependent) size into bout
        st_sock(b"show stat\n", n_logs=1),
        st_after(1, st_post(b"s=s1&action=enable&b=app"), view="raw"),
        st_csv(2)])


# ---------------------------------------------------------------------------
# the unix stats socket
# ---------------------------------------------------------------------------

ST_SOCK_APP = """
listen app 127.0.0.1:{{fe}}
    option httpclose
    balance %(balance)s
    server s1 127.0.0.1:{{be1}}%(s1opt)s
    server s2 127.0.0.1:{{be2}}
"""


def st_sock_cfg(glob=GLOBAL, balance="roundrobin", s1opt=""):
    return glob + ST_SOCK_APP % {"balance": balance, "s1opt": s1opt}


def st_sock_case(name, desc, cmds_list, glob=GLOBAL, reqs_before=(), reqs_after=(),
                 balance="roundrobin", s1opt=""):
    """requests before, then one socket connection per entry of cmds_list,
    then requests after (each waits for its own traffic log line)."""
    cl = [st_one(r, i) for i, r in enumerate(reqs_before)]
    n = len(reqs_before)
    for c in cmds_list:
        cl.append(st_sock(c, n_logs=n))
    for i, r in enumerate(reqs_after):
        cl.append(st_one(r, n + i))
    st_add(name, desc, st_sock_cfg(glob, balance, s1opt), ST_B12, cl)


st_sock_case("st_sock_show_info", "show info (normalised pid/uptime/tasks).", [b"show info\n"])
st_sock_case("st_sock_show_stat", "show stat after two requests.", [b"show stat\n"],
             reqs_before=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_show_stat_filters", "show stat <iid> <type> <sid> filters.",
             [b"show stat 1 4 -1\n", b"show stat -1 1 -1\n", b"show stat 1 2 -1\n",
              b"show stat 1 4 2\n", b"show stat 2 -1 -1\n", b"show stat 1 -1\n"])
st_sock_case("st_sock_help", "help, an unknown command, an empty line.",
             [b"help\n", b"foo bar\n", b"\n", b"show\n", b"show foo\n", b"clear\n",
              b"get\n", b"set\n", b"enable\n", b"disable\n"])
st_sock_case("st_sock_multi_semicolon", "several commands on one line separated by ';'.",
             [b"show info;get weight app/s1;get weight app/s2\n"])
st_sock_case("st_sock_pipelined", "several lines sent at once (non-interactive).",
             [b"get weight app/s1\nget weight app/s2\n"])
st_sock_case("st_sock_prompt", "prompt mode: '> ' prompts, then quit.",
             [b"prompt\nget weight app/s1\nquit\n"])
st_sock_case("st_sock_crlf", "command ending with CRLF.", [b"get weight app/s1\r\n"])
st_sock_case("st_sock_no_newline", "command without a newline, then half-close.",
             [b"get weight app/s1"])
st_sock_case("st_sock_quit", "quit alone.", [b"quit\n"])
st_sock_case("st_sock_get_weight", "get weight: ok and all error forms.",
             [b"get weight app/s1\n", b"get weight app\n", b"get weight nosuch/s1\n",
              b"get weight app/zz\n", b"get weight\n", b"get weight /s1\n"],
             s1opt=" weight 7")
st_sock_case("st_sock_set_weight_operator", "set weight at the default (operator) level: denied.",
             [b"set weight app/s1 10\n", b"get weight app/s1\n"])
st_sock_case("st_sock_set_weight", "set weight absolute/relative, then get weight.",
             [b"set weight app/s1 50\n", b"get weight app/s1\n",
              b"set weight app/s1 50%\n", b"get weight app/s1\n",
              b"set weight app/s1 0\n", b"get weight app/s1\n"],
             glob=ST_GLOBAL_ADMIN, s1opt=" weight 20")
st_sock_case("st_sock_set_weight_errors", "set weight out of range and malformed.",
             [b"set weight app/s1 257\n", b"set weight app/s1 -1\n", b"set weight app/s1 101%\n",
              b"set weight app/s1\n", b"set weight app 5\n", b"set weight nosuch/s1 5\n",
              b"set weight app/zz 5\n", b"set weight app/s1 abc\n", b"get weight app/s1\n"],
             glob=ST_GLOBAL_ADMIN)
st_sock_case("st_sock_set_weight_static", "set weight on a static algorithm (balance source).",
             [b"set weight app/s1 5\n", b"set weight app/s1 0%\n", b"get weight app/s1\n",
              b"set weight app/s1 100%\n", b"get weight app/s1\n"],
             glob=ST_GLOBAL_ADMIN, balance="source")
st_sock_case("st_sock_set_weight_zero_routing", "set weight 0 on s1: all traffic to s2.",
             [b"set weight app/s1 0\n"], glob=ST_GLOBAL_ADMIN,
             reqs_after=[get(b"/a"), get(b"/b"), get(b"/c")])
st_sock_case("st_sock_disable_server", "disable server app/s1: MAINT log, traffic to s2.",
             [b"disable server app/s1\n", b"show stat\n"], glob=ST_GLOBAL_ADMIN,
             reqs_after=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_disable_enable", "disable then enable s1: both logs, round robin again.",
             [b"disable server app/s1\n", b"disable server app/s1\n", b"enable server app/s1\n",
              b"enable server app/s1\n"], glob=ST_GLOBAL_ADMIN,
             reqs_after=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_disable_both", "disable both servers: 503 afterwards.",
             [b"disable server app/s1\n", b"disable server app/s2\n"], glob=ST_GLOBAL_ADMIN,
             reqs_after=[get(b"/a")])
st_sock_case("st_sock_disable_errors", "disable/enable server error forms.",
             [b"disable server\n", b"disable server app\n", b"disable server nosuch/s1\n",
              b"disable server app/zz\n", b"enable server /s1\n", b"enable server app/\n",
              b"disable foo\n"], glob=ST_GLOBAL_ADMIN)
st_sock_case("st_sock_disable_operator", "disable server at operator level: denied.",
             [b"disable server app/s1\n", b"enable server app/s1\n"],
             reqs_after=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_clear_counters", "clear counters resets max values only.",
             [b"clear counters\n", b"show stat\n"], reqs_before=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_clear_counters_all_operator", "clear counters all at operator level: denied.",
             [b"clear counters all\n", b"show stat\n"], reqs_before=[get(b"/a")])
st_sock_case("st_sock_clear_counters_all", "clear counters all at admin level zeroes totals.",
             [b"clear counters all\n", b"show stat\n"], glob=ST_GLOBAL_ADMIN,
             reqs_before=[get(b"/a"), get(b"/b")])
st_sock_case("st_sock_user_level", "level user: show info/stat ok, errors/sess/clear denied.",
             [b"show info\n", b"show errors\n", b"show sess\n", b"clear counters\n",
              b"get weight app/s1\n", b"set weight app/s1 3\n", b"disable server app/s1\n"],
             glob=ST_GLOBAL_USER)
st_sock_case("st_sock_set_timeout", "set timeout cli: ok, bad values, other timeout.",
             [b"set timeout cli 5\n", b"set timeout cli\n", b"set timeout cli 0\n",
              b"set timeout cli abc\n", b"set timeout server 5\n", b"set foo\n"])
st_sock_case("st_sock_show_errors_empty", "show errors with no error captured.",
             [b"show errors\n"])
st_sock_case("st_sock_show_errors_request", "show errors after an invalid request.",
             [b"show errors\n", b"show errors 1\n", b"show errors 9\n"],
             reqs_before=[b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"])

st_add("st_sock_show_errors_response",
       "show errors after an invalid server response (502).",
       st_sock_cfg(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n")},
       [st_one(get(b"/x"), 0), st_sock(b"show errors\n", n_logs=1)])

st_add("st_sock_show_stat_with_stats_uri",
       "show stat and ;csv on the same config give the same rows.",
       st_two(), ST_B1, [st_sock(b"show stat\n"), st_csv(0)], ready_logs=ST_S2_DOWN)

st_add("st_sock_show_stat_check_states",
       "show stat with DOWN/MAINT/backup/tracked servers.",
       ST_TRACK.replace("    server s3 127.0.0.1:{{be2}}",
                        "    server s3 127.0.0.1:{{be2}} disabled\n    server s4 127.0.0.1:{{be2}} backup"),
       ST_B12, [st_sock(b"show stat\n")],
       ready_logs=[HC_DOWN, (r"Server app/s2 is DOWN", 1, 3.0)])

st_add("st_sock_enable_tracking",
       "disable/enable a tracking server whose tracked server is DOWN.",
       ST_GLOBAL_ADMIN + ST_TRACK[len(GLOBAL):], ST_B12,
       [st_sock(b"disable server app/s2\n"), st_sock(b"enable server app/s2\n"),
        st_sock(b"show stat\n")],
       ready_logs=[HC_DOWN, (r"Server app/s2 is DOWN", 1, 3.0)])


# ---------------------------------------------------------------------------
# configuration parsing of the stats keywords (haproxy -c)
# ---------------------------------------------------------------------------

ST_CHK_GLOBAL = """\
global
    maxconn 200
%(glob)s
defaults
    mode http
    contimeout 1000
    clitimeout 3000
    srvtimeout 3000
%(defaults)s
%(section)s 127.0.0.1:{{fe}}
%(lines)s
    %(server)s
"""


def st_cfgcheck(name, desc, lines="", glob="", defaults="", section="listen app"):
    server = "" if section.startswith("frontend") else "server s1 127.0.0.1:{{be1}}"
    if section.startswith("frontend"):
        lines += "\n    default_backend bk\nbackend bk\n    server s1 127.0.0.1:{{be1}}"
    add(name, desc, ST_CHK_GLOBAL % {"glob": glob, "defaults": defaults, "section": section,
                                     "lines": lines, "server": server}, kind="check")


st_cfgcheck("st_cfg_stats_no_keyword", "'stats' alone.", "    stats")
st_cfgcheck("st_cfg_stats_unknown", "'stats foo': unknown stats parameter.", "    stats foo")
st_cfgcheck("st_cfg_uri_missing", "'stats uri' without a prefix.", "    stats uri")
st_cfgcheck("st_cfg_realm_missing", "'stats realm' without a name.", "    stats realm")
st_cfgcheck("st_cfg_auth_missing", "'stats auth' without an account.", "    stats auth")
st_cfgcheck("st_cfg_auth_no_colon", "'stats auth' without a colon.", "    stats auth justuser")
st_cfgcheck("st_cfg_scope_missing", "'stats scope' without a proxy.", "    stats scope")
st_cfgcheck("st_cfg_refresh_bad", "'stats refresh 5x'.", "    stats refresh 5x")
st_cfgcheck("st_cfg_refresh_units", "'stats refresh 2m' is valid.", "    stats refresh 2m")
st_cfgcheck("st_cfg_admin_no_cond", "'stats admin' without if/unless.", "    stats admin")
st_cfgcheck("st_cfg_admin_bad_acl", "'stats admin if nosuchacl'.", "    stats admin if nosuchacl")
st_cfgcheck("st_cfg_admin_defaults", "'stats admin' in defaults.", "",
            defaults="    stats admin if TRUE")
st_cfgcheck("st_cfg_http_request_defaults", "'stats http-request' in defaults.", "",
            defaults="    stats http-request deny")
st_cfgcheck("st_cfg_http_request_bad", "'stats http-request foo'.", "    stats http-request foo")
st_cfgcheck("st_cfg_http_request_after_uncond", "a rule after an unconditional one: warning.",
            "    stats http-request allow\n    stats http-request deny")
st_cfgcheck("st_cfg_show_node_bad", "'stats show-node bad!name'.", "    stats show-node bad!name")
st_cfgcheck("st_cfg_show_desc_missing", "'stats show-desc' with no global desc: warning.",
            "    stats show-desc")
st_cfgcheck("st_cfg_show_desc_global", "'stats show-desc' with a global desc: fine.",
            "    stats show-desc", glob="    description my global desc")
st_cfgcheck("st_cfg_stats_in_frontend", "stats uri in a frontend: warning (not a backend).",
            "    stats uri /st", section="frontend web")
st_cfgcheck("st_cfg_stats_tcp", "stats in a tcp-mode listen.", "    mode tcp\n    stats enable")
st_cfgcheck("st_cfg_global_socket_missing", "global 'stats socket' without path.", "",
            glob="    stats socket")
st_cfgcheck("st_cfg_global_socket_level_bad", "global 'stats socket' with level root.", "",
            glob="    stats socket {{tmp}}/s.sock level root")
st_cfgcheck("st_cfg_global_socket_option_bad", "global 'stats socket' with an unknown option.",
            "", glob="    stats socket {{tmp}}/s.sock foo bar")
st_cfgcheck("st_cfg_global_socket_twice", "global 'stats socket' twice.", "",
            glob="    stats socket {{tmp}}/s.sock\n    stats socket {{tmp}}/t.sock")
st_cfgcheck("st_cfg_global_socket_ok", "global 'stats socket' with mode/level/uid.", "",
            glob="    stats socket {{tmp}}/s.sock mode 600 level admin uid 0 gid 0")
st_cfgcheck("st_cfg_global_socket_user_unknown", "global 'stats socket' user nosuchuser.", "",
            glob="    stats socket {{tmp}}/s.sock user nosuchuser")
st_cfgcheck("st_cfg_global_timeout_zero", "global 'stats timeout 0'.", "",
            glob="    stats timeout 0")
st_cfgcheck("st_cfg_global_timeout_bad", "global 'stats timeout 5x'.", "",
            glob="    stats timeout 5x")
st_cfgcheck("st_cfg_global_maxconn_zero", "global 'stats maxconn 0'.", "",
            glob="    stats maxconn 0")
st_cfgcheck("st_cfg_global_unknown", "global 'stats foo'.", "", glob="    stats foo")
st_cfgcheck("st_cfg_global_socket_long_path", "global 'stats socket' with a too long path.", "",
            glob="    stats socket /tmp/" + "x" * 120 + ".sock")


# ---------------------------------------------------------------------------
# more page variants
# ---------------------------------------------------------------------------

st_page("st_html_show_node_default", "stats show-node without a name: the host name.",
        "    stats show-node", b"/st")
st_page("st_csv_frontend_limits", "maxconn and rate-limit sessions: slim and rate_lim columns.",
        "    maxconn 50\n    rate-limit sessions 10", b"/st;csv")
st_page("st_html_frontend_limits", "maxconn and rate-limit sessions in the HTML page.",
        "    maxconn 50\n    rate-limit sessions 10", b"/st")

st_add("st_html_show_desc_global",
       "stats show-desc without text uses the global description.",
       GLOBAL.replace("    maxconn 200\n", "    maxconn 200\n    description global text\n"
                      "    node mynode\n") + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats show-desc
    stats show-node
    server s1 127.0.0.1:{{be1}}
""", ST_B1, [st_csv(0, uri=b"/st")])

st_add("st_sock_show_info_node_desc",
       "show info with global node and description set.",
       GLOBAL.replace("    maxconn 200\n", "    maxconn 200\n    description global text\n"
                      "    node mynode\n") + """
listen app 127.0.0.1:{{fe}}
    server s1 127.0.0.1:{{be1}}
""", ST_B1, [st_sock(b"show info\n")])

st_add("st_html_tcp_and_backends",
       "HTML page of a tcp proxy, a frontend and a backend without servers.",
       GLOBAL + """
listen tcpx 127.0.0.1:{{fe3}}
    mode tcp
    option tcplog
    server t1 127.0.0.1:{{be2}}

frontend web 127.0.0.1:{{fe}}
    option httpclose
    default_backend bk_empty

backend bk_empty
""" + ST_STATS_LISTEN, ST_B1, [st_csv(0, uri=b"/st", port="fe2")],
       listen=("fe", "fe2", "fe3"))

st_add("st_admin_with_auth",
       "stats auth + stats admin: POST without credentials is 401, with them 303.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats auth admin:secret
    stats admin if TRUE
    server s1 127.0.0.1:{{be1}}
    server s2 127.0.0.1:{{be2}}
""", ST_B12,
       [st_after(0, st_post(b"s=s1&action=disable&b=app"), view="raw"),
        st_after(1, st_post(b"s=s1&action=disable&b=app", extra=st_basic(b"admin:secret")),
                 view="raw"),
        st_csv(2, extra=st_basic(b"admin:secret"))])

st_add("st_admin_localhost_acl",
       "stats admin if LOCALHOST (predefined ACL): POST accepted.",
       st_admin_cfg("if LOCALHOST"), ST_B12,
       [st_after(0, st_post(b"s=s2&action=disable&b=app"), view="raw"), st_csv(1)])

st_add("st_admin_other_backend",
       "stats admin on one proxy disabling a server of another backend.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    stats admin if TRUE
    server s1 127.0.0.1:{{be1}}

backend other
    server o1 127.0.0.1:{{be2}}
""", ST_B12,
       [st_after(0, st_post(b"s=o1&action=disable&b=other"), view="raw"), st_csv(1)])

st_add("st_csv_mixed_traffic",
       "One proxy, 2 servers, mixed outcomes (200, 404, 502, refused+redispatch, 400, deny).",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    balance roundrobin
    retries 1
    option redispatch
    reqdeny ^GET\\ /deny
    server s1 127.0.0.1:{{be1}} weight 3
    server s2 127.0.0.1:{{dead}} weight 1
    server s3 127.0.0.1:{{be2}} backup
""", {"be1": BackendSpec([ST_OK, resp(b"nf\n", status=b"404 Not Found"), b"junk\r\n\r\n", ST_OK]),
      "be2": BackendSpec(ST_OK)},
       seq([get(b"/1"), get(b"/2"), get(b"/3"), get(b"/4"), b"GET /a b c HTTP/1.1\r\n\r\n", get(b"/deny"),
            get(b"/5")]) + [st_csv(7), st_sock(b"show stat\n", n_logs=8)])


# ---------------------------------------------------------------------------
# socket-stats rows, ids, disabled proxies, observe/hanafail
# ---------------------------------------------------------------------------

ST_SOCKSTATS = GLOBAL + """
frontend web
    bind 127.0.0.1:{{fe}} name first
    bind 127.0.0.1:{{fe3}}
    option httpclose
    option socket-stats
    default_backend bk

backend bk
    server b1 127.0.0.1:{{be1}}
""" + ST_STATS_LISTEN

st_add("st_csv_socket_stats",
       "option socket-stats: one CSV row per bind (named and unnamed).",
       ST_SOCKSTATS, ST_B1,
       seq([get(b"/a")]) + [st_csv(1, port="fe2")], listen=("fe", "fe2", "fe3"))

st_add("st_html_socket_stats",
       "option socket-stats rows in the HTML page.",
       ST_SOCKSTATS, ST_B1,
       seq([get(b"/a")]) + [st_csv(1, uri=b"/st", port="fe2")], listen=("fe", "fe2", "fe3"))

st_add("st_csv_explicit_ids",
       "proxy id and server ids set explicitly: iid/sid columns.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    id 7
    option httpclose
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}} id 12
    server s2 127.0.0.1:{{be1}}
""", ST_B1, [st_csv(0), st_sock(b"show stat 7 4 12\n", n_logs=1)])

st_add("st_csv_disabled_proxy",
       "A disabled listen is not listed; show stat skips it too.",
       GLOBAL + """
listen off 127.0.0.1:{{fe3}}
    disabled
    server o1 127.0.0.1:{{be2}}

listen app 127.0.0.1:{{fe}}
    option httpclose
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}}
""", ST_B1, [st_csv(0), st_sock(b"show stat\n", n_logs=1)])

st_add("st_csv_observe_hanafail",
       "observe layer7 on a checked server answering 500: hanafail counts.",
       GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    option httpchk
    stats enable
    stats uri /st
    server s1 127.0.0.1:{{be1}} check inter 20000 observe layer7 error-limit 2 on-error fail-check
""", {"be1": st_chk_backend(resp(b"up\n"), resp(b"err\n", status=b"500 Internal Error"))},
       [Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.3), ("send", get(b"/a")),
                ("recv_close", 3.0), ("close",), ("wait_log", LOGSYNC, 1, 3.0)]),
        st_one(get(b"/b"), 1), st_csv(2)])

# ---------------------------------------------------------------------------
# Status codes that are not three digits: 1.4 reads every byte as a digit
# (strl2ui); the server's hrsp_* slot follows the first character, the
# frontend's and backend's the value / 100.
# ---------------------------------------------------------------------------

st_add("st_csv_hrsp_odd_codes",
       "Responses 'abc', '2x0', '1000', '4' then CSV hrsp_* per row.",
       st_app(), {"be1": BackendSpec([resp(b"a\n", status=b"abc OK"),
                                      resp(b"b\n", status=b"2x0 Odd"),
                                      resp(b"c\n", status=b"1000 Big"),
                                      resp(b"d\n", status=b"4 Short")])},
       seq([get(b"/%d" % i) for i in range(4)]) + [st_csv(4)])

# A persistence cookie to a server whose queue is full: econ on that server
# and its backend (503), or a redispatch counted (wredis) with the option.
ST_FULL = GLOBAL + """
listen app 127.0.0.1:{{fe}}
    option httpclose
    contimeout 3000
    stats enable
    stats uri /st
    balance roundrobin
    cookie SRV insert
%(extra)s\
    server s1 127.0.0.1:{{be1}} cookie s1 maxconn 1 maxqueue 1
    server s2 127.0.0.1:{{be2}} cookie s2
"""


def st_full_clients():
    ck = b"Cookie: SRV=s1\r\n"
    return [Client([("send", get(b"/a", extra=ck)), ("recv_close", 4.0), ("close",)], name="a"),
            Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/b", extra=ck)),
                    ("recv_close", 4.0), ("close",)], name="b"),
            Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.3), ("send", get(b"/c", extra=ck)),
                    ("recv_close", 4.0), ("close",)], name="c"),
            st_after(3, get(b"/st;csv"), name="csv")]


for _n, _extra in (("503", ""), ("redispatch", "    option redispatch\n")):
    st_add("st_csv_queue_full_" + _n,
           "Cookie to a server with a full queue (%s), then CSV." % _n,
           ST_FULL % {"extra": _extra},
           {"be1": BackendSpec(ST_OK, delay=0.8), "be2": BackendSpec(ST_OK)},
           st_full_clients(), parallel=True)
