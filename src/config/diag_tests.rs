//! Config messages checked as values (no binary run): each expected text
//! is what HAProxy 1.4.25's `-c` printed for the same config.

use super::diag::{Diag, Level};
use super::parse::check_text;

fn diags(text: &str) -> (bool, Vec<Diag>) {
    let (r, d) = check_text("t.cfg", text.as_bytes());
    (r.is_ok(), d)
}

fn texts(d: &[Diag]) -> Vec<(Level, &str)> {
    d.iter().map(|d| (d.level, d.text.as_str())).collect()
}

const PAREN: &str = "matching 'hdr' for pattern '(host)' is likely a mistake and probably\n  not what you want. Maybe you need to remove the extraneous space before '('.\n  If you are really sure this is not an error, please insert '--' between the\n  match and the pattern to make this warning message disappear.";

fn missing_timeouts(what: &str) -> String {
    format!(
        "config : missing timeouts for {}.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
        what
    )
}

#[test]
fn parse_and_check_messages_in_order() {
    let (ok, d) = diags(
        "global\n  maxconn 100\ndefaults\n  mode http\n  id 3\nfrontend f\n  bind 127.0.0.1:24001\n  acl a hdr (host) x\n  default_backend nosuch\nbackend b\n  monitor-uri /x\n  server s 127.0.0.1:24002\n",
    );
    assert!(!ok);
    let paren = format!("parsing acl 'a' :\n  {}", PAREN);
    let (fe, be) = (
        missing_timeouts("frontend 'f'"),
        missing_timeouts("backend 'b'"),
    );
    assert_eq!(
        texts(&d),
        vec![
            (Level::Alert, "parsing [t.cfg:5]: 'id' not allowed in 'defaults' section."),
            (Level::Warning, paren.as_str()),
            (
                Level::Warning,
                "parsing [t.cfg:11] : 'monitor-uri' ignored because backend 'b' has no frontend capability."
            ),
            (Level::Alert, "Proxy 'f': unable to find required default_backend: 'nosuch'."),
            (Level::Warning, fe.as_str()),
            (Level::Warning, be.as_str()),
        ]
    );
    // the parse-time messages carry their line, the post-parse ones none
    let at: Vec<_> = d.iter().map(|d| (d.file.as_deref(), d.line)).collect();
    assert_eq!(
        at,
        vec![
            (Some("t.cfg"), 5),
            (Some("t.cfg"), 8),
            (Some("t.cfg"), 11),
            (None, 0),
            (None, 0),
            (None, 0)
        ]
    );
}

#[test]
fn valid_config_keeps_its_warnings() {
    let (ok, d) = diags(
        "frontend f\n  bind 127.0.0.1:24001\n  mode http\n  reqrep ^a \\q\n  use_backend b if { hdr (host) x }\n  timeout client 1s\nbackend b\n  mode http\n  monitor-uri /x\n  timeout connect 1s\n  timeout server 1s\n  server s 127.0.0.1:24002\n",
    );
    assert!(ok);
    let paren = format!("parsing acl '' :\n  {}", PAREN);
    assert_eq!(
        texts(&d),
        vec![
            (
                Level::Warning,
                "'\\q' : deprecated use of a backslash before something not '\\','x' or a digit."
            ),
            (Level::Warning, paren.as_str()),
            (
                Level::Warning,
                "parsing [t.cfg:9] : 'monitor-uri' ignored because backend 'b' has no frontend capability."
            ),
        ]
    );
    assert_eq!(d[0].line, 4);
    assert_eq!(d[1].line, 5);
}
