//! Request and response heads, parsed the way 1.4's state machine does.
//! (httparse rejects heads 1.4 accepts, such as one-token request lines
//! and bare LF line ends, so the parser is our own.)
//!
//! A `Head` holds the head's bytes once, in one arena, with an index of
//! its lines (1.4's hdr_idx). Edits work on that arena: a line rewritten
//! no longer than before is overwritten where it stands, a longer one or an
//! added one goes at the arena's end, a removed one leaves the index. The
//! arena and the index keep their capacity when the head is cleared, so a
//! head reused from request to request allocates nothing. Rewrites must fit
//! the rewrite reserve: the head on the wire, plus whatever else the buffer
//! holds, stays under tune.bufsize as in 1.4, or the edit is refused.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Eol {
    #[default]
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

/// One header line, borrowed from its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hdr<'a> {
    /// The whole header line without its line end.
    pub line: &'a [u8],
    pub eol: Eol,
}

impl<'a> Hdr<'a> {
    pub fn name(&self) -> &'a [u8] {
        match self.line.iter().position(|&c| c == b':') {
            Some(p) => &self.line[..p],
            None => self.line,
        }
    }
    pub fn value(&self) -> &'a [u8] {
        match self.line.iter().position(|&c| c == b':') {
            Some(p) => trim(&self.line[p + 1..]),
            None => b"",
        }
    }
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }
}

/// 1.4's find_hdr_value_end(): from `s`, the first ',' outside a quoted
/// string (a backslash escapes the next byte inside quotes), else the end.
pub fn find_hdr_value_end(v: &[u8], s: usize) -> usize {
    value_end_at(v, s, b",")
}

/// The first of `delims` from `s` outside a quoted string, else the end:
/// the scan shared by 1.4's header (',') and cookie (',' and ';') lists.
pub fn value_end_at(v: &[u8], s: usize, delims: &[u8]) -> usize {
    let (mut quoted, mut qdpair) = (false, false);
    for (i, &c) in v.iter().enumerate().skip(s) {
        if qdpair {
            qdpair = false;
        } else if quoted {
            match c {
                b'\\' => qdpair = true,
                b'"' => quoted = false,
                _ => {}
            }
        } else if c == b'"' {
            quoted = true;
        } else if delims.contains(&c) {
            return i;
        }
    }
    v.len()
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

/// A line in the arena: offset, length (without line end), line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Line {
    off: u32,
    len: u32,
    eol: Eol,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Head {
    text: Vec<u8>,
    start: Line,
    /// The original line end of an HTTP/0.9-style request line, which 1.4
    /// keeps after the version it appends.
    pub v09_gap: Option<Eol>,
    /// Whether that gap sits before the headers (it did have headers).
    pub gap_before_headers: bool,
    lines: Vec<Line>,
    pub end_eol: Eol,
    /// Bytes the head used in the input (leading empty lines included).
    pub len: usize,
    /// Bytes of the head on the wire, kept up to date by every edit.
    wire: usize,
    /// Most bytes the head may take on the wire (the buffer size less
    /// what else the buffer holds); 0 means no limit.
    cap: usize,
    /// Parser scratch: where obsolete line folds put spaces.
    folds: Vec<(u32, u8)>,
    /// Edit scratch, so that rebuilt lines need no allocation.
    scratch: Vec<u8>,
}

/// Outcome of parsing into a reused head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    Partial,
    Invalid,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    Done(Head),
    Partial,
    Invalid,
}

pub(crate) fn is_token(c: u8) -> bool {
    c > 32 && c < 127 && !b"()<>@,;:\\\"/[]?={}".contains(&c)
}

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

fn span(off: usize, len: usize, eol: Eol) -> Line {
    Line {
        off: off as u32,
        len: len as u32,
        eol,
    }
}

