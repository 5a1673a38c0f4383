//! Field parsers shared by the file reader and the DataFrame path. Each returns what it
//! expected on failure, so the caller can build an error naming line, column and text.

use crate::core::table::customers::NULL_DATE;

/// The texts pandas' `read_csv` reads as missing by default.
pub const NA_VALUES: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

pub fn is_na(s: &str) -> bool {
    // Fast path: a value starting with a digit is missing only if it is `1.#IND` or `1.#QNAN`.
    let b = s.as_bytes();
    match b.first() {
        Some(d) if d.is_ascii_digit() && !(b.len() >= 3 && b[1] == b'.' && b[2] == b'#') => false,
        _ => NA_VALUES.contains(&s.trim()),
    }
}

/// Trims only when there is something to trim (the common case has nothing).
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if !a.is_ascii_whitespace() && !z.is_ascii_whitespace() => s,
        _ => s.trim(),
    }
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || d == 0 || !(-100_000..=100_000).contains(&y) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d > month_days[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + (d - b'0') as u32))
}

/// Exactly `YYYY-MM-DD`, the common case, without the general path's trimming and missing-value
/// checks; `None` for anything else (which the general path then reads or rejects).
#[inline]
fn iso_date(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let d = |i: usize| -> Option<u32> {
        let v = b[i].wrapping_sub(b'0');
        (v < 10).then_some(v as u32)
    };
    let year = ((d(0)? * 10 + d(1)?) * 10 + d(2)?) * 10 + d(3)?;
    let month = d(5)? * 10 + d(6)?;
    let day = d(8)? * 10 + d(9)?;
    let in_table =
        (TABLE_FROM..TABLE_FROM + TABLE_YEARS).contains(&year) && (1..=12).contains(&month);
    if !in_table {
        return days_from_civil(year as i64, month, day);
    }
    let (start, len) = month_starts()[((year - TABLE_FROM) * 12 + month - 1) as usize];
    (day >= 1 && day <= len as u32).then(|| start + day as i32 - 1)
}

/// Years whose months' first days are kept in a table (the rest are computed).
const TABLE_FROM: u32 = 1900;
const TABLE_YEARS: u32 = 300;

/// Days since 1970-01-01 of the first of each month from 1900 on, and the month's length.
fn month_starts() -> &'static [(i32, u8)] {
    static TABLE: std::sync::OnceLock<Vec<(i32, u8)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Vec::with_capacity((TABLE_YEARS * 12) as usize);
        for y in TABLE_FROM..TABLE_FROM + TABLE_YEARS {
            for m in 1..=12u32 {
                let start = days_from_civil(y as i64, m, 1).expect("a valid date");
                let len = (28..=31)
                    .rev()
                    .find(|&d| days_from_civil(y as i64, m, d).is_some())
                    .expect("a month has 28 to 31 days");
                t.push((start, len as u8));
            }
        }
        t
    })
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (time dropped) or `DD.MM.YYYY`, as days since 1970-01-01.
/// A missing value is `NULL_DATE`.
pub fn parse_date(s: &str) -> Result<i32, String> {
    if let Some(days) = iso_date(s.as_bytes()) {
        return Ok(days);
    }
    let t = trimmed(s);
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
    ymd.and_then(|(y, m, d)| days_from_civil(y as i64, m, d))
        .ok_or_else(|| "a date".to_string())
}

/// `123` or `123.45` with at most 15 digits: the digits are an exact integer and one division
/// by an exact power of ten rounds once, so this is the correctly rounded value (as `str::parse`
/// and pandas' parser give) at a fraction of the cost.
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut frac_digits = 0;
    let mut seen_dot = false;
    for &c in b {
        match c {
            // Past 15 digits the fast path is not exact: leave those to `str::parse` (and never
            // let the accumulator overflow; found by the reader fuzz target).
            b'0'..=b'9' if digits == 15 => return None,
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + (c - b'0') as u64;
                digits += 1;
                if seen_dot {
                    frac_digits += 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    Some(mantissa as f64 / POW10[frac_digits])
}

fn parse_number(s: &str) -> Option<f64> {
    if let Some(v) = parse_plain_decimal(s.as_bytes()) {
        return Some(v);
    }
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
        assert!(parse_date("2021-00-10").is_err());
        assert!(parse_date("2021-01-+1").is_err());
        assert_eq!(parse_date(" 2021-05-30 ").unwrap(), d);
    }

    #[test]
    fn table_dates_match_the_computed_ones() {
        for y in [1899, 1900, 1970, 2000, 2024, 2100, 2199, 2200, 9999] {
            for m in 0..=13u32 {
                for d in 0..=32u32 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    let want = days_from_civil(y, m, d);
                    assert_eq!(iso_date(s.as_bytes()), want, "{s}");
                }
            }
        }
    }

    #[test]
    fn civil_days_match_chrono_everywhere() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for y in [1, 1600, 1900, 1969, 1970, 2000, 2021, 2024, 2100, 9999] {
            for m in 1..=12 {
                for d in 1..=31 {
                    let want = chrono::NaiveDate::from_ymd_opt(y, m, d)
                        .map(|x| (x - epoch).num_days() as i32);
                    assert_eq!(days_from_civil(y as i64, m, d), want, "{y}-{m}-{d}");
                }
            }
        }
    }

    #[test]
    fn plain_decimals_are_correctly_rounded() {
        for s in [
            "0.1",
            "139.99",
            "799.38",
            "45905.1",
            "4.0",
            "4",
            "0.00000000000001",
            "123456789012.345",
        ] {
            assert_eq!(
                parse_plain_decimal(s.as_bytes()),
                Some(s.parse::<f64>().unwrap()),
                "{s}"
            );
        }
        assert_eq!(parse_plain_decimal(b"1e5"), None);
        assert_eq!(parse_plain_decimal(b"1234567890123456"), None);
        let long = "123456789012345678901234567890.5";
        assert_eq!(parse_plain_decimal(long.as_bytes()), None);
        assert_eq!(parse_money(long), Ok(long.parse::<f64>().unwrap()));
        assert_eq!(parse_plain_decimal(b"."), None);
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
