"""Balancing sequences that the O(log n) balancers must keep (catalogue of
the `scale` helper, issue #24), on small farms so that 1.4.25 records them:
  * leastconn: equal servers in the order of their last change (a server
    is put back last among its equals each time it takes or drops a
    session), weights, a saturated server (maxconn), a server DOWN,
    backups (first backup, allbackups);
  * hash-type consistent on uri, url_param (and its missing key: the walk
    along the ring), hdr(host) and source, with weights and a server DOWN.
Held connections are tcp sessions to echo servers (balanced when their
client sends, after `tcp-request inspect-delay`), released in a chosen
order; all scenario names start with `scale_lb_`.
"""

SLB_TO = "    contimeout 1000\n    clitimeout 5000\n    srvtimeout 5000\n"
SLB_CHK = " check inter 200 fall 1 rise 1 downinter 20000"


def slb_cfg(balance, n, opts=None, mode="tcp", extra=""):
    opts = opts or [""] * n
    # tcp: the server is chosen once the client sent its tag, so that
    # clients connected at once are balanced in the order they send
    head = ("    mode tcp\n    option tcplog\n    tcp-request inspect-delay 5s\n"
            "    acl has_data req_len gt 0\n    tcp-request content accept if has_data\n" if mode == "tcp"
            else "    mode http\n    option httplog\n    option httpclose\n")
    srv = "".join("    server s%d 127.0.0.1:{{be%d}}%s\n" % (i + 1, i + 1, opts[i]) for i in range(n))
    return (GLOBAL + "\nlisten app 127.0.0.1:{{fe}}\n" + head + SLB_TO +
            "    balance " + balance + "\n" + extra + srv)


def slb_dead(n, opts):
    """server n (1-based) on a port where nothing listens, checked."""
    return [o + (SLB_CHK if i + 1 == n else "") for i, o in enumerate(opts)]


SLB_ECHO = {"be%d" % i: BackendSpec(mode="tcp_echo", read_timeout=10.0) for i in range(1, 5)}
SLB_HTTP = {"be%d" % i: BackendSpec(resp(b"s%d\n" % i)) for i in range(1, 5)}


def hold(tag, before=(), release=()):
    """A tcp session: wait for `before`, send a tag, read its echo, wait
    for `release`, close."""
    t = tag.encode()
    return Client(list(before) + [("send", t), ("recv_until", t, 3.0)] + list(release) + [("close",)],
                  name=tag)


# Held clients all connect at once, a thread each, before any of them is
# balanced: whether a late thread has connected yet when a log line is
# written is the harness's race, so the global and frontend counts of the
# tcplog line are masked (the server's count and the queues are kept).
SLB_SUBS = [(r" \d+/\d+/\d+/(\d+/\d+ \d+/\d+)(\s*)$", r" <conns>/\1\2")]


def held(name, desc, cfg, clients, **kw):
    add(name, desc, cfg, SLB_ECHO, clients, parallel=True, log_subs=SLB_SUBS, **kw)


def be(slot, n):
    return ("wait_be", slot, n, 5.0)


def logs(n):
    return ("wait_log", LOGSYNC, n, 5.0)


held("scale_lb_lc_equal_order",
    "leastconn: s1, s2, s3 hold one session each; s2's ends, then s1's: the next goes to s2.",
    slb_cfg("leastconn", 3),
    [hold("c1", release=[logs(1)]),
     hold("c2", before=[be("be1", 1)], release=[be("be3", 1)]),
     hold("c3", before=[be("be2", 1)], release=[logs(3)]),
     hold("c4", before=[logs(2)])],
    settle_logs=[(LOGSYNC, 4, 5.0)])

held("scale_lb_lc_weights",
    "leastconn weights 1/2: five held sessions, released last first, then one more.",
    slb_cfg("leastconn", 2, [" weight 1", " weight 2"]),
    [hold("c1", release=[logs(4)]),
     hold("c2", before=[be("be1", 1)], release=[logs(3)]),
     hold("c3", before=[be("be2", 1)], release=[logs(2)]),
     hold("c4", before=[be("be2", 2)], release=[logs(1)]),
     hold("c5", before=[be("be1", 2)], release=[be("be2", 3)]),
     hold("c6", before=[logs(5)])],
    settle_logs=[(LOGSYNC, 6, 5.0)])

held("scale_lb_lc_maxconn",
    "leastconn, s1 maxconn 1: while s1 holds its session it is skipped though first in the tree.",
    slb_cfg("leastconn", 3, [" maxconn 1", "", ""]),
    [hold("c1", release=[logs(4)]),
     hold("c2", before=[be("be1", 1)], release=[be("be2", 2)]),
     hold("c3", before=[be("be2", 1)], release=[logs(1)]),
     hold("c4", before=[be("be3", 1)], release=[logs(2)]),
     hold("c5", before=[logs(3)])],
    settle_logs=[(LOGSYNC, 5, 5.0)])

