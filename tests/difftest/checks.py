"""Health checks and server/proxy state messages (catalogue `chk_`).

Covers what checks, servers and proxies write to syslog (text AND syslog
level/PRI) and to stderr in -db mode, for each way it is reached: plain TCP
connect checks (refused / accepting), `option httpchk` with every status class,
garbage, close without answer and timeouts, `http-check expect` (status,
rstatus, string, rstring, negated), `http-check disable-on-404` (NOLB),
`http-check send-state`, `option ssl-hello-chk`, `option smtpchk`,
`option mysql-check` (old and new mode), `option ldap-check`,
`option log-health-checks`, rise/fall counting from every starting state,
inter/fastinter/downinter, backup servers and `option allbackups`,
`disabled` servers, `track`, `observe layer4|layer7` with every `on-error`
and `error-limit`, maintenance through the stats admin page, the proxy
start/stop lines (frontend/backend/listen, grace, disabled proxies), log
level filtering of these lines, and the -c messages of the related keywords.

Determinism: HTTP check connections are held open by the backend
(after_rules) so that the proxy closes them; DOWN servers use a long
downinter so that no further check happens; UP servers use a long inter.
"""

CHK_HOLD = [(b"GET /chk", "hold"), (b"OPTIONS ", "hold"), (b"HEAD /chk", "hold"),
            (b"POST /chk", "hold")]


def chk_r(status=b"200 OK", body=b"", hdrs=b"", version=b"HTTP/1.0"):
    """A check response with Content-Length."""
    return (version + b" " + status + b"\r\n" + hdrs +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def chk_be(*responses, **kw):
    """HTTP backend that answers checks (in order) and holds the connection."""
    kw.setdefault("after_rules", CHK_HOLD)
    return BackendSpec(list(responses), **kw)


def chk_cfg(servers, extra="", head=None, name="app", mode_lines="    option httpclose\n"):
    head = GLOBAL if head is None else head
    if extra and not extra.endswith("\n"):
        extra += "\n"
    if not servers.endswith("\n"):
        servers += "\n"
    return head + "\nlisten %s 127.0.0.1:{{fe}}\n" % name + mode_lines + extra + servers


def chk_tcpcfg(servers, extra=""):
    return chk_cfg(servers, extra, head=GLOBAL_TCP,
                   mode_lines="    mode tcp\n    option tcplog\n")


def chk_get(path=b"/", n=1, extra=b"", port="fe", timeout=3.0):
    return Client([("send", get(path, extra=extra)), ("recv_close", timeout), ("close",),
                   ("wait_log", LOGSYNC, n, 3.0)], port=port)


CHK_SYNC_BE = BackendSpec(mode="tcp_echo")


def chk_sync(slot, nreq):
    """A client that only waits until backend <slot> saw <nreq> requests (the
    checks).  It connects to the 'be4' echo backend, not to the proxy, so it
    leaves no trace in the proxy logs (use it with CHK_SYNC_BE on be4)."""
    return Client([("wait_be", slot, nreq, 4.0)], port="be4")


def chk_waitget(slot, nreq, path=b"/", n=1):
    """Wait until <slot> saw <nreq> requests (the checks), then one GET."""
    return [chk_sync(slot, nreq), chk_get(path, n)]


def chk_down(name="app/s1", n=1, t=6.0, prefix=""):
    return (r"%sServer %s is DOWN" % (prefix, name), n, t)


def chk_up(name="app/s1", n=1, t=6.0, prefix=""):
    return (r"%sServer %s is UP" % (prefix, name), n, t)


CHK_OK = BackendSpec(resp(b"ok\n"))
CHK_OK2 = BackendSpec(resp(b"ok2\n"))
CHK_DOWN_LONG = " downinter 20000"


def chk_post(body, uri=b"/st"):
    return (b"POST " + uri + b" HTTP/1.1\r\nHost: test.local\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def chk_admin(body, n):
    """POST to the stats admin page, wait for its log line (n-th traffic line)."""
    return Client([("send", chk_post(body)), ("recv_close", 3.0), ("close",),
                   ("wait_log", LOGSYNC, n, 3.0)])


CHK_STATS = "    stats enable\n    stats uri /st\n    stats admin if TRUE\n"

# ---------------------------------------------------------------------------
# Plain TCP connect checks
# ---------------------------------------------------------------------------

add("chk_tcp_refused_down",
    "Connect check to a refused port: DOWN (alert) + no server available (emerg); 503.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000"), {},
    [chk_get()], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_tcp_refused_fall5_rise5",
    "Starting UP server goes DOWN at its first failure whatever fall/rise say.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000 fall 5 rise 5"), {},
    [], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_tcp_refused_two_servers",
    "One of two servers refused: '1 active and 0 backup servers left', traffic to s2.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}}"), {"be2": CHK_OK2},
    [chk_get(b"/a", 1), chk_get(b"/b", 2)], ready_logs=[chk_down()])

add("chk_tcp_refused_tcpmode",
    "mode tcp proxy: connect check DOWN lines are the same; client gets closed.",
    chk_tcpcfg("    server t1 127.0.0.1:{{dead}} check inter 20000"), {},
    [Client([("send", b"hello"), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)])],
    ready_logs=[chk_down("app/t1")])

add("chk_tcp_accept_up_silent",
    "Connect check to a listening backend (SYN, SYN/ACK, RST: never accepted): stays UP silently.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be2}} inter 20000"),
    {"be1": CHK_OK, "be2": BackendSpec(mode="tcp", tcp_expect=1, responses=[b""])},
    [chk_get()])

add("chk_tcp_accept_lhc_fall3",
    "log-health-checks: first passing connect check logs 'succeeded ... status: 3/3 UP'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fall 3",
            "    option log-health-checks"),
    {"be1": BackendSpec(mode="tcp", tcp_expect=1, responses=[b""])},
    [], ready_logs=[(r"Health check for server", 1, 6.0)])

add("chk_tcp_accept_lhc_fall1",
    "log-health-checks with fall 1: health already full, nothing logged for a pass.",
    chk_cfg("    server s1 127.0.0.1:{{be2}} check port {{be1}} inter 20000 fall 1",
            "    option log-health-checks"),
    {"be1": BackendSpec(mode="tcp", tcp_expect=1, responses=[b""]), "be2": CHK_OK},
    [chk_get()])

add("chk_tcp_refused_lhc",
    "log-health-checks: 'Health check ... failed ... 0/2 DOWN' then DOWN line without reason.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            "    option log-health-checks"), {},
    [], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_tcp_refused_lhc_defaults",
    "option log-health-checks in defaults applies to the listen.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            head=GLOBAL + "    option log-health-checks\n"), {},
    [], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])


add("chk_tcp_check_addr_port",
    "'addr'/'port' send the check elsewhere: traffic server fine, check refused -> DOWN.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check addr 127.0.0.1 port {{dead}} inter 20000"),
    {"be1": CHK_OK}, [chk_get()], ready_logs=[chk_down()])


add("chk_no_check_no_messages",
    "Server without 'check' on a refused port: no state lines, 503 per request.",
    chk_cfg("    server s1 127.0.0.1:{{dead}}", "    retries 0"), {},
    [chk_get()])

