//! Request and response heads, parsed the way 1.4's state machine does.
//! (httparse rejects heads 1.4 accepts, such as one-token request lines
//! and bare LF line ends, so the parser is our own.)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eol {
    Crlf,
    Lf,
}

impl Eol {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Eol::Crlf => b"\r\n",
            Eol::Lf => b"\n",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hdr {
    /// The whole header line without its line end.
    pub line: Vec<u8>,
    pub eol: Eol,
}

impl Hdr {
    pub fn new(line: &[u8]) -> Hdr {
        Hdr {
            line: line.to_vec(),
            eol: Eol::Crlf,
        }
    }
    pub fn name(&self) -> &[u8] {
        match self.line.iter().position(|&c| c == b':') {
            Some(p) => &self.line[..p],
            None => &self.line,
        }
    }
    pub fn value(&self) -> &[u8] {
        match self.line.iter().position(|&c| c == b':') {
            Some(p) => trim(&self.line[p + 1..]),
            None => b"",
        }
    }
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }
}

pub fn trim(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map(|p| p + 1)
        .unwrap_or(s);
    &v[s..e.max(s)]
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub start: Vec<u8>,
    pub start_eol: Eol,
    /// The original line end of an HTTP/0.9-style request line, which 1.4
    /// keeps after the version it appends.
    pub v09_gap: Option<Eol>,
    /// Whether that gap sits before the headers (it did have headers).
    pub gap_before_headers: bool,
    pub hdrs: Vec<Hdr>,
    pub end_eol: Eol,
    /// Bytes the head used in the input (leading empty lines included).
    pub len: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    Done(Head),
    Partial,
    Invalid,
}

fn is_token(c: u8) -> bool {
    c > 32 && c < 127 && !b"()<>@,;:\\\"/[]?={}".contains(&c)
}

fn is_ver_token(c: u8) -> bool {
    matches!(c, b'H' | b'T' | b'P' | b'/' | b'.' | b'0'..=b'9')
}

/// Where a rejected head goes wrong, for `show errors`: the first control
/// character, else the first header line without a colon, else its end.
pub fn error_position(buf: &[u8]) -> usize {
    if let Some(p) = buf
        .iter()
        .position(|&c| (c < 32 && c != b'\r' && c != b'\n' && c != b'\t') || c == 127)
    {
        return p;
    }
    let mut pos = 0;
    let mut first = true;
    for line in buf.split_inclusive(|&c| c == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if !first && !content.is_empty() && !content.contains(&b':') && !line.starts_with(b" ") {
            return pos;
        }
        first = false;
        pos += line.len();
    }
    buf.len()
}

/// Splits the next line at `pos`: (content end, next line start, eol).
fn next_line(buf: &[u8], pos: usize) -> Option<(usize, usize, Eol)> {
    let lf = buf[pos..].iter().position(|&c| c == b'\n')? + pos;
    if lf > pos && buf[lf - 1] == b'\r' {
        Some((lf - 1, lf + 1, Eol::Crlf))
    } else {
        Some((lf, lf + 1, Eol::Lf))
    }
}

/// Header lines after the start line, until the empty line.
/// `lax` (option accept-invalid-http-request/response) lets header names
/// hold non-token characters, as 1.4 then does.
fn parse_headers(
    buf: &[u8],
    mut pos: usize,
    lax: bool,
) -> Result<Option<(Vec<Hdr>, Eol, usize)>, ()> {
    let mut hdrs: Vec<Hdr> = Vec::new();
    loop {
        let Some((end, next, eol)) = next_line(buf, pos) else {
            // a partial line must still look like a header so far
            let part = &buf[pos..];
            if let Some(c) = part.iter().position(|&c| c == b':') {
                if !lax && !part[..c].iter().all(|&c| is_token(c)) {
                    return Err(());
                }
            }
            return Ok(None);
        };
        let line = &buf[pos..end];
        if line.is_empty() {
            return Ok(Some((hdrs, eol, next)));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // obsolete line folding: 1.4 turns the line break into spaces
            let Some(prev) = hdrs.last_mut() else {
                return Err(());
            };
            for _ in 0..prev.eol.bytes().len() {
                prev.line.push(b' ');
            }
            prev.line.extend_from_slice(line);
            prev.eol = eol;
            pos = next;
            continue;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            return Err(());
        };
        if colon == 0 || (!lax && !line[..colon].iter().all(|&c| is_token(c))) {
            return Err(());
        }
        hdrs.push(Hdr {
            line: line.to_vec(),
            eol,
        });
        pos = next;
    }
}

/// Parses a request head. `limit` is the most bytes a head may take
/// (bufsize - maxrewrite); a longer incomplete head is invalid.
pub fn parse_request(buf: &[u8], limit: usize) -> Parse {
    parse_request_opts(buf, limit, false)
}

