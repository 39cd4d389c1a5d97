//! Our own config suite against HAProxy 1.4.25's verdicts: every config of
//! compat-configs/ (valid ones) and compat-configs/invalid/ is checked with
//! `-c` from the repository root, as scripts/compat-record.sh ran the
//! oracle, and the exit code and stderr must equal NAME.cfg.expect exactly
//! (only the "DDD/HHMMSS (PID) : " stamp, new at every run, is removed).
//! A second test requires that together they use every P0 and P1 config
//! keyword of the shared checklist (../shared/haproxy14-keywords.md).
use super::common;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A missing prerequisite fails in CI and is a printed skip elsewhere.
fn missing(what: &str) {
    assert!(std::env::var("CI").is_err(), "CI: {what}");
    eprintln!("skipped: {what}");
}

/// compat-configs/*.cfg then compat-configs/invalid/*.cfg, relative to
/// the repository root, sorted.
fn configs() -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut valid = 0;
    for sub in ["compat-configs", "compat-configs/invalid"] {
        let mut names: Vec<String> = std::fs::read_dir(root().join(sub))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".cfg"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        if sub == "compat-configs" {
            valid = names.len();
        }
        all.extend(names.into_iter().map(|n| format!("{sub}/{n}")));
    }
    (all, valid)
}

/// "[ALERT] 335/150811 (17485) : text" -> "[ALERT] text"; other lines kept.
fn unstamp(line: &str) -> String {
    for tag in ["[ALERT] ", "[WARNING] "] {
        if let Some(rest) = line.strip_prefix(tag) {
            if let Some((stamp, text)) = rest.split_once(") : ") {
                let ok = stamp.split_once(" (").is_some_and(|(d, pid)| {
                    d.bytes().all(|b| b.is_ascii_digit() || b == b'/')
                        && pid.bytes().all(|b| b.is_ascii_digit())
                });
                if ok {
                    return format!("{tag}{text}");
                }
            }
        }
    }
    line.to_string()
}

/// `haproxy -c -f CFG` from the repository root as "exit N\n" + stderr.
fn verdict(cfg: &str) -> String {
    let o = Command::new(common::bin())
        .args(["-c", "-f", cfg])
        .current_dir(root())
        .output()
        .expect("run haproxy");
    let mut s = format!("exit {}\n", o.status.code().unwrap_or(-1));
    for l in String::from_utf8_lossy(&o.stderr).lines() {
        s.push_str(&unstamp(l));
        s.push('\n');
    }
    s
}

