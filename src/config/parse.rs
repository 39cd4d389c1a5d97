//! readcfgfile(): sections, keyword modifiers and error accumulation.

use super::diag::{self, Diag, Diags, Level};
use super::lexer::{split_words, MAX_LINE};
use super::model::{Config, Kind, Proxy, Userlist};

pub const ERR_ALERT: u32 = 1;
pub const ERR_FATAL: u32 = 2;
pub const ERR_ABORT: u32 = 4;
pub const ERR_WARN: u32 = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kwm {
    Std,
    No,
    Def,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Section {
    None,
    Global,
    Listen,
    Userlist,
}

/// Where the `listen`-family keywords currently apply.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cur {
    None,
    Defaults,
    Proxy(usize),
}

/// One line being parsed: its words and position. The keyword parsers
/// report through it, so every message names file:line as 1.4 does.
pub struct Line<'a> {
    pub file: &'a str,
    pub num: usize,
    pub args: Vec<String>,
    pub kwm: Kwm,
}

impl Line<'_> {
    /// args[i] or "" (1.4's argument array is padded with empty strings).
    pub fn arg(&self, i: usize) -> &str {
        self.args.get(i).map(|s| s.as_str()).unwrap_or("")
    }
    pub fn at(&self) -> String {
        format!("parsing [{}:{}]", self.file, self.num)
    }
}

pub struct Parser {
    pub cfg: Config,
    pub defaults: Proxy,
    pub cur: Cur,
    pub cursection: String,
    pub default_maxconn: u32,
    pub global_maxconn_set: bool,
    pub global_uid_set: bool,
    pub global_gid_set: bool,
    pub nbproc_set: bool,
    pub warnings: usize,
    /// raw values of the global keywords 1.4 takes once (0 counts as unset)
    pub set_once: std::collections::HashMap<String, i64>,
    /// proxy ids given with `id`, to reject duplicates
    pub used_ids: Vec<(u32, usize)>,
    /// 1.4 exits at once on some errors, without the closing lines
    pub exit_now: bool,
    /// a keyword returned -1 as 1.4's `description` does: readcfgfile()'s
    /// caller then takes the file for unreadable and says so
    pub minus_one: bool,
    /// indexes in cfg.proxies by name, in declaration order: duplicate
    /// checks and backend references cost one lookup, not a walk
    pub proxy_names: std::collections::HashMap<String, Vec<usize>>,
    /// every message raised, printed by `diag::print` at the points where
    /// 1.4 would have printed it last
    pub diags: Diags,
}

impl Parser {
    pub fn new(default_maxconn: u32) -> Parser {
        let mut d = Proxy::new("", Kind::Defaults, "", 0);
        d.maxconn = default_maxconn;
        Parser {
            cfg: Config::default(),
            defaults: d,
            cur: Cur::None,
            cursection: String::new(),
            default_maxconn,
            global_maxconn_set: false,
            global_uid_set: false,
            global_gid_set: false,
            nbproc_set: false,
            warnings: 0,
            set_once: std::collections::HashMap::new(),
            used_ids: Vec::new(),
            exit_now: false,
            minus_one: false,
            proxy_names: std::collections::HashMap::new(),
            diags: Diags::default(),
        }
    }

    pub fn alert(&self, text: &str) {
        self.diags.push(Level::Alert, text);
    }

    pub fn warn(&mut self, text: &str) -> u32 {
        self.warnings += 1;
        self.diags.push(Level::Warning, text);
        ERR_WARN
    }

    /// A warning 1.4 prints without counting it as one.
    pub fn warn_uncounted(&self, text: &str) {
        self.diags.push(Level::Warning, text);
    }

    /// Prints the messages raised so far (see config/diag.rs).
    pub fn flush(&self) {
        diag::print(&self.diags.take());
    }

    /// The proxy the current section edits (defaults included).
    pub fn cur_proxy(&mut self) -> Option<&mut Proxy> {
        match self.cur {
            Cur::None => None,
            Cur::Defaults => Some(&mut self.defaults),
            Cur::Proxy(i) => self.cfg.proxies.get_mut(i),
        }
    }

    /// The current proxy, read-only (to resolve names while parsing).
    pub fn cur_proxy_ref(&self) -> Option<&Proxy> {
        match self.cur {
            Cur::None => None,
            Cur::Defaults => Some(&self.defaults),
            Cur::Proxy(i) => self.cfg.proxies.get(i),
        }
    }

