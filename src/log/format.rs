//! 1.4's traffic log lines (httplog, tcplog, clf), as pure functions.

use std::fmt::Write;
use std::net::SocketAddr;

use super::syslog::MONTHS;

/// Captured headers of one direction, as a log line shows them.
#[derive(Debug, Clone, Copy, Default)]
pub enum Caps<'a> {
    /// No `capture` declared: no braces.
    #[default]
    Off,
    /// Declared but nothing captured (no request parsed): `{||}`-style.
    Empty(usize),
    Some(&'a [Option<Vec<u8>>]),
}

/// One traffic log line's fields, borrowed from the session: building
/// and formatting a line allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct LogRecord<'a> {
    pub client: Option<SocketAddr>,
    pub accept_secs: i64,
    pub accept_ms: u32,
    pub frontend: &'a str,
    /// the client came over TLS: the frontend shows as `name~` (1.5)
    pub fe_tls: bool,
    pub backend: &'a str,
    /// Server name, `<NOSRV>` or `<STATS>`.
    pub server: &'a str,
    pub tq: i64,
    pub tw: i64,
    pub tc: i64,
    pub tr: i64,
    pub tt: i64,
    pub logasap: bool,
    pub status: i32,
    pub bytes: u64,
    pub req_cookie: Option<&'a [u8]>,
    pub rsp_cookie: Option<&'a [u8]>,
    pub term: [u8; 4],
    pub actconn: u32,
    pub feconn: u32,
    pub beconn: u32,
    pub srv_conn: u32,
    pub retries: u32,
    pub redispatched: bool,
    pub srv_queue: u32,
    pub bk_queue: u32,
    pub req_caps: Caps<'a>,
    pub rsp_caps: Caps<'a>,
    /// The request line as received; None logs `<BADREQ>`.
    pub request: Option<&'a [u8]>,
}

impl Caps<'_> {
    fn each(&self, mut f: impl FnMut(usize, Option<&[u8]>)) {
        match self {
            Caps::Off => {}
            Caps::Empty(n) => (0..*n).for_each(|i| f(i, None)),
            Caps::Some(v) => v.iter().enumerate().for_each(|(i, c)| f(i, c.as_deref())),
        }
    }
}

/// `#XX` encoding of the bytes 1.4 escapes in logs.
pub fn encode(out: &mut String, data: &[u8], extra: &[u8], max: usize) {
    for &c in data.iter().take(max) {
        if !(32..127).contains(&c) || c == b'"' || c == b'#' || extra.contains(&c) {
            let _ = write!(out, "#{:02X}", c);
        } else {
            out.push(c as char);
        }
    }
}

/// A captured cookie: 1.4 prints it as captured, unescaped. Log lines are
/// strings here, so a byte >= 0x80 (which 1.4 would send raw) is the one
/// thing still written as `#XX`.
fn cookie(out: &mut String, c: Option<&[u8]>) {
    match c {
        Some(c) => {
            for &b in c {
                if b.is_ascii() {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "#{:02X}", b);
                }
            }
        }
        None => out.push('-'),
    }
}

/// 1.4's human_time(): the two most significant of d, h, m, s.
pub fn human_time(secs: u64) -> String {
    let parts = [
        (secs / 86400, "d"),
        (secs / 3600 % 24, "h"),
        (secs / 60 % 60, "m"),
        (secs % 60, "s"),
    ];
    let first = parts.iter().position(|p| p.0 > 0).unwrap_or(3);
    parts[first..(first + 2).min(4)]
        .iter()
        .filter(|(v, _)| *v > 0 || first == 3)
        .map(|(v, u)| format!("{v}{u}"))
        .collect()
}

/// `[dd/Mon/yyyy:hh:mm:ss.mmm]` in local time, as in the log lines.
pub fn date_ms(secs: i64, ms: u32) -> String {
    let mut s = String::new();
    accept_date(&mut s, secs, ms);
    s
}

fn accept_date(out: &mut String, secs: i64, ms: u32) {
    let tm = crate::sys::localtime(secs);
    let _ = write!(
        out,
        "[{:02}/{}/{:04}:{:02}:{:02}:{:02}.{:03}]",
        tm.mday,
        MONTHS.get(tm.mon as usize).copied().unwrap_or("Jan"),
        tm.year,
        tm.hour,
        tm.min,
        tm.sec,
        ms
    );
}