/// `parse_request`, with 1.4's accept-invalid-http-request leniency.
pub fn parse_request_opts(buf: &[u8], limit: usize, lax: bool) -> Parse {
    let r = parse_request_inner(buf, lax);
    match r {
        Parse::Partial if buf.len() >= limit => Parse::Invalid,
        Parse::Done(h) if h.len > limit => Parse::Invalid,
        r => r,
    }
}

fn parse_request_inner(buf: &[u8], lax: bool) -> Parse {
    let mut pos = 0;
    while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
        pos += 1;
    }
    let skipped = pos;
    let Some((end, next, eol)) = next_line(buf, pos) else {
        // validate what we have of the request line
        let part = &buf[pos..];
        let meth_end = part.iter().position(|&c| c == b' ').unwrap_or(part.len());
        if !part[..meth_end].iter().all(|&c| is_token(c) || c == b'\r') {
            return Parse::Invalid;
        }
        return Parse::Partial;
    };
    let line = &buf[pos..end];
    // method
    let m_end = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
    if m_end == 0 || !line[..m_end].iter().all(|&c| is_token(c)) {
        return Parse::Invalid;
    }
    let mut i = m_end;
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    let u_start = i;
    while i < line.len() && line[i] > 32 && line[i] != 127 {
        i += 1;
    }
    let u_end = i;
    if i < line.len() && line[i] != b' ' {
        return Parse::Invalid;
    }
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    let v_start = i;
    if !line[v_start..].iter().all(|&c| is_ver_token(c)) {
        return Parse::Invalid;
    }
    let mut start = line.to_vec();
    let mut start_eol = eol;
    let mut v09_gap = None;
    if v_start == line.len() {
        // HTTP/0.9 form: 1.4 appends " /" if needed and " HTTP/1.0\r\n",
        // leaving the original line end in place after it
        start.truncate(if u_end > u_start { u_end } else { m_end });
        if u_end == u_start {
            start.extend_from_slice(b" /");
        }
        start.extend_from_slice(b" HTTP/1.0");
        start_eol = Eol::Crlf;
        v09_gap = Some(eol);
    }
    match parse_headers(buf, next, lax) {
        Err(()) => Parse::Invalid,
        Ok(None) => Parse::Partial,
        Ok(Some((hdrs, end_eol, total))) => Parse::Done(Head {
            start,
            start_eol,
            v09_gap,
            gap_before_headers: !hdrs.is_empty(),
            hdrs,
            end_eol,
            len: total.max(skipped),
        }),
    }
}

pub fn parse_response(buf: &[u8], limit: usize) -> Parse {
    parse_response_opts(buf, limit, false)
}

/// `parse_response`, with 1.4's accept-invalid-http-response leniency.
pub fn parse_response_opts(buf: &[u8], limit: usize, lax: bool) -> Parse {
    let r = parse_response_inner(buf, lax);
    match r {
        Parse::Partial if buf.len() >= limit => Parse::Invalid,
        Parse::Done(h) if h.len > limit => Parse::Invalid,
        r => r,
    }
}

fn parse_response_inner(buf: &[u8], lax: bool) -> Parse {
    let mut pos = 0;
    while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
        pos += 1;
    }
    let Some((end, next, eol)) = next_line(buf, pos) else {
        let part = &buf[pos..];
        let v_end = part.iter().position(|&c| c == b' ').unwrap_or(part.len());
        if !part[..v_end].iter().all(|&c| is_ver_token(c) || c == b'\r') {
            return Parse::Invalid;
        }
        return Parse::Partial;
    };
    let line = &buf[pos..end];
    let v_end = line
        .iter()
        .position(|&c| c == b' ' || c == b'\t')
        .unwrap_or(line.len());
    if v_end == 0 || v_end == line.len() || !line[..v_end].iter().all(|&c| is_ver_token(c)) {
        return Parse::Invalid;
    }
    let mut i = v_end;
    while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
        i += 1;
    }
    if i == line.len() {
        return Parse::Invalid;
    }
    match parse_headers(buf, next, lax) {
        Err(()) => Parse::Invalid,
        Ok(None) => Parse::Partial,
        Ok(Some((hdrs, end_eol, total))) => Parse::Done(Head {
            start: line.to_vec(),
            start_eol: eol,
            v09_gap: None,
            gap_before_headers: false,
            hdrs,
            end_eol,
            len: total,
        }),
    }
}

