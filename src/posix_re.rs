//! 1.4 compiles its regexes (req*/rsp* rules, `*_reg` ACLs) with glibc's
//! regcomp(REG_EXTENDED): POSIX extended syntax with GNU escapes. This
//! rewrites such a pattern into the `regex` crate's syntax with the same
//! meaning, or refuses it where regcomp refuses it. What differs: `\c`
//! before an ordinary character is that character (`\d` is a `d`, not a
//! digit), `` \` `` and `\'` anchor the whole subject, a backslash inside
//! brackets is itself, `{,n}` means `{0,n}`, an unmatched `)` is literal,
//! a repetition right after `^` is an error, and `.` matches a newline.
//! Back-references (`\1`) have no equivalent and are refused.

/// The character classes POSIX names inside brackets.
const CLASSES: &[&str] = &[
    "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph",
    "cntrl", "xdigit",
];

/// `c` as a literal of the regex crate, inside or outside a class.
fn lit(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// The regex crate's pattern for a POSIX extended one, or Err when
/// glibc's regcomp() would refuse it (or it holds a back-reference).
pub fn translate(ere: &str) -> Result<String, ()> {
    let s: Vec<char> = ere.chars().collect();
    let mut out = String::from("(?s)");
    let mut depth = 0usize;
    // whether a repetition operator may follow (not at the start, nor
    // after '(', '|' or '^')
    let mut can_repeat = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        match c {
            '\\' => {
                let e = *s.get(i).ok_or(())?;
                i += 1;
                escape(&mut out, e)?;
                // an anchor escape cannot be repeated, as '^' cannot
                can_repeat = !matches!(e, '`' | '\'' | 'b' | 'B' | '<' | '>');
            }
            '[' => {
                i = bracket(&s, i, &mut out)?;
                can_repeat = true;
            }
            '(' => {
                depth += 1;
                out.push('(');
                can_repeat = false;
            }
            ')' if depth == 0 => {
                out.push_str("\\)");
                can_repeat = true;
            }
            ')' => {
                depth -= 1;
                out.push(')');
                can_repeat = true;
            }
            '|' | '^' => {
                out.push(c);
                can_repeat = false;
            }
            '.' => {
                out.push(c);
                can_repeat = true;
            }
            '$' => {
                out.push(c);
                can_repeat = false;
            }
            '*' | '+' | '?' => {
                if !can_repeat {
                    return Err(());
                }
                out.push(c);
            }
            '{' => {
                if !can_repeat {
                    return Err(());
                }
                i = interval(&s, i, &mut out)?;
            }
            _ => {
                lit(&mut out, c);
                can_repeat = true;
            }
        }
    }
    if depth != 0 {
        return Err(());
    }
    Ok(out)
}

/// The GNU meaning of `\e`, written into `out`.
fn escape(out: &mut String, e: char) -> Result<(), ()> {
    match e {
        '1'..='9' => return Err(()),
        'w' | 'W' | 's' | 'S' | 'b' | 'B' | '<' | '>' => {
            out.push('\\');
            out.push(e);
        }
        '`' => out.push_str("\\A"),
        '\'' => out.push_str("\\z"),
        _ => lit(out, e),
    }
    Ok(())
}

/// `{m}`, `{m,}`, `{m,n}` or `{,n}` from s[i] (after the brace); returns
/// the index after the closing brace.
fn interval(s: &[char], mut i: usize, out: &mut String) -> Result<usize, ()> {
    let num = |i: &mut usize| {
        let start = *i;
        while *i < s.len() && s[*i].is_ascii_digit() {
            *i += 1;
        }
        s[start..*i].iter().collect::<String>()
    };
    let min = num(&mut i);
    let max = if s.get(i) == Some(&',') {
        i += 1;
        Some(num(&mut i))
    } else {
        None
    };
    // `{,}` is `{0,}`; `{}` and `{,n` are not intervals
    if s.get(i) != Some(&'}') || (min.is_empty() && max.is_none()) {
        return Err(());
    }
    let min = if min.is_empty() { "0".to_string() } else { min };
    match max {
        None => out.push_str(&format!("{{{min}}}")),
        Some(m) => out.push_str(&format!("{{{min},{m}}}")),
    }
    Ok(i + 1)
}

