//! Task 4: naming segments with an ordered regex map, as pandas `Series.replace(map, regex=True)`
//! does: each pattern in turn substitutes every match (Python `re.sub`) in the current text.

use regex::Regex;

use super::error::{FloError, Result};

/// The seeds' map over `RF_SCORE`.
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
struct Rule {
    regex: Regex,
    template: Vec<Piece>,
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
                let regex = Regex::new(p.as_ref()).map_err(|e| FloError::Regex {
                    pattern: p.as_ref().to_string(),
                    message: e.to_string(),
                })?;
                let template = parse_template(r.as_ref(), p.as_ref())?;
                Ok(Rule { regex, template })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SegmentMap { rules })
    }

    pub fn seeds() -> Self {
        Self::new(&DEFAULT_MAP).expect("the default map is valid")
    }

    /// The text after every rule has been applied in order.
    pub fn apply(&self, text: &str) -> String {
        let mut s = text.to_string();
        for rule in &self.rules {
            s = python_sub(rule, &s);
        }
        s
    }
}

/// Python's `re.sub`: every non-overlapping match, empty ones included (an empty match right
/// after a non-empty one counts, as since Python 3.7).
fn python_sub(rule: &Rule, s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for caps in rule.regex.captures_iter(s) {
        let m = caps.get(0).unwrap();
        out.push_str(&s[last..m.start()]);
        for piece in &rule.template {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(i) => out.push_str(caps.get(*i).map_or("", |g| g.as_str())),
                Piece::Named(n) => out.push_str(caps.name(n).map_or("", |g| g.as_str())),
            }
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
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
        let m = SegmentMap::seeds();
        assert_eq!(m.apply("11"), "hibernating");
        assert_eq!(m.apply("33"), "need_attention");
        assert_eq!(m.apply("55"), "champions");
        assert_eq!(m.apply("51"), "new_customers");
        assert_eq!(m.apply("25"), "cant_loose");
    }

    #[test]
    fn later_rules_see_earlier_output_and_groups_work() {
        let m = SegmentMap::new(&[("1", "x"), ("x(2)", r"<\1\g<1>>")]).unwrap();
        assert_eq!(m.apply("1212"), "<22><22>");
        assert!(SegmentMap::new(&[("(", "x")]).is_err());
    }
}