    pub fn is_defaults(&self) -> bool {
        self.cur == Cur::Defaults
    }

    pub fn cur_userlist(&mut self) -> Option<&mut Userlist> {
        self.cfg.userlists.last_mut()
    }

    /// fopen() then fgets(): only opening can fail. A read error (a
    /// directory gives EISDIR) ends the input, so a directory reads empty.
    fn parse_file(&mut self, file: &str) -> Result<u32, std::io::Error> {
        use std::io::Read;
        let mut f = std::fs::File::open(file)?;
        let mut data = Vec::new();
        // on error read_to_end keeps what it read before, as fgets does
        let _ = f.read_to_end(&mut data);
        Ok(self.parse_bytes(file, &data))
    }

    /// Parses one file's contents (also the config fuzz target's entry).
    pub fn parse_bytes(&mut self, file: &str, data: &[u8]) -> u32 {
        let mut err = 0u32;
        let mut section = Section::None;
        self.cursection.clear();
        let mut num = 0usize;
        let mut rest: &[u8] = data;
        while !rest.is_empty() {
            let raw = next_line(&mut rest);
            num += 1;
            self.diags.set_here(Some((file, num)));
            let (mut args, e) = self.lex_line(file, num, raw);
            err |= e;
            if args.is_empty() {
                continue;
            }
            let kwm = shift_modifier(&mut args);
            if kwm != Kwm::Std && args[0] != "option" {
                self.alert(&format!(
                    "parsing [{}:{}]: negation/default currently supported only for options.",
                    file, num
                ));
                err |= ERR_ALERT | ERR_FATAL;
            }
            self.enter_section(&args[0], &mut section);
            let line = Line {
                file,
                num,
                args,
                kwm,
            };
            err |= self.parse_line(section, &line);
            if err & ERR_ABORT != 0 {
                break;
            }
        }
        self.diags.set_here(None);
        err
    }

    /// The words of one line, with the bits of its lexing alerts.
    fn lex_line(&self, file: &str, num: usize, raw: &[u8]) -> (Vec<String>, u32) {
        let mut err = 0;
        // 1.4 measures the line with strlen(): a NUL ends it
        let raw = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
        if raw.len() == MAX_LINE && raw.last() != Some(&b'\n') {
            self.alert(&format!(
                "parsing [{}:{}]: line too long, limit: {}.",
                file, num, MAX_LINE
            ));
            err |= ERR_ALERT | ERR_FATAL;
        }
        let lexed = split_words(raw);
        for first in &lexed.bad_hex {
            self.alert(&format!(
                "parsing [{}:{}] : invalid or incomplete '\\x' sequence in '{}'.",
                file, num, first
            ));
            err |= ERR_ALERT | ERR_FATAL;
        }
        if let Some(t) = &lexed.too_many {
            self.alert(&format!(
                "parsing [{}:{}]: line too long, truncating at word {}, position {}: <{}>.",
                file,
                num,
                t.at_word + 1,
                t.pos + 1,
                t.rest
            ));
            err |= ERR_ALERT | ERR_FATAL;
        }
        (lexed.words, err)
    }

    /// A section keyword starts its section (the line itself is then
    /// parsed by that section).
    fn enter_section(&mut self, word: &str, section: &mut Section) {
        *section = match word {
            "listen" | "frontend" | "backend" | "ruleset" | "defaults" => Section::Listen,
            "global" => Section::Global,
            "userlist" => Section::Userlist,
            _ => return,
        };
        self.cursection = word.to_string();
    }

    /// One line of the current section.
    fn parse_line(&mut self, section: Section, line: &Line) -> u32 {
        match section {
            Section::Listen => super::proxy::parse_listen(self, line),
            Section::Global => super::global::parse_global(self, line),
            Section::Userlist => super::global::parse_users(self, line),
            Section::None => {
                self.alert(&format!(
                    "parsing [{}:{}]: unknown keyword '{}' out of section.",
                    line.file,
                    line.num,
                    line.arg(0)
                ));
                ERR_ALERT | ERR_FATAL
            }
        }
    }
}

