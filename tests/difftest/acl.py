"""ACL criteria whose value comes from the running proxy (catalogue of the
`acl_` helper).

Area covered: the criteria 1.4.25 computes from its own state rather than
from the request bytes, and the word-matching flavours of string criteria:
  * `url_dom`/`hdr_dom`/`path_dir` with patterns that hold delimiters
    themselves ("example.com"), delimiters at the pattern's ends, -i;
  * `so_id` (automatic listener ids skipping the ones given with `bind ...
    id`), `dst_conn` (connections on the accepting listener);
  * `connslots`, `queue`, `avg_queue` with busy, queued, disabled and
    unlimited servers, by backend name;
  * `fe_sess_rate`/`be_sess_rate` (named and unnamed, in a frontend and a
    backend), `http_first_req` over keep-alive, `wait_end` inside and
    outside `tcp-request inspect-delay`.
The proxy's choice is made visible by `use_backend` (each backend answers
its name) or by `block` (403). All scenario names start with `acl_`.
"""

ACL_API = BackendSpec(resp(b"api\n"))
ACL_STATIC = BackendSpec(resp(b"static\n"))
ACL_DEFAULT = BackendSpec(resp(b"default\n"))
ACL_BACKENDS = {"be1": ACL_API, "be2": ACL_STATIC, "be3": ACL_DEFAULT}


def acl_fb(extra, api_srv="    server api1 127.0.0.1:{{be1}}\n", mode="    option httpclose\n",
           binds="", default_extra=""):
    """frontend web -> bk_api / bk_static / bk_default (each answers its name)"""
    return GLOBAL + "\nfrontend web 127.0.0.1:{{fe}}\n" + binds + mode + extra + \
        "    default_backend bk_default\n\nbackend bk_api\n" + api_srv + \
        "\nbackend bk_static\n    server st1 127.0.0.1:{{be2}}\n" + \
        "\nbackend bk_default\n" + default_extra + "    server def1 127.0.0.1:{{be3}}\n"


def acl_seq(paths, port="fe", hosts=None):
    reqs = []
    for i, p in enumerate(paths):
        h = hosts[i] if hosts else b"test.local"
        reqs.append(Client([("send", get(p, host=h)), ("recv_close", 3.0), ("close",),
                            ("wait_log", LOGSYNC, i + 1, 3.0)], port=port))
    return reqs


# ---------------------------------------------------------------------------
# 1. word matching: *_dom and *_dir
# ---------------------------------------------------------------------------

ACL_DOM_URLS = [b"http://www.example.com/x", b"/example.com/", b"/notexample.com",
                b"/a/example.comx", b"/x?q=Example.com", b"/.example.com.",
                b"/a:example.com:80", b"/example.co", b"http://example.com"]

add("acl_url_dom_dotted",
    "url_dom with a pattern holding dots: found between / ? . : delimiters.",
    acl_fb("    acl d url_dom example.com\n    use_backend bk_api if d\n"),
    ACL_BACKENDS, acl_seq(ACL_DOM_URLS))

add("acl_url_dom_icase_trimmed",
    "url_dom -i with delimiters around the pattern (ignored) and upper case.",
    acl_fb("    acl d url_dom -i .EXAMPLE.com/\n    use_backend bk_api if d\n"),
    ACL_BACKENDS, acl_seq(ACL_DOM_URLS))

add("acl_path_dir_multi",
    "path_dir with a pattern of two segments, and with a trailing slash.",
    acl_fb("    acl d path_dir /a/b\n    acl e path_dir c/\n"
           "    use_backend bk_api if d\n    use_backend bk_static if e\n"),
    ACL_BACKENDS, acl_seq([b"/a/b/c", b"/x/a/b", b"/a/bc", b"/a", b"/a/b?x=1",
                           b"/zz/c", b"/cc/", b"/a//b", b"/c?/a/b"]))

add("acl_hdr_dom_host",
    "hdr_dom(host) on host names with ports and look-alike domains.",
    acl_fb("    acl d hdr_dom(host) example.com\n    use_backend bk_api if d\n"),
    ACL_BACKENDS,
    acl_seq([b"/"] * 6, hosts=[b"www.example.com:8080", b"example.community",
                               b"example.com", b"myexample.com", b"a.example.com.",
                               b"EXAMPLE.com"]))

# ---------------------------------------------------------------------------
# 2. listener criteria: so_id, dst_conn
# ---------------------------------------------------------------------------

add("acl_so_id_auto",
    "so_id: the frontend-line listener gets the first id not given (2) "
    "since `bind ... id 1` took 1.",
    acl_fb("    acl s1 so_id 1\n    acl s2 so_id 2\n"
           "    use_backend bk_api if s1\n    use_backend bk_static if s2\n",
           binds="    bind 127.0.0.1:{{fe2}} id 1\n"),
    ACL_BACKENDS,
    [Client([("send", get(b"/a")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)], port="fe"),
     Client([("send", get(b"/b")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 2, 3.0)], port="fe2")],
    listen=("fe", "fe2"))

