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

mod parse;
#[cfg(test)]
mod tests;

pub use parse::{parse_request, parse_request_opts, parse_response, parse_response_opts};

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
    /// The last value of a header, split on commas as 1.4's
    /// http_find_header does, read in place.
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
