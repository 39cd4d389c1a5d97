//! Keyword tables: each keyword family registers (keyword, where it is
//! allowed, the capability it needs, one small handler) and `dispatch`
//! runs the checks 1.4 makes before every such keyword, in 1.4's order:
//! refused in `defaults` first, then the capability warning, then the
//! handler's own argument checks.

use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::warn_if_not_cap;

/// A keyword's handler: parses the line into the parser's current
/// section and returns 1.4's ERR_* bits.
pub type Handler = fn(&mut Parser, &Line) -> u32;

/// The proxy capability a keyword needs (CAP_FE / CAP_BE / CAP_RS bits).
#[derive(Clone, Copy, Debug)]
pub enum Caps {
    /// any section of the family
    Any,
    /// warned about by the dispatcher before the handler runs, with the
    /// hint 1.4 appends to its warning
    First(u8, &'static str),
    /// warned about by the handler itself, after reading some arguments
    /// (1.4's order for this keyword)
    Own(u8),
}

/// Whether a `defaults` section may hold the keyword.
#[derive(Clone, Copy, Debug)]
pub enum Defaults {
    Allowed,
    /// refused with 1.4's alert, whose separator after `[file:line]`
    /// differs between keywords (":" or " :")
    Refused(&'static str),
}

pub struct Kw {
    pub name: &'static str,
    pub defaults: Defaults,
    pub caps: Caps,
    pub run: Handler,
}

/// A table entry (keeps the tables one line per keyword).
pub const fn kw(name: &'static str, defaults: Defaults, caps: Caps, run: Handler) -> Kw {
    Kw {
        name,
        defaults,
        caps,
        run,
    }
}

pub const ANY: Caps = Caps::Any;
pub const DEF_OK: Defaults = Defaults::Allowed;

/// Runs the entry of `table` named by word `word` of the line (0 for a
/// keyword, 1 for an `option`'s name); None when the table has none.
pub fn dispatch(p: &mut Parser, l: &Line, table: &[Kw], word: usize) -> Option<u32> {
    let name = l.arg(word);
    let k = table.iter().find(|k| k.name == name)?;
    if let Defaults::Refused(sep) = k.defaults {
        if let Some(e) = not_in_defaults(p, l, sep, l.arg(0)) {
            return Some(e);
        }
    }
    let mut err = 0;
    if let Caps::First(cap, hint) = k.caps {
        if warn_if_not_cap(p, l, cap, name, hint) {
            err |= ERR_WARN;
        }
    }
    Some(err | (k.run)(p, l))
}

/// 1.4's alert for a keyword a `defaults` section may not hold.
pub fn not_in_defaults(p: &Parser, l: &Line, sep: &str, what: &str) -> Option<u32> {
    if p.is_defaults() {
        p.alert(&format!(
            "parsing [{}:{}]{} '{}' not allowed in 'defaults' section.",
            l.file, l.num, sep, what
        ));
        return Some(ERR_ALERT | ERR_FATAL);
    }
    None
}
