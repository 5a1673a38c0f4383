//! Naming segments with an ordered regex map, as pandas `Series.replace(map, regex=True)`
//! does: each pattern in turn substitutes every match (Python `re.sub`) in the current text.

use regex::Regex;

use crate::core::error::{FloError, Result};

/// The standard RFM segment map over `RF_SCORE` (hibernating, at risk, can't lose, ..., champions).
pub const DEFAULT_MAP: [(&str, &str); 10] = [
    ("[1-2][1-2]", "hibernating"),
    ("[1-2][3-4]", "at_Risk"),
    ("[1-2]5", "cant_loose"),
    ("3[1-2]", "about_to_sleep"),
    ("33", "need_attention"),
    ("[3-4][4-5]", "loyal_customers"),
    ("41", "promising"),
    ("51", "new_customers"),
    ("[4-5][2-3]", "potential_loyalists"),
    ("5[4-5]", "champions"),
];

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Group(usize),
    Named(String),
}

#[derive(Debug, Clone)]
enum Rule {
    Regex {
        regex: Regex,
        template: Vec<Piece>,
    },
    /// pandas does not treat an empty pattern as a regex: it replaces texts equal to "" whole.
    EmptyText(String),
}

/// An ordered list of (pattern, replacement) rules.
#[derive(Debug, Clone)]
pub struct SegmentMap {
    rules: Vec<Rule>,
}

impl SegmentMap {
    pub fn new<P: AsRef<str>, R: AsRef<str>>(rules: &[(P, R)]) -> Result<Self> {
        let rules = rules
            .iter()
            .map(|(p, r)| {
                if p.as_ref().is_empty() {
                    return Ok(Rule::EmptyText(r.as_ref().to_string()));
                }
                let regex = Regex::new(p.as_ref()).map_err(|e| FloError::Regex {
                    pattern: p.as_ref().to_string(),
                    message: e.to_string(),
                })?;
                let template = parse_template(r.as_ref(), p.as_ref())?;
                Ok(Rule::Regex { regex, template })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SegmentMap { rules })
    }

    pub fn standard() -> Self {
        Self::new(&DEFAULT_MAP).expect("the default map is valid")
    }

    /// The text after the rules, with pandas' semantics: each rule, in order, substitutes in the
    /// current text, but only if its pattern is found in the *original* text (pandas computes
    /// every rule's mask on the input before replacing).
    pub fn apply(&self, text: &str) -> String {
        let mut s = text.to_string();
        for rule in &self.rules {
            match rule {
                Rule::Regex { regex, template } if regex.is_match(text) => {
                    s = python_sub(regex, template, &s)
                }
                Rule::EmptyText(r) if text.is_empty() => s = r.clone(),
                _ => {}
            }
        }
        s
    }
}

/// Python's `re.sub`: every non-overlapping match, left to right. An empty match is allowed
/// right after a non-empty one (Python >= 3.7); after an empty match the search moves one
/// character on. (Python would first try a non-empty match at the same place; that differs only
/// for patterns that prefer an empty match there, such as `x*?`.)
fn python_sub(regex: &Regex, template: &[Piece], s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut pos = 0;
    while pos <= s.len() {
        let Some(caps) = regex.captures_at(s, pos) else {
            break;
        };
        let m = caps.get(0).unwrap();
        out.push_str(&s[copied..m.start()]);
        for piece in template {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(i) => out.push_str(caps.get(*i).map_or("", |g| g.as_str())),
                Piece::Named(n) => out.push_str(caps.name(n).map_or("", |g| g.as_str())),
            }
        }
        copied = m.end();
        pos = if m.is_empty() {
            match s[m.end()..].chars().next() {
                Some(c) => m.end() + c.len_utf8(),
                None => break,
            }
        } else {
            m.end()
        };
    }
    out.push_str(&s[copied..]);
    out
}

/// Python's replacement syntax: `\1`, `\g<1>`, `\g<name>`, and the escapes `\n \t \r \\`.
fn parse_template(t: &str, pattern: &str) -> Result<Vec<Piece>> {
    let bad = |what: &str| FloError::Regex {
        pattern: pattern.to_string(),
        message: format!("bad replacement {t:?}: {what}"),
    };
    let mut pieces = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            text.push(c);
            i += 1;
            continue;
        }
        let next = *chars.get(i + 1).ok_or_else(|| bad("trailing backslash"))?;
        let flush = |pieces: &mut Vec<Piece>, text: &mut String| {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(text)));
            }
        };
        match next {
            'n' => text.push('\n'),
            't' => text.push('\t'),
            'r' => text.push('\r'),
            '\\' => text.push('\\'),
            'g' => {
                let rest: String = chars[i + 2..].iter().collect();
                let close = rest.find('>').filter(|_| rest.starts_with('<'));
                let close = close.ok_or_else(|| bad("\\g needs <name>"))?;
                let name = &rest[1..close];
                flush(&mut pieces, &mut text);
                pieces.push(match name.parse::<usize>() {
                    Ok(n) => Piece::Group(n),
                    Err(_) => Piece::Named(name.to_string()),
                });
                i += 2 + name.chars().count() + 2;
                continue;
            }
            d if d.is_ascii_digit() => {
                let mut digits = d.to_string();
                if let Some(d2) = chars.get(i + 2).filter(|c| c.is_ascii_digit()) {
                    digits.push(*d2);
                }
                flush(&mut pieces, &mut text);
                pieces.push(Piece::Group(digits.parse().unwrap()));
                i += 1 + digits.len();
                continue;
            }
            c if c.is_ascii_alphabetic() => return Err(bad(&format!("bad escape \\{c}"))),
            other => {
                text.push('\\');
                text.push(other);
            }
        }
        i += 2;
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Segments for dictionary-encoded score strings: each distinct string is mapped once.
pub fn segment_levels(map: &SegmentMap, levels: &[String]) -> Vec<String> {
    levels.iter().map(|l| map.apply(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_map_names_the_grid() {
        let m = SegmentMap::standard();
        assert_eq!(m.apply("11"), "hibernating");
        assert_eq!(m.apply("33"), "need_attention");
        assert_eq!(m.apply("55"), "champions");
        assert_eq!(m.apply("51"), "new_customers");
        assert_eq!(m.apply("25"), "cant_loose");
    }

    #[test]
    fn rules_match_the_original_and_substitute_the_current_text() {
        // Checked against pandas: Series(["1212"]).replace({"1": "x", "x(2)": ...}, regex=True)
        // leaves "x2x2", as "x(2)" is not found in the original "1212".
        let m = SegmentMap::new(&[("1", "x"), ("x(2)", r"<\1\g<1>>")]).unwrap();
        assert_eq!(m.apply("1212"), "x2x2");
        let m = SegmentMap::new(&[("1", "x"), ("(2)", r"<\1\g<1>>")]).unwrap();
        assert_eq!(m.apply("1212"), "x<22>x<22>");
        assert!(SegmentMap::new(&[("(", "x")]).is_err());
    }
}
