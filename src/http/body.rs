//! Message framing: where a request or response body ends.

/// Where a chunked body's parser stands, in 1.4's grammar:
/// `1*HEXDIG *WSP [ ";" ext ] CRLF data CRLF ... 0 CRLF trailers CRLF`,
/// where a bare LF may stand for a CRLF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// `digits` hex digits read so far
    Size {
        digits: u8,
    },
    /// white space after the size
    SizeWsp,
    Ext,
    SizeLf,
    Data(u64),
    DataCr,
    DataLf,
    /// a trailer line: where it started, and whether a CR was seen in it
    Trailer {
        start: bool,
        cr: bool,
        cr_first: bool,
    },
}

/// 1.4 refuses a chunk size that would reach 2 GB (the value must not
/// have any of these bits set before a new digit is shifted in).
const CHUNK_OVERFLOW: u64 = 0xF800_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body at all.
    Empty,
    Length(u64),
    Chunked,
    /// Until the peer closes.
    Close,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub framing: Framing,
    left: u64,
    chunk: Chunk,
    size: u64,
    pub done: bool,
    pub error: bool,
}

impl Body {
    pub fn new(framing: Framing) -> Body {
        let (left, done) = match framing {
            Framing::Empty => (0, true),
            Framing::Length(n) => (n, n == 0),
            _ => (0, false),
        };
        Body {
            framing,
            left,
            chunk: Chunk::Size { digits: 0 },
            size: 0,
            done,
            error: false,
        }
    }

    /// Bytes still expected of a Content-Length body, None for any other
    /// framing (whose end only parsing or the close can tell).
    pub fn length_left(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(_) if !self.done => Some(self.left),
            _ => None,
        }
    }

    /// Counts `n` bytes of a Content-Length body that went past us without
    /// being looked at (spliced); never more than `length_left`.
    pub fn consume(&mut self, n: u64) {
        if let Framing::Length(_) = self.framing {
            self.left = self.left.saturating_sub(n);
            if self.left == 0 {
                self.done = true;
            }
        }
    }

    /// How many of these bytes belong to the message; sets `done` at its end.
    pub fn feed(&mut self, data: &[u8]) -> usize {
        if self.done {
            return 0;
        }
        match self.framing {
            Framing::Empty => 0,
            Framing::Close => data.len(),
            Framing::Length(_) => {
                let n = (data.len() as u64).min(self.left);
                self.left -= n;
                if self.left == 0 {
                    self.done = true;
                }
                n as usize
            }
            Framing::Chunked => self.feed_chunked(data),
        }
    }

    fn feed_chunked(&mut self, data: &[u8]) -> usize {
        let mut i = 0;
        while i < data.len() && !self.done && !self.error {
            if let Chunk::Data(left) = self.chunk {
                let n = ((data.len() - i) as u64).min(left);
                i += n as usize;
                self.chunk = if left == n {
                    Chunk::DataCr
                } else {
                    Chunk::Data(left - n)
                };
                continue;
            }
            // the byte that breaks the framing is not part of the message
            if self.step(data[i]) && !self.error {
                i += 1;
            }
        }
        i
    }

    /// One byte of everything but chunk data; false when the byte must be
    /// looked at again in the new state. Sets `error` on a framing 1.4
    /// refuses.
    fn step(&mut self, c: u8) -> bool {
        match self.chunk {
            Chunk::Size { digits } => match (c as char).to_digit(16) {
                Some(d) => {
                    if self.size & CHUNK_OVERFLOW != 0 {
                        self.error = true;
                    }
                    self.size = (self.size << 4) + d as u64;
                    self.chunk = Chunk::Size {
                        digits: digits.saturating_add(1),
                    };
                }
                // an empty size is refused
                None if digits == 0 => self.error = true,
                None => {
                    self.chunk = Chunk::SizeWsp;
                    return false;
                }
            },
            Chunk::SizeWsp => match c {
                b' ' | b'\t' => {}
                b';' => self.chunk = Chunk::Ext,
                b'\r' => self.chunk = Chunk::SizeLf,
                b'\n' => self.end_size(),
                _ => self.error = true,
            },
            Chunk::Ext => match c {
                b'\r' => self.chunk = Chunk::SizeLf,
                b'\n' => self.end_size(),
                _ => {}
            },
            Chunk::SizeLf | Chunk::DataLf if c != b'\n' => self.error = true,
            Chunk::SizeLf => self.end_size(),
            Chunk::DataLf => self.chunk = Chunk::Size { digits: 0 },
            Chunk::DataCr => match c {
                b'\r' => self.chunk = Chunk::DataLf,
                b'\n' => self.chunk = Chunk::Size { digits: 0 },
                _ => self.error = true,
            },
            Chunk::Trailer {
                start,
                cr,
                cr_first,
            } => match c {
                // a line that is empty (or starts with its CR) ends them
                b'\n' if start || cr_first => self.done = true,
                b'\n' => {
                    self.chunk = Chunk::Trailer {
                        start: true,
                        cr: false,
                        cr_first: false,
                    }
                }
                // 1.4 refuses a second CR in one trailer line
                b'\r' if cr => self.error = true,
                b'\r' => {
                    self.chunk = Chunk::Trailer {
                        start: false,
                        cr: true,
                        cr_first: start,
                    }
                }
                _ => {
                    self.chunk = Chunk::Trailer {
                        start: false,
                        cr,
                        cr_first,
                    }
                }
            },
            Chunk::Data(_) => {}
        }
        true
    }

    fn end_size(&mut self) {
        self.chunk = if self.size == 0 {
            Chunk::Trailer {
                start: true,
                cr: false,
                cr_first: false,
            }
        } else {
            Chunk::Data(self.size)
        };
        self.size = 0;
    }
}

