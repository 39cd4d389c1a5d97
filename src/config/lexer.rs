//! The 1.4 config lexer: a line becomes words split on blanks, with `#`
//! comments and backslash escapes, and no quoting at all (1.4 has none).

/// Longest line 1.4 accepts (its line buffer is 2048 bytes with the LF).
pub const MAX_LINE: usize = 2047;
/// Most words per line.
pub const MAX_WORDS: usize = 64;

/// What one line split into.
#[derive(Debug, Default, PartialEq)]
pub struct Lexed {
    /// the words (at most MAX_WORDS)
    pub words: Vec<String>,
    /// one entry per bad `\x` escape: what 1.4 shows as args[0] when it
    /// meets it (the first word, or the rest of the line while the first
    /// word is still being read, since 1.4 has not cut it yet)
    pub bad_hex: Vec<String>,
    /// set when the line has more than MAX_WORDS words
    pub too_many: Option<TooMany>,
}

/// Where a line with too many words was cut.
#[derive(Debug, PartialEq)]
pub struct TooMany {
    pub at_word: usize,
    pub pos: usize,
    pub rest: String,
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// C's isspace() in the C locale, 1.4's word separator: LF and CR end the
/// line where a word could continue, but are skipped with the other blanks
/// at the start of the line and after a separator.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits one config line into words as 1.4's readcfgfile() does: the line
/// ends at its first NUL (1.4 works on the C string fgets() read), leading
/// blanks are skipped, `#`, CR or LF end it, a run of blanks separates
/// words. Escapes: `\ ` `\\` `\#` `\r` `\n` `\t` `\xHH`. A backslash
/// before anything else stays, alone: the next character is then read
/// normally (so `\` then TAB still splits words).
pub fn split_words(line: &[u8]) -> Lexed {
    let line = &line[..line.iter().position(|&c| c == 0).unwrap_or(line.len())];
    let mut out = Lexed::default();
    let mut cur: Vec<u8> = Vec::new();
    let mut i = line
        .iter()
        .position(|&c| !is_c_space(c))
        .unwrap_or(line.len());
    // bytes the escapes removed so far: 1.4 reports positions in the
    // line as rewritten in place
    let mut removed = 0;
    while i < line.len() {
        let c = line[i];
        if c == b'\\' {
            let used = unescape(line, i, &mut cur, &mut out);
            removed += used - 1;
            i += used;
        } else if matches!(c, b'#' | b'\n' | b'\r') {
            break;
        } else if is_c_space(c) {
            out.words.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
            while i < line.len() && is_c_space(line[i]) {
                i += 1;
            }
            if out.words.len() >= MAX_WORDS {
                if i < line.len() {
                    let rest = &line[i..];
                    let end = rest
                        .iter()
                        .position(|&c| matches!(c, b'#' | b'\n' | b'\r'))
                        .unwrap_or(rest.len());
                    out.too_many = Some(TooMany {
                        at_word: MAX_WORDS,
                        pos: i - removed,
                        rest: String::from_utf8_lossy(&rest[..end]).into_owned(),
                    });
                }
                return out;
            }
        } else {
            cur.push(c);
            i += 1;
        }
    }
    if !cur.is_empty() {
        out.words.push(String::from_utf8_lossy(&cur).into_owned());
    }
    out
}

/// Handles the backslash at line[i]: appends what it stands for to `cur`
/// and returns how many input bytes it used.
fn unescape(line: &[u8], i: usize, cur: &mut Vec<u8>, out: &mut Lexed) -> usize {
    let next = line.get(i + 1).copied();
    let simple = match next {
        Some(n @ (b' ' | b'\\' | b'#')) => Some(n),
        Some(b'r') => Some(b'\r'),
        Some(b'n') => Some(b'\n'),
        Some(b't') => Some(b'\t'),
        _ => None,
    };
    if let Some(b) = simple {
        cur.push(b);
        return 2;
    }
    if next == Some(b'x') {
        // 1.4 wants both digits before the end of the line (LF included)
        let hex = match (line.get(i + 2), line.get(i + 3)) {
            (Some(&h), Some(&l)) if i + 3 < line.len() => hexval(h).zip(hexval(l)),
            _ => None,
        };
        if let Some((h, l)) = hex {
            cur.push(h << 4 | l);
            return 4;
        }
        let first = match out.words.first() {
            Some(w) => w.clone(),
            None => {
                let mut s = String::from_utf8_lossy(cur).into_owned();
                s.push_str(&String::from_utf8_lossy(&line[i..]));
                s
            }
        };
        out.bad_hex.push(first);
    }
    cur.push(b'\\');
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        split_words(s.as_bytes()).words
    }

    #[test]
    fn blanks_and_comments() {
        assert_eq!(
            w("  server s1 1.2.3.4:80   # c"),
            vec!["server", "s1", "1.2.3.4:80"]
        );
        assert_eq!(w("a#b"), vec!["a"]);
        assert!(w("   # only").is_empty());
    }

    #[test]
    fn escapes() {
        assert_eq!(w(r"reqadd X-A:\ yes"), vec!["reqadd", "X-A: yes"]);
        assert_eq!(w(r"a\#b c\\d"), vec!["a#b", r"c\d"]);
        assert_eq!(w(r"a\x41b \.x"), vec!["aAb", r"\.x"]);
        assert_eq!(w("\"quoted word\""), vec!["\"quoted", "word\""]);
    }

    #[test]
    fn too_many_words() {
        let line = (0..70).map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
        let l = split_words(line.as_bytes());
        assert_eq!(l.words.len(), MAX_WORDS);
        assert_eq!(l.too_many.map(|t| t.at_word), Some(MAX_WORDS));
    }

    #[test]
    fn lone_backslash_and_bad_hex() {
        // the backslash stays alone; TAB and LF keep their meaning
        assert_eq!(w("a\\\tb\\\n"), vec!["a\\", "b\\"]);
        let l = split_words(b"reqadd X:\\x4g y\n");
        assert_eq!(l.words, vec!["reqadd", "X:\\x4g", "y"]);
        assert_eq!(l.bad_hex, vec!["reqadd"]);
        let l = split_words(b"a\\x1\n");
        assert_eq!(l.bad_hex, vec!["a\\x1\n"]);
    }

    #[test]
    fn c_string_and_isspace_rules() {
        // a NUL ends the line; VT and FF separate words; CR or LF end a
        // word but are skipped as blanks at the start and after a blank
        assert_eq!(w("acl a url_ip\0 10.0.0.0/8"), vec!["acl", "a", "url_ip"]);
        assert_eq!(w("a\x0bb\x0cc"), vec!["a", "b", "c"]);
        assert_eq!(w("a\rb"), vec!["a"]);
        assert_eq!(w("\r  a \rb"), vec!["a", "b"]);
        // 64 words then a comment: 1.4 still says the line is too long
        let line = (0..64).map(|i| i.to_string()).collect::<Vec<_>>().join(" ") + " #c";
        let t = split_words(line.as_bytes()).too_many.map(|t| t.rest);
        assert_eq!(t.as_deref(), Some(""));
    }
}
