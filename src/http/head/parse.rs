//! Parsing a head into a `Head` as 1.4's state machine does: leading
//! empty lines skipped, one-token and HTTP/0.9 request lines, bare LF
//! line ends, obsolete line folding (never for the framing headers), 1.4's
//! limit on indexed header lines, and the accept-invalid leniencies.

use super::*;

fn is_ver_token(c: u8) -> bool {
    matches!(c, b'H' | b'T' | b'P' | b'/' | b'.' | b'0'..=b'9')
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

/// Headers that frame a message: never taken folded over lines.
const FRAMING: [&[u8]; 2] = [b"content-length", b"transfer-encoding"];

/// Header lines after the start line, until the empty line, indexed into
/// `lines` (offsets into `buf`). `lax` (option accept-invalid-http-request
/// or -response) lets header names hold non-token characters, as 1.4 then
/// does. Returns the final line end and the head's length.
fn parse_headers(
    buf: &[u8],
    mut pos: usize,
    lax: bool,
    lines: &mut Vec<Line>,
    folds: &mut Vec<(u32, u8)>,
) -> Result<Option<(Eol, usize)>, ()> {
    loop {
        let Some((end, next, eol)) = next_line(buf, pos) else {
            // a partial line must still look like a header so far
            let part = &buf[pos..];
            if part.iter().rev().skip(1).any(|&c| c == b'\r') {
                return Err(());
            }
            if let Some(c) = part.iter().position(|&c| c == b':') {
                if !lax && !part[..c].iter().all(|&c| is_token(c)) {
                    return Err(());
                }
            }
            return Ok(None);
        };
        let line = &buf[pos..end];
        if line.is_empty() {
            return Ok(Some((eol, next)));
        }
        if line.contains(&b'\r') {
            // 1.4 takes a CR only right before the LF that ends a line
            return Err(());
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // obsolete line folding: 1.4 turns the line break into spaces,
            // which joins this line to the previous one where they stand
            let Some(prev) = lines.last_mut() else {
                return Err(());
            };
            let name = &buf[prev.off as usize..];
            let name = &name[..name.iter().position(|&c| c == b':').unwrap_or(0)];
            if FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
                // stricter than 1.4 (request smuggling): a folded framing
                // header could be read otherwise by the next hop
                return Err(());
            }
            let prev_end = prev.off as usize + prev.len as usize;
            folds.push((prev_end as u32, prev.eol.bytes().len() as u8));
            prev.len = (end - prev.off as usize) as u32;
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
        if lines.len() >= MAX_HDRS {
            return Err(());
        }
        lines.push(span(pos, end - pos, eol));
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
    let mut h = Head::default();
    let st = h.parse_request(buf, limit, lax);
    owned(st, h)
}

fn owned(st: Status, h: Head) -> Parse {
    match st {
        Status::Done => Parse::Done(h),
        Status::Partial => Parse::Partial,
        Status::Invalid => Parse::Invalid,
    }
}

pub fn parse_response(buf: &[u8], limit: usize) -> Parse {
    parse_response_opts(buf, limit, false)
}

/// `parse_response`, with 1.4's accept-invalid-http-response leniency.
pub fn parse_response_opts(buf: &[u8], limit: usize, lax: bool) -> Parse {
    let mut h = Head::default();
    let st = h.parse_response(buf, limit, lax);
    owned(st, h)
}

impl Head {
    /// Copies the parsed head (`len` bytes of `buf`) into the arena and
    /// joins folded lines there.
    fn take_text(&mut self, buf: &[u8]) {
        self.text.clear();
        self.text.extend_from_slice(&buf[..self.len]);
        for &(at, n) in &self.folds {
            let at = at as usize;
            for c in &mut self.text[at..at + n as usize] {
                *c = b' ';
            }
        }
        self.folds.clear();
        self.wire = self.measure();
    }

    fn measure(&self) -> usize {
        let gap = self.v09_gap.map_or(0, |g| g.bytes().len());
        let hdrs: usize = self
            .lines
            .iter()
            .map(|l| l.len as usize + l.eol.bytes().len())
            .sum();
        self.start.len as usize
            + self.start.eol.bytes().len()
            + gap
            + hdrs
            + self.end_eol.bytes().len()
    }

    /// Parses a request head from `buf` into this head (see `parse_request`).
    pub fn parse_request(&mut self, buf: &[u8], limit: usize, lax: bool) -> Status {
        self.parse_with(buf, limit, lax, Head::parse_request_inner)
    }

    /// Parses a response head from `buf` into this head.
    pub fn parse_response(&mut self, buf: &[u8], limit: usize, lax: bool) -> Status {
        self.parse_with(buf, limit, lax, Head::parse_response_inner)
    }

    /// Runs a parser from a clean head, applies the head-size limit, and
    /// leaves the head empty unless it is complete.
    fn parse_with(
        &mut self,
        buf: &[u8],
        limit: usize,
        lax: bool,
        inner: fn(&mut Head, &[u8], bool) -> Status,
    ) -> Status {
        self.clear();
        let st = match inner(self, buf, lax) {
            Status::Partial if buf.len() >= limit => Status::Invalid,
            Status::Done if self.len > limit => Status::Invalid,
            st => st,
        };
        if st != Status::Done {
            self.clear();
        }
        st
    }

    fn parse_request_inner(&mut self, buf: &[u8], lax: bool) -> Status {
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
                return Status::Invalid;
            }
            return Status::Partial;
        };
        let line = &buf[pos..end];
        // method
        let m_end = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
        if m_end == 0 || !line[..m_end].iter().all(|&c| is_token(c)) {
            return Status::Invalid;
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
            return Status::Invalid;
        }
        while i < line.len() && line[i] == b' ' {
            i += 1;
        }
        let v_start = i;
        if !line[v_start..].iter().all(|&c| is_ver_token(c)) {
            return Status::Invalid;
        }
        self.start = span(pos, end - pos, eol);
        let whole_v09 = v_start == line.len() && eol == Eol::Crlf;
        if whole_v09 {
            // 1.4 takes a request line without a version that ends with
            // CRLF as a whole HTTP/0.9 request: no headers are waited for
            self.end_eol = Eol::Crlf;
            self.len = next;
        } else {
            match parse_headers(buf, next, lax, &mut self.lines, &mut self.folds) {
                Err(()) => return Status::Invalid,
                Ok(None) => return Status::Partial,
                Ok(Some((end_eol, total))) => {
                    self.end_eol = end_eol;
                    self.len = total.max(skipped);
                }
            }
        }
        if v_start == line.len() {
            // HTTP/0.9 form: 1.4 appends " /" if needed and " HTTP/1.0\r\n",
            // leaving the original line end in place after it
            self.v09_gap = (!whole_v09).then_some(eol);
            self.gap_before_headers = !self.lines.is_empty();
            let keep = if u_end > u_start { u_end } else { m_end };
            self.take_text(buf);
            let off = self.text.len();
            self.text.extend_from_within(pos..pos + keep);
            if u_end == u_start {
                self.text.extend_from_slice(b" /");
            }
            self.text.extend_from_slice(b" HTTP/1.0");
            self.start = span(off, self.text.len() - off, Eol::Crlf);
            self.wire = self.measure();
        } else {
            self.take_text(buf);
        }
        Status::Done
    }

    fn parse_response_inner(&mut self, buf: &[u8], lax: bool) -> Status {
        let mut pos = 0;
        while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
            pos += 1;
        }
        let Some((end, next, eol)) = next_line(buf, pos) else {
            let part = &buf[pos..];
            let v_end = part.iter().position(|&c| c == b' ').unwrap_or(part.len());
            if !part[..v_end].iter().all(|&c| is_ver_token(c) || c == b'\r') {
                return Status::Invalid;
            }
            return Status::Partial;
        };
        let line = &buf[pos..end];
        let v_end = line
            .iter()
            .position(|&c| c == b' ' || c == b'\t')
            .unwrap_or(line.len());
        if v_end == 0 || v_end == line.len() || !line[..v_end].iter().all(|&c| is_ver_token(c)) {
            return Status::Invalid;
        }
        let mut i = v_end;
        while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i == line.len() {
            return Status::Invalid;
        }
        self.start = span(pos, end - pos, eol);
        match parse_headers(buf, next, lax, &mut self.lines, &mut self.folds) {
            Err(()) => Status::Invalid,
            Ok(None) => Status::Partial,
            Ok(Some((end_eol, total))) => {
                self.end_eol = end_eol;
                self.len = total;
                self.take_text(buf);
                Status::Done
            }
        }
    }
}
