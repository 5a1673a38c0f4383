//! The header line: its delimiter, its column names, and where the columns a schema wants sit.

use crate::core::error::{FloError, Result};
use crate::core::io::read::fields::{split_record, Fields};

/// The delimiters a header is tried with, in the order a tie is settled.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The most frequent of `,` `;` tab `|` outside quotes in a header line; `,` on a tie.
pub fn detect_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = DELIMITERS.iter().position(|&c| c == b) {
                counts[k] += 1;
            }
        }
    }
    let best = (0..4).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    DELIMITERS[best]
}

/// A file's header, split.
#[derive(Debug, Clone)]
pub struct Header {
    pub source: String,
    pub names: Vec<String>,
    pub delimiter: u8,
    /// Whether the delimiter was found in the header rather than given.
    pub detected: bool,
}

impl Header {
    /// Splits a header line; `delimiter` `None` detects it.
    pub fn parse(line: &[u8], source: &str, delimiter: Option<u8>) -> (Header, u64) {
        let detected = delimiter.is_none();
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(line));
        let mut fields = Fields::default();
        let (_, lines) = split_record(line, 0, delimiter, &mut fields);
        let names = fields
            .row(line)
            .to_vecs()
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        let header = Header {
            source: source.to_string(),
            names,
            delimiter,
            detected,
        };
        (header, lines)
    }

    /// Where each of `wanted` sits (`None` for a name not asked for); see [`find_columns`].
    pub fn find(&self, wanted: &[Option<&str>]) -> Result<Vec<Option<usize>>> {
        find_columns(&self.source, &self.names, wanted).map_err(|e| match e {
            FloError::MissingColumns {
                source_name,
                columns,
                ..
            } => FloError::MissingColumns {
                source_name,
                columns,
                hint: self.one_field_hint(),
            },
            e => e,
        })
    }

    /// Why a header that did not split says so: the delimiters tried.
    fn one_field_hint(&self) -> String {
        if self.names.len() != 1 {
            return String::new();
        }
        if self.detected {
            "; the header is one field: none of \",\" \";\" tab \"|\" separates it (pass the \
             delimiter if the file uses another)"
                .to_string()
        } else {
            format!(
                "; the header is one field: the delimiter {:?} does not separate it",
                self.delimiter as char
            )
        }
    }
}

/// Where each of `wanted` sits among a file's column `names` (`None` for a name not asked
/// for). A name that appears more than once is an error naming its positions; missing names
/// are named together.
pub fn find_columns(
    source: &str,
    names: &[String],
    wanted: &[Option<&str>],
) -> Result<Vec<Option<usize>>> {
    for name in wanted.iter().flatten() {
        let at: Vec<String> = (0..names.len())
            .filter(|&i| names[i] == *name)
            .map(|i| (i + 1).to_string())
            .collect();
        if at.len() > 1 {
            return Err(FloError::Format {
                source_name: source.to_string(),
                line: 1,
                message: format!(
                    "column {name:?} appears {} times in the header (columns {}): keep one",
                    at.len(),
                    at.join(", ")
                ),
            });
        }
    }
    let found: Vec<Option<usize>> = wanted
        .iter()
        .map(|name| name.and_then(|n| names.iter().position(|h| h == n)))
        .collect();
    let missing: Vec<String> = wanted
        .iter()
        .zip(&found)
        .filter_map(|(name, at)| match (name, at) {
            (Some(n), None) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    Err(FloError::MissingColumns {
        source_name: source.to_string(),
        columns: missing,
        hint: String::new(),
    })
}

/// The names of the columns `extra` of `names`, a name already `taken` (or repeated) numbered
/// as pandas' `read_csv` numbers it (`x`, `x.1`, `x.2`).
pub fn numbered_names(names: &[String], extra: &[usize], taken: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = taken.iter().map(|s| s.to_string()).collect();
    extra
        .iter()
        .map(|&i| {
            let base = &names[i];
            let mut name = base.clone();
            let mut k = 0;
            while seen.contains(&name) {
                k += 1;
                name = format!("{base}.{k}");
            }
            seen.push(name.clone());
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_outside_quotes_decide() {
        assert_eq!(detect_delimiter(b"\"a;b;c;d\",id,date\n"), b',');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c"), b'|');
        assert_eq!(detect_delimiter(b"a;b,c;d"), b';');
        assert_eq!(detect_delimiter(b"abc"), b',');
    }

    #[test]
    fn repeated_missing_and_one_field_headers() {
        let (h, _) = Header::parse(b"id,date,id\n", "t.csv", None);
        let e = h.find(&[Some("id"), Some("date")]).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:1: column \"id\" appears 2 times in the header (columns 1, 3): keep one"
        );
        let (h, _) = Header::parse(b"id:date:amount\n", "t.csv", None);
        let e = h.find(&[Some("id"), None]).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv: missing required column(s): id; the header is one field: none of \",\" \";\" \
             tab \"|\" separates it (pass the delimiter if the file uses another)"
        );
        let (h, _) = Header::parse(b"a,id,b\n", "t.csv", None);
        assert_eq!(h.find(&[Some("id"), None]).unwrap(), vec![Some(1), None]);
    }
}
