//! Splitting CSV bytes into records and fields (RFC 4180 quoting), and finding record
//! boundaries in a block so blocks can be parsed in parallel.

use std::borrow::Cow;

/// One record's fields, borrowed from the input unless a quoted field held `""` escapes.
pub type Fields<'a> = Vec<Cow<'a, [u8]>>;

/// Splits the record starting at `start`. Returns the offset just past its terminator and the
/// number of `\n` it spans (1 for a plain record; more if quoted fields hold newlines; 0 for a
/// last record with no terminator). A `\r` before the `\n` is dropped.
pub fn split_record<'a>(
    bytes: &'a [u8],
    start: usize,
    delim: u8,
    fields: &mut Fields<'a>,
) -> (usize, u64) {
    fields.clear();
    let n = bytes.len();
    let mut pos = start;
    let mut newlines = 0u64;
    loop {
        if pos < n && bytes[pos] == b'"' {
            // Quoted field: up to the closing quote; `""` is a literal quote.
            let mut i = pos + 1;
            let mut owned: Option<Vec<u8>> = None;
            let mut seg = i;
            loop {
                match memchr::memchr(b'"', &bytes[i..]) {
                    None => {
                        // Unterminated: the field runs to the end of the input.
                        newlines += bytecount(&bytes[i..]);
                        let tail = &bytes[seg..];
                        fields.push(match owned {
                            Some(mut o) => {
                                o.extend_from_slice(tail);
                                Cow::Owned(o)
                            }
                            None => Cow::Borrowed(tail),
                        });
                        return (n, newlines);
                    }
                    Some(off) => {
                        let q = i + off;
                        newlines += bytecount(&bytes[i..q]);
                        if q + 1 < n && bytes[q + 1] == b'"' {
                            let o = owned.get_or_insert_with(Vec::new);
                            o.extend_from_slice(&bytes[seg..=q]);
                            i = q + 2;
                            seg = i;
                            continue;
                        }
                        let piece = &bytes[seg..q];
                        let field = match owned.take() {
                            Some(mut o) => {
                                o.extend_from_slice(piece);
                                o
                            }
                            None => piece.to_vec(),
                        };
                        pos = q + 1;
                        // Text after the closing quote belongs to the field, as the csv crate reads it.
                        let rest_end = field_end(bytes, pos, delim);
                        let mut field = field;
                        if rest_end > pos {
                            field.extend_from_slice(trim_cr(
                                &bytes[pos..rest_end],
                                rest_end,
                                bytes,
                            ));
                        }
                        fields.push(if field.len() == piece.len() && rest_end == pos {
                            Cow::Borrowed(piece)
                        } else {
                            Cow::Owned(field)
                        });
                        pos = rest_end;
                        break;
                    }
                }
            }
        } else {
            let end = field_end(bytes, pos, delim);
            fields.push(Cow::Borrowed(trim_cr(&bytes[pos..end], end, bytes)));
            pos = end;
        }
        if pos >= n {
            return (n, newlines);
        }
        if bytes[pos] == b'\n' {
            return (pos + 1, newlines + 1);
        }
        pos += 1; // the delimiter
    }
}

/// End of an unquoted field: the next delimiter or `\n`, or the end of the input.
fn field_end(bytes: &[u8], pos: usize, delim: u8) -> usize {
    match memchr::memchr2(delim, b'\n', &bytes[pos..]) {
        Some(off) => pos + off,
        None => bytes.len(),
    }
}

/// Drops a `\r` that ends a record (`\r\n`).
fn trim_cr<'a>(field: &'a [u8], end: usize, bytes: &[u8]) -> &'a [u8] {
    let at_record_end = end >= bytes.len() || bytes[end] == b'\n';
    match field.last() {
        Some(b'\r') if at_record_end => &field[..field.len() - 1],
        _ => field,
    }
}

fn bytecount(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Where a block can be cut: `cut` is just past the last `\n` outside quotes (or `None` if the
/// block holds no complete record), and `splits` are record starts about `every` bytes apart,
/// each with the number of `\n` before it (for line numbers).
pub struct BlockScan {
    pub cut: Option<usize>,
    pub splits: Vec<(usize, u64)>,
    pub newlines_before_cut: u64,
}

pub fn scan_block(bytes: &[u8], every: usize) -> BlockScan {
    let mut quoted = false;
    let mut newlines = 0u64;
    let mut cut = None;
    let mut newlines_before_cut = 0;
    let mut splits = vec![(0usize, 0u64)];
    let mut next_split = every;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            quoted = !quoted;
            continue;
        }
        newlines += 1;
        if !quoted {
            cut = Some(i + 1);
            newlines_before_cut = newlines;
            if i + 1 >= next_split && i + 1 < bytes.len() {
                splits.push((i + 1, newlines));
                next_split = i + 1 + every;
            }
        }
    }
    BlockScan {
        cut,
        splits,
        newlines_before_cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (Vec<String>, usize, u64) {
        let mut f = Vec::new();
        let (end, nl) = split_record(s.as_bytes(), 0, b',', &mut f);
        (
            f.iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect(),
            end,
            nl,
        )
    }

    #[test]
    fn plain_quoted_escaped_and_crlf() {
        assert_eq!(
            split("a,b,c\nx"),
            (vec!["a".into(), "b".into(), "c".into()], 6, 1)
        );
        assert_eq!(
            split("a,\"b,c\",d\r\n"),
            (vec!["a".into(), "b,c".into(), "d".into()], 11, 1)
        );
        assert_eq!(
            split("\"say \"\"hi\"\"\",2\n"),
            (vec!["say \"hi\"".into(), "2".into()], 15, 1)
        );
        assert_eq!(
            split("\"two\nlines\",2\n"),
            (vec!["two\nlines".into(), "2".into()], 14, 2)
        );
        assert_eq!(split("a,,"), (vec!["a".into(), "".into(), "".into()], 3, 0));
    }

    #[test]
    fn block_cut_ignores_quoted_newlines() {
        let b = b"a,\"x\ny\"\nb,c\nd,\"e";
        let s = scan_block(b, 1);
        assert_eq!(s.cut, Some(12));
        assert_eq!(s.newlines_before_cut, 3);
        assert_eq!(s.splits, vec![(0, 0), (8, 2), (12, 3)]);
    }
}
