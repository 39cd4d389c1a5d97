"""Configuration checking (`haproxy -c -f CFG`), area prefix `cfg_`.

Every scenario here is kind="check": it runs the binary in check mode (or
with the given command line) and pins down the exit code, stdout and every
[WARNING]/[ALERT] line on stderr, in order.  The configs exercise what 1.4.25
reports while parsing (cfgparse.c cfg_parse_global/cfg_parse_listen/
cfg_parse_users, the keyword parsers registered by proxy.c, proto_tcp.c and
dumpstats.c, acl.c) and while validating (cfgparse.c check_config_validity,
proxy.c proxy_cfg_ensure_no_http/findproxy_mode), plus the command-line
handling of haproxy.c (-c, -q, -V, several -f, missing files, usage).
"""

cfg_G = """\
global
    maxconn 100

defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s

"""

cfg_GTCP = cfg_G.replace("    mode http\n", "    mode tcp\n")


def cfg_listen(lines="", server="    server s1 127.0.0.1:{{be1}}\n", head="listen app 127.0.0.1:{{fe}}", base=None):
    """One listen section after the common global/defaults."""
    if lines and not lines.endswith("\n"):
        lines += "\n"
    return (cfg_G if base is None else base) + head + "\n" + lines + server


def cfg_fb(fe_lines="", be_lines="", extra=""):
    """A frontend + backend pair (plus free-form extra sections)."""
    if fe_lines and not fe_lines.endswith("\n"):
        fe_lines += "\n"
    if be_lines and not be_lines.endswith("\n"):
        be_lines += "\n"
    return (cfg_G + "frontend fe\n    bind 127.0.0.1:{{fe}}\n" + fe_lines +
            "    default_backend be\n\nbackend be\n" + be_lines +
            "    server s1 127.0.0.1:{{be1}}\n" + extra)


def cfg_add(name, desc, config, args=None, files=None):
    add(name, desc, config, kind="check", args=args, files=files)


def cfg_srv(opts, lines=""):
    """A listen section whose only server carries <opts>."""
    return cfg_listen(lines, server="    server s1 127.0.0.1:{{be1}} %s\n" % opts)


# ---------------------------------------------------------------------------
# Command line, files, overall verdict
# ---------------------------------------------------------------------------

cfg_add("cfg_valid_minimal", "Minimal valid config: exit 0, 'Configuration file is valid' on stdout.",
        cfg_listen())

cfg_add("cfg_valid_frontend_backend", "Valid frontend/backend/defaults config.",
        cfg_fb("    acl api path_beg /api\n    use_backend be if api"))

