"""Proofs for rows of docs/compatibility.md that had none (catalogue `pf_`).

Each scenario here exists because a row of the compatibility table claimed
"supported" with no scenario or test exercising it at run time: ACL criteria
and predefined ACLs (each matched criterion adds a request or response
header, so the server side or the client shows which ones matched), operators
and condition syntax, http-request rules with userlists, reqdel/rspdel,
reqpass/reqsetbe, http-send-name-header, monitor-net, mode health, errorloc303,
redirect options, the default (tunnel) mode, forwardfor/originalto options,
http-pretend-keepalive, checkcache, accept-invalid-http-*,
passive and indirect cookies, force-persist/ignore-persist, static-rr,
dispatch, several listen addresses, log-tag, log-send-hostname, the legacy
timeout names, fullconn and check statuses in the CSV.  Goldens are recorded
from HAProxy 1.4.25.  Uses only the building blocks of scenarios.py.
"""

PF_HTTP = GLOBAL  # global (syslog, stats socket) + defaults: mode http, httplog


def pf_listen(lines="", servers="    server s1 127.0.0.1:{{be1}}\n", head=PF_HTTP,
              name="app", port="fe"):
    """One HTTP listen section (httpclose) after the common global/defaults."""
    if lines and not lines.endswith("\n"):
        lines += "\n"
    return (head + "\nlisten %s 127.0.0.1:{{%s}}\n    option httpclose\n" % (name, port) +
            lines + servers)


def pf_req(path=b"/", extra=b"", method=b"GET", version=b"HTTP/1.1", body=b""):
    if body:
        extra += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return get(path, extra=extra, method=method, version=version) + body


def pf_seq(reqs, port="fe", first=1, timeout=3.0):
    """One client per request, each waiting for its own traffic log line
    (the n-th over the whole scenario, counting from <first>)."""
    return [Client([("send", r), ("recv_close", timeout), ("close",),
                    ("wait_log", LOGSYNC, first + i, 3.0)], port=port)
            for i, r in enumerate(reqs)]


def pf_marks(cond_by_name, kind="req"):
    """reqadd/rspadd lines adding 'X-M-<name>: 1' when <cond> is true."""
    kw = "reqadd" if kind == "req" else "rspadd"
    return "".join("    %s X-M-%s:\\ 1 if %s\n" % (kw, n, c) for n, c in cond_by_name)


def pf_acls(defs):
    """acl lines, and the marks that show which of them matched."""
    acls = "".join("    acl %s %s\n" % (n, d) for n, d in defs)
    return acls + pf_marks([(n, n) for n, _ in defs])


PF_OK = BackendSpec(resp(b"ok\n"))
PF_OK2 = BackendSpec(resp(b"ok2\n"))

# ---------------------------------------------------------------------------
# ACL criteria: every criterion of a row in one scenario
# ---------------------------------------------------------------------------

add("pf_acl_l4", "L4 criteria src/dst/src_port/dst_port/fe_id/be_id/always_*; srv_id in the response.",
    pf_listen("    id 7\n" + pf_acls([
        ("src", "src 127.0.0.1"), ("src_net", "src 10.0.0.0/8"),
        ("dst", "dst 127.0.0.0/8"), ("src_port", "src_port 1:65535"),
        ("dst_port", "dst_port {{fe}}"), ("dst_port_no", "dst_port 1:80"),
        ("fe_id", "fe_id 7"), ("be_id", "be_id 7"), ("fe_id_no", "fe_id 8"),
        ("always_true", "always_true"), ("always_false", "always_false")]) +
        "    acl srv srv_id 3\n" + pf_marks([("srv_id", "srv")], "rsp"),
        servers="    server s1 127.0.0.1:{{be1}} id 3\n"),
    {"be1": PF_OK}, pf_seq([pf_req()]))

