"""Pattern lists and rule lists whose cost must not grow with their size
(catalogue of the `scale` helper, issue #24).

Area covered, with small lists so that 1.4.25 records the answers:
  * pattern files (`-f`): comments (only at column 0: an indented '#' is
    a pattern), leading blanks dropped and trailing ones kept, CRLF line
    ends, empty lines, duplicates; `-i` before the file (applies) and
    after it (does not: 1.4 reads the file where `-f` stands);
  * every string matcher from a file and from words, mixed case modes:
    exact, beg, end, sub, dir, dom, reg, len;
  * IPv4 lists: single addresses, networks with CIDR and dotted masks,
    non-contiguous masks, /0, duplicates; on `src` and on `hdr_ip`;
  * switching rule lists whose first-match order must survive an index:
    one host in two rules, `unless`, `||`, negation, default_backend.
Each ACL's truth is made visible by a `reqadd X-M-<name>` mark the server
receives, or by the backend that answers. All scenario names start with
`scale_`.
"""

SC_OK = BackendSpec(resp(b"ok\n"))


def sc_listen(lines, files_note=""):
    """One HTTP listen section (httpclose) whose server sees the marks."""
    return (GLOBAL + "\nlisten app 127.0.0.1:{{fe}}\n    option httpclose\n" + lines +
            "    server s1 127.0.0.1:{{be1}}\n")


def sc_acls(defs):
    """acl lines and one mark per ACL name (in first-definition order)."""
    out, names = "", []
    for n, d in defs:
        out += "    acl %s %s\n" % (n, d)
        if n not in names:
            names.append(n)
    return out + "".join("    reqadd X-M-%s:\\ 1 if %s\n" % (n, n) for n in names)


def sc_seq(reqs, port="fe"):
    return [Client([("send", r), ("recv_close", 3.0), ("close",),
                    ("wait_log", LOGSYNC, i + 1, 3.0)], port=port)
            for i, r in enumerate(reqs)]


def sc_host(host, path=b"/", extra=b""):
    return get(path, host=host, extra=extra)


SC_HOSTS = (b"# a comment\n"
            b"www.example.com\n"
            b"  Indented.Example.COM\n"
            b"\t#not-a-comment\n"
            b"\n"
            b"trailing.example.com  \n"
            b"crlf.example.com\r\n"
            b"www.example.com\n"
            b"UPPER.example.com\n")

add("scale_file_hosts_icase",
    "hdr(host) -i -f: comments at column 0 only, indents dropped, trailing "
    "blanks kept, CRLF, duplicates; -i applies to a file read after it.",
    sc_listen(sc_acls([("known", "hdr(host) -i -f {{tmp}}/hosts.lst"),
                       ("exact", "hdr(host) -f {{tmp}}/hosts.lst")])),
    {"be1": SC_OK},
    sc_seq([sc_host(h) for h in (
        b"www.example.com", b"WWW.Example.Com", b"indented.example.com",
        b"Indented.Example.COM", b"#not-a-comment", b"# a comment",
        b"trailing.example.com", b"crlf.example.com", b"upper.example.com",
        b"UPPER.example.com", b"other.example.com")]),
    files={"hosts.lst": SC_HOSTS})

add("scale_file_before_i",
    "-f FILE -i: the file was read before -i, so its patterns keep their "
    "case while the words after -i ignore it.",
    sc_listen(sc_acls([("h", "hdr(host) -f {{tmp}}/hosts.lst -i Word.Example.com")])),
    {"be1": SC_OK},
    sc_seq([sc_host(h) for h in (
        b"www.example.com", b"WWW.EXAMPLE.COM", b"UPPER.example.com",
        b"upper.example.com", b"word.example.COM")]),
    files={"hosts.lst": SC_HOSTS})

SC_PATHS = (b"/api\n/static/\n/IMG\n.png\n/a/b\nc/\n.example.com\nadmin\n"
            b"/api\n#/commented\n  /spaced\n")

SC_PATH_REQS = [b"/api", b"/api/v1", b"/API/v1", b"/static/x.css", b"/img/logo.png",
                b"/IMG/x", b"/x/a/b/c", b"/a/bc", b"/zz/c/", b"/admin/x",
                b"/x.example.com/y", b"/commented", b"/spaced", b"/nothing"]

add("scale_file_path_kinds",
    "One file under path, path_beg, path_end, path_sub, path_dir, path_dom, "
    "path_len, each with and without -i.",
    sc_listen(sc_acls([("p" + k + suf, "path%s %s-f {{tmp}}/paths.lst" % (k, flag))
                       for k in ("", "_beg", "_end", "_sub", "_dir", "_dom")
                       for suf, flag in (("", ""), ("_i", "-i "))] +
                      [("len", "path_len -f {{tmp}}/lens.lst")])),
    {"be1": SC_OK},
    sc_seq([get(p) for p in SC_PATH_REQS]),
    files={"paths.lst": SC_PATHS, "lens.lst": b"4\n# c\n 7\n10:12\n"})

