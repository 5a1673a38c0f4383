//! Cells as pandas' `to_csv` writes them: Python's `repr` of floats, ISO dates, and text quoted
//! as Python's `csv` module quotes it (`QUOTE_MINIMAL`, `"\n"` line ends).

/// Whether a spreadsheet would read the cell as a formula (OWASP's list of leading characters).
pub fn is_formula_like(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A text cell: a formula-like text is prefixed with `'` (spreadsheets show it, never run it),
/// then written as a CSV field.
pub fn push_text_cell(s: &str, out: &mut Vec<u8>) {
    if is_formula_like(s) {
        let mut t = String::with_capacity(s.len() + 1);
        t.push('\'');
        t.push_str(s);
        push_field(&t, out);
    } else {
        push_field(s, out);
    }
}

/// A field quoted, with its quotes doubled, if it holds the delimiter, a quote or a line break.
/// `\r` is quoted too although Python's csv leaves it bare: a bare `\r` ends a line for most
/// readers.
pub fn push_field(s: &str, out: &mut Vec<u8>) {
    if !s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for &b in s.as_bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A float as Python's `repr` (and so numpy's `astype(str)`, which `to_csv` uses) writes it:
/// the shortest digits that read back to the same double, positional when the decimal exponent
/// is in `-4..16`, else `d.ddde+XX`. NaN is the missing value and writes nothing.
pub fn push_float(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    // ryu writes what repr writes except in exponent form and at 10^-5 <= |v| < 10^-4, which
    // ryu keeps positional (`0.0000d`) and repr does not (`de-05`).
    if !unsigned.contains('e') && !unsigned.starts_with("0.0000") {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let mut digits = [0u8; 24];
    let (n, decpt) = shortest_digits(unsigned, &mut digits);
    let digits = &digits[..n];
    if digits.is_empty() {
        out.extend_from_slice(b"0.0");
        return;
    }
    let n = n as i32;
    if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-decpt) as usize));
            out.extend_from_slice(digits);
        } else if decpt >= n {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', (decpt - n) as usize));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..decpt as usize]);
            out.push(b'.');
            out.extend_from_slice(&digits[decpt as usize..]);
        }
    } else {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        let e = decpt - 1;
        out.push(b'e');
        out.push(if e < 0 { b'-' } else { b'+' });
        let e = e.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(e).as_bytes());
    }
}

/// The significant digits of ryu's text (no leading or trailing zeros) into `digits`, their
/// count, and the position of the decimal point relative to them: the value is
/// `0.DIGITS × 10^decpt`.
fn shortest_digits(text: &str, digits: &mut [u8; 24]) -> (usize, i32) {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (mut n, mut int_len, mut lead) = (0usize, 0i32, 0i32);
    let mut seen_point = false;
    for &b in mantissa.as_bytes() {
        match b {
            b'.' => seen_point = true,
            b'0' if n == 0 => {
                // A leading zero: no digit kept, the point moves.
                if !seen_point {
                    int_len += 1;
                }
                lead += 1;
            }
            b'0'..=b'9' => {
                digits[n] = b;
                n += 1;
                if !seen_point {
                    int_len += 1;
                }
            }
            _ => {}
        }
    }
    while n > 0 && digits[n - 1] == b'0' {
        n -= 1;
    }
    (n, int_len - lead + exp)
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (the proleptic Gregorian calendar, as numpy's).
pub fn push_date(days: i32, out: &mut Vec<u8>) {
    // Howard Hinnant's `civil_from_days`.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if (0..10_000).contains(&y) {
        let y = y as u32;
        out.extend_from_slice(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
        ]);
    } else {
        out.extend_from_slice(y.to_string().as_bytes());
    }
    out.extend_from_slice(&[
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
    ]);
}

/// A whole number held as a float, as pandas writes an int64 column (`148`).
pub fn push_whole(v: f64, out: &mut Vec<u8>) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(v as i64).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(v: f64) -> String {
        let mut out = Vec::new();
        push_float(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_as_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (148.82999999999998, "148.82999999999998"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (9.99e-5, "9.99e-05"),
            (-1.25e-5, "-1.25e-05"),
            (0.000100001, "0.000100001"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (-2.25e-10, "-2.25e-10"),
            (f64::INFINITY, "inf"),
            (f64::NAN, ""),
        ];
        for (v, want) in cases {
            assert_eq!(float(v), want, "{v:e}");
        }
    }

    #[test]
    fn dates_iso() {
        let date = |d: i32| {
            let mut out = Vec::new();
            push_date(d, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(18_777), "2021-05-30");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
    }

    #[test]
    fn text_neutralised_and_quoted() {
        let cell = |s: &str| {
            let mut out = Vec::new();
            push_text_cell(s, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(cell("abc"), "abc");
        assert_eq!(cell("[KADIN, ERKEK]"), "\"[KADIN, ERKEK]\"");
        assert_eq!(cell("=1+2"), "'=1+2");
        assert_eq!(cell("=a,b"), "\"'=a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(cell(""), "");
    }
}