impl Head {
    pub fn method(&self) -> &[u8] {
        let e = self
            .start
            .iter()
            .position(|&c| c == b' ')
            .unwrap_or(self.start.len());
        &self.start[..e]
    }
    /// The request URI (second word of the request line).
    pub fn uri(&self) -> &[u8] {
        let mut it = self.start.split(|&c| c == b' ').filter(|w| !w.is_empty());
        it.next();
        it.next().unwrap_or(b"")
    }
    /// Version word: last word of a request line, first of a status line.
    pub fn req_version(&self) -> &[u8] {
        self.start
            .split(|&c| c == b' ')
            .rfind(|w| !w.is_empty())
            .unwrap_or(b"")
    }
    pub fn rsp_version(&self) -> &[u8] {
        self.start.split(|&c| c == b' ').next().unwrap_or(b"")
    }
    pub fn status(&self) -> u16 {
        let code = self
            .start
            .split(|&c| c == b' ' || c == b'\t')
            .filter(|w| !w.is_empty())
            .nth(1);
        code.and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
    /// HTTP/1.1 or above.
    pub fn is_11(&self, request: bool) -> bool {
        let v = if request {
            self.req_version()
        } else {
            self.rsp_version()
        };
        v.len() == 8 && v.starts_with(b"HTTP/") && (v[5] > b'1' || (v[5] == b'1' && v[7] >= b'1'))
    }
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.hdrs.iter().find(|h| h.is(name)).map(|h| h.value())
    }
    /// Values of a header, split on commas as 1.4's http_find_header does.
    pub fn values(&self, name: &str) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for h in self.hdrs.iter().filter(|h| h.is(name)) {
            for v in h.value().split(|&c| c == b',') {
                out.push(trim(v).to_vec());
            }
        }
        out
    }
    pub fn remove(&mut self, name: &str) {
        self.hdrs.retain(|h| !h.is(name));
    }
    pub fn add(&mut self, line: &[u8]) {
        self.hdrs.push(Hdr::new(line));
    }
    /// The head as it goes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len + 128);
        out.extend_from_slice(&self.start);
        out.extend_from_slice(self.start_eol.bytes());
        if let (Some(g), true) = (self.v09_gap, self.gap_before_headers) {
            out.extend_from_slice(g.bytes());
        }
        for h in &self.hdrs {
            out.extend_from_slice(&h.line);
            out.extend_from_slice(h.eol.bytes());
        }
        if let (Some(g), false) = (self.v09_gap, self.gap_before_headers) {
            out.extend_from_slice(g.bytes());
        }
        out.extend_from_slice(self.end_eol.bytes());
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn accept_invalid_lets_odd_header_names_through() {
        let r = b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n";
        assert_eq!(parse_request_opts(r, 8192, false), Parse::Invalid);
        assert!(matches!(parse_request_opts(r, 8192, true), Parse::Done(_)));
        let s = b"HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n";
        assert_eq!(parse_response_opts(s, 8192, false), Parse::Invalid);
        assert!(matches!(parse_response_opts(s, 8192, true), Parse::Done(_)));
    }

    use super::*;

    fn done(p: Parse) -> Head {
        match p {
            Parse::Done(h) => h,
            o => panic!("not done: {o:?}"),
        }
    }

    #[test]
    fn simple_request_roundtrip() {
        let r = b"GET /a?b HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\n\r\nBODY";
        let h = done(parse_request(r, 8192));
        assert_eq!(h.len, r.len() - 4);
        assert_eq!(h.uri(), b"/a?b");
        assert_eq!(h.get("host"), Some(&b"x"[..]));
        assert_eq!(h.to_bytes(), &r[..r.len() - 4]);
        assert!(h.is_11(true));
    }

    #[test]
    fn quirks() {
        let mut h = done(parse_request(b"GARBAGE\r\n\r\n", 8192));
        h.add(b"X-Forwarded-For: 127.0.0.1");
        assert_eq!(
            h.to_bytes(),
            b"GARBAGE / HTTP/1.0\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n\r\n"
        );
        let mut h = done(parse_request(b"GET /lf HTTP/1.1\nHost: t\n\n", 8192));
        h.add(b"Connection: close");
        assert_eq!(
            h.to_bytes(),
            b"GET /lf HTTP/1.1\nHost: t\nConnection: close\r\n\n"
        );
        assert_eq!(
            parse_request(b"GET /a b HTTP/1.1\r\n\r\n", 8192),
            Parse::Invalid
        );
        assert_eq!(
            parse_request(b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 8192),
            Parse::Invalid
        );
        assert_eq!(
            parse_request(b"GET / HTTP/1.1\r\nHost: te", 8192),
            Parse::Partial
        );
        assert_eq!(parse_request(&[b'a'; 8192], 8192), Parse::Invalid);
    }

    #[test]
    fn responses() {
        let h = done(parse_response(
            b"HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nbody",
            8192,
        ));
        assert_eq!(h.status(), 200);
        assert!(!h.is_11(false));
        assert_eq!(
            parse_response(b"THIS IS NOT HTTP\r\n\r\n", 8192),
            Parse::Invalid
        );
        assert_eq!(parse_response(b"HTTP/1.1 2", 8192), Parse::Partial);
    }
}
