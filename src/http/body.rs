//! Message framing: where a request or response body ends.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Size,
    Ext,
    SizeLf,
    Data(u64),
    DataCr,
    DataLf,
    Trailer { empty: bool },
    TrailerLf { empty: bool },
}

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
            chunk: Chunk::Size,
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
            let c = data[i];
            match self.chunk {
                Chunk::Size => match c {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        let d = (c as char).to_digit(16).unwrap_or(0) as u64;
                        self.size = self.size.saturating_mul(16).saturating_add(d);
                        i += 1;
                    }
                    b';' | b' ' | b'\t' => {
                        self.chunk = Chunk::Ext;
                        i += 1;
                    }
                    b'\r' => {
                        self.chunk = Chunk::SizeLf;
                        i += 1;
                    }
                    b'\n' => {
                        self.end_size();
                        i += 1;
                    }
                    _ => self.error = true,
                },
                Chunk::Ext => {
                    if c == b'\n' {
                        self.end_size();
                    } else if c == b'\r' {
                        self.chunk = Chunk::SizeLf;
                    }
                    i += 1;
                }
                Chunk::SizeLf => {
                    if c != b'\n' {
                        self.error = true;
                        break;
                    }
                    self.end_size();
                    i += 1;
                }
                Chunk::Data(left) => {
                    let n = ((data.len() - i) as u64).min(left);
                    i += n as usize;
                    let left = left - n;
                    self.chunk = if left == 0 {
                        Chunk::DataCr
                    } else {
                        Chunk::Data(left)
                    };
                }
                Chunk::DataCr => {
                    self.chunk = match c {
                        b'\r' => Chunk::DataLf,
                        b'\n' => Chunk::Size,
                        _ => {
                            self.error = true;
                            break;
                        }
                    };
                    i += 1;
                }
                Chunk::DataLf => {
                    if c != b'\n' {
                        self.error = true;
                        break;
                    }
                    self.chunk = Chunk::Size;
                    i += 1;
                }
                Chunk::Trailer { empty } => {
                    i += 1;
                    if c == b'\r' {
                        self.chunk = Chunk::TrailerLf { empty };
                    } else if c == b'\n' {
                        if empty {
                            self.done = true;
                        } else {
                            self.chunk = Chunk::Trailer { empty: true };
                        }
                    } else {
                        self.chunk = Chunk::Trailer { empty: false };
                    }
                }
                Chunk::TrailerLf { empty } => {
                    i += 1;
                    if c != b'\n' {
                        self.error = true;
                        break;
                    }
                    if empty {
                        self.done = true;
                    } else {
                        self.chunk = Chunk::Trailer { empty: true };
                    }
                }
            }
        }
        i
    }

    fn end_size(&mut self) {
        self.chunk = if self.size == 0 {
            Chunk::Trailer { empty: true }
        } else {
            Chunk::Data(self.size)
        };
        self.size = 0;
    }
}

/// Request framing from its headers: chunked wins over Content-Length.
pub fn request_framing(h: &super::head::Head) -> Result<Framing, ()> {
    if let Some(te) = h.last_value("Transfer-Encoding") {
        if te.eq_ignore_ascii_case(b"chunked") {
            return Ok(Framing::Chunked);
        }
    }
    match h.get("Content-Length") {
        Some(v) => {
            let s = std::str::from_utf8(v).map_err(|_| ())?;
            let n: u64 = s.trim().parse().map_err(|_| ())?;
            Ok(Framing::Length(n))
        }
        None => Ok(Framing::Empty),
    }
}

pub fn response_framing(h: &super::head::Head, head_request: bool) -> Framing {
    let st = h.status();
    if head_request || (100..200).contains(&st) || st == 204 || st == 304 {
        return Framing::Empty;
    }
    if let Some(te) = h.last_value("Transfer-Encoding") {
        if te.eq_ignore_ascii_case(b"chunked") {
            return Framing::Chunked;
        }
    }
    match h
        .get("Content-Length")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| s.trim().parse().ok())
    {
        Some(n) => Framing::Length(n),
        None => Framing::Close,
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

    #[test]
    fn length() {
        let mut b = Body::new(Framing::Length(5));
        assert_eq!(b.feed(b"abc"), 3);
        assert_eq!(b.feed(b"defgh"), 2);
        assert!(b.done);
    }
}
