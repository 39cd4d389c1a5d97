//! `http-reuse never|safe|aggressive|always`: HAProxy 1.6's keyword for
//! sharing idle server connections between client sessions, accepted here
//! as an extension to 1.4's language (a 1.4 config never contains it, so
//! its `-c` verdicts are unchanged).

use super::model::HttpReuse;
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE};

pub fn parse(p: &mut Parser, l: &Line) -> u32 {
    if warn_if_not_cap(p, l, CAP_BE, l.arg(0), "") {
        return ERR_WARN;
    }
    let mode = match l.arg(1) {
        "never" => HttpReuse::Never,
        "safe" => HttpReuse::Safe,
        "aggressive" => HttpReuse::Aggressive,
        "always" => HttpReuse::Always,
        _ => {
            // 1.6's wording
            p.alert(&format!(
                "{} : '{}' only supports 'never', 'safe', 'aggressive', 'always'",
                l.at(),
                l.arg(0)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    if !l.arg(2).is_empty() {
        p.alert(&format!(
            "{} : '{}' cannot handle unexpected argument '{}'.",
            l.at(),
            l.arg(0),
            l.arg(2)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    if let Some(px) = p.cur_proxy() {
        px.http_reuse = Some(mode);
    }
    0
}