add("scale_words_mixed_case",
    "Pattern words with duplicates and -i; hdr_beg/hdr_end/hdr_dom on Host "
    "(ports, look-alikes, upper case).",
    sc_listen(sc_acls([
        ("ex", "hdr(host) -i A.example.com b.example.com a.example.com"),
        ("cs", "hdr(host) A.example.com b.example.com"),
        ("beg", "hdr_beg(host) -i WWW. api."),
        ("end", "hdr_end(host) .com :8080"),
        ("dom", "hdr_dom(host) -i example.com EXAMPLE.net"),
        ("sub", "hdr_sub(host) -i AMPLE xn--"),
        ("reg", "hdr_reg(host) -i ^(www|api)\\.example\\.(com|net)$")])),
    {"be1": SC_OK},
    sc_seq([sc_host(h) for h in (
        b"a.example.com", b"A.EXAMPLE.COM", b"b.example.com", b"B.example.com",
        b"www.example.com:8080", b"API.example.net", b"example.community",
        b"my.example.net", b"xn--bcher-kva.ch", b"other.org")]))

SC_IPS = (b"# blocklist\n10.0.0.1\n10.0.0.1\n10.1.0.0/16\n10.2.0.0/255.255.0.0\n"
          b"10.3.0.5/255.0.255.255\n  10.4.4.4\n172.16.0.0/12\n127.0.0.2/32\n")

add("scale_file_ips_hdr",
    "hdr_ip -f: addresses, CIDR and dotted masks, a non-contiguous mask, "
    "duplicates, an indented line.",
    sc_listen(sc_acls([("bad", "hdr_ip(X-Ip) -f {{tmp}}/ips.lst"),
                       ("word", "hdr_ip(X-Ip) 192.168.0.0/255.255.0.255 10.9.9.9")])),
    {"be1": SC_OK},
    sc_seq([get(b"/", extra=b"X-Ip: " + ip + b"\r\n") for ip in (
        b"10.0.0.1", b"10.0.0.2", b"10.1.200.3", b"10.2.3.4", b"10.3.77.5",
        b"10.3.77.6", b"10.4.4.4", b"172.31.255.255", b"172.32.0.1",
        b"192.168.55.0", b"192.168.55.1", b"10.9.9.9", b"127.0.0.2", b"::1")]),
    files={"ips.lst": SC_IPS})

add("scale_file_ips_src_block",
    "block on src -f: 127.0.0.1 falls in a /8 of a mixed list (blocked, "
    "403); a list without it lets the request through.",
    GLOBAL + "\nlisten app 127.0.0.1:{{fe}}\n    option httpclose\n"
    "    acl bad src -f {{tmp}}/ips.lst\n    acl lo src -f {{tmp}}/lo.lst\n"
    "    block if bad\n    reqadd X-M-lo:\\ 1 if lo\n"
    "    server s1 127.0.0.1:{{be1}}\n",
    {"be1": SC_OK},
    sc_seq([get(b"/one")]),
    files={"ips.lst": SC_IPS, "lo.lst": b"10.0.0.0/8\n127.0.0.0/8\n"})

add("scale_file_regex",
    "path_reg -f: one regex per line, compiled once, with -i.",
    sc_listen(sc_acls([("re", "path_reg -f {{tmp}}/re.lst"),
                       ("rei", "path_reg -i -f {{tmp}}/re.lst")])),
    {"be1": SC_OK},
    sc_seq([get(p) for p in (b"/img/a.png", b"/IMG/A.PNG", b"/v2/x", b"/x")]),
    files={"re.lst": b"^/img/.*\\.png$\n^/v[0-9]+/\n"})

# ---------------------------------------------------------------------------
# switching rule lists: a run of exact-match rules is one lookup, and the
# first rule that matches still wins
# ---------------------------------------------------------------------------

SC_BACKENDS = {"be1": BackendSpec(resp(b"a\n")), "be2": BackendSpec(resp(b"b\n")),
               "be3": BackendSpec(resp(b"c\n")), "be4": BackendSpec(resp(b"d\n"))}


def sc_switch(rules, default=True):
    """frontend web: <rules>, default_backend bk_d; bk_a..bk_d answer
    their letter."""
    return (GLOBAL + "\nfrontend web 127.0.0.1:{{fe}}\n    option httpclose\n" + rules +
            ("    default_backend bk_d\n" if default else "") +
            "".join("\nbackend bk_%s\n    server s 127.0.0.1:{{be%d}}\n" % (c, i + 1)
                    for i, c in enumerate("abcd")))


SC_RULE_HOSTS = [b"a.com", b"A.COM", b"b.com", b"B.com", b"c.com", b"d.com",
                 b"e.com", b"x.com, b.com", b"C.com"]