/// Why a message's framing headers are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadFraming;

/// The transfer codings of a message: None without any, else whether
/// `chunked` is the last one (empty list members are skipped, as 1.4 does).
fn last_coding_chunked(h: &super::head::Head) -> Option<bool> {
    let mut last = None;
    for x in h.hdrs().filter(|x| x.is("Transfer-Encoding")) {
        for v in x.value().split(|&c| c == b',') {
            let v = super::head::trim(v);
            if !v.is_empty() {
                last = Some(v.eq_ignore_ascii_case(b"chunked"));
            }
        }
    }
    last
}

/// One Content-Length value as 1.4 reads it: decimal digits within a
/// signed 64-bit number, where a lone `-` or `-0...` reads as a zero and
/// anything else (a sign, a space, a hex digit) is refused.
fn content_length_value(v: &[u8]) -> Option<u64> {
    if let Some(rest) = v.strip_prefix(b"-") {
        return rest.iter().all(|&c| c == b'0').then_some(0);
    }
    if v.is_empty() {
        return None;
    }
    v.iter()
        .try_fold(0i64, |n, &c| {
            if !c.is_ascii_digit() {
                return None;
            }
            n.checked_mul(10)?.checked_add((c - b'0') as i64)
        })
        .map(|n| n as u64)
}

/// The Content-Length of a message: every value of every such header
/// must read the same (`5, 5` counts as one), as in 1.4.
fn content_length(h: &super::head::Head) -> Result<Option<u64>, BadFraming> {
    let mut len = None;
    for x in h.hdrs().filter(|x| x.is("Content-Length")) {
        for v in x.value().split(|&c| c == b',') {
            let n = content_length_value(super::head::trim(v)).ok_or(BadFraming)?;
            if len.is_some_and(|l| l != n) {
                return Err(BadFraming);
            }
            len = Some(n);
        }
    }
    Ok(len)
}

/// Request framing, as 1.4 where it refuses (bad or differing lengths)
/// and stricter where 1.4 is ambiguous (RFC 9112, as HAProxy 2.x):
/// transfer codings whose last is not `chunked`, or on an HTTP/1.0
/// request, are refused; with both headers the chunks frame the body and
/// the caller drops the Content-Length (`Framing::Chunked` then says so).
pub fn request_framing(h: &super::head::Head, http11: bool) -> Result<Framing, BadFraming> {
    match last_coding_chunked(h) {
        Some(true) if http11 => Ok(Framing::Chunked),
        Some(_) => Err(BadFraming),
        None => Ok(match content_length(h)? {
            Some(n) => Framing::Length(n),
            None => Framing::Empty,
        }),
    }
}