held("scale_lb_lc_down",
    "leastconn, s2 DOWN (check on a dead port): held sessions share s1 and s3.",
    slb_cfg("leastconn", 3, slb_dead(2, [""] * 3)).replace("{{be2}}", "{{dead}}"),
    [hold("c1", release=[logs(2)]),
     hold("c2", before=[be("be1", 1)], release=[logs(1)]),
     hold("c3", before=[be("be3", 1)], release=[be("be1", 2)]),
     hold("c4", before=[logs(3)])],
    ready_logs=[(r"Server app/s2 is DOWN", 1, 6.0)], settle_logs=[(LOGSYNC, 4, 5.0)])

held("scale_lb_lc_backups",
    "leastconn, s1 DOWN, s2 s3 backups: the first backup takes every session.",
    slb_cfg("leastconn", 3, [SLB_CHK, " backup", " backup"]).replace("{{be1}}", "{{dead}}"),
    [hold("c1", release=[be("be2", 3)]),
     hold("c2", before=[be("be2", 1)], release=[be("be2", 2)]),
     hold("c3", before=[logs(1)])],
    ready_logs=[(r"Server app/s1 is DOWN", 1, 6.0)], settle_logs=[(LOGSYNC, 3, 5.0)])

held("scale_lb_lc_allbackups",
    "leastconn with allbackups, s1 DOWN: held sessions spread over the backups.",
    slb_cfg("leastconn", 3, [SLB_CHK, " backup", " backup"],
            extra="    option allbackups\n").replace("{{be1}}", "{{dead}}"),
    [hold("c1", release=[be("be3", 2)]),
     hold("c2", before=[be("be2", 1)], release=[be("be2", 2)]),
     hold("c3", before=[be("be3", 1)], release=[logs(2)]),
     hold("c4", before=[logs(1)], release=[logs(3)])],
    ready_logs=[(r"Server app/s1 is DOWN", 1, 6.0)], settle_logs=[(LOGSYNC, 4, 5.0)])

SLB_URIS = [b"/", b"/a", b"/b", b"/c", b"/a/b", b"/x?y=1", b"/img/1.png", b"/img/2.png",
            b"/css/site.css", b"/api/v1/users", b"/api/v1/items", b"/login", b"/logout",
            b"/z", b"/index.html", b"/favicon.ico"]


def slb_seq(reqs):
    return [Client([("send", r), ("recv_close", 3.0), ("close",), ("wait_log", LOGSYNC, i + 1, 3.0)])
            for i, r in enumerate(reqs)]


add("scale_lb_chash_uri_weights",
    "hash-type consistent, balance uri, weights 1/2/1/3: server per URI for 16 URIs.",
    slb_cfg("uri", 4, [" weight 1", " weight 2", " weight 1", " weight 3"], mode="http",
            extra="    hash-type consistent\n"), SLB_HTTP, slb_seq([get(u) for u in SLB_URIS]))

add("scale_lb_chash_uri_down",
    "hash-type consistent, balance uri, s2 DOWN: only s2's URIs move.",
    slb_cfg("uri", 4, slb_dead(2, [" weight 1", " weight 2", " weight 1", " weight 3"]), mode="http",
            extra="    hash-type consistent\n").replace("{{be2}}", "{{dead}}"), SLB_HTTP,
    slb_seq([get(u) for u in SLB_URIS]), ready_logs=[(r"Server app/s2 is DOWN", 1, 6.0)])

add("scale_lb_chash_url_param_walk",
    "hash-type consistent, url_param id: with the key on the ring; without it, the walk along the ring.",
    slb_cfg("url_param id", 3, [" weight 1", " weight 2", " weight 1"], mode="http",
            extra="    hash-type consistent\n"), SLB_HTTP,
    slb_seq([get(b"/?id=%d" % i) for i in range(6)] + [get(b"/none")] * 8 + [get(b"/?id=3")]))

add("scale_lb_chash_hdr_host",
    "hash-type consistent, hdr(host), weights 1/1/2: server per host for 10 hosts.",
    slb_cfg("hdr(host)", 3, [" weight 1", " weight 1", " weight 2"], mode="http",
            extra="    hash-type consistent\n"), SLB_HTTP,
    slb_seq([get(b"/", host=b"h%d.example.com" % i) for i in range(10)]))

add("scale_lb_chash_source_backup",
    "hash-type consistent, source, s1 s2 DOWN, s3 s4 backups with allbackups: 127.0.0.1's backup.",
    slb_cfg("source", 4, [SLB_CHK, SLB_CHK, " backup", " backup weight 3"], mode="http",
            extra="    hash-type consistent\n    option allbackups\n")
    .replace("{{be1}}", "{{dead}}").replace("{{be2}}", "{{dead2}}"), SLB_HTTP,
    slb_seq([get(b"/%d" % i) for i in range(3)]),
    ready_logs=[(r"Server app/s1 is DOWN", 1, 6.0), (r"Server app/s2 is DOWN", 1, 6.0)])