# ---------------------------------------------------------------------------
# option httpchk: request forms and status classes
# ---------------------------------------------------------------------------

add("chk_http_default_request",
    "option httpchk without args sends 'OPTIONS / HTTP/1.0'; 200 keeps it UP silently.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000", "    option httpchk"),
    {"be1": chk_be(chk_r(), resp(b"traffic\n")), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))

add("chk_http_uri_only",
    "option httpchk /health sends 'OPTIONS /health HTTP/1.0'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000", "    option httpchk /health"),
    {"be1": chk_be(chk_r(), resp(b"traffic\n")), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))

add("chk_http_method_uri",
    "option httpchk GET /chk sends 'GET /chk HTTP/1.0'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000", "    option httpchk GET /chk"),
    {"be1": chk_be(chk_r(), resp(b"traffic\n")), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))

add("chk_http_method_uri_version_hdr",
    "option httpchk HEAD /chk HTTP/1.1\\r\\nHost:\\ www: escaped header in the check request.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000",
            "    option httpchk HEAD /chk HTTP/1.1\\r\\nHost:\\ www.example.com"),
    {"be1": chk_be(chk_r(), resp(b"traffic\n")), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))


# status classes that keep the server UP (nothing logged) ...
for _code, _txt in ((b"200 OK", "200"), (b"399 Whatever", "399")):
    add("chk_http_%s_up" % _txt,
        "httpchk answered %s: server stays UP, nothing logged." % _code.decode(),
        chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
                "    option httpchk GET /chk"),
        {"be1": chk_be(chk_r(_code)), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))

# ... and those that put it DOWN (the line carries code and reason phrase)
for _code, _txt in ((b"100 Continue", "100"),
                    (b"404 Not Found", "404"), (b"500 Internal Server Error", "500"),
                    (b"503 Service Unavailable", "503"), (b"000 Zero", "000")):
    add("chk_http_%s_down" % _txt,
        "httpchk answered %s: DOWN, 'Layer7 wrong status, code, info'." % _code.decode(),
        chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
                "    option httpchk GET /chk"),
        {"be1": chk_be(chk_r(_code))}, [chk_get()],
        ready_logs=[chk_down()])


add("chk_http_code_only_crlf",
    "'HTTP/1.0 200\\r\\n' (no reason phrase) is valid: stays UP.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000", "    option httpchk GET /chk"),
    {"be1": chk_be(b"HTTP/1.0 200\r\nContent-Length: 0\r\n\r\n"), "be4": CHK_SYNC_BE}, chk_waitget("be1", 1))


add("chk_http_code_glued",
    "'HTTP/1.0 200OK': no space after the code -> Layer7 invalid response with the line.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(b"HTTP/1.0 200OK\r\nContent-Length: 0\r\n\r\n")}, [],
    ready_logs=[chk_down()])

add("chk_http_version_20",
    "'HTTP/2.0 200 OK' is not HTTP/1.x -> Layer7 invalid response.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(chk_r(b"200 OK", version=b"HTTP/2.0"))}, [],
    ready_logs=[chk_down()])

add("chk_http_garbage",
    "Garbage answer -> 'Layer7 invalid response, info: \"<first line>\"'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(b"SSH-2.0-OpenSSH_5.3 garbage\r\n\r\n")}, [],
    ready_logs=[chk_down()])

add("chk_http_reason_escaped",
    "Reason phrase with '\"', '<', '>' and a tab is hex-escaped <XX> in info.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(chk_r(b"503 Bad \"thing\" <x>\tend"))}, [],
    ready_logs=[chk_down()])

add("chk_http_reason_spaces",
    "Leading spaces of the reason phrase are trimmed in info.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(chk_r(b"502    Spaced   Out  "))}, [],
    ready_logs=[chk_down()])

add("chk_http_reason_long",
    "A 200-char reason phrase is truncated to 127 chars in info.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": chk_be(chk_r(b"500 " + b"abcdefghij" * 20))}, [],
    ready_logs=[chk_down()])

add("chk_http_closed_no_answer",
    "Server closes the check without answering -> Layer7 invalid response, no info.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": BackendSpec(on_request="close")}, [],
    ready_logs=[chk_down()])

add("chk_http_short_then_close",
    "'HTTP/1.0 20' then close (shorter than a status line) -> Layer7 invalid response.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": BackendSpec(mode="tcp", tcp_expect=len(b"GET /chk HTTP/1.0\r\n\r\n"),
                        responses=[b"HTTP/1.0 20"])}, [],
    ready_logs=[chk_down()])

add("chk_http_timeout_check",
    "Server never answers; 'timeout check 300' -> Layer7 timeout.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk\n    timeout check 300"),
    {"be1": BackendSpec(on_request="hold")}, [],
    ready_logs=[chk_down()])

add("chk_http_timeout_inter",
    "Server never answers, no 'timeout check': inter (400ms) bounds it -> Layer7 timeout.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 400" + CHK_DOWN_LONG,
            "    option httpchk GET /chk"),
    {"be1": BackendSpec(on_request="hold")}, [],
    ready_logs=[chk_down()])

add("chk_http_refused",
    "httpchk on a refused port -> Layer4 connection problem (same as tcp).",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000", "    option httpchk GET /chk"),
    {}, [], ready_logs=[chk_down()])

add("chk_http_500_lhc",
    "log-health-checks + 500: 'Health check for server ... failed, reason: Layer7 wrong status, code: 500'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(chk_r(b"500 Internal Server Error"))}, [],
    ready_logs=[chk_down()])

add("chk_http_200_lhc_fall2",
    "log-health-checks + 200 with fall 2: 'succeeded, reason: Layer7 check passed, code: 200, info: \"OK\"'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fall 2",
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(chk_r(b"200 OK"))}, [],
    ready_logs=[(r"Health check for server", 1, 6.0)])

# ---------------------------------------------------------------------------
# rise / fall counting and transitions
# ---------------------------------------------------------------------------

R200 = chk_r(b"200 OK")
R503 = chk_r(b"503 Service Unavailable")
R404 = chk_r(b"404 Not Found")

add("chk_down_then_up_rise2",
    "503 then 200,200 (fastinter/downinter 100, rise 2): DOWN then UP with reason (notice).",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fastinter 100 downinter 100 rise 2",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200, R200)}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_down_then_up_rise2_lhc",
    "Same with log-health-checks: failed 0/2 DOWN, succeeded 1/2 DOWN, succeeded 3/3 UP, UP without reason.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fastinter 100 downinter 100 rise 2",
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(R503, R200, R200)}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_down_then_up_rise1",
    "rise 1: one success after DOWN brings it UP.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 100 rise 1",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200)}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_down_up_traffic",
    "Request while DOWN gets 503, request after UP reaches the server.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be2}} inter 20000 downinter 600 rise 1",
            "    option httpchk GET /chk"),
    {"be1": CHK_OK, "be2": chk_be(R503, R200)},
    [Client([("send", get(b"/while-down")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0), ("wait_log", r"Server app/s1 is UP", 1, 4.0),
             ]), chk_get(b"/after-up", 2)],
    ready_logs=[chk_down()])