/// A bracket expression from s[i] (after the '['): `^` first negates,
/// `]` first is literal, `[:class:]`, `[=c=]` and `[.c.]` are read,
/// everything else (a backslash included) is itself. Returns the index
/// after the closing bracket.
fn bracket(s: &[char], mut i: usize, out: &mut String) -> Result<usize, ()> {
    out.push('[');
    if s.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *s.get(i).ok_or(())?;
        if c == ']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        if c == '[' && matches!(s.get(i + 1), Some(':' | '=' | '.')) {
            let kind = s[i + 1];
            let end = (i + 2..s.len().saturating_sub(1))
                .find(|&k| s[k] == kind && s[k + 1] == ']')
                .ok_or(())?;
            let name: String = s[i + 2..end].iter().collect();
            match kind {
                ':' if CLASSES.contains(&name.as_str()) => out.push_str(&format!("[:{name}:]")),
                ':' => return Err(()),
                _ => {
                    let mut it = name.chars();
                    match (it.next(), it.next()) {
                        (Some(ch), None) => lit(out, ch),
                        _ => return Err(()),
                    }
                }
            }
            i = end + 2;
            continue;
        }
        lit(out, c);
        // a range `a-z`, unless the '-' closes the expression
        if s.get(i + 1) == Some(&'-') && s.get(i + 2).is_some_and(|&e| e != ']') {
            let e = s[i + 2];
            if e < c {
                return Err(());
            }
            out.push('-');
            lit(out, e);
            i += 3;
            // a range end cannot start another range (`[a-z-9]`)
            if s.get(i) == Some(&'-') && s.get(i + 1).is_some_and(|&n| n != ']') {
                return Err(());
            }
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn ok(ere: &str, subject: &str) -> bool {
        let re = translate(ere).unwrap_or_else(|()| panic!("refused {ere}"));
        regex::Regex::new(&re)
            .map(|r| r.is_match(subject))
            .unwrap_or(false)
    }

    #[test]
    fn gnu_escapes_and_anchors() {
        assert!(ok(r"\d", "d") && !ok(r"\d", "5"));
        assert!(ok(r"a\.b", "a.b") && !ok(r"a\.b", "axb"));
        assert!(ok(r"\`ab\'", "ab") && !ok(r"\`ab\'", "xab"));
        assert!(ok(r"\<ab\>", "x ab y"));
        assert!(ok(r"\w+", "abc"));
        assert!(ok("a.b", "a\nb"));
        assert!(ok("^a$", "a") && !ok("^a$", "ba") && ok("a$", "ba"));
    }

    #[test]
    fn brackets_and_intervals() {
        assert!(ok(r"[\]", "\\") && ok(r"^[\]$", "\\"));
        assert!(ok("[]a]", "]") && ok("[^]a]", "b") && !ok("^[^]a]$", "]"));
        assert!(ok("[a-]", "-") && ok("[[:digit:]]", "7") && !ok("[[:digit:]]", "x"));
        assert!(ok("[[.-.]]", "-") && ok("x[&~]", "x~"));
        assert!(ok("^a{,2}$", "aa") && !ok("^a{,2}$", "aaa"));
        assert!(ok("^xa{,}$", "xaaaa"));
        assert!(ok("a)", "a)"));
    }

    #[test]
    fn refused_as_regcomp_refuses() {
        for bad in [
            "a{x",
            "a{2",
            "(a",
            "[a",
            "[z-a]",
            "[[:foo:]]",
            "^*a",
            "*a",
            "a|*b",
            "(a)\\1",
            "a\\",
            "a{}",
            "a$*",
            "[a-z-9]",
            "\\`?a",
            "\\b*",
        ] {
            assert!(translate(bad).is_err(), "{bad}");
        }
    }
}
