"""Traffic log lines and HTTP framing (catalogue of the `tr_` helper).

Area covered:
  * the traffic log line itself: termination-state pairs (CR, cR, CD, cD,
    CH, SC, SH, sH, SD, sD, sQ, PR, PH, PT ...) with their timers, status,
    byte counts and retries field, in httplog and tcplog mode, with and
    without `option logasap`; `dontlognull`, `dontlog-normal`,
    `log-separate-errors` (syslog level), `httplog clf`, the default
    "Connect from" format; request/response header captures and
    `capture cookie`; the two cookie-persistence characters after the
    termination state for every cookie mode;
  * HTTP framing of hostile/odd requests and responses (Content-Length
    variants, Transfer-Encoding variants, chunk sizes, obs-fold, NUL/CR
    bytes, HTTP/0.9, too many headers, pipelining and half-closes), in
    httpclose and http-server-close: what 1.4.25 answers and what the
    backend receives;
  * balancing details: weighted roundrobin, leastconn, source, uri
    (len/depth), url_param (check_post), hdr() (use_domain_only).
All scenario names and helpers start with `tr_`.
"""

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

TR_S1 = "    server s1 127.0.0.1:{{be1}}\n"
TR_S12 = "    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}\n"


def tr_listen(extra="", servers=TR_S1, mode="    option httpclose\n", glob=None,
              timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 2000\n"):
    if extra and not extra.endswith("\n"):
        extra += "\n"
    return (glob if glob is not None else GLOBAL) + "\nlisten app 127.0.0.1:{{fe}}\n" + \
        mode + timeouts + extra + servers


def tr_tcp(extra="", servers="    server t1 127.0.0.1:{{be1}}\n",
           timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 2000\n"):
    return tr_listen(extra, servers, mode="    mode tcp\n    option tcplog\n",
                     glob=GLOBAL_TCP, timeouts=timeouts)


def tr_one(req, t=3.0, n=1, sync=None, **kw):
    """one client: send, read until close, close, wait for the n-th log line"""
    return Client([("send", req), ("recv_close", t), ("close",),
                   ("wait_log", sync or LOGSYNC, n, 3.0)], **kw)


def tr_steps(steps, n=1, sync=None):
    return Client(list(steps) + [("wait_log", sync or LOGSYNC, n, 3.0)])


def tr_post(body, path=b"/p", extra=b"", cl=None):
    cl = len(body) if cl is None else cl
    return (b"POST " + path + b" HTTP/1.1\r\nHost: test.local\r\n" + extra +
            b"Content-Length: " + str(cl).encode() + b"\r\n\r\n" + body)


TR_OK = BackendSpec(resp(b"ok\n"))
TR_OK2 = BackendSpec(resp(b"ok2\n"))
TR_DOWN = (r"Server app/s1 is DOWN", 1, 6.0)
TR_BIG = b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n" + b"z" * 3000000

# ---------------------------------------------------------------------------
# 1. termination states, http mode
# ---------------------------------------------------------------------------

add("tr_http_ok_close",
    "httplog, httpclose, plain 200: '----' and byte count.",
    tr_listen(), {"be1": TR_OK}, [tr_one(get(b"/ok"))])

add("tr_http_ok_server_close_ka",
    "http-server-close: 2 keep-alive requests then client shutw while idle.",
    tr_listen(mode="    option http-server-close\n"),
    {"be1": BackendSpec(resp(b"req {{N}}\n"), after="keep")},
    [Client([("send", get(b"/1")), ("recv_resp", 3.0), ("send", get(b"/2")), ("recv_resp", 3.0),
             ("wait_log", LOGSYNC, 2, 3.0), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_CR_partial_head_shutw",
    "Client sends half a request head then half-closes (CR).",
    tr_listen(), {"be1": TR_OK},
    [tr_steps([("send", b"GET /x HTTP/1.1\r\nHost: te"), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_CR_partial_head_close_logasap",
    "Client sends half a request head then closes, option logasap (CR).",
    tr_listen("    option logasap"), {"be1": TR_OK},
    [tr_steps([("send", b"GET /x HTTP/1.1\r\nHost: te"), ("close",)])])

add("tr_http_CR_empty_close",
    "Client connects and closes without a byte, no dontlognull.",
    tr_listen(), {"be1": TR_OK},
    [tr_steps([("close",)])])

add("tr_http_cR_clitimeout_partial",
    "Partial head, no 'timeout http-request', clitimeout 500 -> 408 cR.",
    tr_listen(timeouts="    contimeout 1000\n    clitimeout 500\n    srvtimeout 2000\n"), {"be1": TR_OK},
    [tr_steps([("send", b"GET /x HTTP/1.1\r\n"), ("recv_close", 3.0), ("close",)])])

add("tr_http_cR_empty_dontlognull",
    "No byte sent, timeout http-request 500, option dontlognull: 408 sent, logged or not.",
    tr_listen("    timeout http-request 500\n    option dontlognull"), {"be1": TR_OK},
    [Client([("recv_close", 3.0), ("close",)]),
     tr_one(get(b"/after"))])

add("tr_http_cR_empty_logasap",
    "No byte sent, timeout http-request 500, option logasap.",
    tr_listen("    timeout http-request 500\n    option logasap"), {"be1": TR_OK},
    [tr_steps([("recv_close", 3.0), ("close",)])])

add("tr_http_CD_partial_body_shutw",
    "POST Content-Length 20, 5 body bytes, client half-closes.",
    tr_listen(), {"be1": TR_OK},
    [tr_steps([("send", tr_post(b"hello", cl=20)), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_CD_partial_body_close",
    "POST Content-Length 20, 5 body bytes, client closes.",
    tr_listen(), {"be1": TR_OK},
    [tr_steps([("send", tr_post(b"hello", cl=20)), ("sleep", 0.2), ("close",)])])

add("tr_http_cD_partial_body_timeout",
    "POST Content-Length 20, 5 body bytes, client stalls: clitimeout 500.",
    tr_listen(timeouts="    contimeout 1000\n    clitimeout 500\n    srvtimeout 2000\n"), {"be1": TR_OK},
    [tr_steps([("send", tr_post(b"hello", cl=20)), ("recv_close", 3.0), ("close",)])])

add("tr_http_cD_partial_body_timeout_server_close",
    "Same partial body stall in http-server-close mode.",
    tr_listen(mode="    option http-server-close\n",
              timeouts="    contimeout 1000\n    clitimeout 500\n    srvtimeout 2000\n"), {"be1": TR_OK},
    [tr_steps([("send", tr_post(b"hello", cl=20)), ("recv_close", 3.0), ("close",)])])

add("tr_http_CH_abortonclose_shutw",
    "option abortonclose: full request then client shutw while server thinks.",
    tr_listen("    option abortonclose"), {"be1": BackendSpec(resp(b"late\n"), delay=0.8)},
    [tr_steps([("send", get(b"/slow")), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_noabort_shutw",
    "No abortonclose: full request then client shutw; response still delivered.",
    tr_listen(), {"be1": BackendSpec(resp(b"late\n"), delay=0.5)},
    [tr_steps([("send", get(b"/slow")), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_CH_server_close_shutw",
    "http-server-close: full request then client shutw while server thinks.",
    tr_listen(mode="    option http-server-close\n"), {"be1": BackendSpec(resp(b"late\n"), delay=0.5)},
    [tr_steps([("send", get(b"/slow")), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_http_CD_client_rst_during_body",
    "3 MB response; client reads the head then closes with unread data (RST).",
    tr_listen(), {"be1": BackendSpec(TR_BIG)},
    [tr_steps([("send", get(b"/big")), ("recv_until", b"\r\n\r\n", 3.0), ("close",)])],
    log_subs=[(r" 200 \d+ ", " 200 <bytes> ")])

add("tr_http_SC_refused_retries0",
    "Refused server, retries 0 -> 503 SC, retries field 0.",
    tr_listen("    retries 0", servers="    server s1 127.0.0.1:{{dead}}\n"), {},
    [tr_one(get())])

add("tr_http_SC_refused_retries2_logasap",
    "Refused server, retries 2, logasap -> 503 SC, retries field 2.",
    tr_listen("    retries 2\n    option logasap", servers="    server s1 127.0.0.1:{{dead}}\n"), {},
    [tr_one(get())])

add("tr_http_SC_redispatch_rr",
    "roundrobin s1 refused, s2 alive, retries 2 + redispatch: '+' retries field.",
    tr_listen("    balance roundrobin\n    retries 2\n    option redispatch",
              servers="    server s1 127.0.0.1:{{dead}}\n    server s2 127.0.0.1:{{be2}}\n"),
    {"be2": TR_OK2}, [tr_one(get(b"/a"), n=1), tr_one(get(b"/b"), n=2), tr_one(get(b"/c"), n=3)])

add("tr_http_SC_redispatch_retries0",
    "retries 0 with redispatch: does it still redispatch?",
    tr_listen("    balance roundrobin\n    retries 0\n    option redispatch",
              servers="    server s1 127.0.0.1:{{dead}}\n    server s2 127.0.0.1:{{be2}}\n"),
    {"be2": TR_OK2}, [tr_one(get(b"/a"))])

add("tr_http_SH_close_logasap",
    "Server closes without response, logasap -> 502 SH.",
    tr_listen("    option logasap"), {"be1": BackendSpec(on_request="close")}, [tr_one(get())])

add("tr_http_SH_partial_headers",
    "Server sends part of a response head then closes -> 502.",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nX-Partial: 1\r\n")}, [tr_one(get())])

add("tr_http_sH_timeout_logasap",
    "Server silent, srvtimeout 500, logasap -> 504 sH.",
    tr_listen("    option logasap", timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 500\n"),
    {"be1": BackendSpec(on_request="hold")}, [tr_one(get())])

add("tr_http_sH_partial_headers_timeout",
    "Server sends part of a head and stalls, srvtimeout 500 -> 504.",
    tr_listen(timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 500\n"),
    {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nX-Partial: 1\r\n", after="hold")}, [tr_one(get())])

add("tr_http_SD_truncated_body",
    "Content-Length 100, 7 bytes sent, server closes -> SD.",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")},
    [tr_one(get())])

add("tr_http_SD_truncated_chunked",
    "Chunked response cut in the middle of a chunk, server closes.",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhal")},
    [tr_one(get())])

add("tr_http_SD_truncated_server_close_mode",
    "http-server-close: Content-Length 100, 7 bytes, server closes.",
    tr_listen(mode="    option http-server-close\n"),
    {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")},
    [tr_one(get())])

add("tr_http_sD_logasap",
    "Partial body then stall, srvtimeout 500, logasap.",
    tr_listen("    option logasap", timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 500\n"),
    {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", after="hold")},
    [tr_one(get())])

add("tr_http_sQ_queue_timeout",
    "maxconn 1, timeout queue 300: 2nd client times out in queue -> 503 sQ.",
    tr_listen("    timeout queue 300", servers="    server s1 127.0.0.1:{{be1}} maxconn 1\n"),
    {"be1": BackendSpec(resp(b"slow\n"), delay=1.0)},
    [Client([("send", get(b"/first")), ("recv_close", 3.0)], name="first"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/second")), ("recv_close", 3.0)], name="second")],
    parallel=True, settle_logs=[(LOGSYNC, 2, 3.0)])

add("tr_http_sQ_backend_queue_timeout",
    "Proxy-level queue: maxconn 1 on the only server, two waiters, queue timeout.",
    tr_listen("    timeout queue 400", servers="    server s1 127.0.0.1:{{be1}} maxconn 1\n"),
    {"be1": BackendSpec(resp(b"slow\n"), delay=1.2)},
    [Client([("send", get(b"/first")), ("recv_close", 3.0)], name="first"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/second")), ("recv_close", 3.0)], name="second"),
     Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.1), ("send", get(b"/third")), ("recv_close", 3.0)],
            name="third")],
    parallel=True, settle_logs=[(LOGSYNC, 3, 3.0)])

add("tr_http_PR_reqdeny",
    "reqdeny -> 403 PR.",
    tr_listen("    reqideny ^X-Bad:"), {"be1": TR_OK}, [tr_one(get(extra=b"X-Bad: 1\r\n"))])

add("tr_http_PR_400_bad_header_logasap",
    "Header without colon -> 400 with logasap.",
    tr_listen("    option logasap"), {"be1": TR_OK},
    [tr_one(b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n")])

add("tr_http_PH_rspdeny",
    "rspdeny on a response header -> 502 PH.",
    tr_listen("    rspideny ^X-Leak:"), {"be1": BackendSpec(resp(b"secret\n", b"X-Leak: yes\r\n"))},
    [tr_one(get())])

add("tr_http_PH_bad_status",
    "Response status line 'HTTP/1.1 abc OK' -> 502?",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 abc OK\r\nContent-Length: 3\r\n\r\nok\n")},
    [tr_one(get())])

add("tr_http_PH_bad_header_line",
    "Response header line without colon -> 502.",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nBadHeaderLine\r\nContent-Length: 3\r\n\r\nok\n")},
    [tr_one(get())])

add("tr_http_NOSRV_503_logasap",
    "Backend without server, logasap -> 503 <NOSRV>.",
    tr_listen("    option logasap", servers=""), {}, [tr_one(get())])

add("tr_http_PT_tarpit",
    "reqitarpit with timeout tarpit 300 -> 500 PT.",
    tr_listen("    timeout tarpit 300\n    reqitarpit ^X-Trap:"), {"be1": TR_OK},
    [tr_one(get(extra=b"X-Trap: 1\r\n"))])

add("tr_http_redirect_log",
    "redirect rule: log line of a 302 produced by the proxy.",
    tr_listen("    redirect location /elsewhere if TRUE"), {"be1": TR_OK}, [tr_one(get(b"/r"))])

add("tr_http_monitor_log",
    "monitor-uri request: not logged; following normal request logged.",
    tr_listen("    monitor-uri /mon"), {"be1": TR_OK},
    [Client([("send", get(b"/mon")), ("recv_close", 3.0), ("close",)]), tr_one(get(b"/real"))])

add("tr_http_304_no_body",
    "304 and 204 responses: byte counts and framing.",
    tr_listen(), {"be1": BackendSpec([b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n",
                                      b"HTTP/1.1 204 No Content\r\n\r\n"])},
    [tr_one(get(b"/a")), tr_one(get(b"/b"), n=2)])

add("tr_http_head_logasap",
    "HEAD with a Content-Length response, logasap.",
    tr_listen("    option logasap"), {"be1": BackendSpec(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")},
    [tr_one(get(method=b"HEAD"))])

add("tr_http_logasap_200",
    "logasap on a normal 200: '+' on Tt and bytes.",
    tr_listen("    option logasap"), {"be1": TR_OK}, [tr_one(get())])

add("tr_http_logasap_big",
    "logasap on a 3 MB response: byte count is the headers only.",
    tr_listen("    option logasap"), {"be1": BackendSpec(TR_BIG)},
    [Client([("send", get(b"/big")), ("recv_resp", 5.0), ("close",), ("wait_log", LOGSYNC, 1, 3.0)])])

# ---------------------------------------------------------------------------
# 1b. termination states, tcp mode
# ---------------------------------------------------------------------------

add("tr_tcp_ok_echo",
    "tcplog, echo, client half-closes: '--'.",
    tr_tcp(), {"be1": BackendSpec(mode="tcp_echo")},
    [tr_steps([("send", b"ping\n"), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_ok_logasap",
    "tcplog + logasap: logged at connect with '+' timers/bytes.",
    tr_tcp("    option logasap"), {"be1": BackendSpec(mode="tcp_echo")},
    [Client([("send", b"ping\n"), ("recv_until", b"ping\n", 3.0), ("wait_log", LOGSYNC, 1, 3.0),
             ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_SC_refused_retries1",
    "tcplog, refused, retries 1.",
    tr_tcp("    retries 1", servers="    server t1 127.0.0.1:{{dead}}\n"), {},
    [tr_steps([("send", b"x"), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_SC_logasap",
    "tcplog + logasap, refused server.",
    tr_tcp("    retries 1\n    option logasap", servers="    server t1 127.0.0.1:{{dead}}\n"), {},
    [tr_steps([("send", b"x"), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_cD_client_timeout",
    "tcplog, client idle, clitimeout 500 < srvtimeout -> cD.",
    tr_tcp(timeouts="    contimeout 1000\n    clitimeout 500\n    srvtimeout 2000\n"),
    {"be1": BackendSpec(b"never", mode="tcp", tcp_expect=1)},
    [tr_steps([("recv_close", 3.0), ("close",)])])

add("tr_tcp_sD_server_timeout",
    "tcplog, client sent data, server silent, srvtimeout 500 -> sD.",
    tr_tcp(timeouts="    contimeout 1000\n    clitimeout 2000\n    srvtimeout 500\n"),
    {"be1": BackendSpec(on_request="hold")},
    [tr_steps([("send", b"abc"), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_server_first_close",
    "tcp: server answers and half-closes first, client then closes.",
    tr_tcp(), {"be1": BackendSpec(b"banner\n", mode="tcp", tcp_expect=3)},
    [tr_steps([("send", b"abc"), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_dontlognull",
    "tcp + dontlognull: empty connection not logged, second with data logged.",
    tr_tcp("    option dontlognull\n    tcp-request inspect-delay 2s\n    tcp-request content accept if { req_len gt 0 }"),
    {"be1": BackendSpec(mode="tcp_echo")},
    [Client([("close",), ("sleep", 0.3)]),
     tr_steps([("send", b"data"), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_default_log",
    "mode tcp without tcplog: 'Connect from' line only.",
    tr_listen(mode="    mode tcp\n", glob=GLOBAL_TCP, servers="    server t1 127.0.0.1:{{be1}}\n"),
    {"be1": BackendSpec(mode="tcp_echo")},
    [tr_steps([("send", b"hi"), ("shutw",), ("recv_close", 3.0), ("close",)], sync=r"Connect from")])

# ---------------------------------------------------------------------------
# 1c. log options
# ---------------------------------------------------------------------------

TR_MIX = BackendSpec([resp(b"ok\n"), resp(b"nf\n", status=b"404 Not Found"),
                      resp(b"err\n", status=b"500 Internal Server Error"), resp(b"ok\n")])


def tr_mix_clients(logged):
    """6 sequential requests; <logged> tells which ones produce a log line
    (those wait for it; the others leave a short gap so that the previous
    session is gone before the next one is accepted)."""
    reqs = [get(b"/%d" % i) for i in range(4)] + [get(b"/deny", extra=b"X-Bad: 1\r\n"), get(b"/last")]
    cs, n = [], 0
    for r, lg in zip(reqs, logged):
        if lg:
            n += 1
            cs.append(tr_one(r, n=n))
        else:
            cs.append(Client([("send", r), ("recv_close", 3.0), ("close",), ("sleep", 0.2)]))
    return cs


add("tr_log_dontlog_normal",
    "dontlog-normal: 200/404 not logged; 500, 403 deny and the rest are.",
    tr_listen("    option dontlog-normal\n    reqideny ^X-Bad:"), {"be1": TR_MIX},
    tr_mix_clients([0, 0, 1, 0, 1, 0]))

add("tr_log_separate_errors",
    "log-separate-errors: 200/404 at info, 500/deny at err level.",
    tr_listen("    option log-separate-errors\n    reqideny ^X-Bad:"), {"be1": TR_MIX},
    tr_mix_clients([1, 1, 1, 1, 1, 1]))

add("tr_log_separate_errors_retry",
    "log-separate-errors: a 200 that needed a redispatch is logged at err.",
    tr_listen("    option log-separate-errors\n    balance roundrobin\n    retries 1\n    option redispatch",
              servers="    server s1 127.0.0.1:{{dead}}\n    server s2 127.0.0.1:{{be2}}\n"),
    {"be2": TR_OK2}, [tr_one(get(b"/a")), tr_one(get(b"/b"), n=2)])

add("tr_log_separate_errors_tcp",
    "log-separate-errors in tcp mode (refused and normal).",
    tr_listen("    option log-separate-errors\n    retries 0", mode="    mode tcp\n    option tcplog\n",
              glob=GLOBAL_TCP, servers="    server t1 127.0.0.1:{{dead}}\n"), {},
    [tr_steps([("send", b"x"), ("recv_close", 3.0), ("close",)])])

def tr_clf_timers(m):
    vals = [v if v == "-1" else "T" for v in m.group(2).split(" ")]
    return m.group(1) + " ".join(vals) + m.group(3)


TR_CLF_SUBS = [(r"\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]", "[<clfdate>]"),
               (r"\"-\" \"-\" \d+ \d{3} \"", "\"-\" \"-\" <cport> <ms> \""),
               (r"(\" )(-?\d+ -?\d+ -?\d+ -?\d+ -?\d+)( \")", tr_clf_timers)]
TR_CLF_SYNC = r"\"app\" \"app\""

add("tr_log_clf_200_captures",
    "option httplog clf with captures and capture cookie on a 200.",
    tr_listen("    option httplog clf\n    capture request header Host len 20\n"
              "    capture response header Content-Type len 20\n    capture cookie SID len 20"),
    {"be1": BackendSpec(resp(b"clf\n", b"Set-Cookie: SID=srv; path=/\r\n"))},
    [tr_one(get(b"/clf?a=1&b=%22x%22", extra=b"Cookie: SID=cli\r\n"), sync=TR_CLF_SYNC)],
    log_subs=TR_CLF_SUBS)

add("tr_log_clf_400_and_503",
    "httplog clf: a 400 bad request and a 503 (no server).",
    tr_listen("    option httplog clf", servers=""), {},
    [tr_one(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", sync=TR_CLF_SYNC),
     tr_one(get(b"/x"), n=2, sync=TR_CLF_SYNC)],
    log_subs=TR_CLF_SUBS)

add("tr_log_tcplog_in_http",
    "option tcplog in an http listen: tcplog format for HTTP traffic.",
    tr_listen("    option tcplog"), {"be1": TR_OK}, [tr_one(get())])

add("tr_log_no_httplog_http",
    "http mode without httplog: 'Connect from' only, for a 200 and a 400.",
    tr_listen(glob=GLOBAL.replace("    option httplog\n", "")), {"be1": TR_OK},
    [tr_one(get(), sync=r"Connect from"), tr_one(b"BAD\x01 / HTTP/1.1\r\n\r\n", n=2, sync=r"Connect from")])

add("tr_log_dontlognull_http_halfclose",
    "dontlognull + client shutw without data.",
    tr_listen("    option dontlognull"), {"be1": TR_OK},
    [Client([("shutw",), ("recv_close", 3.0), ("close",)]), tr_one(get(b"/after"))])

add("tr_log_uri_encoding",
    "URI with a DEL byte (0x7f): 400 <BADREQ>.",
    tr_listen(), {"be1": TR_OK},
    [tr_one(b"GET /a\"b#c{d}e|f\x7fg\xe9h%20i HTTP/1.1\r\nHost: x\r\n\r\n")])

add("tr_log_uri_encoding_accepted",
    "httplog URI field: quote, #, braces, pipe and high bytes (accepted by 1.4) in the log.",
    tr_listen(), {"be1": TR_OK},
    [tr_one(b"GET /a\"b#c{d}e|f~g\xe9h\x80%20i HTTP/1.1\r\nHost: x\r\n\r\n")])

add("tr_log_long_uri",
    "Very long URI (3000 bytes): truncation of the syslog line.",
    tr_listen("    capture request header Host len 10"), {"be1": TR_OK},
    [tr_one(get(b"/" + b"u" * 3000))],
    # the truncation point depends on the PID's digit count: keep only
    # whether the line was truncated inside the URI
    log_subs=[(r"/u{100,}", "/<u-run>")])

# ---------------------------------------------------------------------------
# 1d. captures
# ---------------------------------------------------------------------------

add("tr_cap_req_repeated",
    "capture request header X-A len 10 with X-A present twice.",
    tr_listen("    capture request header X-A len 10\n    capture request header X-B len 10"),
    {"be1": TR_OK}, [tr_one(get(extra=b"X-A: first\r\nX-B: b\r\nX-A: second\r\n"))])

add("tr_cap_req_trunc_missing",
    "Captures: truncated Host (len 4), missing header, long len, case-insensitive name.",
    tr_listen("    capture request header host len 4\n    capture request header X-Missing len 10\n"
              "    capture request header USER-AGENT len 100"),
    {"be1": TR_OK}, [tr_one(get(host=b"www.example.com"))])

add("tr_cap_special_chars",
    "Captured header with quote, #, braces, pipe, tab and a high byte.",
    tr_listen("    capture request header X-S len 60"),
    {"be1": TR_OK}, [tr_one(get(extra=b"X-S: a\"b#c{d}e|f\tg\xe9h\\i\r\n"))])

add("tr_cap_empty_value",
    "Captured header present with an empty value vs. absent.",
    tr_listen("    capture request header X-E len 10\n    capture request header X-F len 10"),
    {"be1": TR_OK}, [tr_one(get(extra=b"X-E:\r\n"))])

add("tr_cap_rsp_repeated_missing",
    "capture response header Set-Cookie (twice in response) + missing header.",
    tr_listen("    capture response header Set-Cookie len 30\n    capture response header X-None len 5\n"
              "    capture response header Content-Length len 2"),
    {"be1": BackendSpec(resp(b"r\n", b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"))}, [tr_one(get())])

add("tr_cap_on_400_and_503",
    "Captures on a 400 (bad request) and a 503 (dead server).",
    tr_listen("    capture request header Host len 20\n    capture response header Server len 20\n    retries 0",
              servers="    server s1 127.0.0.1:{{dead}}\n"), {},
    [tr_one(b"GET / HTTP/1.1\r\nHost: h400\r\nbad\r\n\r\n"), tr_one(get(host=b"h503"), n=2)])

add("tr_cap_frontend_backend",
    "Captures declared in the frontend apply; log shows frontend/backend names.",
    GLOBAL + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    capture request header Host len 15
    capture response header X-R len 15
    default_backend bk

backend bk
    server b1 127.0.0.1:{{be1}}
""", {"be1": BackendSpec(resp(b"fb\n", b"X-R: resp-val\r\n"))}, [tr_one(get())])

add("tr_cap_cookie_basic",
    "capture cookie SESS len 10: request and response cookie truncated.",
    tr_listen("    capture cookie SESS len 10"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: SESS=serverside123; path=/\r\n"))},
    [tr_one(get(extra=b"Cookie: a=1; SESS=abcdefghijklmnop; b=2\r\n"))])

add("tr_cap_cookie_prefix_name",
    "capture cookie SESS matches SESSION= (name prefix) in request and response.",
    tr_listen("    capture cookie SESS len 30"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: SESSIONX=s1\r\n"))},
    [tr_one(get(extra=b"Cookie: SESSION=x1; SESS=x2\r\n"))])

add("tr_cap_cookie_multi_headers",
    "capture cookie with two Cookie headers and two Set-Cookie headers.",
    tr_listen("    capture cookie ID len 20"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: other=1\r\nSet-Cookie: ID=second\r\nSet-Cookie: ID=third\r\n"))},
    [tr_one(get(extra=b"Cookie: x=1\r\nCookie: ID=inner\r\nCookie: ID=later\r\n"))])

add("tr_cap_cookie_absent",
    "capture cookie when neither side carries it.",
    tr_listen("    capture cookie ID len 20"), {"be1": TR_OK}, [tr_one(get(extra=b"Cookie: x=1\r\n"))])

# ---------------------------------------------------------------------------
# 1e. cookie persistence flags (the two characters after the termination state)
# ---------------------------------------------------------------------------


def tr_ck(cookie, extra="", s1=" cookie s1", s2=" cookie s2", s1port="be1", mode="    option httpclose\n"):
    return tr_listen("    balance roundrobin\n    cookie " + cookie + ("\n" + extra if extra else ""),
                     servers="    server s1 127.0.0.1:{{%s}}%s\n    server s2 127.0.0.1:{{be2}}%s\n"
                     % (s1port, s1, s2), mode=mode)


TR_CKB = {"be1": BackendSpec(resp(b"one\n")), "be2": BackendSpec(resp(b"two\n"))}
TR_CKSET = {"be1": BackendSpec(resp(b"one\n", b"Set-Cookie: SRV=app1; path=/\r\n")),
            "be2": BackendSpec(resp(b"two\n", b"Set-Cookie: SRV=app2; path=/\r\n"))}


def tr_ckreqs(*cookies, **kw):
    out = []
    for i, c in enumerate(cookies):
        ex = b"Cookie: " + c + b"\r\n" if c is not None else b""
        out.append(tr_one(get(b"/c%d" % i, extra=ex), n=i + 1))
    return out


add("tr_ck_insert_basic",
    "cookie SRV insert: no cookie / valid s2 / invalid value / empty value.",
    tr_ck("SRV insert"), TR_CKB, tr_ckreqs(None, b"SRV=s2", b"SRV=zz", b"SRV="))

add("tr_ck_insert_server_sets",
    "cookie SRV insert; server also emits SRV=...: removed and replaced.",
    tr_ck("SRV insert"), TR_CKSET, tr_ckreqs(None, b"SRV=s1"))

add("tr_ck_insert_preserve",
    "cookie SRV insert preserve: server-emitted SRV left untouched.",
    tr_ck("SRV insert preserve"), TR_CKSET, tr_ckreqs(None, b"SRV=s1"))

add("tr_ck_insert_indirect",
    "cookie SRV insert indirect: valid cookie stripped from request, other cookies kept.",
    tr_ck("SRV insert indirect"), TR_CKB,
    tr_ckreqs(b"a=1; SRV=s2; b=2", b"SRV=s1", b"SRV=bad; c=3", None))

add("tr_ck_insert_indirect_server_sets",
    "insert indirect, valid client cookie, server emits SRV too.",
    tr_ck("SRV insert indirect"), TR_CKSET, tr_ckreqs(b"SRV=s1", None))

add("tr_ck_insert_indirect_preserve",
    "insert indirect preserve, valid client cookie, server emits SRV too.",
    tr_ck("SRV insert indirect preserve"), TR_CKSET, tr_ckreqs(b"SRV=s1", None))

add("tr_ck_insert_nocache",
    "insert nocache: Cache-control header added when inserting only.",
    tr_ck("SRV insert nocache"), TR_CKB, tr_ckreqs(None, b"SRV=s2"))

add("tr_ck_insert_postonly",
    "insert postonly: GET gets no cookie, POST does.",
    tr_ck("SRV insert postonly"), TR_CKB,
    [tr_one(get(b"/g")), tr_one(tr_post(b"x=1"), n=2), tr_one(get(b"/g2", method=b"HEAD"), n=3)])

add("tr_ck_insert_attrs",
    "insert httponly secure domain: attributes of the inserted cookie.",
    tr_ck("SRV insert httponly secure domain .example.com"), TR_CKB, tr_ckreqs(None))

add("tr_ck_rewrite",
    "cookie SRV rewrite: server cookie value rewritten; no cookie -> nothing.",
    tr_ck("SRV rewrite"), {"be1": BackendSpec([resp(b"one\n", b"Set-Cookie: SRV=app1; path=/\r\n"), resp(b"plain\n")]),
                          "be2": BackendSpec(resp(b"two\n", b"Set-Cookie: SRV=app2\r\n"))},
    tr_ckreqs(None, None, b"SRV=s1", b"SRV=s9"))

add("tr_ck_prefix",
    "cookie JS prefix: server JS prefixed, client JS=s2~x stripped, unknown/without-tilde values.",
    tr_ck("JS prefix"), {"be1": BackendSpec(resp(b"one\n", b"Set-Cookie: JS=abc; path=/\r\n")),
                        "be2": BackendSpec(resp(b"two\n", b"Set-Cookie: JS=def\r\n"))},
    tr_ckreqs(None, b"JS=s2~x1", b"JS=zz~x2", b"JS=plain", b"JS=s1~"))

add("tr_ck_multiple_values",
    "Two SRV cookies in one request (s2 then s1) and in two Cookie headers.",
    tr_ck("SRV insert"), TR_CKB,
    [tr_one(get(b"/m1", extra=b"Cookie: SRV=s2; SRV=s1\r\n")),
     tr_one(get(b"/m2", extra=b"Cookie: SRV=s1\r\nCookie: SRV=s2\r\n"), n=2)])

TR_CK_DOWN = dict(s1=" cookie s1 check inter 300 fall 1 downinter 20000", s1port="dead")

add("tr_ck_down_server",
    "Cookie for a DOWN server, no persist: 'D' flag, goes to s2, new cookie.",
    tr_ck("SRV insert", **TR_CK_DOWN), TR_CKB, tr_ckreqs(b"SRV=s1"), ready_logs=[TR_DOWN])

add("tr_ck_down_server_persist",
    "Cookie for a DOWN server with option persist, no redispatch -> tries it.",
    tr_ck("SRV insert", "    option persist\n    retries 1", **TR_CK_DOWN), TR_CKB, tr_ckreqs(b"SRV=s1"),
    ready_logs=[TR_DOWN])

add("tr_ck_down_server_persist_redispatch",
    "Cookie for a DOWN server with option persist + redispatch.",
    tr_ck("SRV insert", "    option persist\n    option redispatch\n    retries 1", **TR_CK_DOWN), TR_CKB,
    tr_ckreqs(b"SRV=s1"), ready_logs=[TR_DOWN])

add("tr_ck_dead_unchecked_redispatch",
    "Cookie for an unchecked refusing server with redispatch: '+' retries, flags.",
    tr_ck("SRV insert", "    option redispatch\n    retries 2", s1port="dead"), TR_CKB, tr_ckreqs(b"SRV=s1"))

add("tr_ck_dead_unchecked_noredispatch",
    "Cookie for an unchecked refusing server without redispatch -> 503.",
    tr_ck("SRV insert", "    retries 1", s1port="dead"), TR_CKB, tr_ckreqs(b"SRV=s1"))

add("tr_ck_server_without_cookie_value",
    "insert mode where s2 has no 'cookie' value: no cookie set for s2.",
    tr_ck("SRV insert", s2=""), TR_CKB, tr_ckreqs(None, None, b"SRV=s1"))

add("tr_ck_insert_server_close_ka",
    "insert + http-server-close: keep-alive requests, cookie learned on the first.",
    tr_ck("SRV insert indirect", mode="    option http-server-close\n    timeout http-keep-alive 500\n"),
    {"be1": BackendSpec(resp(b"one\n")), "be2": BackendSpec(resp(b"two\n"))},
    [Client([("send", get(b"/k1")), ("recv_resp", 3.0),
             ("send", get(b"/k2", extra=b"Cookie: SRV=s1\r\n")), ("recv_resp", 3.0),
             ("send", get(b"/k3")), ("recv_resp", 3.0),
             ("wait_log", LOGSYNC, 3, 3.0), ("recv_close", 3.0), ("close",)])])

add("tr_ck_with_capture_cookie",
    "capture cookie of the persistence cookie itself in insert mode.",
    tr_ck("SRV insert", "    capture cookie SRV len 10"), TR_CKB, tr_ckreqs(None, b"SRV=s2"))

# ---------------------------------------------------------------------------
# 2. HTTP framing: hostile requests
# ---------------------------------------------------------------------------

TR_SC_MODE = "    option http-server-close\n    timeout http-keep-alive 300\n"
TR_FR_TO = "    contimeout 1000\n    clitimeout 1000\n    srvtimeout 1000\n"
TR_PRE = b"POST /f HTTP/1.1\r\nHost: test.local\r\n"
TR_CHUNKED = b"Transfer-Encoding: chunked\r\n"


def tr_fr(name, desc, req, modes=("hc", "sc"), backend=None, steps=None, extra=""):
    for m in modes:
        mode = "    option httpclose\n" if m == "hc" else TR_SC_MODE
        add("tr_fr_%s_%s" % (name, m), desc + (" (httpclose)" if m == "hc" else " (http-server-close)"),
            tr_listen(extra, mode=mode, timeouts=TR_FR_TO),
            {"be1": backend or BackendSpec(resp(b"ok\n"))},
            [tr_steps(steps) if steps else tr_one(req)])


tr_fr("cl_two_diff", "Two different Content-Length headers",
      TR_PRE + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
tr_fr("cl_two_same", "Two identical Content-Length headers",
      TR_PRE + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", modes=("sc",))
tr_fr("cl_list", "Content-Length: 5, 5 (list form)",
      TR_PRE + b"Content-Length: 5, 5\r\n\r\nhello", modes=("sc",))
tr_fr("cl_plus", "Content-Length: +5",
      TR_PRE + b"Content-Length: +5\r\n\r\nhello", modes=("sc",))
tr_fr("cl_minus", "Content-Length: -1",
      TR_PRE + b"Content-Length: -1\r\n\r\nhello", modes=("sc",))
tr_fr("cl_nondigit", "Content-Length: 5x",
      TR_PRE + b"Content-Length: 5x\r\n\r\nhello", modes=("sc",))
tr_fr("cl_empty", "Content-Length with an empty value",
      TR_PRE + b"Content-Length:\r\n\r\nhello", modes=("sc",))
tr_fr("cl_zeros", "Content-Length: 0005 (leading zeros)",
      TR_PRE + b"Content-Length: 0005\r\n\r\nhello", modes=("sc",))
tr_fr("cl_overflow", "Content-Length larger than 64 bits",
      TR_PRE + b"Content-Length: 99999999999999999999999\r\n\r\nhello", modes=("sc",))
tr_fr("cl_big_partial", "Content-Length 10^10, 5 bytes then client half-close", None, modes=("hc", "sc"),
      steps=[("send", TR_PRE + b"Content-Length: 10000000000\r\n\r\nhello"), ("shutw",),
             ("recv_close", 3.0), ("close",)])
tr_fr("bare_cr_value", "Bare CR inside a header value",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-A: a\rb\r\n\r\n", modes=("sc",))
tr_fr("nul_value", "NUL byte inside a header value",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-A: a\x00b\r\n\r\n", modes=("sc",))
tr_fr("nul_uri", "NUL byte inside the URI",
      b"GET /a\x00b HTTP/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("ctl_name", "Control byte inside a header name",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-\x01A: 1\r\n\r\n", modes=("sc",))
tr_fr("space_before_colon", "Space between header name and colon",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-A : 1\r\n\r\n", modes=("sc",))
tr_fr("chunk_size_17hex", "Chunk size of 17 hex digits (> 64 bits)",
      TR_PRE + TR_CHUNKED + b"\r\n10000000000000005\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("chunk_size_16zeros", "Chunk size with 16 hex digits (leading zeros)",
      TR_PRE + TR_CHUNKED + b"\r\n0000000000000005\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("chunk_size_8hex_big", "Chunk size ffffffff (4 GB), 5 bytes then half-close", None, modes=("sc",),
      steps=[("send", TR_PRE + TR_CHUNKED + b"\r\nffffffff\r\nhello"), ("shutw",), ("recv_close", 3.0), ("close",)])
tr_fr("chunk_bad_hex", "Chunk size 'zz'",
      TR_PRE + TR_CHUNKED + b"\r\nzz\r\nhello\r\n0\r\n\r\n")
tr_fr("chunk_ext", "Chunk extensions on data and last chunk",
      TR_PRE + TR_CHUNKED + b"\r\n5;name=val\r\nhello\r\n0;x=\"y\"\r\n\r\n", modes=("sc",))
tr_fr("chunk_trailers", "Trailers after the last chunk",
      TR_PRE + TR_CHUNKED + b"\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\nX-T2: 2\r\n\r\n")
tr_fr("chunk_missing_crlf", "Chunk data not followed by CRLF",
      TR_PRE + TR_CHUNKED + b"\r\n5\r\nhelloXX0\r\n\r\n", modes=("sc",))
tr_fr("chunk_lf_only", "Chunk lines ending with bare LF",
      TR_PRE + TR_CHUNKED + b"\r\n5\nhello\n0\n\n", modes=("sc",))
tr_fr("chunk_size_space", "Chunk size followed by spaces",
      TR_PRE + TR_CHUNKED + b"\r\n5  \r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("te_then_cl", "Transfer-Encoding chunked then Content-Length",
      TR_PRE + TR_CHUNKED + b"Content-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
tr_fr("cl_then_te", "Content-Length then Transfer-Encoding chunked",
      TR_PRE + b"Content-Length: 3\r\n" + TR_CHUNKED + b"\r\n5\r\nhello\r\n0\r\n\r\n")
tr_fr("te_gzip_chunked", "Transfer-Encoding: gzip, chunked",
      TR_PRE + b"Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("te_chunked_gzip", "Transfer-Encoding: chunked, gzip",
      TR_PRE + b"Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("te_two_headers", "Transfer-Encoding: gzip + Transfer-Encoding: chunked",
      TR_PRE + b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("te_upper", "Transfer-Encoding: CHUNKED",
      TR_PRE + b"Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("te_identity_cl", "Transfer-Encoding: identity with Content-Length",
      TR_PRE + b"Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", modes=("sc",))
tr_fr("te_http10", "HTTP/1.0 request with Transfer-Encoding chunked",
      b"POST /f HTTP/1.0\r\nHost: test.local\r\n" + TR_CHUNKED + b"\r\n5\r\nhello\r\n0\r\n\r\n")
tr_fr("fold_ordinary", "obs-fold continuation on an ordinary header",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-F: a\r\n  b\r\n\tc\r\nX-G: 1\r\n\r\n", modes=("sc",))
tr_fr("fold_cl", "obs-fold on Content-Length",
      TR_PRE + b"Content-Length:\r\n 5\r\n\r\nhello", modes=("sc",))
tr_fr("fold_te", "obs-fold on Transfer-Encoding",
      TR_PRE + b"Transfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", modes=("sc",))
tr_fr("http09", "HTTP/0.9 style 'GET /' with no version",
      b"GET /nine\r\n")
tr_fr("http09_blank", "HTTP/0.9 style 'GET /' followed by a blank line",
      b"GET /nine\r\n\r\n", modes=("sc",))
tr_fr("lower_method", "Lowercase method 'get'",
      b"get /low HTTP/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("odd_method", "Unknown method 'FOO' and long method name",
      b"FOO-BAR_BAZ /m HTTP/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("absolute_uri", "Absolute URI with port and query",
      b"GET http://other.example:81/p?q=1 HTTP/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("connect", "CONNECT host:port request",
      b"CONNECT test.local:443 HTTP/1.1\r\nHost: test.local:443\r\n\r\n", modes=("sc",))
tr_fr("version_11_lower", "Request version 'http/1.1' in lowercase",
      b"GET / http/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("version_12", "Request version HTTP/1.2",
      b"GET / HTTP/1.2\r\nHost: test.local\r\n\r\n", modes=("sc",))
tr_fr("version_garbage", "Request version 'HTTQ/1.1'",
      b"GET / HTTQ/1.1\r\nHost: test.local\r\n\r\n", modes=("sc",))


def tr_nhdr(total):
    hs = b"".join(b"X-H%03d: v\r\n" % i for i in range(total - 1))
    return b"GET /h HTTP/1.1\r\nHost: test.local\r\n" + hs + b"\r\n"


tr_fr("hdrs_205", "205 header lines", tr_nhdr(205), modes=("sc",))
tr_fr("hdrs_206", "206 header lines", tr_nhdr(206), modes=("sc",))
tr_fr("hdrs_204", "204 header lines", tr_nhdr(204), modes=("sc",))
tr_fr("long_header_line", "One 12000-byte header line",
      b"GET / HTTP/1.1\r\nHost: test.local\r\nX-Long: " + b"L" * 12000 + b"\r\n\r\n", modes=("sc",))

# pipelining and half-closes
TR_KEEP = BackendSpec(resp(b"r{{N}}\n"), after="keep")
for tr_loop_m, tr_loop_mode in (("hc", "    option httpclose\n"), ("sc", TR_SC_MODE)):
    add("tr_fr_pipe_post_get_" + tr_loop_m, "Pipelined GET right after a POST body in one segment (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": TR_KEEP},
        [tr_steps([("send", TR_PRE + b"Content-Length: 5\r\n\r\nhello" + get(b"/second")),
                   ("recv_close", 3.0), ("close",)], n=1)],
        settle_logs=[(LOGSYNC, 1, 2.0)])
    add("tr_fr_pipe_chunked_get_" + tr_loop_m, "Pipelined GET right after a chunked body (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": TR_KEEP},
        [tr_steps([("send", TR_PRE + TR_CHUNKED + b"\r\n5\r\nhello\r\n0\r\n\r\n" + get(b"/second")),
                   ("recv_close", 3.0), ("close",)], n=1)])
    add("tr_fr_halfclose_partial_chunk_" + tr_loop_m, "Client half-closes inside a chunk (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": BackendSpec(resp(b"ok\n"))},
        [tr_steps([("send", TR_PRE + TR_CHUNKED + b"\r\na\r\nhel"), ("shutw",), ("recv_close", 3.0), ("close",)])])
    add("tr_fr_halfclose_complete_chunked_" + tr_loop_m, "Client half-closes after a complete chunked POST (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": BackendSpec(resp(b"ok\n"))},
        [tr_steps([("send", TR_PRE + TR_CHUNKED + b"\r\n5\r\nhello\r\n0\r\n\r\n"), ("shutw",),
                   ("recv_close", 3.0), ("close",)])])
    add("tr_fr_halfclose_headers_only_" + tr_loop_m, "POST Content-Length 5, head only, then half-close (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": BackendSpec(resp(b"ok\n"))},
        [tr_steps([("send", TR_PRE + b"Content-Length: 5\r\n\r\n"), ("shutw",), ("recv_close", 3.0), ("close",)])])
    add("tr_fr_halfclose_complete_get_" + tr_loop_m, "Complete GET then half-close before the answer (%s)." % tr_loop_m,
        tr_listen(mode=tr_loop_mode, timeouts=TR_FR_TO), {"be1": BackendSpec(resp(b"ok\n"), delay=0.2)},
        [tr_steps([("send", get(b"/hc")), ("shutw",), ("recv_close", 3.0), ("close",)])])

add("tr_fr_pipe_three_get_sc",
    "Three pipelined GETs in one segment with http-server-close.",
    tr_listen(mode=TR_SC_MODE, timeouts=TR_FR_TO), {"be1": TR_KEEP},
    [tr_steps([("send", get(b"/1") + get(b"/2") + get(b"/3")), ("recv_close", 3.0), ("close",)], n=3)])

add("tr_fr_pipe_three_get_hc",
    "Three pipelined GETs in one segment with httpclose.",
    tr_listen(timeouts=TR_FR_TO), {"be1": TR_KEEP},
    [tr_steps([("send", get(b"/1") + get(b"/2") + get(b"/3")), ("recv_close", 3.0), ("close",)], n=1)])

# ---------------------------------------------------------------------------
# 2b. HTTP framing: odd responses from the backend
# ---------------------------------------------------------------------------


def tr_rsp(name, desc, raw, modes=("sc",), after="shutw"):
    for m in modes:
        mode = "    option httpclose\n" if m == "hc" else TR_SC_MODE
        add("tr_rsp_%s_%s" % (name, m), desc + (" (httpclose)" if m == "hc" else " (http-server-close)"),
            tr_listen(mode=mode, timeouts=TR_FR_TO), {"be1": BackendSpec(raw, after=after)},
            [tr_one(get(b"/r"))])


tr_rsp("two_cl_diff", "Response with two different Content-Length headers",
       b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", modes=("hc", "sc"))
tr_rsp("two_cl_same", "Response with two identical Content-Length headers",
       b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
tr_rsp("cl_nondigit", "Response Content-Length: 3x",
       b"HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\nabc")
tr_rsp("cl_negative", "Response Content-Length: -1",
       b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc")
tr_rsp("bad_chunk_hex", "Response with chunk size 'zz'",
       b"HTTP/1.1 200 OK\r\n" + TR_CHUNKED + b"\r\nzz\r\nabc\r\n0\r\n\r\n", modes=("hc", "sc"))
tr_rsp("chunk_trailers_ext", "Response chunk extension + trailers",
       b"HTTP/1.1 200 OK\r\n" + TR_CHUNKED + b"\r\n3;e=1\r\nabc\r\n0\r\nX-Tr: 1\r\n\r\n")
tr_rsp("te_and_cl", "Response with Transfer-Encoding chunked and Content-Length",
       b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + TR_CHUNKED + b"\r\n3\r\nabc\r\n0\r\n\r\n")
tr_rsp("obs_fold", "Response header with obs-fold",
       b"HTTP/1.1 200 OK\r\nX-F: a\r\n b\r\nContent-Length: 3\r\n\r\nabc")
tr_rsp("http10_chunked", "HTTP/1.0 response with Transfer-Encoding chunked",
       b"HTTP/1.0 200 OK\r\n" + TR_CHUNKED + b"\r\n3\r\nabc\r\n0\r\n\r\n")
tr_rsp("no_reason", "Status line without reason phrase",
       b"HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc")
tr_rsp("lf_only", "Response with bare LF line endings",
       b"HTTP/1.1 200 OK\nContent-Length: 3\n\nabc")
tr_rsp("unsolicited_100", "Unsolicited 100 Continue before the 200",
       b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", modes=("hc", "sc"))
tr_rsp("status_999", "Status code 999",
       b"HTTP/1.1 999 Odd\r\nContent-Length: 3\r\n\r\nabc")
tr_rsp("close_delimited_11", "HTTP/1.1 response without length (close-delimited)",
       b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close\n")
tr_rsp("nul_header", "NUL byte inside a response header value",
       b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 3\r\n\r\nabc")
tr_rsp("space_before_colon", "Response header with a space before the colon",
       b"HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 3\r\n\r\nabc")

# ---------------------------------------------------------------------------
# 3. balancing details
# ---------------------------------------------------------------------------


def tr_lb(balance, n=4, weights=None, extra=""):
    weights = weights or [""] * n
    srv = "".join("    server s%d 127.0.0.1:{{be%d}}%s\n" % (i + 1, i + 1, weights[i]) for i in range(n))
    return tr_listen("    balance " + balance + ("\n" + extra if extra else ""), servers=srv)


TR_LB4 = {"be%d" % i: BackendSpec(resp(b"s%d\n" % i)) for i in range(1, 5)}


def tr_lbreqs(reqs):
    return [tr_one(r, n=i + 1) for i, r in enumerate(reqs)]


add("tr_lb_rr_weights_2_1",
    "roundrobin weights 2/1 over 2 servers: 9 requests.",
    tr_lb("roundrobin", 2, [" weight 2", " weight 1"]), TR_LB4, tr_lbreqs([get(b"/%d" % i) for i in range(9)]))

add("tr_lb_rr_weights_big",
    "roundrobin weights 10/1/5: 16 requests.",
    tr_lb("roundrobin", 3, [" weight 10", " weight 1", " weight 5"]), TR_LB4,
    tr_lbreqs([get(b"/%d" % i) for i in range(16)]))

add("tr_lb_leastconn_seq",
    "leastconn with no concurrency: 6 sequential requests over 3 servers.",
    tr_lb("leastconn", 3), TR_LB4, tr_lbreqs([get(b"/%d" % i) for i in range(6)]))

add("tr_lb_leastconn_busy",
    "leastconn: while s1 holds a slow request, the next two requests go to s2.",
    tr_lb("leastconn", 2), {"be1": BackendSpec([resp(b"s1 slow\n"), resp(b"s1\n")], delay=1.5),
                            "be2": BackendSpec(resp(b"s2\n"))},
    [Client([("send", get(b"/slow")), ("recv_close", 3.0), ("close",)], name="slow"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/b")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)], name="b"),
     Client([("wait_log", LOGSYNC, 1, 3.0), ("send", get(b"/c")), ("recv_close", 3.0), ("close",)], name="c")],
    parallel=True, settle_logs=[(LOGSYNC, 3, 3.0)])

add("tr_lb_source_weights",
    "balance source with weights 1/2/3/4: 127.0.0.1 maps to one server.",
    tr_lb("source", 4, [" weight 1", " weight 2", " weight 3", " weight 4"]), TR_LB4,
    tr_lbreqs([get(b"/%d" % i) for i in range(3)]))

TR_URIS = [b"/", b"/a", b"/a/b", b"/a/b/c", b"/a/b/c?x=1", b"/a/b/d", b"/abc", b"/abd", b"/x?y",
           b"/x?z", b"http://h.example/a/b", b"/a;p=1"]

add("tr_lb_uri_plain",
    "balance uri: server per URI for 12 URIs (query, absolute, path params).",
    tr_lb("uri"), TR_LB4, tr_lbreqs([get(u) for u in TR_URIS]))

add("tr_lb_uri_len3",
    "balance uri len 3: only the first 3 chars are hashed.",
    tr_lb("uri len 3"), TR_LB4, tr_lbreqs([get(u) for u in TR_URIS]))

add("tr_lb_uri_depth2",
    "balance uri depth 2: only the first 2 directories are hashed.",
    tr_lb("uri depth 2"), TR_LB4, tr_lbreqs([get(u) for u in TR_URIS]))

add("tr_lb_uri_weights",
    "balance uri with weights 1/1/1/3.",
    tr_lb("uri", 4, ["", "", "", " weight 3"]), TR_LB4, tr_lbreqs([get(u) for u in TR_URIS[:8]]))

TR_PARAM_URIS = [b"/?uid=1", b"/?uid=2", b"/?uid=3", b"/?uid=1", b"/p?a=1&uid=4", b"/p?uid=", b"/p?uid",
                 b"/p?xuid=5", b"/p;uid=6", b"/p?a=1", b"/p", b"/p?uid=7&uid=8", b"/p?UID=1"]

add("tr_lb_url_param",
    "balance url_param uid: present, repeated, empty, missing, path-param, case.",
    tr_lb("url_param uid"), TR_LB4, tr_lbreqs([get(u) for u in TR_PARAM_URIS]))

add("tr_lb_url_param_check_post",
    "balance url_param uid check_post: param in POST body, query wins, GET fallback.",
    tr_lb("url_param uid check_post 64"), TR_LB4,
    tr_lbreqs([tr_post(b"uid=1"), tr_post(b"a=2&uid=2"), tr_post(b"uid=3", path=b"/p?uid=1"),
               tr_post(b"zzz=1"), tr_post(b"uid=1"), get(b"/?uid=1"), tr_post(b"a=" + b"x" * 100 + b"&uid=2"),
               tr_post(b"uid=3", extra=b"Content-Type: application/x-www-form-urlencoded\r\n")]))

add("tr_lb_url_param_chunked_post",
    "balance url_param check_post with a chunked POST body.",
    tr_lb("url_param uid check_post"), TR_LB4,
    tr_lbreqs([TR_PRE + TR_CHUNKED + b"\r\n5\r\nuid=1\r\n0\r\n\r\n", tr_post(b"uid=1")]))

TR_HOSTS = [b"www.example.com", b"www.example.com:8080", b"a.b.example.com", b"example.com",
            b"EXAMPLE.COM", b"localhost", b"other.example.org", b"www.example.com.", b"1.2.3.4"]

add("tr_lb_hdr_host",
    "balance hdr(host): server per Host value; missing Host falls back.",
    tr_lb("hdr(host)"), TR_LB4,
    tr_lbreqs([get(b"/", host=h) for h in TR_HOSTS] + [get(b"/", host=None), get(b"/", host=None)]))

add("tr_lb_hdr_host_domain_only",
    "balance hdr(host) use_domain_only: domain part hashed.",
    tr_lb("hdr(host) use_domain_only"), TR_LB4,
    tr_lbreqs([get(b"/", host=h) for h in TR_HOSTS] + [get(b"/", host=None)]))

add("tr_lb_hdr_custom",
    "balance hdr(X-User): present values, empty value, missing header.",
    tr_lb("hdr(X-User)"), TR_LB4,
    tr_lbreqs([get(b"/", extra=b"X-User: " + v + b"\r\n") for v in [b"alice", b"bob", b"alice", b"", b"carol"]] +
              [get(b"/"), get(b"/")]))

# ---------------------------------------------------------------------------
# 4. a few more edges (comma lists, numeric equality, POST body parameters)
# ---------------------------------------------------------------------------

tr_fr("cl_minus_zero", "Content-Length: -0 (negative-zero parse)",
      TR_PRE + b"Content-Length: -0\r\n\r\n", modes=("sc",))
tr_fr("cl_two_equal_numeric", "Content-Length: 5 and Content-Length: 05 (numerically equal)",
      TR_PRE + b"Content-Length: 5\r\nContent-Length: 05\r\n\r\nhello", modes=("sc",))
tr_rsp("te_chunked_gzip", "Response Transfer-Encoding: chunked, gzip (chunked not last)",
       b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n")

add("tr_cap_comma_value",
    "capture request header of a comma-separated value and of a header repeated with commas.",
    tr_listen("    capture request header X-L len 30"), {"be1": TR_OK},
    [tr_one(get(extra=b"X-L: a, b,c\r\n"))])

add("tr_lb_hdr_comma_list",
    "balance hdr(X-User): 'alice, bob' vs 'alice' vs 'bob' (comma-split value).",
    tr_lb("hdr(X-User)"), TR_LB4,
    tr_lbreqs([get(b"/", extra=b"X-User: " + v + b"\r\n") for v in
               [b"alice", b"alice, bob", b"bob", b"bob,alice", b" alice "]]))

add("tr_lb_url_param_post_binary",
    "balance url_param uid check_post: body with a non-token byte in the value, and a GET.",
    tr_lb("url_param uid check_post"), TR_LB4,
    tr_lbreqs([tr_post(b"uid=a\x01b"), tr_post(b"uid=ab cd"), tr_post(b"uid=ab"), get(b"/?uid=ab")]))

add("tr_lb_url_param_post_no_check",
    "balance url_param uid WITHOUT check_post: POST body parameter in the first segment.",
    tr_lb("url_param uid"), TR_LB4,
    tr_lbreqs([tr_post(b"uid=1"), tr_post(b"uid=2"), get(b"/?uid=1"), get(b"/?uid=2")]))

add("tr_ck_insert_nocache_indirect_cachectl",
    "insert indirect nocache with a response that already has Cache-Control: public.",
    tr_ck("SRV insert indirect nocache"),
    {"be1": BackendSpec(resp(b"one\n", b"Cache-Control: public\r\n")),
     "be2": BackendSpec(resp(b"two\n", b"Cache-Control: public\r\n"))},
    tr_ckreqs(None, b"SRV=s2"))

add("tr_ck_insert_postonly_indirect_valid",
    "insert postonly indirect: POST with a valid cookie, POST without, GET without.",
    tr_ck("SRV insert postonly indirect"), TR_CKB,
    [tr_one(tr_post(b"a=1", extra=b"Cookie: SRV=s2\r\n")), tr_one(tr_post(b"a=2"), n=2),
     tr_one(get(b"/g"), n=3)])

add("tr_http_logasap_server_close_ka",
    "logasap with http-server-close: two keep-alive requests, each logged at its response head.",
    tr_listen("    option logasap", mode="    option http-server-close\n    timeout http-keep-alive 300\n"),
    {"be1": BackendSpec(resp(b"req {{N}}\n"), after="keep")},
    [Client([("send", get(b"/1")), ("recv_resp", 3.0), ("send", get(b"/2")), ("recv_resp", 3.0),
             ("wait_log", LOGSYNC, 2, 3.0), ("recv_close", 3.0), ("close",)])])

add("tr_cap_keepalive_reset",
    "Captures on two keep-alive requests: the second lacks the header captured in the first.",
    tr_listen("    capture request header X-A len 10\n    capture response header X-R len 10",
              mode="    option http-server-close\n    timeout http-keep-alive 300\n"),
    {"be1": BackendSpec([resp(b"1\n", b"X-R: r1\r\n"), resp(b"2\n")], after="keep")},
    [Client([("send", get(b"/1", extra=b"X-A: one\r\n")), ("recv_resp", 3.0), ("send", get(b"/2")),
             ("recv_resp", 3.0), ("wait_log", LOGSYNC, 2, 3.0), ("recv_close", 3.0), ("close",)])])

add("tr_tcp_dontlog_normal",
    "tcp mode dontlog-normal: a normal session is not logged, a refused one is.",
    tr_listen("    option dontlog-normal\n    retries 0", mode="    mode tcp\n    option tcplog\n",
              glob=GLOBAL_TCP, servers="    server t1 127.0.0.1:{{be1}}\n    server t2 127.0.0.1:{{dead}}\n"),
    {"be1": BackendSpec(mode="tcp_echo")},
    [Client([("send", b"one"), ("shutw",), ("recv_close", 3.0), ("close",), ("sleep", 0.2)]),
     tr_steps([("send", b"two"), ("recv_close", 3.0), ("close",)])])

# ---------------------------------------------------------------------------
# 5. balancing keys and log formatting edges
# ---------------------------------------------------------------------------

add("tr_cap_cookie_unescaped",
    "capture cookie values with '#', quote and braces: printed as captured; an open quote runs to the end.",
    tr_listen("    capture cookie SESS len 30"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: SESS=s#v\"x; path=/\r\n"))},
    [tr_one(get(extra=b"Cookie: a=1; SESS=ab#c\"d{e|f; b=2\r\n"))])

add("tr_log_clf_cookie_unescaped",
    "option httplog clf: captured cookies with '#' and quote are printed as captured.",
    tr_listen("    option httplog clf\n    capture cookie SESS len 30"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: SESS=s#v\"x; path=/\r\n"))},
    [tr_one(get(extra=b"Cookie: a=1; SESS=ab#c\"d; b=2\r\n"), sync=TR_CLF_SYNC)],
    log_subs=TR_CLF_SUBS)

add("tr_cap_cookie_grammar",
    "capture cookie: a cookie without '=' is skipped, ',' ends a request cookie, "
    "Set-Cookie counts only its first cookie.",
    tr_listen("    capture cookie SESS len 30"),
    {"be1": BackendSpec(resp(b"c\n", b"Set-Cookie: a=1, SESS=v2\r\nSet-Cookie: SESS=v3\r\n"))},
    [tr_one(get(extra=b"Cookie: SESS; SESS=x,y\r\n"))])

add("tr_log_clf_missing_caps",
    "option httplog clf: declared captures that are absent print \"-\" (on a 200 and a 400).",
    tr_listen("    option httplog clf\n    capture request header X-Missing len 20\n"
              "    capture request header Host len 20\n    capture response header X-None len 20"),
    {"be1": BackendSpec(resp(b"clf\n"))},
    [tr_one(get(b"/a"), sync=TR_CLF_SYNC), tr_one(b"GET /\x01 HTTP/1.1\r\n\r\n", n=2, sync=TR_CLF_SYNC)],
    log_subs=TR_CLF_SUBS)

add("tr_lb_hdr_quoted_values",
    "balance hdr(X-User): quoted commas, an unclosed quote, high bytes, a leading comma (round robin).",
    tr_lb("hdr(X-User)"), TR_LB4,
    tr_lbreqs([get(b"/", extra=b"X-User: " + v + b"\r\n") for v in
               [b"\"a,b\", c", b"\"a,b\"", b"\"a", b"\xe9t\xe9", b"x\\y", b",alice", b"alice"]]))

add("tr_lb_url_param_post_edges",
    "balance url_param uid check_post: PUT body ignored, body beyond Content-Length, bare name, "
    "';' and a high byte in the value (round robin).",
    tr_lb("url_param uid check_post"), TR_LB4,
    tr_lbreqs([tr_post(b"uid=1").replace(b"POST", b"PUT", 1), tr_post(b"uid=1"),
               tr_post(b"uid=123", cl=5), tr_post(b"x=1&uid"), tr_post(b"uid=1;2"), tr_post(b"uid=%41+b"),
               tr_post(b"uid=1\xff")]))

add("tr_lb_hdr_domain_consistent",
    "balance hdr(host) use_domain_only with hash-type consistent.",
    tr_lb("hdr(host) use_domain_only", extra="    hash-type consistent"), TR_LB4,
    tr_lbreqs([get(b"/", host=h) for h in TR_HOSTS]))


def tr_rdp(v):
    return b"0123456789A" + b"Cookie: mstshash=" + v + b"\r\n"


add("tr_lb_rdp_cookie_empty",
    "balance rdp-cookie: an empty cookie value falls back to round robin.",
    tr_listen("    balance rdp-cookie\n    tcp-request inspect-delay 1s\n"
              "    tcp-request content accept if RDP_COOKIE",
              servers="".join("    server s%d 127.0.0.1:{{be%d}}\n" % (i, i) for i in range(1, 5)),
              mode="    mode tcp\n    option tcplog\n", glob=GLOBAL_TCP,
              timeouts="    contimeout 1000\n    clitimeout 300\n    srvtimeout 3000\n"),
    TR_LB4,
    tr_lbreqs([tr_rdp(v) for v in [b"abc", b"", b"", b"abc", b"xyz", b""]]))

# status codes that are not three digits (1.4's strl2ui: no digit check)
for _n, _code in (("2x0", b"2x0"), ("1000", b"1000"), ("short", b"4"), ("empty", b"")):
    add("tr_http_status_" + _n,
        "Response status field %r: logged as 1.4 reads it, response forwarded." % _code,
        tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 " + _code + b" X\r\nContent-Length: 3\r\n\r\nok\n")},
        [tr_one(get())])

add("tr_http_status_099_interim",
    "Status '099' is below 200: handled as an interim response, then the "
    "real one.",
    tr_listen(), {"be1": BackendSpec(b"HTTP/1.1 099 Early\r\n\r\nHTTP/1.1 200 OK\r\n"
                                     b"Content-Length: 3\r\n\r\nok\n")},
    [tr_one(get())])

# ---------------------------------------------------------------------------
# persistence cookies seen several times, force-persist / ignore-persist
# (1.4 evaluates every occurrence; the first matching persist rule decides)
# ---------------------------------------------------------------------------


def tr_ckpaths(*pairs):
    """(path, cookie or None) requests, one client each"""
    out = []
    for i, (p, c) in enumerate(pairs):
        ex = b"Cookie: " + c + b"\r\n" if c is not None else b""
        out.append(tr_one(get(p, extra=ex), n=i + 1))
    return out


add("tr_ck_occurrences_valid_then_invalid",
    "SRV=s2 then an unknown value: the server stays s2, the flag says I; "
    "the reverse takes s2 (V).",
    tr_ck("SRV insert"), TR_CKB,
    tr_ckreqs(b"SRV=s2; SRV=zz", b"SRV=zz; SRV=s2", b"SRV=s2\r\nCookie: SRV=zz"))

add("tr_ck_occurrences_down_then_unknown",
    "SRV=s1 (disabled) then an unknown value: D is kept (not I).",
    tr_ck("SRV insert", s1=" cookie s1 disabled"), TR_CKB,
    tr_ckreqs(b"SRV=s1; SRV=zz", b"SRV=zz; SRV=s1"))

add("tr_ck_shared_value_first_down",
    "Two servers share the cookie value; the first is disabled: the second "
    "takes the request (V).",
    tr_ck("SRV insert", s1=" cookie same disabled", s2=" cookie same"), TR_CKB,
    tr_ckreqs(b"SRV=same"))

add("tr_ck_indirect_all_occurrences_removed",
    "insert indirect: every SRV occurrence is removed before the server.",
    tr_ck("SRV insert indirect"), TR_CKB,
    tr_ckreqs(b"a=1; SRV=s1; b=2; SRV=s2", b"SRV=s1; SRV=s2\r\nCookie: c=3"))

add("tr_ck_prefix_without_tilde",
    "cookie prefix: a value without '~' is the server id itself, left as is.",
    tr_ck("JSESSIONID prefix"), TR_CKB,
    tr_ckreqs(b"JSESSIONID=s2", b"JSESSIONID=s1~abc; JSESSIONID=s2~def"))

add("tr_ck_force_persist_disabled_server",
    "force-persist on /f: the cookie's disabled server still takes it (D); "
    "other paths are balanced.",
    tr_ck("SRV insert", "    force-persist if { path_beg /f }", s1=" cookie s1 disabled"),
    TR_CKB, tr_ckpaths((b"/f1", b"SRV=s1"), (b"/x", b"SRV=s1"), (b"/f2", None)))

add("tr_ck_ignore_persist",
    "ignore-persist on /i: the cookie is not used (I) and no cookie is set; "
    "other paths keep persistence.",
    tr_ck("SRV insert", "    ignore-persist if { path_beg /i }"),
    TR_CKB, tr_ckpaths((b"/i1", b"SRV=s2"), (b"/i2", None), (b"/x", b"SRV=s2")))

add("tr_ck_ignore_persist_rewrite",
    "ignore-persist with cookie rewrite: the server's Set-Cookie is left "
    "alone.",
    tr_ck("SRV rewrite", "    ignore-persist if { path_beg /i }"),
    TR_CKSET, tr_ckpaths((b"/i1", None), (b"/x", None)))

add("tr_ck_persist_rules_first_wins",
    "ignore-persist then force-persist both matching: the first rule decides.",
    tr_ck("SRV insert", "    ignore-persist if { path_beg /b }\n"
                        "    force-persist if { path_beg /b }", s1=" cookie s1 disabled"),
    TR_CKB, tr_ckpaths((b"/b", b"SRV=s1")))

add("tr_ck_force_persist_unless",
    "force-persist unless a condition: applies when it does not match.",
    tr_ck("SRV insert", "    force-persist unless { path_beg /n }", s1=" cookie s1 disabled"),
    TR_CKB, tr_ckpaths((b"/y", b"SRV=s1"), (b"/n", b"SRV=s1")))

add("tr_appsession_ignore_persist",
    "appsession with ignore-persist on /i: the learned session is not used "
    "there.",
    tr_listen("    balance roundrobin\n    appsession JSESSIONID len 32 timeout 1h\n"
              "    ignore-persist if { path_beg /i }",
              servers=TR_S12),
    {"be1": BackendSpec(resp(b"one\n", b"Set-Cookie: JSESSIONID=abc; path=/\r\n")),
     "be2": BackendSpec(resp(b"two\n"))},
    tr_ckpaths((b"/x", None), (b"/i", b"JSESSIONID=abc"), (b"/y", b"JSESSIONID=abc"),
               (b"/i", b"JSESSIONID=abc")))


# a persistence cookie whose server queue is full (maxqueue reached)
def tr_ck_full(extra=""):
    return tr_ck("SRV insert", "    contimeout 3000\n" + extra,
                 s1=" cookie s1 maxconn 1 maxqueue 1", s2=" cookie s2")


TR_CK_SLOW = {"be1": BackendSpec(resp(b"one\n"), delay=0.8), "be2": BackendSpec(resp(b"two\n"))}


def tr_ck_full_clients():
    ck = b"Cookie: SRV=s1\r\n"
    return [Client([("send", get(b"/a", extra=ck)), ("recv_close", 4.0), ("close",)], name="a"),
            Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/b", extra=ck)),
                    ("recv_close", 4.0), ("close",)], name="b"),
            Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.3), ("send", get(b"/c", extra=ck)),
                    ("recv_close", 4.0), ("close",)], name="c")]


add("tr_ck_queue_full_redispatch",
    "Cookie to s1 whose queue is full (maxconn 1, maxqueue 1): with option "
    "redispatch the third request goes to another server.",
    tr_ck_full("    option redispatch"), TR_CK_SLOW, tr_ck_full_clients(),
    parallel=True, settle_logs=[(LOGSYNC, 3, 5.0)])

add("tr_ck_queue_full_no_redispatch",
    "Cookie to s1 whose queue is full, without redispatch: 503.",
    tr_ck_full(), TR_CK_SLOW, tr_ck_full_clients(),
    parallel=True, settle_logs=[(LOGSYNC, 3, 5.0)])

add("tr_ck_queue_full_force_persist",
    "Cookie to s1 whose queue is full, redispatch but force-persist: 503.",
    tr_ck_full("    option redispatch\n    force-persist if TRUE"), TR_CK_SLOW,
    tr_ck_full_clients(), parallel=True, settle_logs=[(LOGSYNC, 3, 5.0)])

# `stick on hdr(X)`: 1.4 reads an IPv4 address from the header's last
# occurrence (lenient dotted quad); no address, no stickiness
add("tr_stick_hdr_ip",
    "stick on hdr(X-Client): the header is read as an IP (list and port "
    "suffixes cut it short), junk gives no key, the table keeps the server.",
    tr_listen("    balance roundrobin\n    stick-table type ip size 100 expire 1m\n"
              "    stick on hdr(X-Client)", servers=TR_S12),
    TR_CKB,
    [tr_one(get(b"/1", extra=b"X-Client: 10.0.0.1\r\n"), n=1),
     tr_one(get(b"/2", extra=b"X-Client: 10.0.0.1, 5.5.5.5\r\n"), n=2),
     tr_one(get(b"/3", extra=b"X-Client: junk\r\n"), n=3),
     tr_one(get(b"/4", extra=b"X-Client: 10.0.0.1:8080\r\n"), n=4),
     tr_one(get(b"/5", extra=b"X-Client: 1.1.1.1\r\nX-Client: 10.0.0.1\r\n"), n=5),
     tr_one(get(b"/6", extra=b"X-Client: 10.0.0.2\r\n"), n=6),
     tr_one(get(b"/7", extra=b"X-Client: 10.0.0.2\r\n"), n=7)])