add("chk_alternating_rise2_fall2_from_down",
    "rise 2 fall 2: 503,200,503,200,200: DOWN, (1/2), back to 0 silently, then UP.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fastinter 100 downinter 100 rise 2 fall 2",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200, R503, R200, R200)}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_alternating_rise2_fall2_from_down_lhc",
    "Same alternating sequence with log-health-checks: every step logged with its counter.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fastinter 100 downinter 100 rise 2 fall 2",
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(R503, R200, R503, R200, R200)}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_fall3_from_up",
    "Starting UP: 200 (health full), then 503 x3 with fall 3 -> DOWN only at the third.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 fastinter 100 downinter 20000 fall 3",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R200, R503, R503, R503)}, [],
    ready_logs=[chk_down()])

add("chk_fall3_from_up_lhc",
    "Same with log-health-checks: failed 2/3 UP, 1/3 UP, 0/2 DOWN.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 fastinter 100 downinter 20000 fall 3",
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(R200, R503, R503, R503)}, [],
    ready_logs=[chk_down()])

add("chk_fall2_alternating_from_up",
    "rise 2 fall 2 from UP: 200,503,200,503,503 -> recovers silently, DOWN at the end.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 fastinter 100 downinter 20000 rise 2 fall 2",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R200, R503, R200, R503, R503)}, [],
    ready_logs=[chk_down()])

add("chk_fall2_alternating_from_up_lhc",
    "Same with log-health-checks.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 fastinter 100 downinter 20000 rise 2 fall 2",
            "    option httpchk GET /chk\n    option log-health-checks"),
    {"be1": chk_be(R200, R503, R200, R503, R503)}, [],
    ready_logs=[chk_down()])

add("chk_up_down_up_cycle",
    "200,503(DOWN),200(UP rise 1),503(DOWN): two DOWN and one UP line.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 downinter 100 rise 1 fall 1",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R200, R503, R200, R503, R503, R503, R503, R503, R503, R503, R503, R503,
                   R503, R503, R503, R503, R503, R503, R503, R503)},
    [], ready_logs=[chk_down(n=2)])


# ---------------------------------------------------------------------------
# http-check expect
# ---------------------------------------------------------------------------


def chk_expect(name, desc, rule, response, up, after="hold", lhc=False):
    extra = "    option httpchk GET /chk\n    http-check expect %s" % rule
    if lhc:
        extra += "\n    option log-health-checks"
    be = chk_be(response) if after == "hold" else BackendSpec([response])
    add(name, desc,
        chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fall 2" + CHK_DOWN_LONG, extra),
        {"be1": be, "be4": CHK_SYNC_BE},
        [] if not up else [chk_sync("be1", 1)],
        ready_logs=[] if up else [chk_down()],
        settle_logs=[(r"Health check for", 1, 4.0)] if (lhc and up) else [])


chk_expect("chk_expect_status_match", "expect status 200 with 200: UP.",
           "status 200", chk_r(b"200 OK"), True, lhc=True)
chk_expect("chk_expect_status_mismatch", "expect status 200 with 201: DOWN, info 'HTTP status check returned code <201>'.",
           "status 200", chk_r(b"201 Created"), False)
chk_expect("chk_expect_not_status", "expect ! status 200 with 200: DOWN.",
           "! status 200", chk_r(b"200 OK"), False)
chk_expect("chk_expect_not_status_glued", "expect !status 500 with 200: UP.",
           "!status 500", chk_r(b"200 OK"), True, lhc=True)
chk_expect("chk_expect_rstatus_match", "expect rstatus ^2 with 204: UP.",
           "rstatus ^2", chk_r(b"204 No Content"), True, lhc=True)
chk_expect("chk_expect_rstatus_mismatch", "expect rstatus ^2 with 302: DOWN.",
           "rstatus ^2", chk_r(b"302 Found"), False)
chk_expect("chk_expect_string_match", "expect string alive, body has it: UP, 'HTTP content check matched'.",
           "string alive", chk_r(b"200 OK", b"i am alive\n"), True, lhc=True)
chk_expect("chk_expect_string_mismatch", "expect string alive, body lacks it (server closes): DOWN, no code.",
           "string alive", chk_r(b"200 OK", b"dead\n"), False, after="shutw")
chk_expect("chk_expect_string_on_500", "expect string only looks at the body, even on a 500.",
           "string alive", chk_r(b"500 Oops", b"alive\n"), True, lhc=True)
chk_expect("chk_expect_string_empty_body", "expect string with an empty body: 'HTTP content check found empty response body'.",
           "string alive", chk_r(b"200 OK"), False, after="shutw")
chk_expect("chk_expect_string_no_body", "expect string, headers never end: 'could not find a response body'.",
           "string alive", b"HTTP/1.0 200 OK\r\nX: y\r\n", False, after="shutw")
chk_expect("chk_expect_not_string_match", "expect ! string error, body has it: DOWN 'HTTP check matched unwanted content'.",
           "! string error", chk_r(b"200 OK", b"an error\n"), False)
chk_expect("chk_expect_not_string_nomatch", "expect ! string error, body lacks it: UP 'did not match unwanted content'.",
           "! string error", chk_r(b"200 OK", b"fine\n"), True, after="shutw", lhc=True)
chk_expect("chk_expect_rstring_match", "expect rstring ^st[a-z]+ok$ matches body.",
           "rstring ^st[a-z]+ok$", chk_r(b"200 OK", b"statusok"), True, lhc=True)
chk_expect("chk_expect_garbage", "expect status with a garbage answer: Layer7 invalid response.",
           "status 200", b"garbage garbage\r\n\r\n", False)

# ---------------------------------------------------------------------------
# http-check disable-on-404 (NOLB)
# ---------------------------------------------------------------------------

add("chk_404_nolb",
    "disable-on-404: UP server answering 404 -> 'Load-balancing on Server ... is disabled' (notice).",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": chk_be(R404)}, [],
    ready_logs=[(r"Load-balancing on Server app/s1 is disabled", 1, 6.0)])

add("chk_404_nolb_two_servers_traffic",
    "NOLB server s1 receives no new traffic; s2 gets it.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be3}} inter 20000\n"
            "    server s2 127.0.0.1:{{be2}}",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": CHK_OK, "be2": CHK_OK2, "be3": chk_be(R404)},
    [chk_get(b"/1", 1), chk_get(b"/2", 2)],
    ready_logs=[(r"Load-balancing on Server app/s1 is disabled", 1, 6.0)])

add("chk_404_nolb_then_enabled",
    "404, 200, 503 (fall 1): disabled, 'enabled again', then DOWN (alert).",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 downinter 20000 fall 1",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": chk_be(R404, R200, R503)}, [],
    ready_logs=[chk_down()])

add("chk_404_nolb_lhc",
    "disable-on-404 + log-health-checks: 'conditionally succeeded' line, then enabled, then DOWN.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 downinter 20000 fall 1",
            "    option httpchk GET /chk\n    http-check disable-on-404\n    option log-health-checks"),
    {"be1": chk_be(R404, R200, R503)}, [],
    ready_logs=[chk_down()])

add("chk_404_nolb_then_503",
    "404 (NOLB) then 503: DOWN from the NOLB state is logged at notice (server was paused).",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 downinter 20000 fall 1",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": chk_be(R404, R503)}, [],
    ready_logs=[chk_down()])