add("pf_acl_backend_state", "nbsrv, be_conn, fe_conn, srv_is_up on a backend with a disabled server.",
    PF_HTTP + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
""" + pf_acls([("nbsrv1", "nbsrv(bk) eq 1"), ("nbsrv2", "nbsrv(bk) eq 2"),
               ("be_conn0", "be_conn(bk) eq 0"), ("fe_conn1", "fe_conn ge 1"),
               ("fe_conn9", "fe_conn ge 9"), ("s1_up", "srv_is_up(bk/s1)"),
               ("s2_up", "srv_is_up(bk/s2)")]) + """\
    default_backend bk

backend bk
    server s1 127.0.0.1:{{be1}}
    server s2 127.0.0.1:{{be2}} disabled
""", {"be1": PF_OK}, pf_seq([pf_req()]))

add("pf_acl_path_url", "path/url criteria on a relative and an absolute request URI.",
    pf_listen(pf_acls([
        ("path", "path /a/b/c.html"), ("path_sub", "path_sub /b/"),
        ("path_dom", "path_dom b"), ("path_reg", "path_reg ^/a/.*\\.html$"),
        ("path_len", "path_len 11"), ("url", "url /a/b/c.html?x=1"),
        ("url_beg", "url_beg http://"), ("url_end", "url_end x=1"),
        ("url_sub", "url_sub b/c"), ("url_dir", "url_dir a"),
        ("url_reg", "url_reg c\\.html"), ("url_len", "url_len gt 20"),
        ("url_ip", "url_ip 127.0.0.1"), ("url_port", "url_port 8080")])),
    {"be1": PF_OK},
    pf_seq([pf_req(b"/a/b/c.html?x=1"), pf_req(b"http://127.0.0.1:8080/a/b/c.html?x=1")]))

PF_HDRS = (b"X-A: alpha.beta.gamma\r\nX-Dir: /one/two\r\nX-Num: 42\r\n"
           b"X-Ip: 10.1.2.3\r\nX-List: a, b\r\n")

add("pf_acl_headers", "hdr criteria: _end _sub _dir _dom _reg _len _cnt _val _ip and comma lists.",
    pf_listen(pf_acls([
        ("hdr", "hdr(X-A) alpha.beta.gamma"), ("hdr_beg", "hdr_beg(X-A) alp"),
        ("hdr_end", "hdr_end(X-A) gamma"), ("hdr_sub", "hdr_sub(X-A) a.be"),
        ("hdr_dir", "hdr_dir(X-Dir) two"), ("hdr_dom", "hdr_dom(X-A) beta"),
        ("hdr_reg", "hdr_reg(X-A) ^al.*ma$"), ("hdr_len", "hdr_len(X-A) 16"),
        ("hdr_cnt", "hdr_cnt(X-List) eq 2"), ("hdr_cnt_all", "hdr_cnt gt 5"),
        ("hdr_val", "hdr_val(X-Num) gt 40"), ("hdr_ip", "hdr_ip(X-Ip) 10.0.0.0/8"),
        ("hdr_list", "hdr(X-List) b")])),
    {"be1": PF_OK}, pf_seq([pf_req(extra=PF_HDRS), pf_req()]))

PF_USERLIST = """
userlist ul
    group g1 users alice
    group g2
    user alice insecure-password wonder
    user bob insecure-password builder groups g2
"""

add("pf_acl_misc", "method, req_ver, http_auth, http_auth_group, http_first_req.",
    PF_HTTP + PF_USERLIST + pf_listen(pf_acls([
        ("post", "method POST"), ("get", "method GET"), ("v10", "req_ver 1.0"),
        ("v11", "req_ver 1.1"), ("auth", "http_auth(ul)"),
        ("auth_g1", "http_auth_group(ul) g1"), ("auth_g2", "http_auth_group(ul) g2"),
        ("first", "http_first_req")]), head=""),
    {"be1": PF_OK},
    pf_seq([pf_req(), pf_req(method=b"POST", version=b"HTTP/1.0", body=b"x=1"),
            pf_req(extra=b"Authorization: Basic YWxpY2U6d29uZGVy\r\n"),
            pf_req(extra=b"Authorization: Basic Ym9iOmJ1aWxkZXI=\r\n"),
            pf_req(extra=b"Authorization: Basic Ym9iOndyb25n\r\n")]))


def pf_rdp(cookie):
    """An RDP connection request (TPKT + X.224) carrying <cookie>."""
    line = b"Cookie: " + cookie + b"\r\n"
    total = 11 + len(line) + 8
    return (bytes([3, 0, total >> 8, total & 255, total - 5, 0xe0, 0, 0, 0, 0, 0]) + line +
            bytes([1, 0, 8, 0, 3, 0, 0, 0]))


PF_TCP_ECHO = BackendSpec(mode="tcp_echo")


add("pf_acl_l4_content", "req_len, req_ssl_ver, req_rdp_cookie(_cnt), req_proto_http pick backends.",
    GLOBAL_TCP + """
frontend fe 127.0.0.1:{{fe}}
    mode tcp
    option tcplog
    tcp-request inspect-delay 1s
    acl http req_proto_http
    acl rdp req_rdp_cookie(mstshash) alice
    acl rdp1 req_rdp_cookie_cnt(mstshash) eq 1
    acl ssl req_ssl_ver 3.1:3.3
    acl len req_len ge 4
    tcp-request content accept if http or rdp or ssl or len
    use_backend b_http if http
    use_backend b_rdp if rdp rdp1
    use_backend b_ssl if ssl
    default_backend b_len

backend b_http
    server h 127.0.0.1:{{be1}}

backend b_rdp
    server r 127.0.0.1:{{be2}}

backend b_ssl
    server s 127.0.0.1:{{be3}}

backend b_len
    server l 127.0.0.1:{{be4}}
""", {"be1": PF_TCP_ECHO, "be2": PF_TCP_ECHO, "be3": PF_TCP_ECHO, "be4": PF_TCP_ECHO},
    [Client([("send", d), ("shutw",), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, i + 1, 3.0)])
     for i, d in enumerate([b"GET / HTTP/1.0\r\n\r\n", pf_rdp(b"mstshash=alice"),
                            bytes([0x16, 3, 1, 0, 4, 1, 0, 0, 0]), b"hello world"])])

PF_RSP = resp(b"ok\n", extra_headers=PF_HDRS.replace(b"X-", b"X-R"))

add("pf_acl_response", "status, resp_ver and the shdr family decide rspadd lines.",
    pf_listen(pf_acls([
        ("status", "status 200"), ("status_no", "status 404"),
        ("resp_ver", "resp_ver 1.1"), ("shdr", "shdr(X-RA) alpha.beta.gamma"),
        ("shdr_beg", "shdr_beg(X-RA) alp"), ("shdr_end", "shdr_end(X-RA) gamma"),
        ("shdr_sub", "shdr_sub(X-RA) a.be"), ("shdr_dir", "shdr_dir(X-RDir) two"),
        ("shdr_dom", "shdr_dom(X-RA) beta"), ("shdr_reg", "shdr_reg(X-RA) ^al.*ma$"),
        ("shdr_len", "shdr_len(X-RA) 16"), ("shdr_cnt", "shdr_cnt(X-RList) eq 2"),
        ("shdr_val", "shdr_val(X-RNum) eq 42"), ("shdr_ip", "shdr_ip(X-RIp) 10.0.0.0/8")]
    ).replace("reqadd", "rspadd")),
    {"be1": BackendSpec(PF_RSP)}, pf_seq([pf_req()]))

add("pf_acl_operators", "eq ge gt le lt, ranges, -i and -f file.",
    pf_listen(pf_acls([
        ("eq", "hdr_val(X-Num) eq 42"), ("ge", "hdr_val(X-Num) ge 42"),
        ("gt", "hdr_val(X-Num) gt 42"), ("le", "hdr_val(X-Num) le 42"),
        ("lt", "hdr_val(X-Num) lt 43"), ("range", "hdr_val(X-Num) 40:50"),
        ("range_open", "hdr_val(X-Num) 43:"),
        ("icase", "hdr(X-A) -i ALPHA.BETA.GAMMA"), ("case", "hdr(X-A) ALPHA.BETA.GAMMA"),
        ("file", "path -f {{tmp}}/paths.lst"), ("dashdash", "path -- -x /")])),
    {"be1": PF_OK}, pf_seq([pf_req(extra=PF_HDRS), pf_req(b"/listed")]),
    files={"paths.lst": b"# paths\n/listed\n\n/other\n"})

add("pf_acl_predefined", "Predefined ACLs on GET, HEAD, OPTIONS *, POST with a body, absolute URIs.",
    pf_listen(pf_marks([(n, n) for n in (
        "TRUE", "LOCALHOST", "HTTP", "HTTP_1.0", "HTTP_1.1", "METH_CONNECT", "METH_GET",
        "METH_HEAD", "METH_OPTIONS", "METH_POST", "METH_TRACE", "HTTP_URL_ABS",
        "HTTP_URL_SLASH", "HTTP_URL_STAR", "HTTP_CONTENT", "RDP_COOKIE", "REQ_CONTENT",
        "WAIT_END")]) + "    reqadd X-M-FALSE:\\ 1 unless FALSE\n"),
    {"be1": PF_OK},
    pf_seq([pf_req(), pf_req(method=b"HEAD"), pf_req(b"*", method=b"OPTIONS", version=b"HTTP/1.0"),
            pf_req(method=b"POST", body=b"a=b"), pf_req(b"http://example.com/x"),
            pf_req(method=b"TRACE")]))

add("pf_acl_conditions", "Conditions: AND by juxtaposition, or, ||, !, anonymous { } ACLs.",
    pf_listen("    acl a path_beg /a\n    acl b hdr(X-B) yes\n" + pf_marks([
        ("and", "a b"), ("or", "a or b"), ("oror", "a || b"), ("not", "!a"),
        ("anon", "{ path_beg /a } !b"), ("anon_or", "{ hdr(X-B) no } || !a")]) +
        "    reqadd X-M-unless:\\ 1 unless a b\n"),
    {"be1": PF_OK},
    pf_seq([pf_req(b"/a"), pf_req(b"/a", extra=b"X-B: yes\r\n"), pf_req(b"/z", extra=b"X-B: yes\r\n"),
            pf_req(b"/z")]))

# ---------------------------------------------------------------------------
# HTTP rules
# ---------------------------------------------------------------------------

add("pf_http_request_rules", "http-request allow/deny/auth with a userlist: 403, 401 realm, groups.",
    PF_HTTP + PF_USERLIST + pf_listen("""\
    acl auth_ok http_auth_group(ul) g1
    acl p_admin path_beg /admin
    acl p_deny path_beg /deny
    acl p_allow hdr(X-Allow) yes
    http-request allow if p_allow
    http-request deny if p_deny
    http-request auth realm Admin\\ Zone if p_admin !auth_ok
""", head=""),
    {"be1": PF_OK},
    pf_seq([pf_req(b"/deny"), pf_req(b"/deny", extra=b"X-Allow: yes\r\n"), pf_req(b"/admin"),
            pf_req(b"/admin", extra=b"Authorization: Basic YWxpY2U6d29uZGVy\r\n"),
            pf_req(b"/admin", extra=b"Authorization: Basic Ym9iOmJ1aWxkZXI=\r\n"),
            pf_req(b"/admin", extra=b"Authorization: Basic !!!\r\n"), pf_req(b"/other")]))

add("pf_reqdel_rspdel", "reqdel/reqidel/rspdel/rspidel, one with a condition.",
    pf_listen("""\
    reqdel ^X-Del:
    reqidel ^x-idel:
    reqdel ^X-Cond: if { path_beg /c }
    rspdel ^X-RDel:
    rspidel ^x-ridel:
"""),
    {"be1": BackendSpec(resp(b"ok\n", extra_headers=b"X-RDel: 1\r\nX-RIDel: 2\r\nX-Keep: 3\r\n"))},
    pf_seq([pf_req(b"/c", extra=b"X-Del: 1\r\nX-IDEL: 2\r\nX-Cond: 3\r\nX-Keep: 4\r\n"),
            pf_req(b"/d", extra=b"X-Del: 1\r\nX-Cond: 3\r\n")]))

add("pf_reqpass_reqsetbe", "reqpass shields a header from a later reqdeny; reqsetbe/reqisetbe pick backends.",
    PF_HTTP + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    reqpass ^X-Pass:
    reqdeny ^X-Pass:
    reqdeny ^X-Deny:
    reqsetbe ^Host:\\ api bk_api
    reqisetbe ^host:\\ static bk_static
    default_backend bk_default

backend bk_api
    server api1 127.0.0.1:{{be1}}

backend bk_static
    server st1 127.0.0.1:{{be2}}

backend bk_default
    server def1 127.0.0.1:{{be3}}
""", {"be1": API, "be2": STATIC, "be3": DEFAULT},
    pf_seq([get(extra=b"X-Pass: 1\r\n"), get(extra=b"X-Deny: 1\r\n"), get(host=b"api.local"),
            get(host=b"STATIC.local"), get()]))

