//! Diagnostics as values: every `[ALERT]` / `[WARNING]` the config front
//! end produces is recorded here (file, line, level, text) and printed by
//! `print`, so tests can check messages without running the binary.

use crate::log::msg;
use std::cell::RefCell;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    Alert,
    Warning,
}

/// One message, with the config line being read when it was raised (none
/// during the post-parse checks: their texts name their own places).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diag {
    pub file: Option<String>,
    pub line: usize,
    pub level: Level,
    pub text: String,
    /// whether stderr shows it: decided when it is raised, because a
    /// `quiet` keyword hides the warnings after it, not those before
    pub shown: bool,
}

/// The messages raised so far and the position being parsed. Interior
/// mutability lets the keyword parsers report through a shared `&Parser`.
#[derive(Default)]
pub struct Diags {
    list: RefCell<Vec<Diag>>,
    here: RefCell<Option<(String, usize)>>,
}

impl Diags {
    /// The file and line the next messages belong to (None: no line).
    pub fn set_here(&self, file: Option<(&str, usize)>) {
        let mut h = self.here.borrow_mut();
        match (file, h.as_mut()) {
            (Some((f, n)), Some((hf, hn))) if hf == f => *hn = n,
            (Some((f, n)), _) => *h = Some((f.to_string(), n)),
            (None, _) => *h = None,
        }
    }

    pub fn push(&self, level: Level, text: &str) {
        let shown = match level {
            Level::Alert => msg::alert_visible(),
            Level::Warning => msg::warning_visible(),
        };
        let (file, line) = match &*self.here.borrow() {
            Some((f, n)) => (Some(f.clone()), *n),
            None => (None, 0),
        };
        self.list.borrow_mut().push(Diag {
            file,
            line,
            level,
            text: text.to_string(),
            shown,
        });
    }

    /// Takes the messages raised so far, oldest first.
    pub fn take(&self) -> Vec<Diag> {
        std::mem::take(&mut *self.list.borrow_mut())
    }
}

/// The one place config messages reach stderr, in the order raised.
pub fn print(diags: &[Diag]) {
    for d in diags.iter().filter(|d| d.shown) {
        match d.level {
            Level::Alert => msg::emit_alert(&d.text),
            Level::Warning => msg::emit_warning(&d.text),
        }
    }
}