add("chk_404_while_down",
    "disable-on-404 but server DOWN: 404 is a failure, not NOLB (503, 404: stays DOWN).",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 100 rise 1",
            "    option httpchk GET /chk\n    http-check disable-on-404\n    option log-health-checks"),
    {"be1": chk_be(R503, R404, R200)}, [],
    ready_logs=[chk_down(), chk_up()])


add("chk_404_nolb_backup",
    "NOLB on a backup server: 'Load-balancing on Backup Server ...'.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 1000 downinter 20000\n"
            "    server b1 127.0.0.1:{{be1}} backup check inter 1000",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": chk_be(R404)}, [],
    ready_logs=[chk_down(), (r"Load-balancing on Backup Server app/b1 is disabled", 1, 6.0)])

# ---------------------------------------------------------------------------
# http-check send-state
# ---------------------------------------------------------------------------

add("chk_send_state_start",
    "send-state: first check carries 'X-Haproxy-Server-State: UP 1/3; name=app/s1; ...'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 weight 10\n"
            "    server s2 127.0.0.1:{{be2}} weight 30",
            "    option httpchk GET /chk\n    http-check send-state"),
    {"be1": chk_be(R200), "be2": CHK_OK2, "be4": CHK_SYNC_BE}, [chk_sync("be1", 1)])

add("chk_send_state_transitions",
    "send-state through DOWN, going up and UP: DOWN, DOWN 1/2, ...",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fastinter 100 downinter 100 rise 2 fall 1",
            "    option httpchk GET /chk\n    http-check send-state"),
    {"be1": chk_be(R503, R200, R200)}, [], ready_logs=[chk_down(), chk_up()])


# ---------------------------------------------------------------------------
# ssl-hello-chk (the 'server' is another proxy listener whose 400 errorfile
# starts with an SSL record byte, so no time-dependent bytes are recorded)
# ---------------------------------------------------------------------------

# The fake servers below come after a second 'defaults' section without
# 'log global': they log nothing, so their own log lines cannot interleave
# with the check lines (only their stderr stop lines remain).
CHK_NOLOG = """
defaults
    mode http
    contimeout 1000
    clitimeout 3000
    srvtimeout 3000
"""

CHK_SSL_SRV = CHK_NOLOG + """
listen sslsrv 127.0.0.1:{{fe2}}
    mode http
    errorfile 400 {{tmp}}/e400.http
"""

add("chk_ssl_hello_ok",
    "ssl-hello-chk: answer starting with 0x16 (5+ bytes) -> L6OK, server stays UP.",
    chk_cfg("    server s1 127.0.0.1:{{fe2}} check inter 20000 fall 2" + CHK_DOWN_LONG,
            "    mode tcp\n    option ssl-hello-chk\n    option log-health-checks", head=GLOBAL_TCP) + CHK_SSL_SRV,
    {}, [], settle_logs=[(r"Health check for", 1, 4.0)],
    listen=("fe", "fe2"),
    files={"e400.http": b"\x16\x03\x00\x00\x05hello"})


add("chk_ssl_hello_http_answer",
    "ssl-hello-chk: an HTTP 400 answer -> 'Layer6 invalid response' DOWN.",
    chk_cfg("    server s1 127.0.0.1:{{fe2}} check inter 20000" + CHK_DOWN_LONG,
            "    mode tcp\n    option ssl-hello-chk", head=GLOBAL_TCP) + CHK_SSL_SRV,
    {}, [], listen=("fe", "fe2"), ready_logs=[chk_down()],
    files={"e400.http": b"HTTP/1.0 400 Bad request\r\n\r\n"})

add("chk_ssl_hello_short",
    "ssl-hello-chk: 3 bytes 0x16.. then close -> L6RSP (needs 5 bytes).",
    chk_cfg("    server s1 127.0.0.1:{{fe2}} check inter 20000" + CHK_DOWN_LONG,
            "    mode tcp\n    option ssl-hello-chk", head=GLOBAL_TCP) + CHK_SSL_SRV,
    {}, [], listen=("fe", "fe2"), ready_logs=[chk_down()],
    files={"e400.http": b"\x16\x03\x00"})

add("chk_ssl_hello_refused",
    "ssl-hello-chk on a refused port -> Layer4 connection problem.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            "    mode tcp\n    option ssl-hello-chk", head=GLOBAL_TCP),
    {}, [], ready_logs=[chk_down()])

add("chk_ssl_hello_timeout",
    "ssl-hello-chk, server reads but never answers -> 'Layer6 timeout'.",
    chk_cfg("    server s1 127.0.0.1:{{fe2}} check inter 20000" + CHK_DOWN_LONG,
            "    mode tcp\n    option ssl-hello-chk\n    timeout check 300", head=GLOBAL_TCP) + """
%slisten sslsrv 127.0.0.1:{{fe2}}
    mode tcp
    tcp-request inspect-delay 5s
    tcp-request content accept if { req_len gt 1000 }
    server x 127.0.0.1:{{dead}}
""" % CHK_NOLOG,
    {}, [], listen=("fe", "fe2"), ready_logs=[chk_down()])

# ---------------------------------------------------------------------------
# smtpchk
# ---------------------------------------------------------------------------

HELO = b"HELO localhost\r\n"

# A 'server' whose answer is fixed: another listener of the proxy under test
# that rejects the (non-HTTP) check request with an errorfile holding the
# protocol answer.  Unlike a scripted backend it does not race its FIN against
# the check's close, so the result does not depend on FIN-vs-RST timing.
CHK_FAKE = CHK_NOLOG + """
listen fakesrv 127.0.0.1:{{fe2}}
    mode http
    timeout http-request 100
    errorfile 400 {{tmp}}/fake.http
    errorfile 408 {{tmp}}/fake.http
    errorfile 503 {{tmp}}/fake.http
"""


def chk_fake(name, desc, opts, answer, up):
    add(name, desc,
        chk_cfg("    server s1 127.0.0.1:{{fe2}} check inter 20000 fall 2" + CHK_DOWN_LONG,
                "    mode tcp\n%s\n    option log-health-checks" % opts, head=GLOBAL_TCP) + CHK_FAKE,
        {}, [], listen=("fe", "fe2"), files={"fake.http": answer},
        ready_logs=[(r"Health check for", 1, 6.0)] if up else [chk_down()])


def chk_direct(name, desc, opts, answer, expect):
    """Scripted backend (records the check request); only for answers the
    proxy must read up to the server's close before deciding."""
    add(name, desc,
        chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 fall 2" + CHK_DOWN_LONG,
                "    mode tcp\n%s\n    option log-health-checks\n    timeout check 1000" % opts,
                head=GLOBAL_TCP),
        {"be1": BackendSpec(mode="tcp", tcp_expect=expect, responses=[answer])},
        [], ready_logs=[chk_down()])