cfg_add("cfg_quiet_warning_suppressed", "-c -q: warnings are not printed, exit 0, no stdout.",
        cfg_listen("    option abortonclose", head="frontend fe\n    bind 127.0.0.1:{{fe}}", server=""),
        args=["-c", "-q", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_quiet_alert_still_printed", "-c -q: alerts are printed anyway (starting mode).",
        cfg_listen("    frobnicate 1"), args=["-c", "-q", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_quiet_verbose_warning", "-c -q -V: verbose re-enables warnings.",
        cfg_listen("    option abortonclose", head="frontend fe\n    bind 127.0.0.1:{{fe}}", server=""),
        args=["-c", "-q", "-V", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_warning_only_valid", "A warning only: exit 0, warning then 'Configuration file is valid'.",
        cfg_listen("    option abortonclose", head="frontend fe\n    bind 127.0.0.1:{{fe}}", server=""))

cfg_add("cfg_two_files_valid", "Two -f files: the config, then an empty file (/dev/null).",
        cfg_listen(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-f", "/dev/null"])

cfg_add("cfg_two_files_empty_first", "Two -f files: an empty file first, then the config.",
        cfg_listen(), args=["-c", "-f", "/dev/null", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_two_files_dup_name", "The same file twice: every proxy name duplicated (warning names file:line).",
        cfg_fb(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_two_files_error_each", "The same faulty file twice: one 'Error(s) found' line per file, then fatal.",
        cfg_listen("    frobnicate 1"), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_two_files_dir_second", "Second -f is a directory: read as empty.",
        cfg_listen(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-f", "{{tmp}}"])

cfg_add("cfg_second_file_missing", "Second -f file missing: first parsed, then 'Could not open'.",
        cfg_listen("    frobnicate 1"), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-f", "{{tmp}}/nope.cfg"])

cfg_add("cfg_usage_no_file", "-c without -f: usage on stderr, exit 1.",
        None, args=["-c"])

cfg_add("cfg_usage_f_without_arg", "-f as the last argument: usage, exit 1.",
        None, args=["-c", "-f"])

cfg_add("cfg_usage_unknown_flag", "Unknown flag -x (takes the next arg): usage, exit 1.",
        cfg_listen(), args=["-c", "-x", "1", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_usage_bare_word", "A bare word on the command line: usage, exit 1.",
        cfg_listen(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "extra"])

cfg_add("cfg_flags_n_N_db", "-c with -n/-N/-db/-de flags on a valid config.",
        cfg_listen(), args=["-c", "-db", "-n", "50", "-N", "20", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_directory_as_file", "A directory given as -f: reads as empty, 'no <listen> line'.",
        None, args=["-c", "-f", "{{tmp}}"])

cfg_add("cfg_empty_file", "Empty config: 'no <listen> line. Nothing to do !' and fatal.",
        "")

cfg_add("cfg_only_global", "Only a global section: no proxy at all.",
        "global\n    maxconn 10\n")

cfg_add("cfg_only_defaults", "Only global+defaults: defaults is not a proxy.",
        cfg_G)

cfg_add("cfg_kw_out_of_section", "A keyword before any section.",
        "maxconn 10\n" + cfg_listen())

# ---------------------------------------------------------------------------
# Line tokenizer
# ---------------------------------------------------------------------------

cfg_add("cfg_line_too_long", "A 2100-char line: 'line too long' and the rest parsed as a new line.",
        cfg_listen("    reqadd X-Long:\\ " + "a" * 2100))

cfg_add("cfg_too_many_words", "More than 64 words on a line: truncating at word 64.",
        cfg_listen("    description " + " ".join("w%d" % i for i in range(80))))

cfg_add("cfg_bad_hex_escape", "Invalid \\x escape sequence.",
        cfg_listen("    reqadd X-Hex:\\xZZ"))

cfg_add("cfg_escapes_valid", "Escaped spaces, \\x41, \\# and comments are fine.",
        cfg_listen("    reqadd X-A:\\ b\\x41\\#c   # a comment\n    rspadd X-B:\\ \\t1"))

cfg_add("cfg_no_on_non_option", "'no' prefix on a non-option keyword: alert, keyword still parsed.",
        cfg_listen("    no maxconn 10"))

cfg_add("cfg_default_on_non_option", "'default' prefix on a non-option keyword.",
        cfg_listen("    default retries 3"))

cfg_add("cfg_no_option_unsupported", "'no option httplog': negation not supported for this option.",
        cfg_listen("    no option httplog"))

cfg_add("cfg_no_option_valid", "'no option httpclose' / 'default option redispatch' are valid.",
        cfg_listen("    no option httpclose\n    default option redispatch"))

# ---------------------------------------------------------------------------
# global section
# ---------------------------------------------------------------------------


def cfg_gl(lines):
    return "global\n" + lines + "\n" + cfg_listen().split("global\n", 1)[1]


cfg_add("cfg_global_unknown_kw", "Unknown keyword in global; also a second one.",
        cfg_gl("    frobnicate\n    tune.unknown 3"))

cfg_add("cfg_global_maxconn_noarg", "global maxconn without argument.",
        cfg_gl("    maxconn"))

cfg_add("cfg_global_maxconn_twice", "global maxconn given twice (already specified).",
        cfg_gl("    maxconn 10"))

cfg_add("cfg_global_nbproc_variants", "nbproc without arg, then twice.",
        cfg_gl("    nbproc\n    nbproc 1\n    nbproc 1"))

cfg_add("cfg_global_ulimit_maxpipes", "ulimit-n / maxpipes without argument, and repeated.",
        cfg_gl("    ulimit-n\n    ulimit-n 1000\n    ulimit-n 2000\n    maxpipes\n    maxpipes 5\n    maxpipes 6"))

cfg_add("cfg_global_uid_gid", "uid/gid without args, then uid twice, gid twice.",
        cfg_gl("    uid\n    uid 99\n    uid 98\n    gid\n    gid 99\n    gid 98"))

cfg_add("cfg_global_user_unknown", "user naming no such user; group naming no such group.",
        cfg_gl("    user nosuchuserxyz\n    group nosuchgroupxyz"))

cfg_add("cfg_global_user_after_uid", "user after uid: user/uid already specified; group after gid.",
        cfg_gl("    uid 99\n    user haproxy\n    gid 99\n    group haproxy"))

cfg_add("cfg_global_user_valid", "user/group haproxy: valid.",
        cfg_gl("    user haproxy\n    group haproxy"))

cfg_add("cfg_global_chroot_pidfile", "chroot and pidfile without arguments, pidfile twice.",
        cfg_gl("    chroot\n    pidfile\n    pidfile {{tmp}}/a.pid\n    pidfile {{tmp}}/b.pid"))

cfg_add("cfg_global_chroot_twice", "chroot twice.",
        cfg_gl("    chroot /\n    chroot /tmp"))

cfg_add("cfg_global_log_missing_facility", "global log with an address only.",
        cfg_gl("    log 127.0.0.1:{{log}}"))

cfg_add("cfg_global_log_bad_facility", "global log with an unknown facility.",
        cfg_gl("    log 127.0.0.1:{{log}} local9"))

cfg_add("cfg_global_log_bad_levels", "global log with unknown level, then unknown min level.",
        cfg_gl("    log 127.0.0.1:{{log}} local0 loud\n    log 127.0.0.1:{{log}} local0 info quiet"))

cfg_add("cfg_global_log_three", "Three global log servers: too many syslog servers.",
        cfg_gl("    log 127.0.0.1:{{log}} local0\n    log 127.0.0.1:{{log}} local1\n    log 127.0.0.1:{{log}} local2"))

cfg_add("cfg_global_log_unix_path_long", "global log to a unix socket path longer than the limit.",
        cfg_gl("    log /" + "p" * 120 + " local0"))

cfg_add("cfg_global_log_valid_variants", "global log: ip, ip:port, unix path, with levels.",
        cfg_gl("    log 127.0.0.1 local0 notice\n    log /dev/log daemon info err"))

cfg_add("cfg_global_logtag_noarg", "log-tag without argument; log-send-hostname twice.",
        cfg_gl("    log-tag\n    log-send-hostname\n    log-send-hostname foo"))

cfg_add("cfg_global_spread_checks", "spread-checks: no arg, out of range, twice.",
        cfg_gl("    spread-checks\n    spread-checks 60\n    spread-checks 5\n    spread-checks 6"))

cfg_add("cfg_global_tune_noargs", "tune.* keywords without argument.",
        cfg_gl("    tune.bufsize\n    tune.maxrewrite\n    tune.chksize\n    tune.maxaccept\n    tune.maxpollevents\n    tune.rcvbuf.client\n    tune.sndbuf.server"))

cfg_add("cfg_global_tune_twice", "tune.maxaccept/tune.maxpollevents twice (already specified).",
        cfg_gl("    tune.maxaccept 10\n    tune.maxaccept 20\n    tune.maxpollevents 10\n    tune.maxpollevents 20\n    tune.rcvbuf.client 1000\n    tune.rcvbuf.client 2000"))

cfg_add("cfg_global_tune_valid", "tune.* with values: valid.",
        cfg_gl("    tune.bufsize 8192\n    tune.maxrewrite 1024\n    tune.chksize 4096\n    tune.sndbuf.client 8192"))

cfg_add("cfg_global_description_node", "description/node without arguments.",
        cfg_gl("    description\n    node"))

cfg_add("cfg_global_stats_socket_noarg", "stats socket without path; stats unknown sub-keyword.",
        cfg_gl("    stats socket\n    stats foo"))

cfg_add("cfg_global_stats_socket_twice", "stats socket twice.",
        cfg_gl("    stats socket {{tmp}}/a.sock\n    stats socket {{tmp}}/b.sock"))

cfg_add("cfg_global_stats_socket_opts", "stats socket: bad level, unknown option, unknown user/group.",
        cfg_gl("    stats socket {{tmp}}/a.sock level root"))

cfg_add("cfg_global_stats_socket_badopt", "stats socket with an unknown option.",
        cfg_gl("    stats socket {{tmp}}/a.sock frob 1"))

cfg_add("cfg_global_stats_socket_baduser", "stats socket user/group that do not exist.",
        cfg_gl("    stats socket {{tmp}}/a.sock user nosuchuserxyz group nosuchgroupxyz"))

cfg_add("cfg_global_stats_timeout_maxconn", "stats timeout bad unit / zero, stats maxconn zero.",
        cfg_gl("    stats timeout 10x\n    stats timeout 0\n    stats maxconn 0"))

cfg_add("cfg_global_stats_valid", "stats socket with mode/level/user + timeout/maxconn: valid.",
        cfg_gl("    stats socket {{tmp}}/a.sock mode 600 level admin user haproxy group haproxy\n    stats timeout 10s\n    stats maxconn 5"))

cfg_add("cfg_global_nbproc_stats_socket", "nbproc 2 with a stats socket and stats uri: multi-process warnings.",
        cfg_gl("    nbproc 2\n    stats socket {{tmp}}/a.sock").replace(
            "listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    stats uri /st\n    appsession JS len 10 timeout 1m\n"))

cfg_add("cfg_global_daemon_debug_quiet", "daemon/debug/quiet/noepoll/nopoll/nosplice keywords accepted.",
        cfg_gl("    daemon\n    debug\n    noepoll\n    nosepoll\n    nopoll\n    nokqueue\n    nosplice"))

# ---------------------------------------------------------------------------
# Section headers, names, listeners
# ---------------------------------------------------------------------------

cfg_add("cfg_listen_no_name", "'listen' without a name aborts parsing.",
        cfg_G + "listen\n    bogus\n")

cfg_add("cfg_backend_no_name", "'backend' without a name aborts parsing (later errors not seen).",
        cfg_listen() + "\nbackend\n    bogus\n")

cfg_add("cfg_proxy_bad_name_char", "Proxy name with a forbidden character.",
        cfg_listen(head="listen app/x 127.0.0.1:{{fe}}"))

cfg_add("cfg_dup_listen_name", "Two listen sections with the same name: warning.",
        cfg_listen() + "\nlisten app 127.0.0.1:{{fe2}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_dup_backend_name", "Two backends with the same name; frontend+backend pair allowed.",
        cfg_fb() + "\nbackend be\n    server s2 127.0.0.1:{{be2}}\n\nbackend fe\n    server s3 127.0.0.1:{{be2}}\n")

cfg_add("cfg_dup_frontend_listen", "A frontend with the name of an earlier listen.",
        cfg_listen() + "\nfrontend app\n    bind 127.0.0.1:{{fe2}}\n    default_backend app\n")

cfg_add("cfg_ruleset_section", "A 'ruleset' section is accepted as a proxy header.",
        cfg_listen() + "\nruleset rs\n    acl a path /\n")

cfg_add("cfg_listen_addr_no_port", "listen address without a port.",
        cfg_listen(head="listen app 127.0.0.1"))

cfg_add("cfg_listen_addr_port_zero", "listen address with port 0 and with 70000.",
        cfg_listen(head="listen app 127.0.0.1:0") + "\nlisten app2 127.0.0.1:70000\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_listen_addr_bad_range", "listen with an invalid port range end.",
        cfg_listen(head="listen app 127.0.0.1:{{fe}}-99999"))

cfg_add("cfg_listen_addr_unknown_host", "listen with an unresolvable host name.",
        cfg_listen(head="listen app nosuchhost.invalid:{{fe}}"))

cfg_add("cfg_listen_addr_multi", "listen with a comma list of addresses and a range: valid.",
        cfg_listen(head="listen app 127.0.0.1:{{fe}},127.0.0.1:{{fe2}}-{{fe3}}"))

cfg_add("cfg_listen_no_address", "listen without address nor bind: no listen address.",
        cfg_listen(head="listen app"))

cfg_add("cfg_frontend_no_bind", "frontend without bind: no listen address.",
        cfg_G + "frontend fe\n    default_backend be\n\nbackend be\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_bind_no_colon", "bind argument without ':'.",
        cfg_listen("    bind 127.0.0.1", head="listen app"))

cfg_add("cfg_bind_in_defaults", "bind in defaults section.",
        cfg_G.replace("defaults\n", "defaults\n    bind 127.0.0.1:{{fe2}}\n") + "listen app 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_bind_in_backend", "bind in a backend: ignored, no frontend capability.",
        cfg_fb(be_lines="    bind 127.0.0.1:{{fe2}}"))

cfg_add("cfg_bind_unknown_option", "bind with an unknown option.",
        cfg_listen("    bind 127.0.0.1:{{fe2}} frob", head="listen app"))

cfg_add("cfg_bind_id_variants", "bind id: missing, zero, then duplicated.",
        cfg_listen("    bind 127.0.0.1:{{fe}} id\n    bind 127.0.0.1:{{fe2}} id 0\n    bind 127.0.0.1:{{fe3}} id 5\n    bind 127.0.0.1:{{be4}} id 5", head="listen app"))

cfg_add("cfg_bind_id_range", "bind id on a port range (several sockets).",
        cfg_listen("    bind 127.0.0.1:{{fe}}-{{fe2}} id 3", head="listen app"))

cfg_add("cfg_bind_mss_interface", "bind mss missing/out of range, interface missing, defer-accept/transparent.",
        cfg_listen("    bind 127.0.0.1:{{fe}} mss\n    bind 127.0.0.1:{{fe2}} mss 70000\n    bind 127.0.0.1:{{fe3}} interface\n    bind 127.0.0.1:{{be4}} defer-accept transparent name x", head="listen app"))

cfg_add("cfg_mode_unknown", "Unknown proxy mode.",
        cfg_listen("    mode ftp"))

cfg_add("cfg_mode_health_servers", "mode health with servers: servers ignored (warning).",
        cfg_listen("    mode health"))

cfg_add("cfg_mode_health_backend", "mode health in a backend: no frontend capability (alert).",
        cfg_fb(be_lines="    mode health"))

cfg_add("cfg_mode_health_http_kw", "mode health with cookie/monitor-uri/httplog: needs mode http warnings.",
        cfg_listen("    mode health\n    cookie SRV insert\n    monitor-uri /m\n    option httplog\n    balance uri", server=""))

cfg_add("cfg_proxy_id_variants", "id in defaults, without arg, zero.",
        cfg_G.replace("defaults\n", "defaults\n    id 4\n") + "listen app 127.0.0.1:{{fe}}\n    id\n    id 0\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_proxy_id_duplicate", "Two proxies with the same custom id.",
        cfg_listen("    id 7") + "\nlisten app2 127.0.0.1:{{fe2}}\n    id 7\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_description_defaults", "description in defaults / without argument.",
        cfg_G.replace("defaults\n", "defaults\n    description x\n") + "listen app 127.0.0.1:{{fe}}\n    description\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_bind_process", "bind-process: invalid arg, too high for nbproc, valid all/odd.",
        cfg_listen("    bind-process foo\n    bind-process 3\n    bind-process odd\n    bind-process all"))

cfg_add("cfg_disabled_proxy_errors", "A disabled proxy with no address and bad use_backend is not validated.",
        cfg_listen() + "\nfrontend off\n    disabled\n    use_backend nowhere if TRUE\n")

cfg_add("cfg_enabled_disabled", "enabled/disabled keywords on a listen.",
        cfg_listen("    disabled\n    enabled"))

cfg_add("cfg_monitor_net_uri", "monitor-net bad address, monitor-uri without arg, in defaults.",
        cfg_G.replace("defaults\n", "defaults\n    monitor-net 10.0.0.0/8\n") +
        "listen app 127.0.0.1:{{fe}}\n    monitor-net\n    monitor-uri\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_monitor_fail", "monitor fail without condition; monitor unknown; monitor in defaults.",
        cfg_listen("    monitor fail\n    monitor foo\n    monitor fail if {"))

cfg_add("cfg_monitor_uri_tcp", "monitor-uri and reqadd/rspadd in a tcp listen: needs mode http warnings.",
        cfg_listen("    mode tcp\n    monitor-uri /m\n    reqadd X-A:\\ 1\n    rspadd X-B:\\ 2"))

# ---------------------------------------------------------------------------
# Timeouts
# ---------------------------------------------------------------------------

cfg_NOTO = "global\n    maxconn 100\n\ndefaults\n    mode http\n\n"

cfg_add("cfg_timeouts_missing_listen", "listen without timeouts: 'missing timeouts' warning.",
        cfg_listen(base=cfg_NOTO))

cfg_add("cfg_timeouts_missing_frontend", "frontend without client timeout, backend fine.",
        cfg_NOTO + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    default_backend be\n\nbackend be\n    timeout connect 1s\n    timeout server 1s\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_timeouts_missing_backend_server", "backend with connect but no server timeout.",
        cfg_NOTO + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    timeout client 1s\n    default_backend be\n\nbackend be\n    timeout connect 1s\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_timeouts_backend_no_servers", "backend without servers and without timeouts: no warning.",
        cfg_NOTO + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    timeout client 1s\n    default_backend be\n\nbackend be\n")

cfg_add("cfg_timeouts_health_mode", "mode health without timeouts: no timeout warning.",
        cfg_NOTO + "listen h 127.0.0.1:{{fe}}\n    mode health\n")

cfg_add("cfg_timeouts_legacy_keywords", "clitimeout/contimeout/srvtimeout satisfy the check.",
        cfg_listen("    clitimeout 1000\n    contimeout 1000\n    srvtimeout 1000", base=cfg_NOTO))

cfg_add("cfg_timeout_unknown_type", "timeout with an unknown type.",
        cfg_listen("    timeout foo 1s"))

cfg_add("cfg_timeout_no_value", "timeout client without a value.",
        cfg_listen("    timeout client"))

cfg_add("cfg_timeout_bad_unit", "timeout with bad unit characters.",
        cfg_listen("    timeout server 10x\n    contimeout 5sec"))

cfg_add("cfg_timeout_wrong_side", "timeout client in a backend, timeout server in a frontend.",
        cfg_fb("    timeout server 2s\n    timeout connect 2s", "    timeout client 2s\n    timeout http-request 2s"))

cfg_add("cfg_timeout_overwrite", "timeout set twice in the same proxy: overwriting warning.",
        cfg_listen("    timeout client 2s\n    timeout client 3s\n    srvtimeout 4000\n    timeout server 5s"))

cfg_add("cfg_timeout_all_types", "Every timeout type with valid units: valid.",
        cfg_listen("    timeout http-request 5s\n    timeout http-keep-alive 1s\n    timeout queue 1m\n    timeout tarpit 2s\n    timeout check 500ms\n    timeout client 1h\n    timeout server 1d\n    timeout connect 100us"))

cfg_add("cfg_rate_limit", "rate-limit: unknown type, missing value, bad char, in backend.",
        cfg_fb("    rate-limit foo 10\n    rate-limit sessions\n    rate-limit sessions 10x", "    rate-limit sessions 10"))

# ---------------------------------------------------------------------------
# Capabilities: keywords placed in the wrong kind of section
# ---------------------------------------------------------------------------

cfg_add("cfg_cap_frontend_backend_kw", "Backend-only keywords in a frontend: ignored-with-warning each.",
        cfg_fb("    balance roundrobin\n    option redispatch\n    cookie SRV insert\n    retries 3\n    option httpchk\n    fullconn 10\n    dispatch 127.0.0.1:{{be2}}\n    appsession JS len 10 timeout 1m\n    option abortonclose"))

cfg_add("cfg_cap_backend_frontend_kw", "Frontend-only keywords in a backend: ignored-with-warning each.",
        cfg_fb(be_lines="    monitor-uri /m\n    option dontlognull\n    capture request header Host len 10\n    maxconn 10\n    backlog 10\n    option logasap\n    option forwardfor\n    default_backend be\n    use_backend be if TRUE\n    monitor-net 10.0.0.0/8\n    option clitcpka"))

cfg_add("cfg_cap_server_in_frontend", "server in a frontend: ignored with warning.",
        cfg_fb("    server s9 127.0.0.1:{{be2}}"))

cfg_add("cfg_cap_defaults_forbidden", "Keywords not allowed in defaults (acl, use_backend, block, server, capture, reqadd, redirect...).",
        cfg_G.replace("defaults\n", "defaults\n    acl a path /\n    use_backend x\n    block if TRUE\n    server s1 127.0.0.1:1\n    capture request header Host len 5\n    reqadd X-A:\\ 1\n    redirect prefix /x\n    stick on src\n    http-request deny\n    appsession JS len 10 timeout 1m\n    dispatch 127.0.0.1:1\n    mode http\n")
        + "listen app 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_unknown_listen_kw", "Unknown keywords in listen, frontend, backend and defaults.",
        cfg_G.replace("defaults\n", "defaults\n    frob 1\n") + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    frob 2\n    default_backend be\n\nbackend be\n    frob 3\n    server s1 127.0.0.1:{{be1}}\n")

# ---------------------------------------------------------------------------
# Integer / misc proxy keywords
# ---------------------------------------------------------------------------

cfg_add("cfg_int_kw_noarg", "maxconn/backlog/fullconn/retries/grace without arguments.",
        cfg_listen("    maxconn\n    backlog\n    fullconn\n    retries\n    grace"))

cfg_add("cfg_grace_bad_unit", "grace with a bad unit.",
        cfg_listen("    grace 10q"))

cfg_add("cfg_dispatch_variants", "dispatch without arg, unknown host, then with balance (ignored).",
        cfg_listen("    dispatch\n    dispatch nosuchhost.invalid:80\n    balance roundrobin\n    dispatch 127.0.0.1:{{be2}}"))

cfg_add("cfg_dispatch_no_balance", "dispatch without balance: valid.",
        cfg_listen("    dispatch 127.0.0.1:{{be2}}", server=""))

cfg_add("cfg_transparent_balance", "option transparent with balance (compiled without TPROXY?).",
        cfg_listen("    option transparent\n    balance roundrobin"))

cfg_add("cfg_redispatch_deprecated", "'redispatch' keyword: deprecated warning.",
        cfg_listen("    redispatch"))

cfg_add("cfg_balance_variants_bad", "balance: url_param/hdr without arg, uri bad option, unknown.",
        cfg_listen("    balance url_param\n    balance hdr\n    balance uri foo\n    balance rdp-cookie(\n    balance"))

cfg_add("cfg_balance_valid_variants", "balance: all valid forms.",
        cfg_listen("    balance uri len 10 depth 2\n    balance url_param id check_post 64\n    balance hdr(host)\n    balance rdp-cookie\n    balance static-rr\n    balance leastconn\n    balance source"))

cfg_add("cfg_balance_l7_in_tcp", "balance uri in tcp mode: Layer 7 hash falls back to round robin.",
        cfg_listen("    mode tcp\n    balance uri"))

cfg_add("cfg_hash_type", "hash-type: unknown value, missing value, valid.",
        cfg_listen("    hash-type foo\n    hash-type\n    hash-type consistent\n    hash-type map-based"))

# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

cfg_add("cfg_server_no_args", "server without arguments / with name only.",
        cfg_listen("    server\n    server s2"))

cfg_add("cfg_server_bad_name", "server name with a forbidden character.",
        cfg_listen("    server s/2 127.0.0.1:{{be2}}"))

cfg_add("cfg_server_unknown_host", "server with an unresolvable address.",
        cfg_listen("    server s2 nosuchhost.invalid:80"))

cfg_add("cfg_server_in_defaults", "server in defaults.",
        cfg_G.replace("defaults\n", "defaults\n    server s1 127.0.0.1:{{be1}}\n") + "listen app 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_server_no_port_valid", "server without port (and with +port): valid.",
        cfg_listen("    server s2 127.0.0.1\n    server s3 127.0.0.1:+1\n    server s4 127.0.0.1:-1"))

cfg_add("cfg_server_unknown_option", "server with an unknown option.",
        cfg_srv("frob"))

cfg_add("cfg_server_id_variants", "server id: missing, zero, duplicated.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} id\n    server s3 127.0.0.1:{{be2}} id 0\n    server s4 127.0.0.1:{{be2}} id 4\n    server s5 127.0.0.1:{{be2}} id 4"))

cfg_add("cfg_server_rise_fall", "server rise/fall: missing, zero.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} rise\n    server s3 127.0.0.1:{{be2}} rise 0\n    server s4 127.0.0.1:{{be2}} fall 0\n    server s5 127.0.0.1:{{be2}} fall"))

cfg_add("cfg_server_inter_bad", "server inter/fastinter/downinter: bad unit, zero.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} inter 2x\n    server s3 127.0.0.1:{{be2}} inter 0\n    server s4 127.0.0.1:{{be2}} fastinter 1q\n    server s5 127.0.0.1:{{be2}} fastinter 0\n    server s6 127.0.0.1:{{be2}} downinter 3z\n    server s7 127.0.0.1:{{be2}} downinter 0"))

cfg_add("cfg_server_inter_valid_units", "server inter/fastinter/downinter with units: valid.",
        cfg_srv("check inter 2s fastinter 500ms downinter 1m rise 3 fall 2"))

cfg_add("cfg_server_addr_port", "server addr unknown host; port without arg.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} addr nosuchhost.invalid\n    server s3 127.0.0.1:{{be2}} port"))

cfg_add("cfg_server_weight", "server weight out of range (300, -1) and valid 0/256.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} weight 300\n    server s3 127.0.0.1:{{be2}} weight -1\n    server s4 127.0.0.1:{{be2}} weight 0\n    server s5 127.0.0.1:{{be2}} weight 256"))

cfg_add("cfg_server_slowstart_bad", "server slowstart with a bad unit.",
        cfg_srv("slowstart 10x"))

cfg_add("cfg_server_track_noarg", "server track without argument.",
        cfg_srv("track"))

cfg_add("cfg_server_on_error", "on-error bad value, error-limit missing/zero, on-marked-down bad.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} on-error foo\n    server s3 127.0.0.1:{{be2}} error-limit\n    server s4 127.0.0.1:{{be2}} error-limit 0\n    server s5 127.0.0.1:{{be2}} on-marked-down foo"))

cfg_add("cfg_server_on_error_valid", "on-error/error-limit/on-marked-down valid values.",
        cfg_srv("check on-error mark-down error-limit 5 observe layer4"))

cfg_add("cfg_server_observe", "observe: bad value, layer7 in tcp mode.",
        cfg_listen("    mode tcp\n    server s2 127.0.0.1:{{be2}} observe foo\n    server s3 127.0.0.1:{{be2}} observe layer7", base=cfg_GTCP))

cfg_add("cfg_server_check_no_port", "server check without any port: check disabled (alert).",
        cfg_listen("    server s2 127.0.0.1 check"))

cfg_add("cfg_server_check_and_track", "check and track on the same server.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} check track s1", server="    server s1 127.0.0.1:{{be1}} check\n"))

cfg_add("cfg_track_unknown_proxy", "track of a server in an unknown proxy.",
        cfg_srv("track nope/s9"))

cfg_add("cfg_track_unknown_server", "track of an unknown server in this proxy and in another.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} track s9\n    server s3 127.0.0.1:{{be2}} track app/s8"))

cfg_add("cfg_track_not_checked", "track of a server without checks.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} track s1"))

cfg_add("cfg_track_valid_cross_proxy", "track of a checked server in another backend: valid.",
        cfg_fb(be_lines="    server s2 127.0.0.1:{{be2}} track other/o1",
               extra="\nbackend other\n    server o1 127.0.0.1:{{be3}} check\n"))

cfg_add("cfg_track_disable404_mismatch", "track across proxies with disable-on-404 inconsistency.",
        cfg_fb(be_lines="    server s2 127.0.0.1:{{be2}} track other/o1",
               extra="\nbackend other\n    option httpchk\n    http-check disable-on-404\n    server o1 127.0.0.1:{{be3}} check\n"))

cfg_add("cfg_server_minconn_no_fullconn", "server minconn < maxconn in a backend without fullconn: alert.",
        cfg_fb(be_lines="    server s2 127.0.0.1:{{be2}} minconn 2 maxconn 10").replace("global\n    maxconn 100\n", "global\n    maxconn 100\n"))

cfg_add("cfg_server_minconn_maxconn_noarg", "server maxconn/minconn/maxqueue without values.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} maxconn\n    server s3 127.0.0.1:{{be2}} minconn\n    server s4 127.0.0.1:{{be2}} maxqueue"))

cfg_add("cfg_server_source_bad", "server source: no arg, unknown host, usesrc (TPROXY not compiled?).",
        cfg_listen("    server s2 127.0.0.1:{{be2}} source\n    server s3 127.0.0.1:{{be2}} source nosuchhost.invalid\n    server s4 127.0.0.1:{{be2}} source 127.0.0.1 usesrc client\n    server s5 127.0.0.1:{{be2}} source 127.0.0.1:2000-1000"))

cfg_add("cfg_server_cookie_tcp", "server cookie in a tcp listen: ignoring cookie for server (warning).",
        cfg_listen("    mode tcp\n    server s2 127.0.0.1:{{be2}} cookie c2", base=cfg_GTCP))

cfg_add("cfg_server_redir_tcp", "server redir in a tcp listen: alert.",
        cfg_listen("    mode tcp\n    server s2 127.0.0.1:{{be2}} redir http://x", base=cfg_GTCP))

cfg_add("cfg_server_cookie_noarg", "server cookie/redir without value.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} cookie\n    server s3 127.0.0.1:{{be2}} redir"))

cfg_add("cfg_server_rdp_no_port", "rdp-cookie persistence with a server lacking a port.",
        cfg_listen("    mode tcp\n    persist rdp-cookie\n    server s2 127.0.0.1", base=cfg_GTCP))

cfg_add("cfg_default_server", "default-server: unknown option, valid options, in a frontend.",
        cfg_fb("    default-server inter 3s", "    default-server frob 1\n    default-server inter 2s rise 3 fall 4 maxconn 10 weight 5"))

cfg_add("cfg_server_disabled_backup_valid", "server disabled/backup/check port addr: valid.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} backup disabled check port {{be3}} addr 127.0.0.1 inter 1s weight 10 maxconn 5 maxqueue 3 slowstart 5s id 10 observe layer7"))

# ---------------------------------------------------------------------------
# Backend references
# ---------------------------------------------------------------------------

cfg_add("cfg_default_backend_missing", "default_backend naming nothing.",
        cfg_G + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    default_backend nope\n")

cfg_add("cfg_default_backend_noarg", "default_backend without argument.",
        cfg_fb("    default_backend"))

cfg_add("cfg_default_backend_loop", "A listen whose default_backend is itself.",
        cfg_listen("    default_backend app"))

cfg_add("cfg_default_backend_frontend_only", "default_backend naming a frontend (no backend capability).",
        cfg_fb("    use_backend fe if TRUE") )

cfg_add("cfg_use_backend_noarg", "use_backend without backend / without condition.",
        cfg_fb("    use_backend\n    use_backend be"))

cfg_add("cfg_use_backend_loop", "use_backend to the listen itself: loop detected.",
        cfg_listen("    use_backend app if TRUE"))

cfg_add("cfg_use_backend_wrong_mode", "http frontend use_backend/default_backend to a tcp backend.",
        cfg_G + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    use_backend tb if TRUE\n    default_backend tb\n\nbackend tb\n    mode tcp\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_use_backend_unknown_acl", "use_backend with an undefined ACL name.",
        cfg_fb("    use_backend be if nosuchacl"))

cfg_add("cfg_use_backend_bad_cond_kw", "use_backend followed by something else than if/unless.",
        cfg_fb("    use_backend be when TRUE"))

cfg_add("cfg_use_backend_many_missing", "Several missing backends reported in order.",
        cfg_fb("    use_backend b1 if TRUE\n    use_backend b2 unless TRUE\n    use_backend be if TRUE"))

cfg_add("cfg_reqsetbe_missing", "reqsetbe naming an unknown backend and itself.",
        cfg_listen("    reqsetbe ^Host:\\ x nope\n    reqisetbe ^Host:\\ y app"))

cfg_add("cfg_reqsetbe_tcp_backend", "reqsetbe naming a backend in tcp mode.",
        cfg_fb("    reqsetbe ^Host:\\ x tb", extra="\nbackend tb\n    mode tcp\n    server s1 127.0.0.1:{{be2}}\n"))

cfg_add("cfg_reqsetbe_in_backend", "reqsetbe inside a backend section, to a known and an unknown backend.",
        cfg_fb(be_lines="    reqsetbe ^Host:\\ x b2\n    reqsetbe ^Host:\\ y nope",
               extra="\nbackend b2\n    server s1 127.0.0.1:{{be2}}\n"))

cfg_add("cfg_dup_backend_findproxy", "use_backend to a name defined twice as backend.",
        cfg_fb("    use_backend b2 if TRUE", extra="\nbackend b2\n    server s1 127.0.0.1:{{be1}}\n\nbackend b2\n    server s1 127.0.0.1:{{be2}}\n"))

# ---------------------------------------------------------------------------
# ACLs and conditions
# ---------------------------------------------------------------------------

cfg_add("cfg_acl_bad_name", "acl name with a forbidden character.",
        cfg_listen("    acl a/b path /"))

cfg_add("cfg_acl_no_criterion", "acl with a name only.",
        cfg_listen("    acl a"))

cfg_add("cfg_acl_bad_patterns", "acl patterns that do not parse: int, ip, regex, range.",
        cfg_listen("    acl p1 dst_port abc\n    acl p2 src 999.1.1.1\n    acl p3 path_reg (\n    acl p4 dst_port 10:abc\n    acl p5 hdr_cnt(host) gt"))

cfg_add("cfg_acl_paren_warning", "acl 'hdr (host)' with a space: likely-a-mistake warning.",
        cfg_listen("    acl h hdr (host) foo\n    block if h"))

cfg_add("cfg_acl_no_pattern_valid", "acls without patterns and with flags -i/-f?: valid.",
        cfg_listen("    acl a path_beg\n    acl b hdr_beg(host) -i www.\n    acl c url_reg -i ^/a.*\n    block if a b c"))

cfg_add("cfg_acl_unused_unknown_in_block", "block condition with an unknown ACL, with '!' and '||'.",
        cfg_listen("    acl a path /\n    block if a || !zz"))

cfg_add("cfg_acl_anonymous", "Anonymous ACLs in braces: valid, unterminated, empty.",
        cfg_listen("    block if { path_beg /x } !{ src 10.0.0.1 }\n    block if { path_beg /y\n    block if { }"))

cfg_add("cfg_acl_response_only_in_request", "request rule using a response-only criterion: warning.",
        cfg_listen("    acl st status 200\n    block if st\n    use_backend app2 if st", server="    server s1 127.0.0.1:{{be1}}\n\nbackend app2\n    server s1 127.0.0.1:{{be1}}\n"))

cfg_add("cfg_acl_request_in_response", "rsp rules conditioned on volatile request criteria: warning.",
        cfg_listen("    acl p path_beg /x\n    rspadd X-A:\\ 1 if p\n    rspdeny ^X-B if p\n    rspidel ^X-C if p"))

cfg_add("cfg_acl_http_auth_unknown_userlist", "http_auth() naming an unknown userlist and without userlist.",
        cfg_listen("    acl a http_auth(nolist)\n    acl b http_auth\n    block unless a b"))

cfg_add("cfg_acl_http_auth_group_bad", "http_auth_group() with an unknown group.",
        cfg_listen("    acl a http_auth_group(ul) nogroup\n    block unless a") + "\nuserlist ul\n    group g1\n    user u1 insecure-password p groups g1\n")

cfg_add("cfg_acl_srv_is_up", "srv_is_up(): unknown proxy, unknown server, missing name.",
        cfg_listen("    acl a srv_is_up(nope/s1)\n    acl b srv_is_up(s9)\n    acl c srv_is_up()\n    block unless a b c"))

cfg_add("cfg_acl_l7_in_tcp_request", "tcp-request content with an HTTP (layer 7) acl.",
        cfg_listen("    tcp-request inspect-delay 1s\n    tcp-request content reject if { path_beg /x }"))

cfg_add("cfg_acl_in_tcp_mode_valid", "tcp mode listen using layer-4/6 ACLs: valid.",
        cfg_listen("    mode tcp\n    acl l src 127.0.0.1\n    acl r req_ssl_ver 3\n    tcp-request inspect-delay 2s\n    tcp-request content accept if l r\n    tcp-request content reject", base=cfg_GTCP))

cfg_add("cfg_acl_http_in_tcp_mode", "tcp mode listen with use_backend conditioned on an HTTP acl.",
        cfg_listen("    mode tcp\n    acl p path_beg /x\n    use_backend tb if p", base=cfg_GTCP,
                   server="    server s1 127.0.0.1:{{be1}}\n\nbackend tb\n    server t 127.0.0.1:{{be2}}\n"))

# ---------------------------------------------------------------------------
# Rule ordering warnings and block/redirect/reqxxx
# ---------------------------------------------------------------------------

cfg_add("cfg_order_block_after", "block after reqxxx, reqadd, redirect and use_backend.",
        cfg_fb("    reqdel ^X-A\n    block if TRUE\n") +
        "\nfrontend fe2\n    bind 127.0.0.1:{{fe2}}\n    reqadd X-A:\\ 1\n    block if TRUE\n    default_backend be\n"
        "\nfrontend fe3\n    bind 127.0.0.1:{{fe3}}\n    redirect prefix /x if FALSE\n    block if TRUE\n    use_backend be if TRUE\n    block if FALSE\n")

cfg_add("cfg_order_reqxxx_after", "reqxxx after reqadd / redirect / use_backend.",
        cfg_fb("    reqadd X-A:\\ 1\n    reqrep ^X-B(.*) X-C\\1\n    use_backend be if TRUE\n    reqdel ^X-D\n    redirect location /z if FALSE\n    reqallow ^GET"))

cfg_add("cfg_order_reqadd_redirect_after", "reqadd after redirect/use_backend; redirect after use_backend.",
        cfg_fb("    redirect prefix /a if FALSE\n    reqadd X-A:\\ 1\n    use_backend be if TRUE\n    redirect prefix /b if FALSE\n    reqadd X-B:\\ 2"))

cfg_add("cfg_block_no_cond", "block without condition, with bad condition, in defaults.",
        cfg_listen("    block\n    block if\n    block foo"))

cfg_add("cfg_reqxxx_args", "reqrep/reqdel/reqadd/rspirep with missing arguments.",
        cfg_listen("    reqrep ^a\n    reqdel\n    reqadd\n    rspirep x\n    rspdel\n    rspadd\n    reqtarpit\n    reqsetbe ^a"))

cfg_add("cfg_reqxxx_bad_regex", "reqrep/rspdel with a bad regex; reqrep with a bad replacement.",
        cfg_listen("    reqrep ^(a b\n    rspdel [x\n    reqirep ^a \\9"))

cfg_add("cfg_reqxxx_cond", "reqadd/rspadd with conditions: bad keyword, unknown acl, valid.",
        cfg_listen("    reqadd X-A:\\ 1 when x\n    reqadd X-B:\\ 2 if nosuch\n    rspadd X-C:\\ 3 unless TRUE\n    reqdel ^X-D if TRUE\n    reqdeny ^X-E foo"))

cfg_add("cfg_cliexp_srvexp", "Legacy cliexp/srvexp keywords.",
        cfg_listen("    cliexp ^a b\n    srvexp ^c d\n    cliexp"))

cfg_add("cfg_redirect_variants", "redirect: missing location, missing code, bad code, unknown option, no type.",
        cfg_listen("    redirect location\n    redirect prefix /a code\n    redirect prefix /a code 404\n    redirect prefix /a frob\n    redirect code 301\n    redirect prefix /a if nosuch"))

cfg_add("cfg_redirect_valid", "redirect: every valid option.",
        cfg_listen("    redirect prefix /a code 307 drop-query append-slash set-cookie A=1 if { path_beg /x }\n    redirect location /b clear-cookie B= code 303 if FALSE\n    redirect scheme https if FALSE"))

cfg_add("cfg_redirect_args_missing", "redirect set-cookie/clear-cookie/prefix/scheme without values.",
        cfg_listen("    redirect prefix\n    redirect scheme\n    redirect location /a set-cookie\n    redirect location /a clear-cookie"))

cfg_add("cfg_force_persist", "force-persist/ignore-persist without condition; in defaults.",
        cfg_listen("    force-persist\n    ignore-persist\n    force-persist if TRUE\n    ignore-persist unless FALSE"))

# ---------------------------------------------------------------------------
# http-request, stats, auth, userlist
# ---------------------------------------------------------------------------

cfg_add("cfg_http_request_variants", "http-request: unknown action, no cond after unconditional rule.",
        cfg_listen("    http-request frob\n    http-request allow\n    http-request deny if TRUE"))

cfg_add("cfg_http_request_auth", "http-request auth with realm; deny with bad cond.",
        cfg_listen("    http-request auth realm Foo if FALSE\n    http-request deny if nosuch\n    http-request allow unless {"))

cfg_add("cfg_http_send_name_header", "http-send-name-header without value; in frontend.",
        cfg_fb("    http-send-name-header X-S", "    http-send-name-header"))

cfg_add("cfg_stats_missing_args", "stats uri/realm/auth/scope/refresh without values.",
        cfg_listen("    stats uri\n    stats realm\n    stats auth\n    stats scope\n    stats refresh\n    stats refresh 5x"))

cfg_add("cfg_stats_unknown", "stats with an unknown sub-keyword and without one.",
        cfg_listen("    stats foo\n    stats"))

cfg_add("cfg_stats_show_desc", "stats show-desc without global description: warning; show-node valid.",
        cfg_listen("    stats enable\n    stats show-desc\n    stats show-node\n    stats show-legends\n    stats hide-version"))

cfg_add("cfg_stats_admin", "stats admin without condition, with condition.",
        cfg_listen("    stats enable\n    stats admin\n    stats admin if TRUE\n    stats admin if nosuch"))

cfg_add("cfg_stats_http_request_conflict", "stats auth together with stats http-request: alert.",
        cfg_listen("    stats enable\n    stats auth a:b\n    stats http-request allow"))

cfg_add("cfg_stats_http_request_variants", "stats http-request: unknown action, no cond then more rules, in defaults.",
        cfg_listen("    stats enable\n    stats http-request frob\n    stats http-request deny\n    stats http-request allow if TRUE"))

cfg_add("cfg_stats_in_tcp_mode", "stats in a tcp listen: ignored (warning).",
        cfg_listen("    mode tcp\n    stats enable\n    stats uri /s", base=cfg_GTCP))

cfg_add("cfg_stats_valid_all", "stats with every valid sub-keyword.",
        cfg_listen("    stats enable\n    stats uri /st\n    stats realm My\\ Realm\n    stats auth u:p\n    stats auth v:q\n    stats scope .\n    stats refresh 10s\n    stats hide-version\n    stats show-legends\n    stats show-node n1\n    stats show-desc hello"))

cfg_add("cfg_userlist_variants", "userlist: no name, dup name, dup group/user, unknown kw, bad user opts.",
        cfg_listen() + "\nuserlist\n\nuserlist ul\n    group g1\n    group g1\n    group g/2\n    user u1 insecure-password p\n    user u1 insecure-password p\n    user u2 frob x\n    user\n    frob\n\nuserlist ul\n")

cfg_add("cfg_userlist_missing_group", "userlist user referencing an unknown group.",
        cfg_listen() + "\nuserlist ul\n    group g1\n    user u1 password $1$abc$def groups g1,g2\n")

cfg_add("cfg_userlist_missing_user", "userlist group referencing an unknown user.",
        cfg_listen() + "\nuserlist ul\n    group g1 users u1,u9\n    user u1 insecure-password p\n")

cfg_add("cfg_userlist_group_bad_opt", "userlist group with an unknown option.",
        cfg_listen() + "\nuserlist ul\n    group g1 members u1\n")

cfg_add("cfg_userlist_valid", "userlist with groups/users + stats auth via http_auth: valid.",
        cfg_listen("    acl ok http_auth(ul)\n    acl adm http_auth_group(ul) g1\n    http-request auth realm R if !ok\n    http-request deny unless adm") +
        "\nuserlist ul\n    group g1 users u1\n    group g2\n    user u1 insecure-password p\n    user u2 password $1$abc$def groups g2\n")

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

cfg_add("cfg_option_noarg_unknown", "option without name; unknown option.",
        cfg_listen("    option\n    option frobnicate"))

cfg_add("cfg_option_httplog_bad", "option httplog with an argument other than clf; clf valid.",
        cfg_listen("    option httplog foo\n    option httplog clf"))

cfg_add("cfg_option_http_in_tcp", "HTTP-only options in a tcp listen: one warning each.",
        cfg_listen("    mode tcp\n    option httpclose\n    option forceclose\n    option http-server-close\n    option forwardfor\n    option originalto\n    option checkcache\n    option http_proxy\n    option accept-invalid-http-request\n    option accept-invalid-http-response\n    option http-pretend-keepalive\n    option http-use-proxy-header\n    option http-no-delay", base=cfg_GTCP))

cfg_add("cfg_option_httplog_tcp", "option httplog in a tcp listen: falls back to tcplog, plus no log address.",
        cfg_listen("    mode tcp\n    option httplog", base=cfg_GTCP))

cfg_add("cfg_option_httplog_no_log", "option httplog in an http listen without log: 'log format ignored'.",
        cfg_listen("    option httplog"))

cfg_add("cfg_option_httplog_defaults_log_global", "httplog + 'log global' with a global log: valid.",
        cfg_gl("    log 127.0.0.1:{{log}} local0").replace("listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    log global\n    option httplog\n"))

cfg_add("cfg_option_cap_mismatch", "Frontend-only option in a backend and backend-only in a frontend.",
        cfg_fb("    option redispatch\n    option persist\n    option allbackups\n    option srvtcpka\n    option log-health-checks\n    option tcp-smart-connect\n    option accept-invalid-http-response",
               "    option dontlognull\n    option clitcpka\n    option contstats\n    option logasap\n    option tcp-smart-accept\n    option socket-stats\n    option dontlog-normal\n    option log-separate-errors\n    option http-use-proxy-header\n    option accept-invalid-http-request"))

cfg_add("cfg_option_keepalive", "option keepalive: no capability at all.",
        cfg_listen("    option keepalive"))

cfg_add("cfg_option_forwardfor_args", "option forwardfor: except/header without value, unknown arg, if-none.",
        cfg_listen("    option forwardfor except\n    option forwardfor header\n    option forwardfor foo\n    option forwardfor except 10.0.0.0/8 header X-Real-IP if-none"))

cfg_add("cfg_option_originalto_args", "option originalto: except/header without value, unknown arg.",
        cfg_listen("    option originalto except\n    option originalto header\n    option originalto if-none\n    option originalto except 10.0.0.1 header X-O"))

cfg_add("cfg_option_mysql_check", "option mysql-check: user without name, unknown arg, valid.",
        cfg_listen("    option mysql-check user\n    option mysql-check foo\n    option mysql-check user haproxy"))

cfg_add("cfg_option_splice_not_built", "option splice-auto/splice-request: unknown option in this build.",
        cfg_listen("    option splice-auto\n    option splice-request\n    no option splice-response"))

cfg_add("cfg_option_checks_valid", "option httpchk/ssl-hello-chk/smtpchk/tcpka/nolinger/tcplog variants.",
        cfg_listen("    option httpchk\n    option httpchk /health\n    option httpchk HEAD /h HTTP/1.1\\r\\nHost:\\ x\n    option ssl-hello-chk\n    option smtpchk\n    option smtpchk EHLO example.com\n    option tcpka\n    option nolinger\n    option tcplog\n    option independant-streams"))

cfg_add("cfg_option_httpclose_combo", "httpclose with forceclose / http-server-close / keepalive combinations.",
        cfg_listen("    option httpclose\n    option forceclose\n    option http-server-close\n    option http-pretend-keepalive\n    no option httpclose"))

cfg_add("cfg_option_in_defaults_tcp", "HTTP options inherited from defaults into a tcp listen.",
        cfg_G.replace("defaults\n", "defaults\n    option httpclose\n    option forwardfor\n    option httplog\n    log 127.0.0.1:{{log}} local0\n") +
        "listen t 127.0.0.1:{{fe}}\n    mode tcp\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_http_check_variants", "http-check: disable-on-404/send-state without httpchk, unknown, expect errors.",
        cfg_listen("    http-check disable-on-404\n    http-check send-state\n    http-check frob\n    http-check expect\n    http-check expect foo bar\n    http-check expect status"))

cfg_add("cfg_http_check_expect", "http-check expect: bad regex, twice, ! negation, valid forms.",
        cfg_listen("    option httpchk\n    http-check expect rstring (x\n    http-check expect ! status 200\n    http-check expect string ok\n    http-check expect rstatus ^2"))

cfg_add("cfg_http_check_valid", "option httpchk + disable-on-404 + send-state + expect: valid.",
        cfg_listen("    option httpchk GET /h\n    http-check disable-on-404\n    http-check send-state\n    http-check expect status 200"))

# ---------------------------------------------------------------------------
# Cookies, persistence, appsession, capture
# ---------------------------------------------------------------------------

cfg_add("cfg_cookie_noarg", "cookie without a name.",
        cfg_listen("    cookie"))

cfg_add("cfg_cookie_bad_option", "cookie with an unknown option.",
        cfg_listen("    cookie SRV insert frob"))

cfg_add("cfg_cookie_incompatible_modes", "cookie rewrite+indirect, rewrite+insert, insert+prefix.",
        cfg_listen("    cookie A rewrite indirect\n    cookie B rewrite insert\n    cookie C insert prefix"))

cfg_add("cfg_cookie_preserve", "cookie preserve without insert/indirect; with insert.",
        cfg_listen("    cookie A preserve\n    cookie B insert preserve"))

cfg_add("cfg_cookie_domain", "cookie domain: no arg, no leading dot (warning), bad char, valid.",
        cfg_listen("    cookie A insert domain\n    cookie B insert domain example.com\n    cookie C insert domain .exa/mple.com\n    cookie D insert domain .ok.com domain .b.org"))

cfg_add("cfg_cookie_maxidle_maxlife", "cookie maxidle/maxlife: missing and bad values, valid.",
        cfg_listen("    cookie A insert maxidle\n    cookie B insert maxidle 10x\n    cookie C insert maxlife\n    cookie D insert maxlife 3q\n    cookie E insert maxidle 30m maxlife 8h"))

cfg_add("cfg_cookie_valid_all", "cookie insert indirect nocache postonly httponly secure: valid.",
        cfg_listen("    cookie SRV insert indirect nocache postonly httponly secure"))

cfg_add("cfg_cookie_in_tcp", "cookie in a tcp listen: cookie will be ignored (warning).",
        cfg_listen("    mode tcp\n    cookie SRV insert", base=cfg_GTCP, server="    server s1 127.0.0.1:{{be1}} cookie s1\n"))

cfg_add("cfg_persist_variants", "persist: missing method, unknown, rdp-cookie() empty, valid.",
        cfg_listen("    persist\n    persist foo\n    persist rdp-cookie()\n    persist rdp-cookie(\n    persist rdp-cookie(msts)"))

cfg_add("cfg_appsession_variants", "appsession: missing args, bad timeout, unknown/missing mode.",
        cfg_listen("    appsession\n    appsession JS len 10\n    appsession JS len 10 timeout 3x\n    appsession JS len 10 timeout 1m mode foo\n    appsession JS len 10 timeout 1m mode\n    appsession JS len 10 timeout 1m request-learn prefix mode query-string"))

cfg_add("cfg_capture_variants", "capture: unknown type, missing len, bad forms.",
        cfg_listen("    capture foo\n    capture cookie\n    capture cookie JS\n    capture request header\n    capture request header Host\n    capture response header Server len\n    capture request foo"))

cfg_add("cfg_capture_truncate", "capture cookie len > 63: truncating warning.",
        cfg_listen("    capture cookie JS len 100\n    capture request header Host len 200"))

cfg_add("cfg_capture_cookie_twice", "capture cookie twice; capture in backend.",
        cfg_fb("    capture cookie A len 10\n    capture cookie B len 10", "    capture cookie C len 10\n    capture request header Host len 10"))

cfg_add("cfg_capture_in_tcp", "capture headers in a tcp listen: ignored as requires HTTP mode.",
        cfg_listen("    mode tcp\n    capture request header Host len 10\n    capture response header Server len 10", base=cfg_GTCP))

# ---------------------------------------------------------------------------
# Stick tables and stick rules
# ---------------------------------------------------------------------------

cfg_add("cfg_stick_table_errors", "stick-table: missing type, unknown type, missing size, bad expire, unknown arg.",
        cfg_listen("    stick-table\n    stick-table type foo size 10\n    stick-table type ip\n    stick-table type ip size 10 expire 3x\n    stick-table type ip size 10 frob\n    stick-table type ip size 1q\n    stick-table type string len"))

cfg_add("cfg_stick_table_valid", "stick-table + stick on src: valid; string len, integer types.",
        cfg_listen("    stick-table type ip size 200k expire 30m nopurge\n    stick on src") +
        "\nbackend t2\n    stick-table type string len 32 size 10\n\nbackend t3\n    stick-table type integer size 1m\n")

cfg_add("cfg_stick_no_table", "stick on without a stick-table in the proxy.",
        cfg_listen("    stick on src"))

cfg_add("cfg_stick_unknown_table", "stick on ... table naming an unknown proxy, and one without a table.",
        cfg_listen("    stick-table type ip size 10\n    stick on src table nope\n    stick match src table other") +
        "\nbackend other\n    server o 127.0.0.1:{{be2}}\n")

cfg_add("cfg_stick_fetch_errors", "stick: no kw, unknown kw, no fetch, unknown fetch, bad direction.",
        cfg_listen("    stick-table type ip size 10\n    stick\n    stick foo src\n    stick on\n    stick on frob\n    stick store-response src\n    stick on src frob"))

cfg_add("cfg_stick_type_mismatch", "stick on src with a string/integer table (pattern type usability).",
        cfg_listen("    stick-table type integer size 10\n    stick on src\n    stick store-request hdr(x) table t2") +
        "\nbackend t2\n    stick-table type ip size 10\n")

cfg_add("cfg_stick_cond_and_store", "stick with conditions, store-request, match/store in frontend.",
        cfg_fb("    stick on src", "    stick-table type ip size 10\n    stick match src if TRUE\n    stick store-request src unless FALSE\n    stick on src if nosuch\n    stick on src when x"))

cfg_add("cfg_stick_table_in_frontend", "stick-table in a frontend.",
        cfg_fb("    stick-table type ip size 10"))

# ---------------------------------------------------------------------------
# Logs, source, errorfiles, tcp-request
# ---------------------------------------------------------------------------

cfg_add("cfg_proxy_log_errors", "Proxy log: no args, address only, then an unknown facility (exits at once).",
        cfg_listen("    log\n    log 127.0.0.1:{{log}}\n    log 127.0.0.1:{{log}} local9\n    frob"))

cfg_add("cfg_proxy_log_bad_level", "Proxy log with an unknown level: alert and immediate exit.",
        cfg_listen("    log 127.0.0.1:{{log}} local0 loud\n    frob"))

cfg_add("cfg_proxy_log_bad_minlevel", "Proxy log with an unknown minimum level: accepted (1.4 tests the wrong variable).",
        cfg_listen("    log 127.0.0.1:{{log}} local0 info foo\n    option tcplog"))

cfg_add("cfg_proxy_log_unix_unknown_host", "Proxy log: unresolvable host, too-long unix path.",
        cfg_listen("    log nosuchhost.invalid local0\n    log /" + "q" * 120 + " local0"))

cfg_add("cfg_proxy_log_too_many", "Proxy log with three servers; 'log global' without global logs.",
        cfg_listen("    log 127.0.0.1:{{log}} local0\n    log 127.0.0.1:{{log}} local1\n    log 127.0.0.1:{{log}} local2") + "\nlisten b 127.0.0.1:{{fe2}}\n    log global\n    option tcplog\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_source_variants", "source: no arg, unknown host, usesrc, interface, unknown option.",
        cfg_listen("    source\n    source nosuchhost.invalid\n    source 127.0.0.1 usesrc clientip\n    source 127.0.0.1 interface\n    source 127.0.0.1 frob\n    usesrc client"))

cfg_add("cfg_source_valid", "source with address and port: valid.",
        cfg_listen("    source 127.0.0.1:0"))

cfg_add("cfg_errorloc_variants", "errorloc: missing args, unhandled status code.",
        cfg_listen("    errorloc\n    errorloc 503\n    errorloc 404 http://x/\n    errorloc302 503 /a\n    errorloc303 504 /b"))

cfg_add("cfg_errorfile_missing", "errorfile: missing args and missing file.",
        cfg_listen("    errorfile\n    errorfile 503\n    errorfile 503 {{tmp}}/nope.http"))

cfg_add("cfg_errorfile_unhandled_code", "errorfile for a status code 1.4 does not handle (file = the config itself).",
        cfg_listen("    errorfile 404 {{tmp}}/haproxy.cfg\n    errorfile 200 {{tmp}}/haproxy.cfg"))

cfg_add("cfg_errorfile_too_large", "errorfile larger than tune.bufsize: truncating warning.",
        cfg_listen("    errorfile 503 {{tmp}}/haproxy.cfg\n" + "    # padding padding padding padding padding padding padding\n" * 30).replace(
            "global\n", "global\n    tune.bufsize 1024\n", 1))

cfg_add("cfg_errorfile_directory", "errorfile naming a directory: open works, read fails.",
        cfg_listen("    errorfile 503 {{tmp}}"))

cfg_add("cfg_errorfile_valid", "errorfile for every handled code: valid.",
        cfg_listen("".join("    errorfile %d {{tmp}}/haproxy.cfg\n" % c for c in (400, 403, 408, 500, 502, 503, 504))))

cfg_add("cfg_errorfile_in_defaults_and_backend", "errorfile/errorloc in defaults and in a backend: valid.",
        cfg_fb(be_lines="    errorfile 503 /dev/null\n    errorloc 502 http://x/").replace(
            "defaults\n", "defaults\n    errorfile 504 /dev/null\n    errorloc302 503 /sorry\n", 1))

cfg_add("cfg_tcp_request_errors", "tcp-request: missing arg, unknown arg, inspect-delay errors.",
        cfg_listen("    tcp-request\n    tcp-request foo\n    tcp-request inspect-delay\n    tcp-request inspect-delay 3x\n    tcp-request inspect-delay 1s\n    tcp-request inspect-delay 2s"))

cfg_add("cfg_tcp_request_content", "tcp-request content: no action, unknown action, bad cond.",
        cfg_listen("    tcp-request content\n    tcp-request content frob\n    tcp-request content accept if nosuch\n    tcp-request content reject when x"))

cfg_add("cfg_tcp_request_backend", "tcp-request in a backend and in defaults.",
        cfg_G.replace("defaults\n", "defaults\n    tcp-request inspect-delay 1s\n") +
        "frontend fe\n    bind 127.0.0.1:{{fe}}\n    default_backend be\n\nbackend be\n    tcp-request inspect-delay 1s\n    tcp-request content accept\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_tcp_request_no_delay_warning", "tcp-request content with only L4 acl and no inspect-delay.",
        cfg_listen("    tcp-request content reject if { req_len gt 0 }\n    tcp-request content accept if { src 127.0.0.1 }"))

# ---------------------------------------------------------------------------
# Second batch: remaining messages and neighbours
# ---------------------------------------------------------------------------

cfg_add("cfg_global_log_unknown_host", "global log to an unresolvable host.",
        cfg_gl("    log nosuchhost.invalid local0"))

cfg_add("cfg_global_node_invalid", "global node with an invalid character; description with words.",
        cfg_gl("    node a/b\n    description two words here"))

cfg_add("cfg_reqrep_bad_replacement", "reqrep with an invalid \\x / unterminated replacement string.",
        cfg_listen("    reqrep ^a b\\\\xZZ\n    rsprep ^c d\\\\"))

cfg_add("cfg_reqxxx_in_defaults", "reqxxx/rspxxx/block/redirect/use_backend/http-check/monitor fail in defaults.",
        cfg_G.replace("defaults\n", "defaults\n    reqrep ^a b\n    rspdel ^X\n    rspadd X-A:\\ 1\n    monitor fail if TRUE\n    stats admin if TRUE\n    stats http-request deny\n    force-persist if TRUE\n    tcp-request content accept\n    stick-table type ip size 10\n")
        + "listen app 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_http_request_noop_warning", "http-request rules after an unconditional one: NOOP warning for each.",
        cfg_listen("    http-request allow\n    http-request deny if TRUE\n    http-request auth"))

cfg_add("cfg_http_request_missing", "http-request without action.",
        cfg_listen("    http-request"))

cfg_add("cfg_stats_http_request_noop", "stats http-request after an unconditional one: NOOP warning.",
        cfg_listen("    stats enable\n    stats http-request deny\n    stats http-request allow if TRUE"))

cfg_add("cfg_stats_show_node_invalid", "stats show-node with an invalid node name.",
        cfg_listen("    stats enable\n    stats show-node a/b"))

cfg_add("cfg_stats_show_desc_global", "stats show-desc with a global description: no warning.",
        cfg_gl("    description hello").replace("listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    stats enable\n    stats show-desc\n"))

cfg_add("cfg_force_persist_bad_cond", "force-persist/ignore-persist with an unknown acl.",
        cfg_listen("    force-persist if nosuch\n    ignore-persist unless nosuch2"))

cfg_add("cfg_stick_table_missing_values", "stick-table size/expire/len without values.",
        cfg_listen("    stick-table type ip size\n    stick-table type ip size 10 expire\n    stick-table type string len\n    stick-table type string len x size 10"))

cfg_add("cfg_stick_table_type_only", "stick-table with type only / size only.",
        cfg_listen("    stick-table size 10\n    stick-table type integer"))

cfg_add("cfg_nbproc_sticking_admin", "nbproc 2 with stick rules and stats admin: multi-process warnings.",
        cfg_gl("    nbproc 2").replace("listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    stats enable\n    stats admin if TRUE\n    stick-table type ip size 10\n    stick on src\n"))

cfg_add("cfg_nbproc_bind_process_single", "nbproc 2 with bind-process 1: no multi-process warnings.",
        cfg_gl("    nbproc 2").replace("listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    bind-process 1\n    stats enable\n    stick-table type ip size 10\n    stick on src\n"))

cfg_add("cfg_http_auth_group_no_groups", "http_auth_group() without group patterns.",
        cfg_listen("    acl a http_auth_group(ul)\n    block unless a") + "\nuserlist ul\n    group g1\n")

cfg_add("cfg_userlist_too_many_groups", "userlist with 33 groups: too many groups.",
        cfg_listen() + "\nuserlist ul\n" + "".join("    group g%d\n" % i for i in range(33)))

cfg_add("cfg_server_check_no_port_backend", "backend server without port + check: check disabled alert.",
        cfg_fb(be_lines="    server s2 127.0.0.1 check"))

cfg_add("cfg_server_check_port_from_listener", "listen server without port + check: port taken from the listener.",
        cfg_listen("    server s2 127.0.0.1 check inter 5s"))

cfg_add("cfg_server_interface_usesrc", "server interface without name; usesrc before source.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} source 127.0.0.1 interface\n    server s3 127.0.0.1:{{be2}} usesrc client\n    server s4 127.0.0.1:{{be2}} interface eth0"))

cfg_add("cfg_server_source_valid", "server source address:port and port range: valid.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} source 127.0.0.1\n    server s3 127.0.0.1:{{be2}} source 127.0.0.1:2000-3000"))

cfg_add("cfg_server_port_invalid", "server with port 0 / 70000 / non-numeric: how 1.4 treats them.",
        cfg_listen("    server s2 127.0.0.1:0\n    server s3 127.0.0.1:70000\n    server s4 127.0.0.1:abc"))

cfg_add("cfg_server_dup_name", "Two servers with the same name in one proxy.",
        cfg_listen("    server s1 127.0.0.1:{{be2}}"))

cfg_add("cfg_server_track_disabled", "server tracking a checked but disabled server: valid.",
        cfg_listen("    server s2 127.0.0.1:{{be2}} track s1", server="    server s1 127.0.0.1:{{be1}} check disabled\n"))

cfg_add("cfg_server_track_backend_only", "track naming a frontend-only proxy.",
        cfg_fb(be_lines="    server s2 127.0.0.1:{{be2}} track fe/s1"))

cfg_add("cfg_server_minconn_with_fullconn", "server minconn with fullconn set: valid.",
        cfg_fb(be_lines="    fullconn 100\n    server s2 127.0.0.1:{{be2}} minconn 2 maxconn 10"))

cfg_add("cfg_server_maxconn_listen", "listen with minconn server: fullconn defaults to maxconn, valid.",
        cfg_listen("    maxconn 50\n    server s2 127.0.0.1:{{be2}} minconn 2 maxconn 10"))

cfg_add("cfg_frontend_addr_on_line", "frontend with the address on its header line: valid.",
        cfg_G + "frontend fe 127.0.0.1:{{fe}}\n    default_backend be\n\nbackend be 127.0.0.1:{{fe2}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_reqrep_in_tcp", "reqrep/rsprep in a tcp listen: regular expressions ignored warnings.",
        cfg_listen("    mode tcp\n    reqrep ^a b\n    rsprep ^c d", base=cfg_GTCP))

cfg_add("cfg_defaults_tcp_cookie_inherited", "cookie/monitor-uri set in defaults, tcp listen inherits them.",
        cfg_G.replace("defaults\n", "defaults\n    cookie SRV insert\n    monitor-uri /m\n    balance uri\n") +
        "listen t 127.0.0.1:{{fe}}\n    mode tcp\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_option_redispatch_in_defaults_frontend", "Backend-only options from defaults in a frontend: no warning.",
        cfg_G.replace("defaults\n", "defaults\n    option redispatch\n    option abortonclose\n    retries 3\n") +
        "frontend fe\n    bind 127.0.0.1:{{fe}}\n    default_backend be\n\nbackend be\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_cmdline_sf_bad_pid", "-sf followed by a non-numeric pid: usage.",
        cfg_listen(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-sf", "abc"])

cfg_add("cfg_cmdline_sf_valid", "-c with -sf <pid>: check only, valid.",
        cfg_listen(), args=["-c", "-f", "{{tmp}}/haproxy.cfg", "-sf", "999999"])

cfg_add("cfg_cmdline_D_p_m", "-c with -D, -p and -m: still only a check.",
        cfg_listen(), args=["-c", "-D", "-p", "{{tmp}}/x.pid", "-m", "100", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_cmdline_debug_quiet", "-c -d -q with a warning: quiet wins for warnings.",
        cfg_listen("    redispatch"), args=["-c", "-d", "-q", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_cmdline_quiet_error_exit", "-q with an unopenable file: alert still printed.",
        None, args=["-c", "-q", "-f", "{{tmp}}/nope.cfg"])

cfg_add("cfg_global_quiet_kw_warning", "'quiet' in global suppresses later warnings.",
        cfg_gl("    quiet").replace("listen app 127.0.0.1:{{fe}}\n", "listen app 127.0.0.1:{{fe}}\n    redispatch\n"))

cfg_add("cfg_no_option_capability", "'no option' of a backend option in a frontend: capability warning.",
        cfg_fb("    no option redispatch\n    default option abortonclose"))

cfg_add("cfg_option_httpchk_in_frontend_tcp", "option ssl-hello-chk/smtpchk/mysql-check in a frontend.",
        cfg_fb("    option ssl-hello-chk\n    option smtpchk\n    option mysql-check\n    option httpchk\n    option tcplog"))

cfg_add("cfg_balance_in_defaults_tcp", "balance hdr(host) in defaults and tcp listen: Layer 7 fallback.",
        cfg_GTCP.replace("defaults\n", "defaults\n    balance hdr(host)\n") + "listen t 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_health_mode_no_servers", "mode health listen without servers: valid.",
        cfg_listen("    mode health", server=""))

cfg_add("cfg_appsession_valid", "appsession with all options: valid.",
        cfg_listen("    appsession JSESSIONID len 52 timeout 3h request-learn prefix mode path-parameters"))

cfg_add("cfg_appsession_in_tcp", "appsession in a tcp listen.",
        cfg_listen("    mode tcp\n    appsession JS len 10 timeout 1m", base=cfg_GTCP))

cfg_add("cfg_capture_valid", "capture cookie/request/response headers: valid.",
        cfg_listen("    log 127.0.0.1:{{log}} local0\n    option httplog\n    capture cookie JS len 32\n    capture request header Host len 20\n    capture response header Server len 20"))

cfg_add("cfg_errorloc_valid", "errorloc/errorloc302/errorloc303 for handled codes: valid.",
        cfg_listen("    errorloc 503 http://x/a\n    errorloc302 502 /b\n    errorloc303 504 /c\n    errorloc 400 /d"))

cfg_add("cfg_multiple_errors_order", "Parse errors, then validity errors and warnings, all in order.",
        cfg_G + "frontend fe\n    bind 127.0.0.1:{{fe}}\n    frob\n    use_backend nope if TRUE\n    option redispatch\n\nbackend be\n    mode tcp\n    option httpclose\n    server s1 127.0.0.1:{{be1}} track x/y\n")

cfg_add("cfg_acl_tcp_inspect_no_delay", "tcp-request content reject on L6 acl without inspect-delay: valid.",
        cfg_listen("    mode tcp\n    tcp-request content reject if { req_ssl_ver 2 }", base=cfg_GTCP))

cfg_add("cfg_acl_many_criteria_valid", "A spread of valid ACL criteria in http mode.",
        cfg_listen("    acl a1 method GET HEAD\n    acl a2 hdr_sub(user-agent) -i bot\n    acl a3 url_dir -i img\n    acl a4 src_port 1024:65535\n    acl a5 dst 127.0.0.1/8\n    acl a6 nbsrv(app) lt 1\n    acl a7 hdr_cnt(host) eq 1\n    acl a8 req_ver 1.1\n    acl a9 always_true\n    acl a10 connslots gt 5\n    acl a11 url_ip 127.0.0.1\n    acl a12 path_end .jpg .png\n    block if a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12"))

cfg_add("cfg_acl_nbsrv_unknown_backend", "nbsrv()/be_conn()/connslots of an unknown backend.",
        cfg_listen("    acl a nbsrv(nope) lt 1\n    acl b be_sess_rate(nope2) gt 1\n    block if a b"))

cfg_add("cfg_acl_criteria_from_later_versions", "ACL criteria that 1.4 does not know (url_param, req.hdr, ssl_fc).",
        cfg_listen("    acl a url_param(id) 5\n    acl b req.hdr(host) x\n    acl c ssl_fc\n    acl d hdr_beg(host www.\n    acl e cook(JS) abc"))

# ---------------------------------------------------------------------------
# Third batch: neighbours found while diagnosing
# ---------------------------------------------------------------------------

cfg_add("cfg_trailing_backslash", "A line ending with a lone backslash (kept as a literal backslash).",
        cfg_listen("    reqrep ^a b\\\n    acl x path /a\\\n    block if x"))

cfg_add("cfg_hex_escape_short", "A \\x escape cut short at the end of a line / followed by one hex digit.",
        cfg_listen("    rspadd X-A:\\x4\n    reqadd X-B:\\x4G"))

cfg_add("cfg_acl_int_lenient", "Integer ACL patterns: trailing garbage accepted, bad first char rejected.",
        cfg_listen("    acl a dst_port 80x\n    acl b dst_port 10:abc\n    acl c dst_port 1-2-3\n    acl d dst_port ge 10\n    acl e dst_port gt 1:5\n    block if a b c d"))

cfg_add("cfg_acl_int_operator_range", "Integer ACL with an operator and a range: rejected.",
        cfg_listen("    acl e dst_port gt 1:5\n    acl f dst_port -5"))

cfg_add("cfg_acl_pattern_file", "ACL -f pattern files: empty file valid, missing file error, -- and -i flags.",
        cfg_listen("    acl a path_beg -f /dev/null\n    acl b path_beg -i -- -x\n    acl c src -f {{tmp}}/nope.lst\n    block if a b"))

cfg_add("cfg_time_unit_only", "Time values with no digits ('s', 'ms', empty refresh) are 0, not errors.",
        cfg_listen("    timeout client s\n    grace ms\n    stats enable\n    stats refresh\n    stats refresh m"))

cfg_add("cfg_time_unit_suffix_garbage", "Time units followed by junk (5sec, 3hours, 10msx): accepted.",
        cfg_listen("    timeout client 5sec\n    timeout server 3hours\n    timeout connect 10msx\n    timeout queue 2days"))

cfg_add("cfg_stats_socket_path_too_long", "stats socket with a path longer than sun_path.",
        cfg_gl("    stats socket /" + "s" * 120))

cfg_add("cfg_stats_socket_failed_then_second", "A stats socket line failing on an option still counts: second is 'already specified'.",
        cfg_gl("    stats socket {{tmp}}/a.sock frob 1\n    stats socket {{tmp}}/b.sock"))

cfg_add("cfg_rate_limit_overwrite", "rate-limit sessions twice (overwriting) and with hex / trailing junk.",
        cfg_listen("    rate-limit sessions 10\n    rate-limit sessions 0x20\n    rate-limit sessions 5k"))

cfg_add("cfg_timeout_overwrite_vs_defaults", "'overwriting' is relative to the defaults value, not to a previous line.",
        cfg_listen("    timeout client 1s\n    timeout client 1s\n    timeout server 2s\n    timeout server 2s\n    timeout check 3s\n    timeout check 4s"))

cfg_add("cfg_timeout_twice_in_defaults", "Timeouts repeated in defaults never warn.",
        cfg_G.replace("defaults\n", "defaults\n    timeout client 2s\n    timeout client 3s\n    contimeout 4000\n") + "listen app 127.0.0.1:{{fe}}\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_http_check_expect_defaults", "http-check expect in defaults makes a proxy's own expect 'already specified'.",
        cfg_G.replace("defaults\n", "defaults\n    option httpchk\n    http-check expect status 200\n") +
        "listen app 127.0.0.1:{{fe}}\n    http-check expect string ok\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_http_check_expect_bang", "http-check expect with separate and stacked '!' marks.",
        cfg_listen("    option httpchk\n    http-check expect !! ! string ok") + "\nlisten b 127.0.0.1:{{fe2}}\n    option httpchk\n    http-check expect !\n    server s1 127.0.0.1:{{be1}}\n")

cfg_add("cfg_order_stick_before_timeouts", "Validity order: stick-table alert before the missing-timeouts warning.",
        cfg_listen("    stick on src", base=cfg_NOTO))

cfg_add("cfg_order_acl_targets_before_timeouts", "Validity order: stats/http-request conflict, acl targets, then missing timeouts.",
        cfg_listen("    stats enable\n    stats auth a:b\n    stats http-request deny if TRUE\n    acl up srv_is_up(s9)\n    block if up", base=cfg_NOTO))

cfg_add("cfg_global_maxconn_zero_then_set", "global 'maxconn 0' then 'maxconn 100': not 'already specified'.",
        cfg_gl("    maxconn 0"))

cfg_add("cfg_global_ulimit_zero_then_set", "ulimit-n 0 then ulimit-n 5000; nbproc 0 then 1.",
        cfg_gl("    ulimit-n 0\n    ulimit-n 5000\n    nbproc 0\n    nbproc 1"))

cfg_add("cfg_option_transparent_alone", "option transparent without balance: valid (no default round robin).",
        cfg_listen("    option transparent", server=""))

cfg_add("cfg_option_transparent_frontend", "option transparent in a frontend: no backend capability.",
        cfg_fb("    option transparent"))

cfg_add("cfg_no_option_non_flag", "'no'/'default' on options that are not flags (forwardfor, httpchk, tcplog).",
        cfg_listen("    no option forwardfor\n    no option httpchk\n    default option tcplog\n    no option"))

cfg_add("cfg_dispatch_and_transparent", "dispatch + option transparent without balance: valid.",
        cfg_listen("    option transparent\n    dispatch 127.0.0.1:{{be2}}", server=""))

cfg_add("cfg_backend_fullconn_maxconn_warning", "backend with maxconn (ignored) and minconn servers: fullconn still mandatory.",
        cfg_fb(be_lines="    maxconn 100\n    server s2 127.0.0.1:{{be2}} minconn 5"))

cfg_add("cfg_rdp_cookie_ports", "rdp-cookie persistence: server with +port and with explicit port.",
        cfg_listen("    mode tcp\n    persist rdp-cookie\n    server s2 127.0.0.1:+10\n    server s3 127.0.0.1:3389", base=cfg_GTCP))

cfg_add("cfg_capture_cookie_tcp_log", "capture cookie in a tcp listen without log: log format warning only.",
        cfg_listen("    mode tcp\n    capture cookie JS len 10", base=cfg_GTCP))

cfg_add("cfg_ruleset_usage", "A ruleset section with acl/block/reqadd, referenced by nothing.",
        cfg_listen() + "\nruleset rs\n    acl a path /\n    block if a\n    reqadd X-A:\\ 1\n    server s1 127.0.0.1:{{be1}}\n    frob\n")

cfg_add("cfg_cmdline_D_warning", "-c -D: warnings are still printed and 'Configuration file is valid' too.",
        cfg_listen("    redispatch"), args=["-c", "-D", "-f", "{{tmp}}/haproxy.cfg"])

cfg_add("cfg_server_observe_layer7_tcp_only", "observe layer7 in a tcp listen alone: alert but not fatal (valid).",
        cfg_listen("    mode tcp\n    server s2 127.0.0.1:{{be2}} observe layer7", base=cfg_GTCP))

cfg_add("cfg_no_prefix_word_shift", "'no'/'default' shift words left and leave the last one duplicated.",
        cfg_listen("    no log 127.0.0.1:{{log}} local0\n    frob"))

cfg_add("cfg_no_alone", "A bare 'no' line.",
        cfg_listen("    no"))

cfg_add("cfg_tcp_request_response_acl", "tcp-request content with a response-only ACL: warning.",
        cfg_listen("    tcp-request inspect-delay 1s\n    tcp-request content reject if { status 200 }"))

cfg_add("cfg_acl_targets_anonymous_and_lists", "srv_is_up in an anonymous ACL, http_auth_group with a list of groups.",
        cfg_listen("    block if { srv_is_up(s9) }\n    acl g http_auth_group(ul) g1,nogroup\n    block unless g") + "\nuserlist ul\n    group g1\n")

cfg_add("cfg_acl_targets_disabled_proxy", "Unresolvable srv_is_up/http_auth ACLs in a disabled proxy are not checked.",
        cfg_listen("    disabled\n    acl a srv_is_up(nope/s1)\n    acl b http_auth(nolist)\n    block if a b"))

cfg_add("cfg_block_unless_empty", "'block unless' with an empty condition: accepted.",
        cfg_listen("    block unless\n    reqdeny ^X if\n    use_backend app2 if", server="    server s1 127.0.0.1:{{be1}}\n\nbackend app2\n    server s1 127.0.0.1:{{be1}}\n"))

cfg_add("cfg_replacement_deprecated_backslash", "reqrep replacement with '\\a' and '\\\\': deprecated-backslash warnings, still valid.",
        cfg_listen("    reqrep ^a b\\\\a\n    rsprep ^c d\\\\\\\\\n    reqirep ^e f\\\\1\\\\x41"))

cfg_add("cfg_balance_uri_options", "balance uri: 'whole' accepted; len/depth zero or missing rejected.",
        cfg_listen("    balance uri whole len 5 depth 2\n    balance uri len 0\n    balance uri depth\n    balance url_param id check_post\n    balance url_param id check_post x"))

# ---------------------------------------------------------------------------
# Listener lists: empty entries, brackets (1.4's str2listener loop)
# ---------------------------------------------------------------------------

cfg_add("cfg_bind_list_empty_middle",
        "bind A,,B: the empty entry has no port (alert); A was already made, so "
        "the proxy has a listen address.",
        cfg_listen("    bind 127.0.0.1:{{fe}},,127.0.0.1:{{fe2}}", head="listen app"))

cfg_add("cfg_listen_list_empty_middle",
        "listen NAME A,,B: same on the listen line (defaults then not copied).",
        cfg_listen("", head="listen app 127.0.0.1:{{fe}},,127.0.0.1:{{fe2}}"))

cfg_add("cfg_bind_list_trailing_comma",
        "bind A,: a trailing comma ends the list (valid).",
        cfg_listen("    bind 127.0.0.1:{{fe}},", head="listen app"))

cfg_add("cfg_bind_list_leading_comma",
        "bind ,A: the empty first entry has no port.",
        cfg_listen("    bind ,127.0.0.1:{{fe}}", head="listen app"))

cfg_add("cfg_bind_ipv6_brackets",
        "bind [::1]:port: 1.4 takes no brackets (invalid address); ::1:port is valid.",
        cfg_listen("    bind [::1]:{{fe}}\n    bind ::1:{{fe2}}", head="listen app"))

cfg_add("cfg_bind_bad_entry_then_options",
        "bind A,:0 name x: the listener before the bad port stays, the options "
        "are not parsed.",
        cfg_listen("    bind 127.0.0.1:{{fe}},:0 name x", head="listen app"))
