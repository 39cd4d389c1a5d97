//! Where 1.4's HTTP message parser stops on an invalid head, for the
//! `error at position` of `show errors`: the states of `http_msg_analyzer`
//! (start line, header names, values, line ends) replayed over the captured
//! bytes, returning the offset of the first byte no state accepts.

/// RFC 2616 token characters (1.4's `HTTP_IS_TOKEN`).
fn token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Characters of an HTTP version (1.4's `HTTP_IS_VER_TOKEN`).
fn ver_token(c: u8) -> bool {
    matches!(c, b'H' | b'T' | b'P' | b'/' | b'.' | b'0'..=b'9')
}

fn spht(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn crlf(c: u8) -> bool {
    c == b'\r' || c == b'\n'
}

/// A cursor over the message; every step fails with the position of the
/// byte it refused (or the end of the data).
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn at(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips bytes while `f` holds.
    fn eat(&mut self, f: impl Fn(u8) -> bool) {
        while self.at().is_some_and(&f) {
            self.i += 1;
        }
    }

    /// Ends a line: an optional CR then a mandatory LF.
    fn eol(&mut self) -> Result<(), usize> {
        if self.at() == Some(b'\r') {
            self.i += 1;
        }
        if self.at() != Some(b'\n') {
            return Err(self.i);
        }
        self.i += 1;
        Ok(())
    }

    /// A request line: method, URI and version (HTTP/0.9 when they stop
    /// early at the line end).
    fn request_line(&mut self) -> Result<(), usize> {
        self.eat(token);
        match self.at() {
            Some(c) if spht(c) => self.eat(spht),
            Some(c) if crlf(c) => return self.eol(),
            _ => return Err(self.i),
        }
        // the URI: 33..126 and 8-bit characters
        self.eat(|c| (33..=126).contains(&c) || c >= 128);
        match self.at() {
            Some(c) if spht(c) => self.eat(spht),
            Some(c) if crlf(c) => return self.eol(),
            _ => return Err(self.i),
        }
        self.eat(ver_token);
        match self.at() {
            Some(c) if crlf(c) => self.eol(),
            _ => Err(self.i),
        }
    }

    /// A status line: version, code, optional reason.
    fn status_line(&mut self) -> Result<(), usize> {
        self.eat(ver_token);
        match self.at() {
            Some(c) if spht(c) => self.eat(spht),
            _ => return Err(self.i),
        }
        if self.at().is_none_or(crlf) {
            return Err(self.i);
        }
        self.eat(|c| !spht(c) && !crlf(c));
        self.eat(|c| !crlf(c));
        self.eol()
    }

    /// Header lines up to the empty line; values may be folded.
    fn headers(&mut self) -> Result<(), usize> {
        loop {
            match self.at() {
                None => return Err(self.i),
                Some(c) if crlf(c) => return self.eol(),
                _ => {}
            }
            self.eat(token);
            if self.at() != Some(b':') {
                return Err(self.i);
            }
            self.i += 1;
            loop {
                self.eat(|c| !crlf(c));
                self.eol()?;
                if !self.at().is_some_and(spht) {
                    break;
                }
            }
        }
    }
}

/// The offset, from the start of the message, of the byte where 1.4's
/// parser rejects the head in `buf` (a response when `rsp`); the end of the
/// data when the parser found nothing wrong (the head was refused for
/// another reason, or is incomplete).
pub fn error_position(buf: &[u8], rsp: bool) -> usize {
    let mut c = Cur { b: buf, i: 0 };
    // empty lines before the message are skipped, not part of it
    c.eat(crlf);
    let som = c.i;
    if !c.at().is_some_and(token) {
        return c.i.min(buf.len()) - som;
    }
    let r = if rsp {
        c.status_line()
    } else {
        c.request_line()
    };
    match r.and_then(|_| c.headers()) {
        Err(p) => p - som,
        Ok(()) => buf.len() - som,
    }
}

#[cfg(test)]
mod tests {
    use super::error_position;

    #[test]
    fn a_request_version_with_spaces_stops_at_its_first_word() {
        assert_eq!(
            error_position(b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n", false),
            7
        );
    }

    #[test]
    fn a_header_name_with_a_space_stops_at_the_space() {
        let r = b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n";
        assert_eq!(error_position(r, true), 20);
    }

    #[test]
    fn control_characters_in_the_uri_are_refused() {
        assert_eq!(error_position(b"GET /a\x01b HTTP/1.0\r\n\r\n", false), 6);
    }

    #[test]
    fn a_cr_without_lf_is_refused_after_the_cr() {
        assert_eq!(error_position(b"GET / HTTP/1.0\rX\n\r\n", false), 15);
    }

    #[test]
    fn a_valid_head_points_at_its_end() {
        let r = b"GET / HTTP/1.0\r\nA: b\r\n c\r\n\r\n";
        assert_eq!(error_position(r, false), r.len());
    }

    #[test]
    fn a_status_without_code_is_refused_at_the_line_end() {
        assert_eq!(error_position(b"HTTP/1.1 \r\n\r\n", true), 9);
    }
}