SMTP = "    option smtpchk"
chk_fake("chk_smtp_250", "smtpchk: '250 ...' -> L7OK code 250.", SMTP, b"250 mail.example.com Hello\r\n", True)
chk_fake("chk_smtp_421", "smtpchk: '421 busy' -> L7STS code 421 info 'busy'.", SMTP, b"421 busy\r\n", False)
chk_fake("chk_smtp_garbage", "smtpchk: non-SMTP answer -> L7RSP with the line.", SMTP, b"hello there\r\n", False)
chk_fake("chk_smtp_dash", "smtpchk: '250-multi' (no space) -> L7RSP.", SMTP, b"250-multi\r\n", False)
chk_fake("chk_smtp_code_cr", "smtpchk: '250\\r\\n' (code only) -> L7OK, empty info.", SMTP, b"250\r\n", True)
chk_direct("chk_smtp_short_helo", "smtpchk: request is 'HELO localhost'; 2-byte answer then close -> L7RSP.",
           SMTP, b"25", len(HELO))
chk_direct("chk_smtp_ehlo", "option smtpchk EHLO mx.example.com sends 'EHLO mx.example.com'.",
           "    option smtpchk EHLO mx.example.com", b"2", len(b"EHLO mx.example.com\r\n"))
chk_direct("chk_smtp_other_verb", "option smtpchk FOO bar falls back to 'HELO localhost'.",
           "    option smtpchk FOO bar", b"2", len(HELO))

# ---------------------------------------------------------------------------
# mysql-check
# ---------------------------------------------------------------------------

CHK_MY_GREET = (b"\x0a5.0.51a-24+lenny5\x00\x0b\x00\x00\x00" + b"abcdefgh\x00" +
                b"\x2c\xa2\x08\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
                b"ijklmnopqrst\x00")
CHK_MY_GREET_PKT = bytes([len(CHK_MY_GREET), 0, 0, 0]) + CHK_MY_GREET
CHK_MY_OK_PKT = b"\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00"
CHK_MY_ERR_PKT = b"\x17\x00\x00\x02\xff\x15\x04#28000Access denied!"
CHK_MY_ERR_OLD = b"\x15\x00\x00\x00\xff\x6a\x04Host is blocked here"
CHK_MYSQL_USER_PKT = b"\x0e\x00\x00\x01\x00\x80\x00\x00\x01haproxy\x00\x00\x01\x00\x00\x00\x01"
MYO = "    option mysql-check"
MYU = "    option mysql-check user haproxy"

chk_fake("chk_mysql_old_greeting", "mysql-check (no user): greeting > 51 bytes -> L7OK info version.",
         MYO, CHK_MY_GREET_PKT, True)
chk_fake("chk_mysql_old_error", "mysql-check (no user): error packet -> L7STS 'code: 0', info message.",
         MYO, CHK_MY_ERR_OLD, False)
chk_direct("chk_mysql_old_short", "mysql-check (no user): short OK packet then close -> L7RSP.",
           MYO, b"\x05\x00\x00\x00\x0a5.0\x00", 0)
chk_fake("chk_mysql_user_ok", "mysql-check user haproxy: greeting + OK packet -> L7OK, version in info.",
         MYU, CHK_MY_GREET_PKT + CHK_MY_OK_PKT, True)
chk_fake("chk_mysql_user_denied", "mysql-check user: greeting + error packet -> L7STS with the message.",
         MYU, CHK_MY_GREET_PKT + CHK_MY_ERR_PKT, False)
chk_fake("chk_mysql_user_only_error", "mysql-check user: a single error packet -> L7STS.",
         MYU, CHK_MY_ERR_PKT.replace(b"\x02\xff", b"\x00\xff", 1), False)
chk_direct("chk_mysql_user_truncated", "mysql-check user: request bytes; truncated greeting then close -> L7RSP.",
           MYU, CHK_MY_GREET_PKT[:20], len(CHK_MYSQL_USER_PKT))

# ---------------------------------------------------------------------------
# ldap-check
# ---------------------------------------------------------------------------

LDAP_REQ = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00"
LDAP = "    option ldap-check"

chk_fake("chk_ldap_success", "ldap-check: bindResponse resultCode 0 -> L7OK code 0 'Success'.",
         LDAP, b"\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", True)
chk_fake("chk_ldap_invalid_creds", "ldap-check: resultCode 49 -> L7STS code 49 'See RFC ...'.",
         LDAP, b"\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x31\x04\x00\x04\x00", False)
chk_fake("chk_ldap_not_sequence", "ldap-check: answer not starting with 0x30 -> 'Not LDAPv3 protocol'.",
         LDAP, b"HTTP/1.0 400 Bad\r\n\r\n", False)
chk_fake("chk_ldap_wrong_msgid", "ldap-check: messageID 2 -> 'Not LDAPv3 protocol'.",
         LDAP, b"\x30\x0c\x02\x01\x02\x61\x07\x0a\x01\x00\x04\x00\x04\x00", False)
chk_direct("chk_ldap_short", "ldap-check: request bytes; 5 bytes then close -> 'Not LDAPv3 protocol'.",
           LDAP, b"\x30\x0c\x02\x01\x01", len(LDAP_REQ))
chk_fake("chk_ldap_long_len", "ldap-check: long-form length 0x84 -> 'Not LDAPv3 protocol'.",
         LDAP, b"\x30\x84\x00\x00\x00\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", False)
chk_fake("chk_ldap_long_len_81", "ldap-check: long-form length 0x81 (1 byte) accepted.",
         LDAP, b"\x30\x81\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", True)

# ---------------------------------------------------------------------------
# backup servers, allbackups
# ---------------------------------------------------------------------------

add("chk_backup_takes_over",
    "Active DOWN with a backup: 'Running on backup.' in the DOWN line; traffic to backup.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server b1 127.0.0.1:{{be2}} backup"),
    {"be2": CHK_OK2}, [chk_get()], ready_logs=[chk_down()])

add("chk_backup_both_down",
    "Active then backup DOWN: 'Backup Server ... is DOWN', then no server available.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 1000 downinter 20000\n"
            "    server b1 127.0.0.1:{{dead2}} backup check inter 1000 downinter 20000"),
    {}, [chk_get()],
    ready_logs=[chk_down(), chk_down("app/b1", prefix="Backup "), (r"has no server available", 1, 6.0)])

add("chk_backup_down_first",
    "Backup DOWN while active UP: '1 active and 0 backup servers left', no emerg.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n"
            "    server b1 127.0.0.1:{{dead}} backup check inter 20000"),
    {"be1": CHK_OK}, [chk_get()], ready_logs=[chk_down("app/b1", prefix="Backup ")])

add("chk_backup_lhc",
    "log-health-checks on a backup: 'Health check for backup server ...'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n"
            "    server b1 127.0.0.1:{{dead}} backup check inter 20000",
            "    option log-health-checks"),
    {"be1": CHK_OK}, [], ready_logs=[chk_down("app/b1", prefix="Backup ")])

add("chk_allbackups_two",
    "option allbackups: active DOWN, two backups share the traffic (roundrobin).",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server b1 127.0.0.1:{{be1}} backup\n"
            "    server b2 127.0.0.1:{{be2}} backup",
            "    option allbackups"),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_get(b"/1", 1), chk_get(b"/2", 2), chk_get(b"/3", 3)], ready_logs=[chk_down()])

add("chk_no_allbackups_two",
    "Without allbackups only the first backup is used.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server b1 127.0.0.1:{{be1}} backup\n"
            "    server b2 127.0.0.1:{{be2}} backup"),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_get(b"/1", 1), chk_get(b"/2", 2)], ready_logs=[chk_down()])