fn client(out: &mut String, c: &Option<SocketAddr>) {
    match c {
        Some(a) => {
            let _ = write!(out, "{}:{}", a.ip(), a.port());
        }
        None => out.push_str("unix:1"),
    }
}

fn caps(out: &mut String, caps: &Caps) {
    if let Caps::Off = caps {
        return;
    }
    out.push('{');
    caps.each(|i, c| {
        if i > 0 {
            out.push('|');
        }
        if let Some(c) = c {
            encode(out, c, b"{|}", usize::MAX);
        }
    });
    out.push_str("} ");
}

fn retries(out: &mut String, r: &LogRecord) {
    if r.redispatched {
        out.push('+');
    }
    let _ = write!(out, "{}", r.retries);
}

pub fn http_line(r: &LogRecord) -> String {
    let mut s = String::with_capacity(256);
    http_line_into(&mut s, r);
    s
}

/// `http_line`, appended to `s`.
pub fn http_line_into(s: &mut String, r: &LogRecord) {
    client(s, &r.client);
    s.push(' ');
    accept_date(s, r.accept_secs, r.accept_ms);
    let plus = if r.logasap { "+" } else { "" };
    let _ = write!(
        s,
        " {}{} {}/{} {}/{}/{}/{}/{}{} {} {}{} ",
        r.frontend,
        if r.fe_tls { "~" } else { "" },
        r.backend,
        r.server,
        r.tq,
        r.tw,
        r.tc,
        r.tr,
        plus,
        r.tt,
        r.status,
        plus,
        r.bytes
    );
    cookie(s, r.req_cookie);
    s.push(' ');
    cookie(s, r.rsp_cookie);
    s.push(' ');
    for &c in &r.term {
        s.push(c as char);
    }
    let _ = write!(
        s,
        " {}/{}/{}/{}/",
        r.actconn, r.feconn, r.beconn, r.srv_conn
    );
    retries(s, r);
    let _ = write!(s, " {}/{} ", r.srv_queue, r.bk_queue);
    caps(s, &r.req_caps);
    caps(s, &r.rsp_caps);
    s.push('"');
    match &r.request {
        Some(q) => encode(s, q, b"", 1023),
        None => s.push_str("<BADREQ>"),
    }
    s.push('"');
}

pub fn tcp_line(r: &LogRecord) -> String {
    let mut s = String::with_capacity(160);
    tcp_line_into(&mut s, r);
    s
}

/// `tcp_line`, appended to `s`.
pub fn tcp_line_into(s: &mut String, r: &LogRecord) {
    client(s, &r.client);
    s.push(' ');
    accept_date(s, r.accept_secs, r.accept_ms);
    let plus = if r.logasap { "+" } else { "" };
    let _ = write!(
        s,
        " {}{} {}/{} {}/{}/{}{} {}{} {}{} {}/{}/{}/{}/",
        r.frontend,
        if r.fe_tls { "~" } else { "" },
        r.backend,
        r.server,
        r.tw,
        r.tc,
        plus,
        r.tt,
        plus,
        r.bytes,
        r.term[0] as char,
        r.term[1] as char,
        r.actconn,
        r.feconn,
        r.beconn,
        r.srv_conn
    );
    retries(s, r);
    let _ = write!(s, " {}/{}", r.srv_queue, r.bk_queue);
}

/// `option httplog clf`: the common log format with 1.4's extra fields.
pub fn clf_line(r: &LogRecord) -> String {
    let mut s = String::with_capacity(256);
    clf_line_into(&mut s, r);
    s
}