/// The most header lines 1.4 indexes in a head: its header index holds
/// (16384 + 79) / 80 = 205 entries, the first for the start line.
const MAX_HDRS: usize = 204;

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
    /// Forgets the head, keeping the arena's and index's capacity.
    pub fn clear(&mut self) {
        self.text.clear();
        self.lines.clear();
        self.folds.clear();
        self.start = Line::default();
        self.v09_gap = None;
        self.gap_before_headers = false;
        self.end_eol = Eol::Crlf;
        self.len = 0;
        self.wire = 0;
        self.cap = 0;
    }

    /// Bytes the arena holds allocated.
    pub fn arena_capacity(&self) -> usize {
        self.text.capacity()
    }

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

    fn at(&self, l: Line) -> &[u8] {
        &self.text[l.off as usize..l.off as usize + l.len as usize]
    }

    /// The start line (request or status line) without its line end.
    pub fn start(&self) -> &[u8] {
        self.at(self.start)
    }
    pub fn hdr_count(&self) -> usize {
        self.lines.len()
    }
    /// Header `i` (0-based). Panics on an index out of range, like a slice.
    pub fn hdr(&self, i: usize) -> Hdr<'_> {
        let l = self.lines[i];
        Hdr {
            line: self.at(l),
            eol: l.eol,
        }
    }
    pub fn hdrs(&self) -> impl Iterator<Item = Hdr<'_>> + '_ {
        self.lines.iter().map(move |&l| Hdr {
            line: self.at(l),
            eol: l.eol,
        })
    }

    /// Sets the most bytes the head may take on the wire (0: no limit).
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap;
    }
    /// Bytes of the head on the wire.
    pub fn wire_len(&self) -> usize {
        self.wire
    }
    /// The head on the wire without the line end that closes it.
    pub fn wire_len_to_eoh(&self) -> usize {
        self.wire.saturating_sub(self.end_eol.bytes().len())
    }
    fn fits(&self, grow: usize) -> bool {
        self.cap == 0 || self.wire + grow < self.cap
    }

    /// Puts `new` where line `l` was: in place when no longer, else at
    /// the arena's end. None when it would overflow the rewrite reserve.
    fn relocate(&mut self, l: Line, new: &[u8]) -> Option<Line> {
        let old = l.len as usize;
        if new.len() > old && !self.fits(new.len() - old) {
            return None;
        }
        self.wire = self.wire + new.len() - old;
        if new.len() <= old {
            let o = l.off as usize;
            self.text[o..o + new.len()].copy_from_slice(new);
            return Some(span(o, new.len(), l.eol));
        }
        let off = self.text.len();
        self.text.extend_from_slice(new);
        Some(span(off, new.len(), l.eol))
    }

    /// Replaces the start line; false (nothing changed) when the rewrite
    /// reserve is full.
    pub fn set_start(&mut self, new: &[u8]) -> bool {
        match self.relocate(self.start, new) {
            Some(l) => {
                self.start = l;
                true
            }
            None => false,
        }
    }
    /// Replaces header line `i`; false when the rewrite reserve is full.
    pub fn set_hdr(&mut self, i: usize, new: &[u8]) -> bool {
        match self.relocate(self.lines[i], new) {
            Some(l) => {
                self.lines[i] = l;
                true
            }
            None => false,
        }
    }
    /// Rebuilds header line `i` with `f(old line, new line)`, without
    /// allocating; false when the rewrite reserve is full.
    pub fn edit_hdr(&mut self, i: usize, f: impl FnOnce(&[u8], &mut Vec<u8>)) -> bool {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        f(self.at(self.lines[i]), &mut s);
        let ok = self.set_hdr(i, &s);
        self.scratch = s;
        ok
    }
    pub fn remove_hdr(&mut self, i: usize) {
        let l = self.lines.remove(i);
        self.wire -= l.len as usize + l.eol.bytes().len();
    }
    pub fn remove(&mut self, name: &str) {
        let mut i = 0;
        while i < self.lines.len() {
            if self.hdr(i).is(name) {
                self.remove_hdr(i);
            } else {
                i += 1;
            }
        }
    }
    /// Adds a header line at the end; false when the rewrite reserve is full.
    pub fn add(&mut self, line: &[u8]) -> bool {
        self.add_with(|out| out.extend_from_slice(line))
    }
    /// Adds a header line written by `f` straight into the arena.
    pub fn add_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> bool {
        let off = self.text.len();
        f(&mut self.text);
        let len = self.text.len() - off;
        if !self.fits(len + 2) {
            self.text.truncate(off);
            return false;
        }
        self.lines.push(span(off, len, Eol::Crlf));
        self.wire += len + 2;
        // as in 1.4, the line is written even when its header index is
        // full, and the caller is told (forwardfor and reqadd then refuse
        // the request; the Connection header does not care)
        self.lines.len() <= MAX_HDRS
    }

    pub fn method(&self) -> &[u8] {
        let s = self.start();
        let e = s.iter().position(|&c| c == b' ').unwrap_or(s.len());
        &s[..e]
    }
    /// The request URI (second word of the request line).
    pub fn uri(&self) -> &[u8] {
        let mut it = self.start().split(|&c| c == b' ').filter(|w| !w.is_empty());
        it.next();
        it.next().unwrap_or(b"")
    }
    /// Version word: last word of a request line, first of a status line.
    pub fn req_version(&self) -> &[u8] {
        self.start()
            .split(|&c| c == b' ')
            .rfind(|w| !w.is_empty())
            .unwrap_or(b"")
    }
    pub fn rsp_version(&self) -> &[u8] {
        self.start().split(|&c| c == b' ').next().unwrap_or(b"")
    }
    /// The status code field: the word after the version.
    fn status_field(&self) -> &[u8] {
        self.start()
            .split(|&c| c == b' ' || c == b'\t')
            .filter(|w| !w.is_empty())
            .nth(1)
            .unwrap_or(&[])
    }
    /// The status as 1.4's strl2ui() reads the code field: every byte
    /// counts as a digit, unchecked (`abc` is 5451), in wrapping unsigned
    /// arithmetic, then kept as an int.
    pub fn status(&self) -> i32 {
        self.status_field().iter().fold(0u32, |i, &c| {
            i.wrapping_mul(10)
                .wrapping_add(u32::from(c))
                .wrapping_sub(u32::from(b'0'))
        }) as i32
    }
    /// The server's `hrsp_*` slot: 1.4 takes the code's first character
    /// (1xx..5xx, anything else is "other").
    pub fn status_slot(&self) -> usize {
        match self.status_field().first() {
            Some(c @ b'1'..=b'5') => usize::from(c - b'1'),
            _ => 5,
        }
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
        self.hdrs().find(|h| h.is(name)).map(|h| h.value())
    }
    /// Values of a header, split on commas as 1.4's http_find_header does.
    pub fn values(&self, name: &str) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for h in self.hdrs().filter(|h| h.is(name)) {
            for v in h.value().split(|&c| c == b',') {
                out.push(trim(v).to_vec());
            }
        }
        out
    }
    /// The last of `values(name)`, without collecting them.
    pub fn last_value(&self, name: &str) -> Option<&[u8]> {
        let h = self.hdrs().filter(|h| h.is(name)).last()?;
        h.value().rsplit(|&c| c == b',').next().map(trim)
    }
    /// Appends the head as it goes on the wire to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.reserve(self.wire);
        out.extend_from_slice(self.start());
        out.extend_from_slice(self.start.eol.bytes());
        if let (Some(g), true) = (self.v09_gap, self.gap_before_headers) {
            out.extend_from_slice(g.bytes());
        }
        for &l in &self.lines {
            out.extend_from_slice(self.at(l));
            out.extend_from_slice(l.eol.bytes());
        }
        if let (Some(g), false) = (self.v09_gap, self.gap_before_headers) {
            out.extend_from_slice(g.bytes());
        }
        out.extend_from_slice(self.end_eol.bytes());
    }
    /// The head as it goes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.wire);
        self.write_to(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(p: Parse) -> Head {
        match p {
            Parse::Done(h) => h,
            o => panic!("not done: {o:?}"),
        }
    }

    #[test]
    fn accept_invalid_lets_odd_header_names_through() {
        let r = b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n";
        assert_eq!(parse_request_opts(r, 8192, false), Parse::Invalid);
        assert!(matches!(parse_request_opts(r, 8192, true), Parse::Done(_)));
        let s = b"HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n";
        assert_eq!(parse_response_opts(s, 8192, false), Parse::Invalid);
        assert!(matches!(parse_response_opts(s, 8192, true), Parse::Done(_)));
    }

    #[test]
    fn simple_request_roundtrip() {
        let r = b"GET /a?b HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\n\r\nBODY";
        let h = done(parse_request(r, 8192));
        assert_eq!(h.len, r.len() - 4);
        assert_eq!(h.uri(), b"/a?b");
        assert_eq!(h.get("host"), Some(&b"x"[..]));
        assert_eq!(h.to_bytes(), &r[..r.len() - 4]);
        assert_eq!(h.wire_len(), r.len() - 4);
        assert!(h.is_11(true));
    }

    #[test]
    fn quirks() {
        // a version-less line ending in CRLF is a whole request (1.4)
        let mut h = done(parse_request(b"GARBAGE\r\n\r\n", 8192));
        assert_eq!(h.len, 9);
        h.add(b"X-Forwarded-For: 127.0.0.1");
        assert_eq!(
            h.to_bytes(),
            b"GARBAGE / HTTP/1.0\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n"
        );
        // with a bare LF, headers are still waited for
        assert!(matches!(
            parse_request(b"GET /\nHost: a\n", 8192),
            Parse::Partial
        ));
        assert_eq!(h.wire_len(), h.to_bytes().len());
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
    fn folded_lines_are_joined_with_spaces() {
        let r = b"GET / HTTP/1.1\r\nX-A: one\r\n  two\r\nHost: h\r\n\r\n";
        let h = done(parse_request(r, 8192));
        assert_eq!(h.hdr_count(), 2);
        assert_eq!(h.hdr(0).line, b"X-A: one    two");
        assert_eq!(
            h.to_bytes(),
            b"GET / HTTP/1.1\r\nX-A: one    two\r\nHost: h\r\n\r\n"
        );
    }

    #[test]
    fn edits_stay_in_place_when_they_fit() {
        let mut h = Head::default();
        let r = b"GET / HTTP/1.1\r\nCookie: SRV=A~abc\r\nConnection: keep-alive\r\n\r\n";
        assert_eq!(h.parse_request(r, 8192, false), Status::Done);
        let arena = h.text.len();
        assert!(h.set_hdr(0, b"Cookie: SRV=abc"));
        h.remove_hdr(1);
        assert_eq!(h.text.len(), arena, "shorter edits reuse the line's bytes");
        assert!(h.edit_hdr(0, |old, new| {
            new.extend_from_slice(old);
            new.extend_from_slice(b"; more=1");
        }));
        assert_eq!(
            h.to_bytes(),
            b"GET / HTTP/1.1\r\nCookie: SRV=abc; more=1\r\n\r\n"
        );
        assert_eq!(h.wire_len(), h.to_bytes().len());
        // a reused head keeps its allocations
        let (p, c) = (h.text.as_ptr(), h.text.capacity());
        assert_eq!(
            h.parse_request(b"GET /x HTTP/1.0\r\n\r\n", 8192, false),
            Status::Done
        );
        assert_eq!((h.text.as_ptr(), h.text.capacity()), (p, c));
        assert_eq!(h.uri(), b"/x");
    }

    #[test]
    fn rewrites_must_fit_the_reserve() {
        let mut h = done(parse_request(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 8192));
        let w = h.wire_len();
        h.set_cap(w + 10);
        assert!(h.add(b"X: 1234"), "9 bytes fit under 10");
        assert!(!h.add(b"Y: 1"), "the reserve is full");
        assert!(!h.set_start(b"GET /longer HTTP/1.1"));
        assert!(h.set_start(b"GET / HTTP/1.0"));
        assert_eq!(
            h.to_bytes(),
            b"GET / HTTP/1.0\r\nHost: h\r\nX: 1234\r\n\r\n"
        );
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
        let h = done(parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            8192,
        ));
        assert_eq!(h.last_value("transfer-encoding"), Some(&b"chunked"[..]));
    }
}