/// Response framing: bad or differing lengths are refused as 1.4 does
/// (a 502); with both headers the chunks frame the body (the caller drops
/// the Content-Length); codings whose last is not `chunked`, or on an
/// HTTP/1.0 response, leave the body to the close, as in 1.4 and RFC 9112.
pub fn response_framing(
    h: &super::head::Head,
    head_request: bool,
    http11: bool,
) -> Result<Framing, BadFraming> {
    let st = h.status();
    if head_request || (100..200).contains(&st) || st == 204 || st == 304 {
        return Ok(Framing::Empty);
    }
    match last_coding_chunked(h).filter(|_| http11) {
        Some(true) => Ok(Framing::Chunked),
        Some(false) => Ok(Framing::Close),
        None => Ok(match content_length(h)? {
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_split_anywhere() {
        let msg = b"4\r\nWiki\r\n7;ext=1\r\n, world\r\n0\r\n\r\nNEXT";
        for cut in 0..msg.len() {
            let mut b = Body::new(Framing::Chunked);
            let n1 = b.feed(&msg[..cut]);
            assert_eq!(n1, cut.min(msg.len() - 4));
            let n2 = b.feed(&msg[n1..]);
            assert!(b.done, "cut {cut}");
            assert_eq!(n1 + n2, msg.len() - 4);
        }
    }

    fn verdict(msg: &[u8]) -> (bool, bool) {
        let mut b = Body::new(Framing::Chunked);
        b.feed(msg);
        (b.done, b.error)
    }

    #[test]
    fn chunk_sizes_as_1_4() {
        // bare LF, white space then extension, upper-case hex
        assert_eq!(verdict(b"A \t;x=y\n0123456789\n0\n\n"), (true, false));
        // an empty size, a space inside the size, garbage after it
        assert_eq!(verdict(b";x\r\n"), (false, true));
        assert_eq!(verdict(b"1 2\r\n"), (false, true));
        assert_eq!(verdict(b"5x\r\n"), (false, true));
        assert_eq!(verdict(b"zz\r\n"), (false, true));
        // a CR not followed by LF
        assert_eq!(verdict(b"5\rX"), (false, true));
        // 1.4 takes sizes below 2 GB only, however many leading zeroes
        assert!(!verdict(b"7fffffff\r\n").1);
        assert_eq!(verdict(b"00000000001\r\nx\r\n0\r\n\r\n"), (true, false));
        assert_eq!(verdict(b"80000000\r\n"), (false, true));
        assert_eq!(verdict(b"100000000\r\n"), (false, true));
        assert_eq!(verdict(b"ffffffffffffffffff\r\n"), (false, true));
        // data must end with CRLF or LF
        assert_eq!(verdict(b"1\r\nxy\r\n"), (false, true));
    }

    #[test]
    fn trailers_as_1_4() {
        assert_eq!(verdict(b"0\r\nA: b\r\nC: d\n\r\n"), (true, false));
        // a CR inside a trailer line is taken, a second one is not
        assert_eq!(verdict(b"0\r\nA:\rb\n\n"), (true, false));
        assert_eq!(verdict(b"0\r\nA:\r\rb\n\n"), (false, true));
    }

    fn parsed(head: &[u8]) -> crate::http::head::Head {
        let mut h = crate::http::head::Head::default();
        let st = if head.starts_with(b"HTTP/") {
            h.parse_response(head, 8192, false)
        } else {
            h.parse_request(head, 8192, false)
        };
        assert_eq!(st, crate::http::head::Status::Done);
        h
    }

    fn req(hdrs: &str) -> Result<Framing, BadFraming> {
        let h = parsed(format!("POST / HTTP/1.1\r\n{hdrs}\r\n").as_bytes());
        request_framing(&h, true)
    }

    #[test]
    fn request_lengths_as_1_4() {
        assert_eq!(req("Content-Length: 5\r\n"), Ok(Framing::Length(5)));
        assert_eq!(
            req("Content-Length: 5\r\nContent-Length: 5\r\n"),
            Ok(Framing::Length(5))
        );
        assert_eq!(req("Content-Length: 5, 5\r\n"), Ok(Framing::Length(5)));
        assert_eq!(
            req("Content-Length: 5\r\nContent-Length: 6\r\n"),
            Err(BadFraming)
        );
        assert_eq!(req("Content-Length: 5,6\r\n"), Err(BadFraming));
        for bad in ["+5", "-1", "5a", "0x5", "5 5", "", "99999999999999999999"] {
            assert_eq!(
                req(&format!("Content-Length: {bad}\r\n")),
                Err(BadFraming),
                "{bad}"
            );
        }
        // 1.4 reads a negative zero as zero
        assert_eq!(req("Content-Length: -0\r\n"), Ok(Framing::Length(0)));
        assert_eq!(req("Content-Length:  007 \r\n"), Ok(Framing::Length(7)));
    }

    #[test]
    fn request_codings_stricter_than_1_4() {
        assert_eq!(req("Transfer-Encoding: chunked\r\n"), Ok(Framing::Chunked));
        assert_eq!(
            req("Transfer-Encoding: gzip, chunked\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            req("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(req("Transfer-Encoding: chunked, gzip\r\n"), Err(BadFraming));
        assert_eq!(req("Transfer-Encoding: gzip\r\n"), Err(BadFraming));
        let h = parsed(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(request_framing(&h, false), Err(BadFraming));
    }

    #[test]
    fn response_codings() {
        let h = parsed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
        assert_eq!(response_framing(&h, false, true), Ok(Framing::Close));
        let h = parsed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(response_framing(&h, false, true), Err(BadFraming));
        let h =
            parsed(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(response_framing(&h, false, false), Ok(Framing::Length(2)));
    }

    #[test]
    fn length() {
        let mut b = Body::new(Framing::Length(5));
        assert_eq!(b.feed(b"abc"), 3);
        assert_eq!(b.feed(b"defgh"), 2);
        assert!(b.done);
    }
}