add("acl_so_id_explicit",
    "so_id: explicit ids on both listeners (7 and 3).",
    GLOBAL + "\nfrontend web\n    bind 127.0.0.1:{{fe}} id 7\n    bind 127.0.0.1:{{fe2}} id 3\n"
    "    option httpclose\n    acl s7 so_id 7\n    acl s3 so_id 3\n"
    "    use_backend bk_api if s7\n    use_backend bk_static if s3\n"
    "    default_backend bk_default\n\nbackend bk_api\n    server api1 127.0.0.1:{{be1}}\n"
    "\nbackend bk_static\n    server st1 127.0.0.1:{{be2}}\n"
    "\nbackend bk_default\n    server def1 127.0.0.1:{{be3}}\n",
    ACL_BACKENDS,
    [Client([("send", get(b"/a")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)], port="fe2"),
     Client([("send", get(b"/b")), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 2, 3.0)], port="fe")],
    listen=("fe", "fe2"))

ACL_PART = b"GET /a HTTP/1.1\r\n"
ACL_REST = b"Host: test.local\r\n\r\n"

add("acl_dst_conn_busy",
    "dst_conn: while a first client's head is still arriving, a second "
    "connection on the same listener sees 2 and is blocked (403); the "
    "first, completed once alone, sees 1 and is served.",
    acl_fb("    acl busy dst_conn eq 2\n    block if busy\n"),
    ACL_BACKENDS,
    [Client([("send", ACL_PART), ("wait_log", LOGSYNC, 1, 3.0), ("send", ACL_REST),
             ("recv_close", 3.0), ("close",)], name="a"),
     Client([("sleep", 0.3), ("send", get(b"/b")), ("recv_close", 3.0), ("close",)], name="b")],
    parallel=True, settle_logs=[(LOGSYNC, 2, 4.0)])

add("acl_dst_conn_other_listener",
    "dst_conn counts per listener: a connection on the other bind does not count.",
    acl_fb("    acl busy dst_conn eq 2\n    block if busy\n",
           binds="    bind 127.0.0.1:{{fe2}}\n"),
    ACL_BACKENDS,
    [Client([("send", ACL_PART), ("wait_log", LOGSYNC, 1, 3.0), ("send", ACL_REST),
             ("recv_close", 3.0), ("close",)], name="a"),
     Client([("sleep", 0.3), ("send", get(b"/b")), ("recv_close", 3.0), ("close",)], name="b",
            port="fe2")],
    parallel=True, listen=("fe", "fe2"), settle_logs=[(LOGSYNC, 2, 4.0)])

# ---------------------------------------------------------------------------
# 3. backend capacity: connslots, queue, avg_queue
# ---------------------------------------------------------------------------

ACL_SLOTS = ("    use_backend bk_api if { path /hold }\n"
             "    use_backend bk_static if { connslots(bk_api) eq %d }\n")

add("acl_connslots_idle",
    "connslots(bk_api): maxconn 2 + maxqueue 3 on the running server; the "
    "disabled one does not count.",
    acl_fb(ACL_SLOTS % 5,
           api_srv="    server api1 127.0.0.1:{{be1}} maxconn 2 maxqueue 3\n"
                   "    server api2 127.0.0.1:{{dead}} disabled\n"),
    ACL_BACKENDS, acl_seq([b"/x"]))

add("acl_connslots_busy",
    "connslots(bk_api) while one session is being served: 4.",
    acl_fb(ACL_SLOTS % 4,
           api_srv="    server api1 127.0.0.1:{{be1}} maxconn 2 maxqueue 3\n"),
    {"be1": BackendSpec(resp(b"api\n"), delay=1.0), "be2": ACL_STATIC, "be3": ACL_DEFAULT},
    [Client([("send", get(b"/hold")), ("recv_close", 4.0), ("close",)], name="hold"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/x")), ("recv_close", 3.0),
             ("close",)], name="check")],
    parallel=True, settle_logs=[(LOGSYNC, 2, 4.0)])

add("acl_connslots_unlimited",
    "connslots: a running server without maxqueue makes it -1 (unlimited).",
    acl_fb("    use_backend bk_static if { connslots(bk_api) lt 0 }\n",
           api_srv="    server api1 127.0.0.1:{{be1}} maxconn 2 maxqueue 3\n"
                   "    server api2 127.0.0.1:{{be2}} maxconn 2\n"),
    ACL_BACKENDS, acl_seq([b"/x"]))

