//! Whole log lines, field by field, against a real UDP listener.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::time::Duration;

/// The log line's fields after the syslog header, with the variable
/// parts (client port, date, timers) replaced.
fn fields(line: &str) -> String {
    let msg = line
        .split("]: ")
        .nth(1)
        .unwrap_or("")
        .trim_end()
        .to_string();
    let mut out = Vec::new();
    for (i, w) in msg.split(' ').enumerate() {
        let w = if i == 0 && w.starts_with("127.0.0.1:") {
            "127.0.0.1:P".to_string()
        } else if w.starts_with('[') && w.ends_with(']') && w.contains(':') {
            "[DATE]".to_string()
        } else if w.matches('/').count() >= 2
            && w.split('/')
                .all(|t| t.trim_start_matches('+').parse::<i64>().is_ok())
            && i == 4
        {
            w.split('/')
                .map(|t| if t == "-1" { "-1" } else { "T" })
                .collect::<Vec<_>>()
                .join("/")
        } else {
            w.to_string()
        };
        out.push(w);
    }
    out.join(" ")
}

fn last_traffic(log: &mut Syslog) -> String {
    assert!(log.wait_for("] app ", 1, 5), "{:?}", log.lines);
    let l = log
        .lines
        .iter()
        .rev()
        .find(|l| l.contains("] app "))
        .cloned()
        .unwrap_or_default();
    fields(&l)
}

#[test]
fn httplog_lines() {
    let mut log = Syslog::new();
    let ok = Backend::http(b"HTTP/1.1 200 OK\r\nSet-Cookie: SID=srv\r\nContent-Type: text/x\r\nContent-Length: 3\r\n\r\nok\n");
    let (fe, dead) = (handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    capture request header Host len 10\n    capture response header Content-Type len 20\n    capture cookie SID len 20\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        ok.port
    );
    let p = Proxy::start(&cfg, &mut log, 1);
    let _ = get(fe.port, "/x?y=1", "Cookie: SID=cli\r\n");
    assert_eq!(
        last_traffic(&mut log),
        "127.0.0.1:P [DATE] app app/s1 T/T/T/T/T 200 84 SID=cli SID=srv ---- 0/0/0/0/0 0/0 {test} {text/x} \"GET /x?y=1 HTTP/1.1\""
    );
    // client half-closes without a request: 400, <BADREQ>, CR--
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("c");
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("to");
    s.shutdown(std::net::Shutdown::Write).expect("shutw");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(log.wait_for("CR--", 1, 3));
    assert_eq!(last_traffic(&mut log), "127.0.0.1:P [DATE] app app/<NOSRV> -1/-1/-1/-1/T 400 187 - - CR-- 0/0/0/0/0 0/0 {} {} \"<BADREQ>\"");
    drop(p);
    // 503 <NOSRV>-style connect failure, 504 sH--, 502 PH--
    let mut log = Syslog::new();
    let hold_port = Backend::hold(4, 10).port;
    let garbage = Backend::http(b"NOT HTTP AT ALL\r\n\r\n");
    let fe = handed();
    let cfg = format!(
        "{}\nfrontend app {}\n    option httpclose\n    acl slow path_beg /slow\n    acl bad path_beg /bad\n    use_backend slow if slow\n    use_backend bad if bad\n    default_backend dead\nbackend slow\n    srvtimeout 300\n    server h 127.0.0.1:{}\nbackend bad\n    server g 127.0.0.1:{}\nbackend dead\n    retries 0\n    server d 127.0.0.1:{}\n",
        global(log.port),
        fe,
        hold_port,
        garbage.port,
        dead
    );
    let _p = Proxy::start(&cfg, &mut log, 4);
    let _ = get(fe.port, "/", "");
    assert_eq!(last_traffic(&mut log), "127.0.0.1:P [DATE] app dead/d T/T/-1/-1/T 503 212 - - SC-- 0/0/0/0/0 0/0 \"GET / HTTP/1.1\"");
    let _ = get(fe.port, "/slow", "");
    assert!(log.wait_for("sH--", 1, 3));
    assert_eq!(last_traffic(&mut log), "127.0.0.1:P [DATE] app slow/h T/T/T/-1/T 504 194 - - sH-- 0/0/0/0/0 0/0 \"GET /slow HTTP/1.1\"");
    let _ = get(fe.port, "/bad", "");
    assert!(log.wait_for("PH--", 1, 3));
    assert_eq!(last_traffic(&mut log), "127.0.0.1:P [DATE] app bad/g T/T/T/-1/T 502 223 - - PH-- 0/0/0/0/0 0/0 \"GET /bad HTTP/1.1\"");
}

#[test]
fn tcplog_dontlognull_and_client_abort() {
    let mut log = Syslog::new();
    let b = Backend::echo();
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    log global\n    option tcplog\n    option dontlognull\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten app {}\n    server e 127.0.0.1:{}\n",
        log.port,
        fe,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // a null connection is not logged under dontlognull
    drop(std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("c"));
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("c");
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("to");
    s.write_all(b"hello\n").expect("w");
    s.shutdown(std::net::Shutdown::Write).expect("shutw");
    let mut r = Vec::new();
    let _ = s.read_to_end(&mut r);
    assert_eq!(r, b"hello\n");
    assert_eq!(
        last_traffic(&mut log),
        "127.0.0.1:P [DATE] app app/e T/T/T 6 -- 0/0/0/0/0 0/0"
    );
    assert_eq!(log.lines.iter().filter(|l| l.contains("] app ")).count(), 1);
    // a client aborting with a reset mid-stream: CD
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("c");
    s.write_all(b"x").expect("w");
    let mut one = [0u8; 1];
    let _ = s.read(&mut one);
    // close with an RST (SO_LINGER 0)
    haproxy_rs::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&s));
    drop(s);
    assert!(log.wait_for(" CD ", 1, 3), "{:?}", log.lines);
}
