//! Field parsers shared by the file reader and the DataFrame path. Each returns what it
//! expected on failure, so the caller can build an error naming line, column and text.

use chrono::NaiveDate;

use super::frame::NULL_DATE;

/// The texts pandas' `read_csv` reads as missing by default.
pub const NA_VALUES: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

pub fn is_na(s: &str) -> bool {
    // Fast path: a value starting with a digit is missing only if it is `1.#IND` or `1.#QNAN`.
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_digit() && !s.contains('#') => false,
        _ => NA_VALUES.contains(&s.trim()),
    }
}

const EPOCH_CE_DAYS: i32 = 719_163;

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + (d - b'0') as u32))
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (time dropped) or `DD.MM.YYYY`, as days since 1970-01-01.
/// A missing value is `NULL_DATE`.
pub fn parse_date(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if is_na(t) {
        return Ok(NULL_DATE);
    }
    let b = t.as_bytes();
    let ymd = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let rest = &b[10..];
        let time_ok = rest.is_empty()
            || ((rest[0] == b' ' || rest[0] == b'T')
                && rest[1..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.'))
                && rest.len() > 1);
        if !time_ok {
            None
        } else {
            digits(&b[0..4])
                .zip(digits(&b[5..7]))
                .zip(digits(&b[8..10]))
                .map(|((y, m), d)| (y, m, d))
        }
    } else if b.len() == 10 && b[2] == b'.' && b[5] == b'.' {
        digits(&b[6..10])
            .zip(digits(&b[3..5]))
            .zip(digits(&b[0..2]))
            .map(|((y, m), d)| (y, m, d))
    } else {
        None
    };
    ymd.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y as i32, m, d))
        .map(|date| chrono::Datelike::num_days_from_ce(&date) - EPOCH_CE_DAYS)
        .ok_or_else(|| "a date".to_string())
}

fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if is_na(t) {
        return Some(f64::NAN);
    }
    // Rust also reads "inf" and "infinity"; pandas reads those as well, and the row rules
    // then reject them as non-finite.
    t.parse::<f64>().ok()
}

/// A count written `4` or `4.0`; NaN when missing.
pub fn parse_count(s: &str) -> Result<f64, String> {
    match parse_number(s) {
        Some(v) if v.is_nan() || (v.is_finite() && v.fract() == 0.0) => Ok(v),
        _ => Err("a whole-number count".to_string()),
    }
}

/// A decimal amount; NaN when missing.
pub fn parse_money(s: &str) -> Result<f64, String> {
    parse_number(s).ok_or_else(|| "a number".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_agree() {
        let d = parse_date("2021-05-30").unwrap();
        assert_eq!(parse_date("30.05.2021").unwrap(), d);
        assert_eq!(parse_date("2021-05-30 23:59:59").unwrap(), d);
        assert_eq!(d, 18_777);
        assert_eq!(parse_date("1970-01-01").unwrap(), 0);
        assert_eq!(parse_date("").unwrap(), NULL_DATE);
        assert!(parse_date("2021-02-30").is_err());
        assert!(parse_date("2021-13-01").is_err());
        assert!(parse_date("2021-1-01").is_err());
        assert!(parse_date("2021-01-01x").is_err());
    }

    #[test]
    fn counts_and_money() {
        assert_eq!(parse_count("4.0"), Ok(4.0));
        assert_eq!(parse_count("4"), Ok(4.0));
        assert!(parse_count("4.5").is_err());
        assert!(parse_count("abc").is_err());
        assert!(parse_count("").unwrap().is_nan());
        assert_eq!(parse_money("139.99"), Ok(139.99));
        assert!(parse_money("12,5").is_err());
    }
}