/// `clf_line`, appended to `s`.
pub fn clf_line_into(s: &mut String, r: &LogRecord) {
    match &r.client {
        Some(a) => {
            let _ = write!(s, "{}", a.ip());
        }
        None => s.push_str("unix"),
    }
    let tm = crate::sys::gmtime(r.accept_secs);
    let _ = write!(
        s,
        " - - [{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000] \"",
        tm.mday,
        MONTHS.get(tm.mon as usize).copied().unwrap_or("Jan"),
        tm.year,
        tm.hour,
        tm.min,
        tm.sec
    );
    match &r.request {
        Some(q) => encode(s, q, b"", 1023),
        None => s.push_str("<BADREQ>"),
    }
    // CLF has no '+' marks, logasap or not
    let _ = write!(
        s,
        "\" {} {} \"-\" \"-\" {} {:03} \"{}{}\" \"{}\" \"{}\" {} {} {} {} {} \"{}\" {} {} {} {} ",
        r.status,
        r.bytes,
        r.client.map(|c| c.port()).unwrap_or(0),
        r.accept_ms,
        r.frontend,
        if r.fe_tls { "~" } else { "" },
        r.backend,
        r.server,
        r.tq,
        r.tw,
        r.tc,
        r.tr,
        r.tt,
        String::from_utf8_lossy(&r.term),
        r.actconn,
        r.feconn,
        r.beconn,
        r.srv_conn
    );
    retries(s, r);
    let _ = write!(s, " {} {}", r.srv_queue, r.bk_queue);
    // an absent captured cookie is "-", as in httplog
    for c in [r.req_cookie, r.rsp_cookie] {
        s.push_str(" \"");
        cookie(s, c);
        s.push('"');
    }
    for list in [&r.req_caps, &r.rsp_caps] {
        // an absent capture is "-" here (httplog leaves it empty)
        list.each(|_, c| {
            s.push_str(" \"");
            match c {
                Some(c) => encode(s, c, b"{|}", usize::MAX),
                None => s.push('-'),
            }
            s.push('"');
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> LogRecord<'static> {
        LogRecord {
            client: "127.0.0.1:4000".parse().ok(),
            frontend: "app",
            backend: "app",
            server: "s1",
            tq: 0,
            tw: 0,
            tc: 1,
            tr: 2,
            tt: 3,
            status: 200,
            bytes: 79,
            term: *b"--NN",
            request: Some(b"GET / HTTP/1.1"),
            ..Default::default()
        }
    }

    #[test]
    fn httplog_shape() {
        let l = http_line(&rec());
        let tail = l.split_once("] ").map(|x| x.1).unwrap_or("");
        assert_eq!(
            tail,
            "app app/s1 0/0/1/2/3 200 79 - - --NN 0/0/0/0/0 0/0 \"GET / HTTP/1.1\""
        );
    }

    #[test]
    fn captures_and_badreq() {
        let mut r = rec();
        let req = [Some(b"test.local".to_vec()), Some(b"difft".to_vec())];
        r.req_caps = Caps::Some(&req);
        r.rsp_caps = Caps::Empty(1);
        r.request = None;
        let l = http_line(&r);
        assert!(l.ends_with("0/0 {test.local|difft} {} \"<BADREQ>\""), "{l}");
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        encode(&mut s, b"a\"b#c\x01{", b"{", 100);
        assert_eq!(s, "a#22b#23c#01#7B");
    }

    #[test]
    fn logasap_marks_httplog_and_tcplog_only() {
        let mut r = rec();
        r.logasap = true;
        let l = http_line(&r);
        assert!(l.contains(" 0/0/1/2/+3 200 +79 - - "), "{l}");
        let l = tcp_line(&r);
        assert!(l.contains(" 0/1/+3 +79 "), "{l}");
        let l = clf_line(&r);
        assert!(l.contains("\" 200 79 \"-\""), "{l}");
        assert!(l.contains(" 0 0 1 2 3 \"--NN\""), "{l}");
    }

    #[test]
    fn clf_absent_cookies_and_captures() {
        let mut r = rec();
        let l = clf_line(&r);
        assert!(l.ends_with(" 0 0 \"-\" \"-\""), "{l}");
        r.req_cookie = Some(b"abc");
        let l = clf_line(&r);
        assert!(l.ends_with(" 0 0 \"abc\" \"-\""), "{l}");
        let req = [None, Some(b"h".to_vec())];
        r.req_caps = Caps::Some(&req);
        r.rsp_caps = Caps::Empty(1);
        let l = clf_line(&r);
        assert!(l.ends_with(" \"abc\" \"-\" \"-\" \"h\" \"-\""), "{l}");
    }

    #[test]
    fn cookies_unescaped() {
        let mut r = rec();
        r.req_cookie = Some(b"S=a#b\"c{|}");
        r.rsp_cookie = Some(b"S=\xe9");
        let l = http_line(&r);
        assert!(l.contains(" S=a#b\"c{|} S=#E9 --NN "), "{l}");
        let l = clf_line(&r);
        assert!(l.ends_with(" \"S=a#b\"c{|}\" \"S=#E9\""), "{l}");
    }

    #[test]
    fn tcplog_shape() {
        let mut r = rec();
        r.term = *b"SC--";
        r.retries = 2;
        let l = tcp_line(&r);
        assert!(l.ends_with("app app/s1 0/1/3 79 SC 0/0/0/0/2 0/0"), "{l}");
    }
}