/// The next line of `rest`, with fgets() semantics: a line ends at LF or
/// after MAX_LINE bytes.
fn next_line<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let take = match rest.iter().take(MAX_LINE).position(|&c| c == b'\n') {
        Some(p) => p + 1,
        None => rest.len().min(MAX_LINE),
    };
    let (raw, tail) = rest.split_at(take);
    *rest = tail;
    raw
}

/// Takes a leading `no` / `default` off the line the way 1.4 does: the
/// words move down one slot but the last slot is not cleared, so the last
/// word appears twice, and a lone modifier stays where it is.
fn shift_modifier(args: &mut Vec<String>) -> Kwm {
    let kwm = match args.first().map(|s| s.as_str()) {
        Some("no") => Kwm::No,
        Some("default") => Kwm::Def,
        _ => return Kwm::Std,
    };
    if let Some(last) = args.last().cloned() {
        if args.len() >= 2 {
            args.remove(0);
            args.push(last);
        }
    }
    kwm
}

pub struct ParseOutcome {
    pub config: Config,
}

/// What went wrong, already reported (on stderr, or in the diagnostics).
#[derive(Debug)]
pub enum ParseFailure {
    /// 1.4 exits at once when a file cannot be opened.
    Open,
    Fatal,
}

/// Parses every file in order, then runs the post-parse checks.
pub fn parse_files(
    files: &[String],
    default_maxconn: u32,
    global_maxconn: Option<u32>,
) -> Result<ParseOutcome, ParseFailure> {
    let mut p = Parser::new(default_maxconn);
    crate::acl::enable_tls_criteria(super::ssl::uses_tls(files));
    let r = check_files(&mut p, files);
    // the one place the front end's messages are printed
    p.flush();
    r?;
    if let Some(m) = global_maxconn {
        p.cfg.global.maxconn = m;
    }
    Ok(ParseOutcome { config: p.cfg })
}

/// parse_files() without printing: every message stays in `p.diags`.
fn check_files(p: &mut Parser, files: &[String]) -> Result<(), ParseFailure> {
    let mut err = 0u32;
    for f in files {
        match p.parse_file(f) {
            Ok(_) if p.minus_one => {
                // errno is still 0 here in 1.4, hence "Success"
                p.alert(&format!(
                    "Could not open configuration file {} : Success",
                    f
                ));
                return Err(ParseFailure::Open);
            }
            Ok(e) => {
                err |= e;
                if p.exit_now {
                    return Err(ParseFailure::Open);
                }
                if e & (ERR_ABORT | ERR_FATAL) != 0 {
                    p.alert(&format!("Error(s) found in configuration file : {}", f));
                }
            }
            Err(e) => {
                p.alert(&format!(
                    "Could not open configuration file {} : {}",
                    f,
                    crate::sys::errno_str(&e)
                ));
                return Err(ParseFailure::Open);
            }
        }
        if err & ERR_ABORT != 0 {
            return Err(ParseFailure::Fatal);
        }
    }
    err |= super::validate::check_config_validity(p);
    if err & (ERR_ABORT | ERR_FATAL) != 0 {
        p.alert("Fatal errors found in configuration.");
        return Err(ParseFailure::Fatal);
    }
    Ok(())
}

/// Parses and validates a whole config held in memory (fuzzing, tests).
pub fn parse_text(name: &str, data: &[u8]) -> Result<Config, ParseFailure> {
    let (r, diags) = check_text(name, data);
    diag::print(&diags);
    r
}

/// parse_text() without printing: the config (or the failure) and every
/// message raised, in order (what unit tests assert on).
pub fn check_text(name: &str, data: &[u8]) -> (Result<Config, ParseFailure>, Vec<Diag>) {
    let mut p = Parser::new(2000);
    let err = p.parse_bytes(name, data);
    if p.exit_now || p.minus_one || err & ERR_ABORT != 0 {
        return (Err(ParseFailure::Fatal), p.diags.take());
    }
    let err = err | super::validate::check_config_validity(&mut p);
    let diags = p.diags.take();
    if err & (ERR_ABORT | ERR_FATAL) != 0 {
        return (Err(ParseFailure::Fatal), diags);
    }
    (Ok(p.cfg), diags)
}

/// 1.4's invalid_char(): names may only use [A-Za-z0-9_.:-], and an
/// empty name is refused at its terminating NUL (which 1.4 then prints).
pub fn invalid_char(s: &str) -> Option<char> {
    if s.is_empty() {
        return Some('\0');
    }
    s.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':' || c == '-'))
}