add("pf_reqsetbe_neighbours", "reqsetbe with a condition, before use_backend, the first match winning, and in a backend.",
    PF_HTTP + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    acl is_post method POST
    reqsetbe ^Host:\\ api bk_api if !is_post
    reqsetbe ^X-Route:\\ static bk_static
    reqsetbe ^X-Route:\\ api bk_api
    use_backend bk_static if is_post
    default_backend bk_default

backend bk_api
    server api1 127.0.0.1:{{be1}}

backend bk_static
    server st1 127.0.0.1:{{be2}}

backend bk_default
    reqsetbe ^X-Hop:\\ yes bk_api
    server def1 127.0.0.1:{{be3}}
""", {"be1": API, "be2": STATIC, "be3": DEFAULT},
    pf_seq([get(host=b"api.local"), get(extra=b"X-Route: static\r\nX-Route: api\r\n"),
            get(extra=b"X-Hop: yes\r\n"), get(extra=b"X-Route: api\r\n"),
            b"POST / HTTP/1.1\r\nHost: api.local\r\nContent-Length: 0\r\n\r\n"]))

add("pf_http_send_name_header", "http-send-name-header X-Srv on two round-robin servers.",
    pf_listen("    http-send-name-header X-Srv\n",
              servers="    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}\n"),
    {"be1": PF_OK, "be2": PF_OK2},
    pf_seq([pf_req(extra=b"X-Srv: forged\r\n"), pf_req()]))

add("pf_monitor_net", "monitor-net matching the client: 200 at once, nothing logged, no server.",
    pf_listen("    monitor-net 127.0.0.0/8\n"), {"be1": PF_OK},
    [Client([("recv_close", 3.0), ("close",)])])

add("pf_mode_health", "mode health answers OK, with option httpchk an HTTP 200.",
    PF_HTTP + """
listen h1 127.0.0.1:{{fe}}
    mode health

listen h2 127.0.0.1:{{fe2}}
    mode health
    option httpchk
""", {}, [Client([("recv_close", 3.0), ("close",)]),
          Client([("send", get()), ("recv_close", 3.0), ("close",)], port="fe2")],
    listen=("fe", "fe2"))

add("pf_errorloc303", "errorloc303 turns a 503 into a 303 redirect.",
    pf_listen("    errorloc303 503 http://example.com/sorry\n", servers=""), {},
    pf_seq([pf_req()]))

add("pf_redirect_options", "redirect scheme, codes 303/307/308, append-slash, clear-cookie, set-cookie.",
    pf_listen("""\
    redirect scheme https if { path /s }
    redirect location /new code 303 clear-cookie C= if { path /c }
    redirect prefix /pre code 307 drop-query append-slash if { path_beg /d }
    redirect location /loc code 308 set-cookie S=1 if { path /e }
    redirect prefix /p2 code 301 if { path_beg /f }
"""), {"be1": PF_OK},
    pf_seq([pf_req(b"/s?q=1"), pf_req(b"/c"), pf_req(b"/dir?q=1"), pf_req(b"/e"),
            pf_req(b"/f/x?y=2")]))

# ---------------------------------------------------------------------------
# Connection modes and options
# ---------------------------------------------------------------------------

add("pf_default_tunnel_mode", "No httpclose/server-close: only the first request is analysed (reqadd).",
    PF_HTTP + """
listen app 127.0.0.1:{{fe}}
    reqadd X-Seen:\\ 1
    server s1 127.0.0.1:{{be1}}
""", {"be1": BackendSpec(resp(b"ok\n"), after="keep")},
    [Client([("send", get(b"/one")), ("recv_resp", 3.0), ("send", get(b"/two")),
             ("recv_resp", 3.0), ("close",), ("wait_log", LOGSYNC, 1, 3.0)])])

add("pf_forwardfor_options", "option forwardfor header / except / if-none on three listeners.",
    PF_HTTP + """
listen a 127.0.0.1:{{fe}}
    option httpclose
    option forwardfor header X-Client
    server s1 127.0.0.1:{{be1}}

listen b 127.0.0.1:{{fe2}}
    option httpclose
    option forwardfor except 127.0.0.0/8
    server s1 127.0.0.1:{{be2}}

listen c 127.0.0.1:{{fe3}}
    option httpclose
    option forwardfor if-none
    server s1 127.0.0.1:{{be3}}
""", {"be1": PF_OK, "be2": PF_OK, "be3": PF_OK},
    pf_seq([get()], "fe") + pf_seq([get()], "fe2", 2) +
    pf_seq([get(extra=b"X-Forwarded-For: 192.0.2.1\r\n"), get()], "fe3", 3),
    listen=("fe", "fe2", "fe3"))

add("pf_originalto", "option originalto, with a header name, and with except.",
    PF_HTTP + """
listen a 127.0.0.1:{{fe}}
    option httpclose
    option originalto
    server s1 127.0.0.1:{{be1}}

listen b 127.0.0.1:{{fe2}}
    option httpclose
    option originalto header X-Dst
    server s1 127.0.0.1:{{be2}}

listen c 127.0.0.1:{{fe3}}
    option httpclose
    option originalto except 127.0.0.0/8
    server s1 127.0.0.1:{{be3}}
""", {"be1": PF_OK, "be2": PF_OK, "be3": PF_OK},
    pf_seq([get()], "fe") + pf_seq([get()], "fe2", 2) + pf_seq([get()], "fe3", 3),
    listen=("fe", "fe2", "fe3"))

add("pf_pretend_keepalive", "http-server-close + http-pretend-keepalive: what the server is told.",
    PF_HTTP + """
listen app 127.0.0.1:{{fe}}
    option http-server-close
    option http-pretend-keepalive
    server s1 127.0.0.1:{{be1}}
""", {"be1": PF_OK},
    [Client([("send", get(extra=b"Connection: close\r\n")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)]),
     Client([("send", get(version=b"HTTP/1.0")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 2, 3.0)])])

add("pf_checkcache", "option checkcache: a cacheable response with Set-Cookie is blocked (502 + alert).",
    pf_listen("    option checkcache\n"),
    {"be1": BackendSpec([resp(b"ok\n", extra_headers=b"Set-Cookie: a=1\r\n"),
                         resp(b"ok\n", extra_headers=b"Set-Cookie: a=1\r\nCache-Control: private\r\n")])},
    pf_seq([pf_req(b"/1"), pf_req(b"/2")]))

PF_BAD_REQ = b"GET /a HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n"

add("pf_accept_invalid_request", "A bad header name in a request: 400, then accepted with the option.",
    PF_HTTP + """
listen a 127.0.0.1:{{fe}}
    option httpclose
    server s1 127.0.0.1:{{be1}}

listen b 127.0.0.1:{{fe2}}
    option httpclose
    option accept-invalid-http-request
    server s1 127.0.0.1:{{be2}}
""", {"be1": PF_OK, "be2": PF_OK},
    pf_seq([PF_BAD_REQ], "fe") + pf_seq([PF_BAD_REQ], "fe2", 2), listen=("fe", "fe2"))

PF_BAD_RSP = BackendSpec(b"HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 3\r\n\r\nok\n")

add("pf_accept_invalid_response", "A bad response header name: 502, then accepted with the option.",
    PF_HTTP + """
listen a 127.0.0.1:{{fe}}
    option httpclose
    server s1 127.0.0.1:{{be1}}

listen b 127.0.0.1:{{fe2}}
    option httpclose
    option accept-invalid-http-response
    server s1 127.0.0.1:{{be2}}
""", {"be1": PF_BAD_RSP, "be2": PF_BAD_RSP},
    pf_seq([get()], "fe") + pf_seq([get()], "fe2", 2), listen=("fe", "fe2"))

add("pf_timeout_legacy_names", "timeout clitimeout/contimeout/srvtimeout: a silent server times out (504).",
    pf_listen("    timeout clitimeout 3000\n    timeout contimeout 1000\n    timeout srvtimeout 400\n"),
    {"be1": BackendSpec(on_request="hold")}, pf_seq([pf_req()]))

# ---------------------------------------------------------------------------
# Servers, persistence, balancing
# ---------------------------------------------------------------------------

PF_TWO = "    server s1 127.0.0.1:{{be1}} cookie s1\n    server s2 127.0.0.1:{{be2}} cookie s2%s\n"
PF_SET = BackendSpec(resp(b"ok2\n", extra_headers=b"Set-Cookie: SRV=x\r\n"))

add("pf_cookie_passive", "'cookie SRV' alone: the request cookie picks the server, nothing is set.",
    pf_listen("    cookie SRV\n", servers=PF_TWO % ""), {"be1": PF_OK, "be2": PF_SET},
    pf_seq([pf_req(extra=b"Cookie: SRV=s2\r\n"), pf_req(extra=b"Cookie: SRV=s2\r\n"), pf_req(),
            pf_req()]))

add("pf_cookie_indirect", "'cookie SRV indirect' without a mode.",
    pf_listen("    cookie SRV indirect\n", servers=PF_TWO % ""), {"be1": PF_OK, "be2": PF_SET},
    pf_seq([pf_req(extra=b"Cookie: SRV=s2; o=1\r\n"), pf_req()]))

add("pf_force_persist", "force-persist sends a cookie naming a disabled server to it; without it: D.",
    pf_listen("    cookie SRV insert indirect\n    force-persist if { hdr(X-F) 1 }\n",
              servers=PF_TWO % " disabled"), {"be1": PF_OK, "be2": PF_OK2},
    pf_seq([pf_req(extra=b"Cookie: SRV=s2\r\nX-F: 1\r\n"), pf_req(extra=b"Cookie: SRV=s2\r\n")]))

add("pf_ignore_persist", "ignore-persist load-balances in spite of a valid cookie.",
    pf_listen("    cookie SRV insert indirect\n    ignore-persist if { path_beg /ign }\n",
              servers=PF_TWO % ""), {"be1": PF_OK, "be2": PF_OK2},
    pf_seq([pf_req(b"/ign", extra=b"Cookie: SRV=s2\r\n"), pf_req(b"/ign", extra=b"Cookie: SRV=s2\r\n"),
            pf_req(b"/x", extra=b"Cookie: SRV=s2\r\n")]))

add("pf_balance_static_rr", "balance static-rr with weights 1 and 2 over six requests.",
    pf_listen("    balance static-rr\n",
              servers="    server s1 127.0.0.1:{{be1}} weight 1\n    server s2 127.0.0.1:{{be2}} weight 2\n"),
    {"be1": PF_OK, "be2": PF_OK2}, pf_seq([pf_req(b"/%d" % i) for i in range(6)]))

add("pf_dispatch", "A backend without servers but with dispatch: traffic to the dispatch address.",
    PF_HTTP + """
frontend web 127.0.0.1:{{fe}}
    option httpclose
    default_backend bk

backend bk
    dispatch 127.0.0.1:{{be1}}
""", {"be1": PF_OK}, pf_seq([pf_req(), pf_req()]))

add("pf_listen_address_list", "A listen line with two addresses: both serve.",
    PF_HTTP + """
listen app 127.0.0.1:{{fe}},127.0.0.1:{{fe2}}
    option httpclose
    server s1 127.0.0.1:{{be1}}
""", {"be1": PF_OK}, pf_seq([pf_req()], "fe") + pf_seq([pf_req()], "fe2", 2),
    listen=("fe", "fe2"))

# ---------------------------------------------------------------------------
# Global settings, stats
# ---------------------------------------------------------------------------

add("pf_log_tag", "global log-tag replaces 'haproxy' in every syslog line.",
    pf_listen(head=PF_HTTP.replace("    maxconn 200\n", "    maxconn 200\n    log-tag edge1\n")),
    {"be1": PF_OK}, pf_seq([pf_req()]))

add("pf_log_send_hostname", "global log-send-hostname NAME adds the name after the date.",
    pf_listen(head=PF_HTTP.replace("    maxconn 200\n", "    maxconn 200\n    log-send-hostname lb7\n")),
    {"be1": PF_OK}, pf_seq([pf_req()]),
    log_subs=[(r"^(<\d+>)[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) (\S+?)\[\d+\]: ",
               r"\1<syslogdate> \2 \3[<pid>]: ")])

PF_STATS = "\nlisten stats 127.0.0.1:{{fe2}}\n    stats enable\n    stats uri /st\n"


def pf_csv(keys, first_log):
    return Client([("send", get(b"/st;csv")), ("recv_close", 3.0), ("close",),
                   ("wait_log", LOGSYNC, first_log, 3.0)], port="fe2", view="head_keys", keys=keys)


add("pf_fullconn_csv", "fullconn is the BACKEND row's slim in the CSV.",
    PF_HTTP + """
backend bk
    fullconn 50
    server s1 127.0.0.1:{{be1}} minconn 2 maxconn 20
""" + PF_STATS, {}, [pf_csv(["bk,BACKEND,0,0,0,0,50,", "bk,s1,0,0,0,0,20,"], 1)],
    listen=("fe2",))

add("pf_check_status_csv", "check_status L4OK, L7OKC and L6TOUT as the CSV shows them.",
    PF_HTTP + """
backend t
    server s1 127.0.0.1:{{be1}} check inter 200

backend h
    option httpchk
    http-check disable-on-404
    server s1 127.0.0.1:{{be2}} check inter 3000

backend s
    mode tcp
    option ssl-hello-chk
    timeout check 200
    server s1 127.0.0.1:{{fe3}} check inter 3000 fall 1 downinter 20000
""" + PF_STATS + """
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s

listen sslsrv 127.0.0.1:{{fe3}}
    tcp-request inspect-delay 5s
    tcp-request content accept if { req_len gt 1000 }
    server x 127.0.0.1:{{dead}}
""",
    {"be1": PF_OK, "be2": BackendSpec(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                                      after="hold")},
    [Client([("send", get(b"/st;csv")), ("recv_close", 3.0), ("close",),
             ("wait_log", r"stats stats/<STATS>", 1, 3.0)], port="fe2", view="head_keys",
            keys=["t,s1,", "L4OK", "L7OKC", "L6TOUT", "NOLB"])],
    listen=("fe2", "fe3"),
    ready_logs=[(r"is disabled", 1, 5.0), (r"Server s/s1 is DOWN", 1, 5.0)])
