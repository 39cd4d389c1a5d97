//! `show errors [iid]` on the stats socket: the last invalid request and
//! response each proxy captured, laid out as 1.4 dumps them (headers, then
//! the bytes line by line, long lines continued on `+` lines).

use crate::log::format::date_ms;
use crate::state::{ErrSnapshot, Runtime};
use std::fmt::Write;

/// 1.4's parser state when it gives up on a head (`HTTP_MSG_ERROR`): we
/// capture only heads the parser refused.
const HTTP_MSG_ERROR: u32 = 26;

/// The whole dump. `iid` keeps only the snapshots of that proxy or whose
/// other end is that proxy (1.4's `atoi` of the argument, -1 for all).
pub fn show_errors(rt: &Runtime, iid: i64) -> String {
    let cfg = rt.cfg;
    let (s, ms) = crate::log::now_ms();
    let mut out = format!(
        "Total events captured on {} : {}\n",
        date_ms(s, ms),
        rt.error_snapshots
    );
    for (i, p) in cfg.proxies.iter().enumerate() {
        for (rsp, snap) in [
            (false, &rt.px[i].invalid_req),
            (true, &rt.px[i].invalid_rsp),
        ] {
            let Some(e) = snap else { continue };
            let other = &cfg.proxies[e.other];
            if iid >= 0 && i64::from(p.id) != iid && i64::from(other.id) != iid {
                continue;
            }
            snapshot_head(rt, i, rsp, e, &mut out);
            dump_bytes(&mut out, &e.buf);
        }
    }
    out
}

/// The four header lines of one snapshot.
fn snapshot_head(rt: &Runtime, pxi: usize, rsp: bool, e: &ErrSnapshot, out: &mut String) {
    let p = &rt.cfg.proxies[pxi];
    let o = &rt.cfg.proxies[e.other];
    let (srv, sid) = match e.srv.and_then(|si| p.servers.get(si)) {
        Some(s) => (s.name.as_str(), i64::from(s.id)),
        None => ("<NONE>", -1),
    };
    let _ = write!(out, " \n{}", date_ms(e.when.0, e.when.1));
    if rsp {
        let _ = write!(
            out,
            " backend {} (#{}) : invalid response\n  src {}, session #{}, frontend {} (#{}), server {} (#{})\n",
            p.name,
            p.id,
            e.src.ip(),
            e.sid,
            o.name,
            o.id,
            srv,
            sid
        );
    } else {
        // the backend is named only when the session had reached one
        let (oname, oid) = if o.is_be() {
            (o.name.as_str(), i64::from(o.id))
        } else {
            ("<NONE>", -1)
        };
        let _ = write!(
            out,
            " frontend {} (#{}): invalid request\n  src {}, session #{}, backend {} (#{}), server {} (#{})\n",
            p.name,
            p.id,
            e.src.ip(),
            e.sid,
            oname,
            oid,
            srv,
            sid
        );
    }
    // we keep no buffer flags: 1.4's are internal and vary with timing
    let _ = write!(
        out,
        "  HTTP internal state {}, buffer flags 0x{:08x}, event #{}\n  {} length {} bytes, error at position {}:\n \n",
        HTTP_MSG_ERROR,
        0,
        e.ev_id,
        if rsp { "response" } else { "request" },
        e.buf.len(),
        e.pos
    );
}

/// The captured bytes, one input line per output line with its offset;
/// escapes for non-printable bytes; a line whose text would pass 80
/// columns goes on in a `+` line (1.4's `dump_text_line`).
fn dump_bytes(out: &mut String, buf: &[u8]) {
    let mut ptr = 0;
    let mut bol = 0;
    while ptr < buf.len() {
        let _ = write!(out, "  {:05}{} ", ptr, if ptr == bol { ' ' } else { '+' });
        let mut col = 9;
        while ptr < buf.len() {
            let c = buf[ptr];
            let text = match c {
                b'\t' => "\\t".to_string(),
                b'\n' => "\\n".to_string(),
                b'\r' => "\\r".to_string(),
                0x1b => "\\e".to_string(),
                b'\\' => "\\\\".to_string(),
                32..=126 => (c as char).to_string(),
                _ => format!("\\x{:02X}", c),
            };
            // 1.4 stops when the text would end past column 78
            if col + text.len() > 79 {
                break;
            }
            out.push_str(&text);
            col += text.len();
            ptr += 1;
            if c == b'\n' {
                bol = ptr;
                break;
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::dump_bytes;

    #[test]
    fn lines_keep_their_offsets() {
        let mut o = String::new();
        dump_bytes(&mut o, b"GET / HTTP/1.0\r\nHost: x\r\n\r\n");
        assert_eq!(
            o,
            "  00000  GET / HTTP/1.0\\r\\n\n  00016  Host: x\\r\\n\n  00025  \\r\\n\n"
        );
    }

    #[test]
    fn long_lines_go_on_with_a_plus() {
        let mut o = String::new();
        let line = [b'a'; 100];
        dump_bytes(&mut o, &line);
        let lines: Vec<&str> = o.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 79);
        assert!(lines[1].starts_with("  00070+ "));
    }

    #[test]
    fn binary_bytes_are_escaped_in_upper_hex() {
        let mut o = String::new();
        dump_bytes(&mut o, b"\x01\xfe");
        assert_eq!(o, "  00000  \\x01\\xFE\n");
    }
}