add("scale_rules_same_host_twice",
    "One host in two rules of a run: the first rule wins, with and "
    "without -i; a comma-listed Host takes the earliest rule over its values.",
    sc_switch("    acl h1 hdr(host) a.com b.com\n    acl h2 hdr(host) -i A.com c.com\n"
              "    acl h3 hdr(Host) -i b.com C.COM d.com\n"
              "    use_backend bk_c if h3\n    use_backend bk_a if h1\n"
              "    use_backend bk_b if h2\n"),
    SC_BACKENDS, sc_seq([sc_host(h) for h in SC_RULE_HOSTS]))

add("scale_rules_unless_and_or",
    "Rules that end a run keep their place: `unless`, `||`, a negation, "
    "two terms, an anonymous exact ACL.",
    sc_switch("    acl h1 hdr(host) -i a.com\n    acl h2 hdr(host) -i b.com\n"
              "    acl h3 hdr(host) -i c.com\n    acl h4 hdr(host) -i d.com\n"
              "    acl p path /x\n"
              "    use_backend bk_a if h1\n    use_backend bk_b if h2\n"
              "    use_backend bk_c unless h1 || h2 || h3 || h4 || p\n"
              "    use_backend bk_a if h3 || p\n    use_backend bk_b if !h1 h4 p\n"
              "    use_backend bk_c if h4\n    use_backend bk_a if { hdr(host) -i e.com }\n"
              "    use_backend bk_b if { hdr(host) -i e.com }\n    use_backend bk_c if h3\n"),
    SC_BACKENDS,
    sc_seq([sc_host(h) for h in (b"a.com", b"b.com", b"c.com", b"d.com", b"e.com",
                                 b"f.com")] +
           [sc_host(b"d.com", b"/x"), sc_host(b"c.com", b"/x"), sc_host(b"f.com", b"/x")]))

add("scale_rules_default_fallthrough",
    "No rule of the run matches: default_backend serves; without one a "
    "frontend answers 503.",
    sc_switch("    acl h1 hdr(host) -i a.com\n    acl h2 hdr(host) -i b.com\n"
              "    use_backend bk_a if h1\n    use_backend bk_b if h2\n"),
    SC_BACKENDS, sc_seq([sc_host(h) for h in (b"a.com", b"z.com", b"b.com")] +
                        [get(b"/", extra=b"")]))

add("scale_rules_no_default_503",
    "A run that matches nothing in a frontend without default_backend.",
    sc_switch("    acl h1 hdr(host) -i a.com\n    acl h2 hdr(host) -i b.com\n"
              "    use_backend bk_a if h1\n    use_backend bk_b if h2\n", default=False),
    SC_BACKENDS, sc_seq([sc_host(b"b.com"), sc_host(b"z.com")]))

add("scale_rules_key_changes",
    "Consecutive runs on different criteria (path, url, src, hdr) and a "
    "path run with a prefix rule in the middle.",
    sc_switch("    acl p1 path /one\n    acl p2 path /two /one\n    acl pb path_beg /t\n"
              "    acl p3 path /three\n    acl u1 url /two?q\n    acl u2 url /four\n"
              "    acl s1 src 127.0.0.2\n    acl s2 src 127.0.0.1 127.0.0.3\n"
              "    acl h1 hdr(host) -i a.com\n"
              "    use_backend bk_a if p1\n    use_backend bk_b if p2\n"
              "    use_backend bk_c if pb\n    use_backend bk_a if p3\n"
              "    use_backend bk_b if u1\n    use_backend bk_c if u2\n"
              "    use_backend bk_a if h1\n"
              "    use_backend bk_b if s1\n    use_backend bk_c if s2\n"),
    SC_BACKENDS,
    sc_seq([get(p) for p in (b"/one", b"/two", b"/two?q", b"/three", b"/four",
                             b"http://h/one?x", b"/zz")] +
           [sc_host(b"A.com", b"/four")]))

# ---------------------------------------------------------------------------
# stick tables when full: 1.4 trashes size/256 of its oldest entries, so a
# full table of fewer than 256 entries refuses new keys (the old ones stay)
# ---------------------------------------------------------------------------

add("scale_stick_small_table_full",
    "stick-table size 2 filled by two keys: a third key is not stored (1.4 "
    "trashes size>>8 = 0 entries), the first two keep their servers.",
    GLOBAL + "\nlisten app 127.0.0.1:{{fe}}\n    option httpclose\n    balance roundrobin\n"
    "    stick-table type ip size 2 expire 30m\n    stick on hdr(X-Ip)\n"
    "    server s1 127.0.0.1:{{be1}}\n    server s2 127.0.0.1:{{be2}}\n",
    {"be1": BackendSpec(resp(b"one\n")), "be2": BackendSpec(resp(b"two\n"))},
    sc_seq([get(b"/", extra=b"X-Ip: 10.0.0." + k + b"\r\n")
            for k in (b"1", b"2", b"3", b"1", b"2", b"3", b"3", b"1")]))