add("chk_backup_active_comes_back",
    "Active DOWN (backup used), then UP again: '1 active and 1 backup servers online'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 100 rise 1\n"
            "    server b1 127.0.0.1:{{be2}} backup",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200), "be2": CHK_OK2}, [],
    ready_logs=[chk_down(), chk_up()])

add("chk_backup_up_running_on_backup",
    "Backup DOWN->UP while actives are down: 'Backup Server ... is UP ... Running on backup.'",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 1000 downinter 20000\n"
            "    server b1 127.0.0.1:{{be1}} backup check inter 1000 downinter 100 rise 1",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200)}, [],
    ready_logs=[chk_down(), chk_down("app/b1", prefix="Backup "), chk_up("app/b1", prefix="Backup ")])

# ---------------------------------------------------------------------------
# disabled servers, maintenance through the stats admin page
# ---------------------------------------------------------------------------

add("chk_disabled_server",
    "'disabled' server with check: no check sent, no state line, 503.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 100 disabled"),
    {"be1": CHK_OK}, [chk_get()])

add("chk_disabled_one_of_two",
    "'disabled' s1 and plain s2: all traffic to s2, no state lines.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} disabled\n    server s2 127.0.0.1:{{be2}}"),
    {"be1": CHK_OK, "be2": CHK_OK2}, [chk_get(b"/1", 1), chk_get(b"/2", 2)])

add("chk_admin_disable",
    "Stats admin POST action=disable: 'Server app/s1 is DOWN for maintenance.' + no server available.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}", CHK_STATS),
    {"be1": CHK_OK}, [chk_admin(b"s=s1&action=disable&b=app", 1), chk_get(b"/after", 2)])

add("chk_admin_disable_backup",
    "Admin disable of a backup server: 'Backup Server app/b1 is DOWN for maintenance.'",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n    server b1 127.0.0.1:{{be2}} backup", CHK_STATS),
    {"be1": CHK_OK, "be2": CHK_OK2}, [chk_admin(b"s=b1&action=disable&b=app", 1)])

add("chk_admin_disable_then_enable",
    "Admin disable then enable: '... is UP (leaving maintenance).' (notice).",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}", CHK_STATS),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_admin(b"s=s1&action=disable&b=app", 1), chk_admin(b"s=s1&action=enable&b=app", 2)])

add("chk_admin_enable_disabled",
    "Admin enable of a 'disabled' server: leaves maintenance.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} disabled", CHK_STATS),
    {"be1": CHK_OK}, [chk_admin(b"s=s1&action=enable&b=app", 1), chk_get(b"/after", 2)])

add("chk_admin_disable_twice",
    "Disabling a server already in maintenance does nothing (no second line).",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}", CHK_STATS),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_admin(b"s=s1&action=disable&b=app", 1), chk_admin(b"s=s1&action=disable&b=app", 2)])

add("chk_admin_disable_two_servers",
    "One POST disabling s1 and s2: two maintenance lines then no server available.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}", CHK_STATS),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_admin(b"s=s1&s=s2&action=disable&b=app", 1)])

add("chk_admin_disable_checked_down",
    "Admin disable of a server already DOWN by checks: maintenance line, no second emerg.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000", CHK_STATS),
    {}, [chk_admin(b"s=s1&action=disable&b=app", 1)],
    ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_admin_enable_checked_down",
    "Admin disable+enable of a DOWN-checked server: UP (leaving maintenance), then DOWN again at next check? (downinter 20000: no).",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000", CHK_STATS),
    {}, [chk_admin(b"s=s1&action=disable&b=app", 1), chk_admin(b"s=s1&action=enable&b=app", 2)],
    ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_admin_disable_tracked",
    "Admin disable of a tracked server: trackers follow ('... is DOWN via app/s1').",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be3}} inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} track s1", CHK_STATS + "    option httpchk GET /chk"),
    {"be1": CHK_OK, "be2": CHK_OK2, "be3": chk_be(R200), "be4": CHK_SYNC_BE},
    [chk_sync("be3", 1), chk_admin(b"s=s1&action=disable&b=app", 1)])

add("chk_admin_start_stop_weight",
    "Admin action=stop/start (weight 0 / initial) writes no state line.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}", CHK_STATS),
    {"be1": CHK_OK, "be2": CHK_OK2},
    [chk_admin(b"s=s1&action=stop&b=app", 1), chk_get(b"/x", 2),
     chk_admin(b"s=s1&action=start&b=app", 3)])

# ---------------------------------------------------------------------------
# track
# ---------------------------------------------------------------------------

add("chk_track_down",
    "s2 tracks s1; s1 refused: s1 DOWN with reason, s2 'DOWN via app/s1', then no server.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} track s1"),
    {"be2": CHK_OK2}, [chk_get()],
    ready_logs=[chk_down("app/s2"), (r"has no server available", 1, 6.0)])

