//! The `cookie` line of a backend: the cookie's name, its mode words
//! (rewrite, insert, prefix, passive), its attributes (indirect, nocache,
//! postonly, preserve, httponly, secure, domain, maxidle, maxlife) and
//! 1.4's checks of the modes against each other.

use super::model::{CookieCfg, CookieMode};
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE};
use super::units::parse_time_ms;

/// The mode words read (1.4 checks their combination once the line is read).
#[derive(Default, Clone, Copy)]
struct Modes {
    rewrite: bool,
    insert: bool,
    prefix: bool,
}

pub(super) fn parse_cookie(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "cookie", "") {
        err |= ERR_WARN;
    }
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <cookie_name> as argument.",
            l.at(),
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut c = CookieCfg {
        name: l.arg(1).to_string(),
        ..Default::default()
    };
    let mut m = Modes::default();
    // 1.4 sets the cookie up word by word: a failing word leaves the
    // cookie as read so far (its end-of-parsing warnings still apply)
    let failed = cookie_words(p, l, &mut c, &mut m, &mut err).is_err();
    c.mode = if m.insert {
        CookieMode::Insert
    } else if m.prefix {
        CookieMode::Prefix
    } else if m.rewrite {
        CookieMode::Rewrite
    } else {
        CookieMode::Passive
    };
    let (preserve, indirect) = (c.preserve, c.indirect);
    if let Some(px) = p.cur_proxy() {
        px.cookie = Some(c);
    }
    if failed {
        return ERR_ALERT | ERR_FATAL;
    }
    err | mode_conflicts(p, l, m, preserve, indirect)
}

/// The words after the name, into `c` and `m`; Err once a word failed
/// (its alert given).
fn cookie_words(
    p: &mut Parser,
    l: &Line,
    c: &mut CookieCfg,
    m: &mut Modes,
    err: &mut u32,
) -> Result<(), ()> {
    let mut i = 2;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "rewrite" => m.rewrite = true,
            "indirect" => c.indirect = true,
            "insert" => m.insert = true,
            "nocache" => c.nocache = true,
            "postonly" => c.postonly = true,
            "preserve" => c.preserve = true,
            "prefix" => m.prefix = true,
            "httponly" => c.httponly = true,
            "secure" => c.secure = true,
            "domain" => {
                *err |= cookie_domain(p, l, i, c)?;
                i += 1;
            }
            "maxidle" | "maxlife" => {
                cookie_time(p, l, i, c)?;
                i += 1;
            }
            _ => {
                p.alert(&format!(
                    "{} : '{}' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle, and 'maxlife' options.",
                    l.at(),
                    l.arg(0)
                ));
                return Err(());
            }
        }
        i += 1;
    }
    Ok(())
}

/// `domain <d>` at word i: Ok holds the bits of its RFC warning.
fn cookie_domain(p: &mut Parser, l: &Line, i: usize, c: &mut CookieCfg) -> Result<u32, ()> {
    let (at, d) = (l.at(), l.arg(i + 1));
    if d.is_empty() {
        p.alert(&format!(
            "{}: '{}' expects <domain> as argument.",
            at,
            l.arg(i)
        ));
        return Err(());
    }
    let mut err = 0;
    if !d.starts_with('.') || !d[1..].contains('.') {
        err |= p.warn(&format!(
            "{}: domain '{}' contains no embedded dots nor does not start with a dot. RFC forbids it, this configuration may not work properly.",
            at, d
        ));
    }
    // 1.4's invalid_domainchar(): alnum, '.', '_' and '-' only
    let bad = d
        .chars()
        .find(|&ch| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')));
    if let Some(ch) = bad {
        p.alert(&format!(
            "{}: character '{}' is not permitted in domain name '{}'.",
            at, ch, d
        ));
        return Err(());
    }
    c.domains.push(d.to_string());
    Ok(err)
}

/// `maxidle <time>` or `maxlife <time>` at word i, in seconds rounded up
/// as 1.4's TIME_UNIT_S does.
fn cookie_time(p: &Parser, l: &Line, i: usize, c: &mut CookieCfg) -> Result<(), ()> {
    let (at, kw, v) = (l.at(), l.arg(i), l.arg(i + 1));
    if v.is_empty() {
        let what = if kw == "maxidle" {
            "<idletime>"
        } else {
            "<lifetime>"
        };
        p.alert(&format!(
            "{}: '{}' expects {} in seconds as argument.",
            at, kw, what
        ));
        return Err(());
    }
    match parse_time_ms(v, 1000) {
        Ok(ms) if kw == "maxidle" => c.maxidle = ms.div_ceil(1000),
        Ok(ms) => c.maxlife = ms.div_ceil(1000),
        Err(ch) => {
            p.alert(&format!(
                "{}: unexpected character '{}' in argument to <{}>.",
                at, ch, kw
            ));
            return Err(());
        }
    }
    Ok(())
}

/// 1.4's checks of the mode words against each other, each its own alert.
fn mode_conflicts(p: &Parser, l: &Line, m: Modes, preserve: bool, indirect: bool) -> u32 {
    let at = l.at();
    let mut err = 0;
    if m.rewrite && indirect {
        p.alert(&format!(
            "{} : cookie 'rewrite' and 'indirect' modes are incompatible.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    if [m.rewrite, m.insert, m.prefix]
        .iter()
        .filter(|&&b| b)
        .count()
        > 1
    {
        p.alert(&format!(
            "{} : cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    if preserve && !m.insert && !indirect {
        p.alert(&format!(
            "{} : cookie 'preserve' requires at least 'insert' or 'indirect'.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    err
}
