//! The event loop's mio tokens, numbered in this one place: two per
//! session (client side, server side), then ranges far above any session
//! key for listeners, health checks, stats-socket clients and the signal
//! pipe. The reactor decodes a token back with `decode`.

use mio::Token;

const LISTENER_BASE: usize = 1 << 40;
const CHECK_BASE: usize = 1 << 41;
const CLI_BASE: usize = 1 << 42;
const SIGNAL: usize = 1 << 43;
const POOL_BASE: usize = 1 << 44;

/// What a readiness event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// session `key`'s client side
    Client(usize),
    /// session `key`'s server side
    Server(usize),
    Listener(usize),
    Check(usize),
    /// the stats socket's listener (0) or its client `n` (n >= 1)
    Cli(usize),
    Signal,
    /// idle pooled server connection `n` (src/idle_pool.rs)
    Pool(usize),
}

pub fn client(key: usize) -> Token {
    Token(key * 2)
}
pub fn server(key: usize) -> Token {
    Token(key * 2 + 1)
}
pub fn listener(i: usize) -> Token {
    Token(LISTENER_BASE + i)
}
pub fn check(i: usize) -> Token {
    Token(CHECK_BASE + i)
}
/// 0 is the stats socket's listener, n >= 1 its clients.
pub fn cli(n: usize) -> Token {
    Token(CLI_BASE + n)
}
/// An idle server connection parked in a server's pool.
pub fn pool(n: usize) -> Token {
    Token(POOL_BASE + n)
}
pub fn signal() -> Token {
    Token(SIGNAL)
}

/// The source a token stands for.
pub fn decode(t: Token) -> Source {
    match t.0 {
        SIGNAL => Source::Signal,
        t if t >= POOL_BASE => Source::Pool(t - POOL_BASE),
        t if t >= CLI_BASE => Source::Cli(t - CLI_BASE),
        t if t >= CHECK_BASE => Source::Check(t - CHECK_BASE),
        t if t >= LISTENER_BASE => Source::Listener(t - LISTENER_BASE),
        t if t % 2 == 1 => Source::Server(t / 2),
        t => Source::Client(t / 2),
    }
}

/// Whether a token belongs to work that 1.4 would count in its run
/// queue (sessions, checks, stats-socket clients).
pub fn is_task(t: Token) -> bool {
    !matches!(
        decode(t),
        Source::Listener(_) | Source::Signal | Source::Pool(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(decode(client(7)), Source::Client(7));
        assert_eq!(decode(server(7)), Source::Server(7));
        assert_eq!(decode(listener(3)), Source::Listener(3));
        assert_eq!(decode(check(0)), Source::Check(0));
        assert_eq!(decode(cli(0)), Source::Cli(0));
        assert_eq!(decode(cli(5)), Source::Cli(5));
        assert_eq!(decode(signal()), Source::Signal);
        assert_eq!(decode(pool(0)), Source::Pool(0));
        assert_eq!(decode(pool(9)), Source::Pool(9));
    }
}