#[test]
fn compat_configs_match_14() {
    let (cfgs, valid) = configs();
    assert!(valid >= 34, "only {valid} valid compat-configs");
    assert!(
        cfgs.len() - valid >= 10,
        "only {} invalid",
        cfgs.len() - valid
    );
    let mut bad = Vec::new();
    for cfg in &cfgs {
        let want = std::fs::read_to_string(root().join(format!("{cfg}.expect")))
            .unwrap_or_else(|_| format!("(no {cfg}.expect: run scripts/compat-record.sh)\n"));
        let got = verdict(cfg);
        if got == want {
            continue;
        }
        if got.contains("cannot find user id for 'haproxy'")
            || got.contains("cannot find group id for 'haproxy'")
        {
            missing(&format!("{cfg} needs the user and group 'haproxy'"));
            continue;
        }
        bad.push(format!("== {cfg}\n-- 1.4.25:\n{want}-- ours:\n{got}"));
    }
    println!(
        "compat-configs: {}/{} agree",
        cfgs.len() - bad.len(),
        cfgs.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The stats socket commands and status words of §12 are not config
/// keywords; `a:b` is the range syntax (used as 1024:65535).
const NOT_CONFIG: &[&str] = &[
    "show ",
    "disable server",
    "enable server",
    "get weight",
    "set weight",
    "prompt",
    "quit",
    "no check",
    "a:b",
    "parsing ",
];

/// Words of the checklist's syntax lines that stand for a value: as the
/// first word of an option group (`[name n]`, `[uri | meth uri [ver]]`)
/// and, the last one, after `-f`.
const PLACEHOLDERS: &[&str] = &[
    "name", "addrs", "maxlvl", "lvl", "uri", "cond", "net", "op", "params", "file",
];

/// The literal keyword a syntax word stands for, or None for a value:
/// `hdr(<h>)` and `nbsrv[(be)]` are `hdr` and `nbsrv`.
fn literal(w: &str, in_group: bool) -> Option<&str> {
    let w = w.trim_start_matches('[').trim_end_matches(']');
    let w = w.split(['(', '[']).next().unwrap_or("");
    let placeholder = w.is_empty()
        || w.contains('<')
        || w.contains(',')
        || w.ends_with("...")
        || (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
        || ((in_group || w == "file") && PLACEHOLDERS.contains(&w));
    (!placeholder).then_some(w)
}

/// The requirements of one syntax span: the literal words outside
/// brackets (each `a|b` alternative its own requirement), and for each
/// bracketed option group its first literal word, after the words that
/// precede the first alternative (`http-request … realm`).
fn span_requirements(span: &str) -> Vec<Vec<String>> {
    let mut main: Vec<Vec<String>> = vec![vec![]];
    let mut prefix: Option<Vec<String>> = None;
    let mut options = Vec::new();
    let mut depth = 0i32;
    for w in span.split_whitespace() {
        let opens = w.starts_with('[');
        if let (0, Some(lit)) = (depth, literal(w, opens)) {
            let alts: Vec<&str> = lit.split('|').filter(|a| !a.is_empty()).collect();
            if opens {
                options.extend(alts.iter().map(|a| a.to_string()));
            } else {
                if alts.len() > 1 && prefix.is_none() {
                    prefix = Some(main[0].clone());
                }
                main = main
                    .iter()
                    .flat_map(|m| {
                        alts.iter()
                            .map(move |a| [m.clone(), vec![a.to_string()]].concat())
                    })
                    .collect();
            }
        }
        // `nbsrv[(be)]` opens and closes its bracket within the word
        depth = (depth + w.matches('[').count() as i32 - w.matches(']').count() as i32).max(0);
    }
    if main[0].is_empty() {
        return vec![];
    }
    let first = prefix.unwrap_or_else(|| main[0].clone());
    main.extend(
        options
            .into_iter()
            .map(|o| [first.clone(), vec![o]].concat()),
    );
    main
}

/// The config keywords of the P0 and P1 lines of §3-§12 and §15 (the
/// command line, signals, log and response formats are not config).
fn keyword_requirements(md: &str) -> Vec<Vec<String>> {
    let mut reqs = Vec::new();
    let mut section = 0;
    for line in md.lines() {
        if let Some(n) = line.strip_prefix("## ") {
            section = n
                .split('.')
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            continue;
        }
        let body = match line
            .strip_prefix("- [P0] ")
            .or(line.strip_prefix("- [P1] "))
        {
            Some(b) if (3..=12).contains(&section) || section == 15 => b,
            _ => continue,
        };
        if let Some(acls) = body.strip_prefix("predefined: ") {
            for w in acls.split_whitespace() {
                reqs.push(vec![w.split('(').next().unwrap_or(w).to_string()]);
            }
            continue;
        }
        let parts: Vec<&str> = body.split('`').collect();
        for (k, span) in parts.iter().enumerate().skip(1).step_by(2) {
            let after = parts.get(k + 1).copied().unwrap_or("");
            let starts_kw = span.starts_with(|c: char| c.is_ascii_lowercase())
                || (span.starts_with('-')
                    && span[1..].starts_with(|c: char| c.is_ascii_lowercase()));
            // `node:` and `description:` are fields of `show info`
            if !starts_kw
                || span.ends_with(':')
                || after.starts_with(" (P2)")
                || NOT_CONFIG.iter().any(|n| span.starts_with(n))
            {
                continue;
            }
            if *span == "eq ge gt le lt" {
                reqs.extend(span.split(' ').map(|w| vec![w.to_string()]));
                continue;
            }
            reqs.extend(span_requirements(span));
        }
    }
    reqs.sort();
    reqs.dedup();
    reqs
}

/// The words of each config line, comments removed.
fn config_lines(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            let mut end = l.len();
            let b = l.as_bytes();
            for i in 0..b.len() {
                if b[i] == b'#' && (i == 0 || b[i - 1] != b'\\') {
                    end = i;
                    break;
                }
            }
            l[..end].split_whitespace().map(String::from).collect()
        })
        .collect()
}

/// A line uses a requirement when its first word is a word of the line
/// (or its name before `(`, or the word negated as `!TRUE`), and the
/// others follow it in order.
fn uses(line: &[String], req: &[String]) -> bool {
    let m1 = |t: &str, w: &str| t == w || (t.starts_with(w) && t[w.len()..].starts_with('('));
    let m = |t: &str, w: &str| m1(t, w) || (t.len() > 1 && m1(t.trim_start_matches('!'), w));
    (0..line.len()).any(|i| {
        if !m(&line[i], &req[0]) {
            return false;
        }
        let mut rest = line[i + 1..].iter();
        req[1..].iter().all(|w| rest.any(|t| m(t, w)))
    })
}

#[test]
fn compat_configs_use_every_p0_p1_keyword() {
    let md_path = root().join("../shared/haproxy14-keywords.md");
    let Ok(md) = std::fs::read_to_string(&md_path) else {
        return missing(&format!("{} not found", md_path.display()));
    };
    let reqs = keyword_requirements(&md);
    assert!(
        reqs.len() >= 250,
        "only {} keywords read from the checklist",
        reqs.len()
    );
    let lines: Vec<Vec<String>> = configs()
        .0
        .iter()
        .flat_map(|c| config_lines(&std::fs::read_to_string(root().join(c)).unwrap_or_default()))
        .collect();
    let unused: Vec<String> = reqs
        .iter()
        .filter(|r| !lines.iter().any(|l| uses(l, r)))
        .map(|r| r.join(" … "))
        .collect();
    println!(
        "checklist: {} P0/P1 config keywords, {} unused",
        reqs.len(),
        unused.len()
    );
    for r in &reqs {
        println!("  {}", r.join(" … "));
    }
    assert!(
        unused.is_empty(),
        "P0/P1 keywords no compat-config uses:\n{}",
        unused.join("\n")
    );
}