add("chk_track_other_backend",
    "track bk1/s1 from another backend: both backends lose their server.",
    GLOBAL + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    default_backend bk2

backend bk1
    server s1 127.0.0.1:{{dead}} check inter 20000

backend bk2
    server t1 127.0.0.1:{{be2}} track bk1/s1
""", {"be2": CHK_OK2}, [chk_get()],
    ready_logs=[chk_down("bk2/t1"), (r"backend bk2 has no server available", 1, 6.0)])

add("chk_track_up_again",
    "Tracked server DOWN then UP: tracker 'is UP via app/s1'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 100 rise 1\n"
            "    server s2 127.0.0.1:{{be2}} track s1",
            "    option httpchk GET /chk"),
    {"be1": chk_be(R503, R200), "be2": CHK_OK2}, [],
    ready_logs=[chk_down("app/s2"), chk_up("app/s2")])

add("chk_track_chain_lhc",
    "log-health-checks does not change tracker lines.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} track s1\n"
            "    server b1 127.0.0.1:{{be3}} backup track s1",
            "    option log-health-checks"),
    {"be2": CHK_OK2, "be3": CHK_OK}, [],
    ready_logs=[chk_down("app/b1", prefix="Backup "), (r"has no server available", 1, 6.0)])

add("chk_track_disabled_tracked",
    "Tracking a 'disabled' server: tracker starts down; no check lines; 503.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 disabled\n"
            "    server s2 127.0.0.1:{{be2}} track s1"),
    {"be1": CHK_OK, "be2": CHK_OK2}, [chk_get()])

add("chk_track_nolb",
    "Tracker of a NOLB server also gets 'Load-balancing on Server app/s2 is disabled'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} track s1",
            "    option httpchk GET /chk\n    http-check disable-on-404"),
    {"be1": chk_be(R404), "be2": CHK_OK2}, [],
    ready_logs=[(r"Load-balancing on Server app/s2 is disabled", 1, 6.0)])

# ---------------------------------------------------------------------------
# observe layer4 / layer7, on-error, error-limit
# ---------------------------------------------------------------------------


def chk_obs(name, desc, srvopts, backends, clients, extra="", ready=(), settle=()):
    add(name, desc,
        chk_cfg("    server s1 127.0.0.1:{{%s}} check port {{be3}} inter 20000 %s" %
                ("dead" if "be1" not in backends else "be1", srvopts),
                "    retries 0\n" + extra),
        dict(backends, be3=BackendSpec(mode="tcp", tcp_expect=1, responses=[b""])),
        clients,
        ready_logs=list(ready), settle_logs=list(settle))


chk_obs("chk_observe_l4_markdown",
        "observe layer4 on-error mark-down error-limit 1: one refused connect -> DOWN 'Health analyze'.",
        "observe layer4 on-error mark-down error-limit 1", {}, [chk_get()],
        settle=[chk_down()])
chk_obs("chk_observe_l4_markdown_limit2",
        "error-limit 2: first error silent, second -> 'Detected 2 consecutive errors'.",
        "observe layer4 on-error mark-down error-limit 2", {}, [chk_get(b"/1", 1), chk_get(b"/2", 2)],
        settle=[chk_down()])
chk_obs("chk_observe_l4_failcheck_fall3",
        "on-error fail-check fall 3: one error only decrements health (silent).",
        "observe layer4 on-error fail-check error-limit 1 fall 3", {}, [chk_get(b"/1", 1)])
chk_obs("chk_observe_l4_failcheck_lhc",
        "on-error fail-check + log-health-checks: 'Health check ... failed, reason: Health analyze'.",
        "observe layer4 on-error fail-check error-limit 1 fall 3", {},
        [chk_get(b"/1", 1), chk_get(b"/2", 2), chk_get(b"/3", 3)],
        extra="    option log-health-checks", settle=[chk_down()])
chk_obs("chk_observe_l4_failcheck_fall1",
        "on-error fail-check with fall 1: first error -> DOWN.",
        "observe layer4 on-error fail-check error-limit 1 fall 1", {}, [chk_get()],
        settle=[chk_down()])
chk_obs("chk_observe_l4_sudden_death",
        "on-error sudden-death fall 5: first error leaves one step, second -> DOWN.",
        "observe layer4 on-error sudden-death error-limit 1 fall 5", {},
        [chk_get(b"/1", 1), chk_get(b"/2", 2)], extra="    option log-health-checks",
        settle=[chk_down()])
chk_obs("chk_observe_l4_fastinter",
        "on-error fastinter: errors only reschedule checks, no state line.",
        "observe layer4 on-error fastinter error-limit 1 fastinter 20000", {},
        [chk_get(b"/1", 1), chk_get(b"/2", 2)])
chk_obs("chk_observe_l4_default_onerror",
        "observe layer4 without on-error (default fail-check, limit 10): 2 errors silent.",
        "observe layer4", {}, [chk_get(b"/1", 1), chk_get(b"/2", 2)],
        extra="    option log-health-checks")
chk_obs("chk_observe_l7_500_markdown",
        "observe layer7 on-error mark-down error-limit 2: two 500s -> DOWN 'Wrong http response'.",
        "observe layer7 on-error mark-down error-limit 2",
        {"be1": BackendSpec(resp(b"err\n", status=b"500 Internal Server Error"))},
        [chk_get(b"/1", 1), chk_get(b"/2", 2)], settle=[chk_down()])
chk_obs("chk_observe_l7_ok_resets",
        "observe layer7: 500, 200, 500 with error-limit 2 -> the 200 resets the count (no DOWN).",
        "observe layer7 on-error mark-down error-limit 2",
        {"be1": BackendSpec([resp(b"e\n", status=b"500 Err"), resp(b"ok\n"),
                             resp(b"e\n", status=b"500 Err")])},
        [chk_get(b"/1", 1), chk_get(b"/2", 2), chk_get(b"/3", 3)])
chk_obs("chk_observe_l7_501_ignored",
        "observe layer7: 501 and 505 are not counted as server errors.",
        "observe layer7 on-error mark-down error-limit 1",
        {"be1": BackendSpec([resp(b"e\n", status=b"501 Not Implemented"),
                             resp(b"e\n", status=b"505 Version")])},
        [chk_get(b"/1", 1), chk_get(b"/2", 2)])
chk_obs("chk_observe_l7_close",
        "observe layer7: server closes without response -> 'Close from server (http)' / mark-down.",
        "observe layer7 on-error mark-down error-limit 1",
        {"be1": BackendSpec(on_request="close")}, [chk_get()], settle=[chk_down()])
chk_obs("chk_observe_l7_refused",
        "observe layer7 also counts L4 connect errors (L4 unsuccessful connection is an error in both modes).",
        "observe layer7 on-error mark-down error-limit 1", {}, [chk_get(b"/1", 1)])
chk_obs("chk_observe_l4_ignores_l7",
        "observe layer4 ignores HTTP status: 500s do not count.",
        "observe layer4 on-error mark-down error-limit 1",
        {"be1": BackendSpec(resp(b"e\n", status=b"500 Err"))}, [chk_get(b"/1", 1), chk_get(b"/2", 2)])

# ---------------------------------------------------------------------------
# queued / active sessions in the DOWN line
# ---------------------------------------------------------------------------

add("chk_down_with_active_and_queued",
    "maxconn 1: one active, one queued when the check fails -> '1 sessions active, 0 requeued, 1 remaining in queue'.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be2}} inter 1000 downinter 20000 fall 1 maxconn 1",
            "    option httpchk GET /chk\n    timeout queue 2500"),
    {"be1": BackendSpec(resp(b"slow\n"), delay=2.0), "be2": chk_be(R200, R503)},
    [Client([("wait_be", "be2", 1, 4.0), ("send", get(b"/slow")), ("recv_close", 4.0), ("close",)]),
     Client([("wait_be", "be1", 1, 4.0), ("send", get(b"/queued")), ("recv_close", 4.0), ("close",)])],
    parallel=True, settle_logs=[(LOGSYNC, 2, 5.0)])

add("chk_down_with_queued_redispatch",
    "Same with option redispatch: queued session is requeued ('1 requeued, 0 remaining').",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be2}} inter 1000 downinter 20000 fall 1 maxconn 1",
            "    option httpchk GET /chk\n    option redispatch\n    timeout queue 2500"),
    {"be1": BackendSpec(resp(b"slow\n"), delay=2.0), "be2": chk_be(R200, R503)},
    [Client([("wait_be", "be2", 1, 4.0), ("send", get(b"/slow")), ("recv_close", 4.0), ("close",)]),
     Client([("wait_be", "be1", 1, 4.0), ("send", get(b"/queued")), ("recv_close", 4.0), ("close",)])],
    parallel=True, settle_logs=[(LOGSYNC, 2, 5.0)])

# ---------------------------------------------------------------------------
# proxy start / stop lines, log levels
# ---------------------------------------------------------------------------

add("chk_proxy_frontend_backend_lines",
    "frontend/backend: 'Stopping frontend web', 'Stopping backend bk', per-proxy counters.",
    GLOBAL + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    default_backend bk

backend bk
    server s1 127.0.0.1:{{be1}}

backend unused
    server s2 127.0.0.1:{{be2}}
""", {"be1": CHK_OK}, [chk_get(b"/1", 1), chk_get(b"/2", 2)])

add("chk_proxy_grace",
    "grace 300: 'Stopping proxy app in 300 ms.' then stopped.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}", "    grace 300"),
    {"be1": CHK_OK}, [chk_get()])

