//! Termination flags: why a session ended (1.4's SN_ERR_*) and in which
//! phase (SN_FINST_*), the first two letters of the log's termination
//! state. Both are kept from the first cause, as 1.4 does.

/// Why the session ended (the log's first letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// `-`: a normal end.
    None,
    /// `C`: the client aborted (closed or reset).
    CliClose,
    /// `c`: the client timeout struck.
    CliTimeout,
    /// `S`: the server aborted, refused or failed.
    SrvClose,
    /// `s`: the server (or queue, connect) timeout struck.
    SrvTimeout,
    /// `P`: the proxy ended it (a rule, a bad message, a local answer).
    PrxCond,
}

/// Where the session stood when it ended (the log's second letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fin {
    /// `-`: a normal end.
    None,
    /// `R`: waiting for (or analysing) the request.
    Request,
    /// `Q`: waiting in a queue.
    Queue,
    /// `C`: connecting to the server.
    Connect,
    /// `H`: waiting for (or analysing) the response headers.
    Headers,
    /// `D`: moving data.
    Data,
    /// `L`: sending the last data to the client.
    Last,
    /// `T`: held by a tarpit.
    Tarpit,
}

impl Cause {
    pub fn letter(self) -> u8 {
        match self {
            Cause::None => b'-',
            Cause::CliClose => b'C',
            Cause::CliTimeout => b'c',
            Cause::SrvClose => b'S',
            Cause::SrvTimeout => b's',
            Cause::PrxCond => b'P',
        }
    }
}

impl Fin {
    pub fn letter(self) -> u8 {
        match self {
            Fin::None => b'-',
            Fin::Request => b'R',
            Fin::Queue => b'Q',
            Fin::Connect => b'C',
            Fin::Headers => b'H',
            Fin::Data => b'D',
            Fin::Last => b'L',
            Fin::Tarpit => b'T',
        }
    }
}

/// Both flags of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub cause: Cause,
    pub fin: Fin,
}

impl Term {
    pub const NONE: Term = Term {
        cause: Cause::None,
        fin: Fin::None,
    };

    /// Sets each flag unless already set: 1.4 keeps the first cause.
    pub fn set(&mut self, cause: Cause, fin: Fin) {
        if self.cause == Cause::None {
            self.cause = cause;
        }
        if self.fin == Fin::None {
            self.fin = fin;
        }
    }

    /// The log's two letters.
    pub fn letters(self) -> [u8; 2] {
        [self.cause.letter(), self.fin.letter()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cause_stays() {
        let mut t = Term::NONE;
        assert_eq!(t.letters(), *b"--");
        t.set(Cause::CliTimeout, Fin::Request);
        t.set(Cause::SrvClose, Fin::Data);
        assert_eq!(t.letters(), *b"cR");
        let mut t = Term::NONE;
        t.set(Cause::None, Fin::Headers);
        t.set(Cause::PrxCond, Fin::Tarpit);
        assert_eq!(t.letters(), *b"PH");
    }
}