add("acl_connslots_unknown_backend",
    "connslots(nosuch): an unknown backend name never matches.",
    acl_fb("    use_backend bk_static if { connslots(nosuch) eq 0 }\n"
           "    use_backend bk_api if !{ connslots(nosuch) eq 0 }\n"),
    ACL_BACKENDS, acl_seq([b"/x"]))

add("acl_queue_avg_queue",
    "queue/avg_queue(bk_api) with one session served and one queued (maxconn 1).",
    acl_fb("    use_backend bk_api if { path_beg /hold }\n"
           "    use_backend bk_static if { queue(bk_api) eq 1 } { avg_queue(bk_api) eq 1 }\n",
           api_srv="    server api1 127.0.0.1:{{be1}} maxconn 1\n"),
    {"be1": BackendSpec(resp(b"api\n"), delay=0.6), "be2": ACL_STATIC, "be3": ACL_DEFAULT},
    [Client([("send", get(b"/hold1")), ("recv_close", 5.0), ("close",)], name="hold1"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/hold2")), ("recv_close", 5.0),
             ("close",)], name="hold2"),
     Client([("wait_be", "be1", 1, 3.0), ("sleep", 0.25), ("send", get(b"/x")),
             ("recv_close", 3.0), ("close",)], name="check")],
    parallel=True, settle_logs=[(LOGSYNC, 3, 5.0)])

add("acl_avg_queue_rounding",
    "avg_queue over two running servers rounds up: 1 queued / 2 servers = 1; "
    "queue counts it.",
    acl_fb("    use_backend bk_api if { path_beg /hold }\n"
           "    use_backend bk_static if { avg_queue(bk_api) eq 1 } { queue(bk_api) eq 1 }\n",
           api_srv="    balance roundrobin\n"
                   "    server api1 127.0.0.1:{{be1}} maxconn 1\n"
                   "    server api2 127.0.0.1:{{be4}} maxconn 1\n"),
    {"be1": BackendSpec(resp(b"api\n"), delay=1.0), "be2": ACL_STATIC, "be3": ACL_DEFAULT,
     "be4": BackendSpec(resp(b"api2\n"), delay=0.6)},
    [Client([("send", get(b"/hold1")), ("recv_close", 5.0), ("close",)], name="hold1"),
     Client([("wait_be", "be1", 1, 3.0), ("send", get(b"/hold2")), ("recv_close", 5.0),
             ("close",)], name="hold2"),
     Client([("wait_be", "be1", 1, 3.0), ("wait_be", "be4", 1, 3.0), ("send", get(b"/hold3")),
             ("recv_close", 5.0), ("close",)], name="hold3"),
     Client([("wait_be", "be4", 1, 3.0), ("sleep", 0.25), ("send", get(b"/x")),
             ("recv_close", 3.0), ("close",)], name="check")],
    parallel=True, settle_logs=[(LOGSYNC, 4, 5.0)])

add("acl_avg_queue_no_server",
    "avg_queue of a backend whose only server is disabled: 0 queued -> 0; "
    "nbsrv 0.",
    acl_fb("    use_backend bk_static if { avg_queue(bk_api) eq 0 } { nbsrv(bk_api) eq 0 }\n",
           api_srv="    server api1 127.0.0.1:{{be1}} disabled\n"),
    ACL_BACKENDS, acl_seq([b"/x"]))

# ---------------------------------------------------------------------------
# 4. rates and the first request
# ---------------------------------------------------------------------------

add("acl_fe_sess_rate_block",
    "fe_sess_rate ge 3: the third and fourth connections within a second are "
    "blocked (the current one counts).",
    acl_fb("    acl fast fe_sess_rate ge 3\n    block if fast\n"),
    ACL_BACKENDS, acl_seq([b"/1", b"/2", b"/3", b"/4"]))

add("acl_be_sess_rate_named",
    "be_sess_rate(bk_default) in the frontend: 0, 1, then 2 sessions sent "
    "to it switch the third to bk_api.",
    acl_fb("    use_backend bk_api if { be_sess_rate(bk_default) ge 2 }\n"),
    ACL_BACKENDS, acl_seq([b"/1", b"/2", b"/3", b"/4"]))

add("acl_be_sess_rate_in_backend",
    "In a backend, be_sess_rate (unnamed) counts the current session.",
    acl_fb("", default_extra="    block if { be_sess_rate ge 2 }\n"),
    ACL_BACKENDS, acl_seq([b"/1", b"/2", b"/3"]))

add("acl_fe_sess_rate_in_backend",
    "In a backend, fe_sess_rate (unnamed) reads the backend's own frontend "
    "rate: 0, never blocked.",
    acl_fb("", default_extra="    block if { fe_sess_rate ge 1 }\n"),
    ACL_BACKENDS, acl_seq([b"/1", b"/2", b"/3"]))

