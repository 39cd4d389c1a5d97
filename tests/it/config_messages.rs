//! `-c` messages per keyword family, as 1.4.25 prints them.
use super::common;
use common::*;
use std::process::Command;

const BASE: &str =
    "defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n";

/// Runs `-c` on `text`; returns (rc, stderr with the date/pid prefix removed).
fn check(text: &str) -> (i32, String) {
    let dir = tmpdir("msg");
    let f = dir.join("t.cfg");
    std::fs::write(&f, text).expect("write");
    let o = Command::new(bin())
        .args(["-c", "-f", &f.to_string_lossy()])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(|l| match l.find(") : ") {
            Some(p) if l.starts_with('[') => {
                format!("{} {}", &l[..l.find(' ').unwrap_or(0)], &l[p + 4..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&format!("{}", f.display()), "F");
    (o.status.code().unwrap_or(-1), err)
}

/// `-c` on the snippet gives `rc` and prints `msg` (an empty `msg`: prints
/// nothing at all, as 1.4.25 does for these valid lines).
fn expect(snippet: &str, rc: i32, msg: &str) {
    let text = format!("{}listen p 127.0.0.1:8\n{}\n", BASE, snippet);
    let (got_rc, err) = check(&text);
    assert_eq!(got_rc, rc, "{snippet}\n{err}");
    if msg.is_empty() {
        assert!(
            err.trim().is_empty(),
            "{snippet}\nwanted no message, got:\n{err}"
        );
    } else {
        assert!(err.contains(msg), "{snippet}\nwanted: {msg}\ngot:\n{err}");
    }
}

#[test]
fn global_family() {
    let (rc, err) = check(&format!(
        "global\n  maxconn 10\n  maxconn 20\n  bogus 1\n{}listen p 127.0.0.1:8\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(
        err.contains("[ALERT] parsing [F:3] : 'maxconn' already specified. Continuing."),
        "{err}"
    );
    assert!(
        err.contains("[ALERT] parsing [F:4] : unknown keyword 'bogus' in 'global' section"),
        "{err}"
    );
    let (rc, err) = check(&format!(
        "global\n  user no-such-user-here\n{}listen p 127.0.0.1:8\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(
        err.contains("cannot find user id for 'no-such-user-here' (0:Success)"),
        "{err}"
    );
    let (rc, err) = check(&format!(
        "global\n  spread-checks 80\n{}listen p 127.0.0.1:8\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(
        err.contains("parsing [F:2]: 'spread-checks' needs a positive value in range 0..50."),
        "{err}"
    );
    let (rc, err) = check(&format!(
        "global\n  log 127.0.0.1 local9\n{}listen p 127.0.0.1:8\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(err.contains("unknown log facility 'local9'"), "{err}");
    let (rc, err) = check("frontend x\n");
    assert_eq!(rc, 1);
    assert!(
        err.contains("config : frontend 'x' has no listen address."),
        "{err}"
    );
    let (rc, err) = check("global\n  maxconn 10\n");
    assert_eq!(rc, 1);
    assert!(
        err.contains("config : no <listen> line. Nothing to do !"),
        "{err}"
    );
}

#[test]
fn lexer_limits() {
    let long = format!("listen p 127.0.0.1:8\n  description {}\n", "x".repeat(3000));
    let (rc, err) = check(&format!("{}{}", BASE, long));
    assert_eq!(rc, 1);
    assert!(err.contains("line too long, limit: 2047."), "{err}");
    let many = (0..70)
        .map(|i| format!("w{}", i))
        .collect::<Vec<_>>()
        .join(" ");
    let (rc, err) = check(&format!("{}listen p 127.0.0.1:8\n  {}\n", BASE, many));
    assert_eq!(rc, 1);
    assert!(
        err.contains("line too long, truncating at word 65"),
        "{err}"
    );
    expect(
        "  no mode http",
        1,
        "negation/default currently supported only for options.",
    );
    expect(
        "  no option httplog",
        1,
        "negation/default is not supported for option 'httplog'.",
    );
    expect("  reqadd X-Esc:\\ a\\x41\\#b", 0, "");
}

#[test]
fn proxy_family() {
    expect("  mode ftp", 1, "unknown proxy mode 'ftp'.");
    // a later version's bind option (`ssl` is now an extension: tests/it/tls.rs)
    expect("  bind 127.0.0.1:9 accept-proxy", 1, "'bind' only supports the 'transparent', 'defer-accept', 'name', 'id', 'mss' and 'interface' options.");
    expect(
        "  bind 127.0.0.1:9 transparent",
        1,
        "'bind' : 'transparent' option not implemented.",
    );
    expect("  timeout tunnel 1s", 1, "timeout 'tunnel': must be 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request' or 'tarpit'");
    expect(
        "  timeout client 1x",
        1,
        "unexpected character 'x' in client timeout",
    );
    expect(
        "  timeout client 5s\n  timeout client 2s",
        0,
        "overwriting client timeout which was already specified",
    );
    expect("  balance fastest", 1, "'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.");
    expect(
        "  balance uri len x",
        1,
        "'balance uri len' expects a positive integer (got 'x').",
    );
    expect("  option frobnicate", 1, "unknown option 'frobnicate'.");
    expect("  option splice-auto", 1, "unknown option 'splice-auto'.");
    expect(
        "  retries",
        1,
        "'retries' expects an integer argument (dispatch counts for one).",
    );
    expect(
        "  use_backend x",
        1,
        "'use_backend' requires either 'if' or 'unless' followed by a condition.",
    );
    expect(
        "  errorfile 503 /no/such/file",
        1,
        "error opening file </no/such/file> for custom error message <503>.",
    );
    expect(
        "  capture request header Host",
        1,
        "'capture request' expects 'header' <header_name> 'len' <len>.",
    );
    expect(
        "  cookie S insert prefix",
        1,
        "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.",
    );
    expect(
        "  cookie S rewrite indirect",
        1,
        "cookie 'rewrite' and 'indirect' modes are incompatible.",
    );
    expect("  stats bogus", 1, "unknown stats parameter 'bogus', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.");
    expect(
        "  http-request set-header X y",
        1,
        "unknown parameter 'X', expects 'allow', 'deny', 'auth'.",
    );
    expect(
        "  stick-table type binary size 1k",
        1,
        "stick-table: unknown type 'binary'.",
    );
    expect(
        "  stick on src",
        1,
        "Proxy 'p': stick-table 'p' used but not configured.",
    );
    expect(
        "  redirect scheme https if { ssl_fc }",
        1,
        "'redirect': error detected while parsing redirect condition.",
    );
    expect(
        "  reqrep ^(.* x",
        1,
        "'reqrep' : bad regular expression '^(.*'.",
    );
}

#[test]
fn server_and_acl_family() {
    expect(
        "  server s 127.0.0.1:1 weight 300",
        1,
        "weight of server s is not within 0 and 256 (300).",
    );
    expect(
        "  server s 127.0.0.1:1 bogus",
        1,
        "server s only supports options 'backup', 'cookie', 'redir'",
    );
    expect("  default-server on-marked-down x", 1, "default-server only supports options 'on-error', 'error-limit', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'port', 'minconn', 'maxconn', 'maxqueue', 'slowstart' and 'weight'.");
    expect(
        "  server s 127.0.0.1:1 inter 0",
        1,
        "invalid value 0 for argument 'inter' of server s.",
    );
    expect(
        "  server s 127.0.0.1:1 check track s",
        1,
        "unable to enable checks and tracking at the same time!",
    );
    expect(
        "  server s 127.0.0.1:1 track t",
        1,
        "config : proxy 'p', server 's': unable to find required server 't' for tracking.",
    );
    expect(
        "  acl a path_begins /a",
        1,
        "error detected while parsing ACL 'a'.",
    );
    expect(
        "  acl a path_beg /a\n  block if b",
        1,
        "error detected while parsing blocking condition.",
    );
    expect("  acl a hdr(host) -i x AND y\n  block if a", 0, "");
    expect("  acl a req_ssl_ver 3.1:3.3", 0, "");
    // 1.4 stops reading a version at the first odd character ("3.x" is
    // 3.0) but refuses a third component
    expect("  acl a req_ssl_ver 3.x", 0, "");
    expect(
        "  acl a req_ssl_ver 1.2.3",
        1,
        "error detected while parsing ACL 'a'.",
    );
    let (rc, err) = check(&format!(
        "{}frontend f 127.0.0.1:8\n  default_backend nb\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(
        err.contains("[ALERT] Proxy 'f': unable to find required default_backend: 'nb'."),
        "{err}"
    );
    let (rc, err) = check("listen p 127.0.0.1:8\n  server s 127.0.0.1:1\n");
    assert_eq!(rc, 0);
    assert!(
        err.contains(
            "[WARNING] config : missing timeouts for proxy 'p'.\n   | While not properly invalid"
        ),
        "{err}"
    );
    let (rc, err) = check(&format!(
        "{}listen t 127.0.0.1:8\n  mode tcp\n  option httplog\n  option httpclose\n",
        BASE
    ));
    assert_eq!(rc, 0);
    assert!(err.contains("'option httplog' not usable with proxy 't' (needs 'mode http'). Falling back to 'option tcplog'."), "{err}");
    assert!(
        err.contains("config : 'option httpclose' ignored for proxy 't' as it requires HTTP mode."),
        "{err}"
    );
    let (rc, err) = check(&format!(
        "{}userlist u\n  user a insecure-password x groups g\nlisten p 127.0.0.1:8\n",
        BASE
    ));
    assert_eq!(rc, 1);
    assert!(
        err.contains("userlist 'u': no such group 'g' specified in user 'a'"),
        "{err}"
    );
}
