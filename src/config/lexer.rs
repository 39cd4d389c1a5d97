//! The 1.4 config lexer: a line becomes words split on blanks, with `#`
//! comments and backslash escapes, and no quoting at all (1.4 has none).

/// Longest line 1.4 accepts (its line buffer is 2048 bytes with the LF).
pub const MAX_LINE: usize = 2047;
/// Most words per line.
pub const MAX_WORDS: usize = 64;

#[derive(Debug, PartialEq)]
pub enum LexError {
    TooManyWords {
        at_word: usize,
        pos: usize,
        rest: String,
    },
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits one config line into words. Escapes: `\ ` `\\` `\#` `\r` `\n`
/// `\t` `\xHH`; any other backslash pair is kept as both characters.
pub fn split_words(line: &[u8]) -> Result<Vec<String>, LexError> {
    let mut words: Vec<String> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_word = false;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        match c {
            b'\r' | b'\n' | b'#' => break,
            b' ' | b'\t' => {
                if in_word {
                    words.push(String::from_utf8_lossy(&cur).into_owned());
                    cur.clear();
                    in_word = false;
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        if !in_word && words.len() >= MAX_WORDS {
            return Err(LexError::TooManyWords {
                at_word: MAX_WORDS,
                pos: i,
                rest: String::from_utf8_lossy(&line[i..]).trim_end().to_string(),
            });
        }
        in_word = true;
        if c == b'\\' && i + 1 < line.len() {
            let n = line[i + 1];
            match n {
                b' ' | b'\\' | b'#' => {
                    cur.push(n);
                    i += 2;
                }
                b'r' => {
                    cur.push(b'\r');
                    i += 2;
                }
                b'n' => {
                    cur.push(b'\n');
                    i += 2;
                }
                b't' => {
                    cur.push(b'\t');
                    i += 2;
                }
                b'x' if i + 3 < line.len() && i + 3 < line.len() => {
                    match (hexval(line[i + 2]), hexval(line[i + 3])) {
                        (Some(h), Some(l)) => {
                            cur.push(h << 4 | l);
                            i += 4;
                        }
                        _ => {
                            cur.push(c);
                            i += 1;
                        }
                    }
                }
                _ => {
                    cur.push(c);
                    cur.push(n);
                    i += 2;
                }
            }
            continue;
        }
        cur.push(c);
        i += 1;
    }
    if in_word {
        words.push(String::from_utf8_lossy(&cur).into_owned());
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        split_words(s.as_bytes()).unwrap_or_default()
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
        assert!(split_words(line.as_bytes()).is_err());
    }
}
