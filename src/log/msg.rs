//! `[ALERT]` / `[WARNING]` lines on stderr, with 1.4's date and pid prefix.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSE: AtomicBool = AtomicBool::new(false);
static STARTING: AtomicBool = AtomicBool::new(true);
static DEBUG: AtomicBool = AtomicBool::new(false);
static SILENT: AtomicBool = AtomicBool::new(false);

/// Nothing at all on stderr (fuzzing).
pub fn set_silent(s: bool) {
    SILENT.store(s, Ordering::Relaxed);
}

/// `-d`: per-connection trace lines on stdout, as 1.4 prints them.
pub fn set_debug(d: bool) {
    DEBUG.store(d, Ordering::Relaxed);
}
pub fn debug() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// One `-d` trace line: `%08x:<proxy>.<what>...`.
pub fn trace(line: &str) {
    let mut s = line.to_string();
    s.push('\n');
    let _ = std::io::stdout().write_all(s.as_bytes());
}

pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}
pub fn set_verbose(v: bool) {
    VERBOSE.store(v, Ordering::Relaxed);
}
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed) && !VERBOSE.load(Ordering::Relaxed)
}
/// Once the loop runs, alerts follow quiet mode as warnings do.
pub fn set_started() {
    STARTING.store(false, Ordering::Relaxed);
}

fn prefix(kind: &str) -> String {
    let now = crate::log::now_secs();
    let tm = crate::sys::localtime(now);
    format!(
        "[{}] {:03}/{:02}{:02}{:02} ({}) : ",
        kind,
        tm.yday,
        tm.hour,
        tm.min,
        tm.sec,
        crate::sys::getpid()
    )
}

fn emit(kind: &str, text: &str) {
    if SILENT.load(Ordering::Relaxed) {
        return;
    }
    let mut s = prefix(kind);
    s.push_str(text);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    let _ = std::io::stderr().write_all(s.as_bytes());
}

/// An alert: shown even in quiet mode during start-up, as in 1.4.
pub fn alert(text: &str) {
    if alert_visible() {
        emit("ALERT", text);
    }
}

pub fn warning(text: &str) {
    if warning_visible() {
        emit("WARNING", text);
    }
}

/// Whether an alert raised now would be shown (config diagnostics record
/// this when raised and print later, see config/diag.rs).
pub fn alert_visible() -> bool {
    !quiet() || STARTING.load(Ordering::Relaxed)
}

pub fn warning_visible() -> bool {
    !quiet()
}

/// An alert already judged visible (by `alert_visible` when it was raised).
pub fn emit_alert(text: &str) {
    emit("ALERT", text);
}

/// A warning already judged visible.
pub fn emit_warning(text: &str) {
    emit("WARNING", text);
}

/// Plain text on stdout unless quiet (qfprintf in 1.4).
pub fn qprint(text: &str) {
    if !quiet() {
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
}