add("acl_fe_sess_rate_named_other",
    "fe_sess_rate(other) of a frontend that had no connection: 0; of a "
    "backend name: no match.",
    acl_fb("    use_backend bk_api if { fe_sess_rate(other) eq 0 } { path /a }\n"
           "    use_backend bk_static if { fe_sess_rate(bk_api) eq 0 }\n") +
    "\nfrontend other 127.0.0.1:{{fe2}}\n    default_backend bk_default\n",
    ACL_BACKENDS, acl_seq([b"/a", b"/b"]), listen=("fe", "fe2"))

add("acl_http_first_req_keepalive",
    "http_first_req over a keep-alive connection (http-server-close): only "
    "the first request matches.",
    acl_fb("    use_backend bk_api if { http_first_req }\n",
           mode="    option http-server-close\n    timeout http-keep-alive 2000\n"),
    ACL_BACKENDS,
    [Client([("send", get(b"/1")), ("recv_resp", 3.0), ("send", get(b"/2")),
             ("recv_resp", 3.0), ("send", get(b"/3")), ("recv_resp", 3.0),
             ("wait_log", LOGSYNC, 3, 3.0), ("shutw",), ("recv_close", 3.0), ("close",)]),
     Client([("send", get(b"/4")), ("recv_resp", 3.0), ("shutw",), ("recv_close", 3.0),
             ("close",), ("wait_log", LOGSYNC, 4, 3.0)])])

add("acl_http_first_req_pipelined",
    "http_first_req with two pipelined requests in one packet.",
    acl_fb("    use_backend bk_api if { http_first_req }\n",
           mode="    option http-server-close\n    timeout http-keep-alive 2000\n"),
    ACL_BACKENDS,
    [Client([("send", get(b"/1") + get(b"/2")), ("recv_resp", 3.0), ("recv_resp", 3.0),
             ("wait_log", LOGSYNC, 2, 3.0), ("shutw",), ("recv_close", 3.0), ("close",)])])

# ---------------------------------------------------------------------------
# 5. wait_end
# ---------------------------------------------------------------------------

ACL_TCP = GLOBAL_TCP + """
listen tcpapp 127.0.0.1:{{fe}}
    mode tcp
    option tcplog
    tcp-request inspect-delay 1s
    acl w wait_end
%(extra)s\
    server t1 127.0.0.1:{{be1}}
"""
ACL_ECHO = BackendSpec(mode="tcp_echo")

add("acl_wait_end_reject_after_delay",
    "tcp-request content reject if wait_end: nothing happens before the "
    "inspect delay (the client still waits at 0.5 s), then the reject.",
    ACL_TCP % {"extra": "    tcp-request content reject if w\n"},
    {"be1": ACL_ECHO},
    [Client([("send", b"hello\n"), ("recv_close", 0.5), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)])])

add("acl_wait_end_negated_waits",
    "reject if !wait_end: a negated wait still waits; at the end of the delay "
    "wait_end is true, so the data is accepted and echoed.",
    ACL_TCP % {"extra": "    tcp-request content reject if !w\n"},
    {"be1": ACL_ECHO},
    [Client([("send", b"hello\n"), ("recv_until", b"hello\n", 0.5),
             ("recv_until", b"hello\n", 3.0), ("shutw",), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)])])

add("acl_wait_end_client_shutw",
    "wait_end is true at once when the client half-closed (no more data can "
    "come): reject without waiting for the delay.",
    ACL_TCP % {"extra": "    tcp-request content reject if WAIT_END\n"},
    {"be1": ACL_ECHO},
    [Client([("send", b"hello\n"), ("shutw",), ("recv_close", 0.5), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)])])

add("acl_wait_end_or_content",
    "accept if { req_len ge 10 } or w: 3 bytes wait; 7 more bytes "
    "within the delay are accepted at once and echoed.",
    ACL_TCP % {"extra": "    tcp-request content accept if { req_len ge 10 } or w\n"
                        "    tcp-request content reject\n"},
    {"be1": ACL_ECHO},
    [Client([("send", b"abc"), ("recv_until", b"abc", 0.3), ("send", b"defghij"),
             ("recv_until", b"abcdefghij", 0.5), ("shutw",), ("recv_close", 3.0), ("close",),
             ("wait_log", LOGSYNC, 1, 3.0)])])

add("acl_wait_end_http_rule",
    "wait_end outside content inspection (an HTTP block rule) is simply true.",
    acl_fb("    acl w wait_end\n    block if w { path /w }\n"),
    ACL_BACKENDS, acl_seq([b"/w", b"/x"]))

add("acl_wait_end_bare_word",
    "`wait_end` used in a condition without an acl line: not a predefined "
    "ACL (1.4 spells that one WAIT_END), so the config is refused.",
    ACL_TCP % {"extra": "    tcp-request content reject if wait_end\n"},
    {"be1": ACL_ECHO}, [], kind="check")