add("chk_proxy_disabled",
    "A 'disabled' listen is neither started nor stopped in the logs; its servers are not checked.",
    chk_cfg("    server s1 127.0.0.1:{{be1}}") + """
listen off 127.0.0.1:{{fe2}}
    disabled
    server s2 127.0.0.1:{{dead}} check inter 100
""", {"be1": CHK_OK}, [chk_get()])

add("chk_proxy_no_log",
    "A backend without log lines: its DOWN line is not sent to syslog (stderr only).",
    GLOBAL.replace("    log global\n", "") + """
frontend web 127.0.0.1:{{fe}}
    log global
    option httpclose
    default_backend bk

backend bk
    server s1 127.0.0.1:{{dead}} check inter 20000
""", {}, [chk_get()])

add("chk_log_level_alert_only",
    "global log with max level 'alert': only DOWN (alert) and no-server (emerg) lines pass.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            head=GLOBAL.replace("log 127.0.0.1:{{log}} local0", "log 127.0.0.1:{{log}} local0 alert")),
    {}, [], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_log_level_notice",
    "max level 'notice': state lines pass, traffic (info) lines do not.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000 downinter 100 rise 1",
            "    option httpchk GET /chk",
            head=GLOBAL.replace("log 127.0.0.1:{{log}} local0", "log 127.0.0.1:{{log}} local0 notice")),
    {"be1": chk_be(R503, R200)}, [], ready_logs=[chk_down(), chk_up()])

add("chk_log_minlevel",
    "min level 'warning': alert/emerg lines are raised to PRI warning? (MAX(level,min)).",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            head=GLOBAL.replace("log 127.0.0.1:{{log}} local0", "log 127.0.0.1:{{log}} local0 debug warning")),
    {}, [chk_get()], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_log_facility_proxy",
    "Proxy-level 'log ... local3 notice' replaces global: state lines at facility local3.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            "    log 127.0.0.1:{{log}} local3 notice",
            head=GLOBAL.replace("    log global\n", "")),
    {}, [Client([("send", get()), ("recv_close", 3.0), ("close",)])], ready_logs=[chk_down(), (r"has no server available", 1, 6.0)])

add("chk_log_two_targets",
    "Two global log targets (local0, daemon): every state line sent twice.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            head=GLOBAL.replace("    log 127.0.0.1:{{log}} local0\n",
                                "    log 127.0.0.1:{{log}} local0\n    log 127.0.0.1:{{log}} daemon warning\n")),
    {}, [], ready_logs=[chk_down(n=2), (r"has no server available", 2, 6.0)])

add("chk_global_quiet_db",
    "global 'quiet' with -db: debug wins, warnings still on stderr.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000",
            head=GLOBAL.replace("    maxconn 200\n", "    maxconn 200\n    quiet\n")),
    {}, [], ready_logs=[chk_down()])

add("chk_default_server",
    "default-server inter/downinter/rise apply: 503 then 200 with rise 1 -> UP.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check",
            "    option httpchk GET /chk\n    default-server inter 20000 downinter 100 rise 1 fall 5"),
    {"be1": chk_be(R503, R200)}, [], ready_logs=[chk_down(), chk_up()])

add("chk_httpchk_in_defaults",
    "option httpchk inherited from defaults: check request sent, 500 -> DOWN.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check inter 20000" + CHK_DOWN_LONG,
            head=GLOBAL + "    option httpchk HEAD /chk\n"),
    {"be1": chk_be(chk_r(b"500 Oops"))}, [], ready_logs=[chk_down()])

add("chk_slowstart_up",
    "slowstart does not change the DOWN/UP lines; traffic after UP reaches the server.",
    chk_cfg("    server s1 127.0.0.1:{{be1}} check port {{be2}} inter 20000 downinter 100 rise 1 slowstart 10s",
            "    option httpchk GET /chk"),
    {"be1": CHK_OK, "be2": chk_be(R503, R200)}, [chk_get()],
    ready_logs=[chk_down(), chk_up()])

add("chk_weight0_counts",
    "A weight 0 server is not counted as active in the DOWN line of another server.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} weight 0"),
    {"be2": CHK_OK2}, [chk_get()], ready_logs=[chk_down()])

add("chk_admin_tracker_while_tracked_down",
    "Tracker disabled then enabled while its tracked server is DOWN: maintenance line, then 'DOWN via'.",
    chk_cfg("    server s1 127.0.0.1:{{dead}} check inter 20000\n"
            "    server s2 127.0.0.1:{{be2}} track s1", CHK_STATS),
    {"be2": CHK_OK2},
    [chk_admin(b"s=s2&action=disable&b=app", 1), chk_admin(b"s=s2&action=enable&b=app", 2)],
    ready_logs=[chk_down("app/s2"), (r"has no server available", 1, 6.0)])

# ---------------------------------------------------------------------------
# -c: related keyword errors and warnings
# ---------------------------------------------------------------------------

for _n, _kw, _d in (
        ("rise_zero", "check rise 0", "rise 0 -> \"'rise' has to be > 0\"."),
        ("inter_bad", "check inter 10x", "inter with a bad unit."),
        ("observe_bad", "check observe layer9", "observe with an unknown value."),
        ("onerror_bad", "check on-error explode", "on-error with an unknown value."),
        ("errorlimit_zero", "check error-limit 0", "error-limit 0."),
        ("track_unknown_server", "track nosuch", "track of an unknown server."),
        ("track_unknown_proxy", "track nope/s2", "track of an unknown proxy."),
        ("track_unchecked", "track s2", "track of a server without checks.")):
    add("chk_cfg_%s" % _n, "-c: server %s" % _d,
        chk_cfg("    server s1 127.0.0.1:{{be1}} %s\n    server s2 127.0.0.1:{{be2}}" % _kw),
        kind="check")

for _n, _extra, _d in (
        ("httpcheck_bad", "    http-check frobnicate", "http-check with an unknown keyword."),
        ("expect_twice", "    option httpchk\n    http-check expect status 200\n    http-check expect string x",
         "http-check expect given twice."),
        ("expect_bad_kw", "    option httpchk\n    http-check expect header x", "http-check expect unknown type."),
        ("expect_bad_regex", "    option httpchk\n    http-check expect rstring (", "http-check expect rstring with a bad regex."),
        ("disable404_no_httpchk", "    http-check disable-on-404", "disable-on-404 without httpchk (warning)."),
        ("sendstate_no_httpchk", "    http-check send-state", "send-state without httpchk (warning)."),
        ("mysql_bad_opt", "    option mysql-check foo", "mysql-check with an unknown argument."),
        ("observe_l7_tcp", "    mode tcp\n    server t1 127.0.0.1:{{be3}} check observe layer7",
         "observe layer7 in a tcp proxy (non-fatal alert)."),):
    cfg = chk_cfg("    server s1 127.0.0.1:{{be1}} check", _extra)
    add("chk_cfg_%s" % _n, "-c: %s" % _d, cfg, kind="check")

add("chk_cfg_track_nolb_mismatch",
    "-c: track across backends with different disable-on-404 settings.",
    GLOBAL + """
backend bk1
    option httpchk
    http-check disable-on-404
    server s1 127.0.0.1:{{be1}} check

backend bk2
    server t1 127.0.0.1:{{be2}} track bk1/s1
""", kind="check")
