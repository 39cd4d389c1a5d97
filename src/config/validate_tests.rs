//! The order of check_config_validity()'s messages across its passes:
//! one proxy that trips most of them, a second one after it, then the
//! userlists. The expected texts and their order are what HAProxy 1.4.25's
//! `-c` printed for the same config (the stamps removed).

use super::diag::Level;
use super::parse::check_text;

const CFG: &str = "global\n  nbproc 2\nlisten l\n  bind 127.0.0.1:24001\n  mode tcp\n  cookie SRV insert\n  option httplog\n  option forwardfor\n  http-check disable-on-404\n  default_backend nosuch\n  stick on src table nosuch\n  capture response header X len 10\n  appsession JSESSIONID len 52 timeout 3h\n  server a 127.0.0.1:24002 minconn 5 maxconn 10 track nosuch/x cookie A\n  server b 127.0.0.1:24003 cookie B track a\nuserlist u\n  user bob groups nosuch\nbackend b2\n  mode http\n  http-check send-state\n  server c 127.0.0.1:24004 redir http://x\n";

#[test]
fn validity_messages_keep_1_4_order_across_passes() {
    let (r, d) = check_text("t.cfg", CFG.as_bytes());
    assert!(r.is_err());
    let got: Vec<(Level, &str)> = d
        .iter()
        .filter(|d| d.file.is_none())
        .map(|d| (d.level, d.text.as_str()))
        .collect();
    let want = vec![
        (Level::Warning, "config : cookie will be ignored for proxy 'l' (needs 'mode http')."),
        (Level::Warning, "config : 'option httplog' not usable with proxy 'l' (needs 'mode http'). Falling back to 'option tcplog'."),
        (Level::Warning, "config : 'disable-on-404' will be ignored for proxy 'l' (requires 'option httpchk')."),
        (Level::Alert, "Proxy 'l': unable to find required default_backend: 'nosuch'."),
        (Level::Alert, "Proxy 'l': unable to find stick-table 'nosuch'."),
        (Level::Warning, "config : missing timeouts for proxy 'l'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."),
        (Level::Warning, "config : 'capture response header' ignored for proxy 'l' as it requires HTTP mode."),
        (Level::Alert, "config : proxy 'l', server 'a': unable to find required proxy 'nosuch' for tracking."),
        (Level::Alert, "config : proxy 'l', server 'b': unable to use l/a for tracking as it does not have checks enabled."),
        (Level::Warning, "config : log format ignored for proxy 'l' since it has no log address."),
        (Level::Warning, "config : 'option forwardfor' ignored for proxy 'l' as it requires HTTP mode."),
        (Level::Warning, "config : proxy 'l' : ignoring cookie for server 'a' as HTTP mode is disabled."),
        (Level::Warning, "config : proxy 'l' : ignoring cookie for server 'b' as HTTP mode is disabled."),
        (Level::Warning, "Proxy 'l': appsession will not work correctly in multi-process mode."),
        (Level::Warning, "Proxy 'l': sticking rules will not work correctly in multi-process mode."),
        (Level::Warning, "config : 'send-state' will be ignored for backend 'b2' (requires 'option httpchk')."),
        (Level::Warning, "config : missing timeouts for backend 'b2'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'."),
        (Level::Alert, "userlist 'u': no such group 'nosuch' specified in user 'bob'"),
    ];
    assert_eq!(got, want);
}
