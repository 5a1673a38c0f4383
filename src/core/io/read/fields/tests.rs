use super::*;

fn split(s: &str) -> (Vec<String>, usize, u64) {
    let mut f = Fields::default();
    let (end, nl) = split_record(s.as_bytes(), 0, b',', &mut f);
    let row = f.row(s.as_bytes());
    (
        (0..row.len())
            .map(|i| String::from_utf8_lossy(row.get(i)).into_owned())
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

/// The byte-at-a-time reading the structural index replaces.
fn reference_scan(bytes: &[u8], every: usize) -> (Option<usize>, Vec<(usize, u64)>, u64) {
    let (mut quoted, mut newlines, mut cut, mut before) = (false, 0u64, None, 0u64);
    let mut splits = vec![(0usize, 0u64)];
    let mut next_split = every;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == b'\n' {
            newlines += 1;
            if !quoted {
                cut = Some(i + 1);
                before = newlines;
                if i + 1 >= next_split && i + 1 < bytes.len() {
                    splits.push((i + 1, newlines));
                    next_split = i + 1 + every;
                }
            }
        }
    }
    (cut, splits, before)
}

/// Fields byte at a time: a field ends at a delimiter or line feed outside quotes, `""`
/// inside quotes is a quote, text after a closing quote is kept, a `\r` ending a record
/// is dropped.
fn reference_split(bytes: &[u8], start: usize, delim: u8) -> (Vec<Vec<u8>>, usize, u64) {
    let (mut fields, mut cur, mut pos, mut nl) = (vec![], vec![], start, 0u64);
    let n = bytes.len();
    // `kept`: bytes read inside quotes, which a `\r` trim never takes.
    fn finish(cur: &mut Vec<u8>, fields: &mut Vec<Vec<u8>>, at_end: bool, kept: usize) {
        if at_end && cur.len() > kept && cur.last() == Some(&b'\r') {
            cur.pop();
        }
        fields.push(std::mem::take(cur));
    }
    loop {
        if pos < n && bytes[pos] == b'"' {
            pos += 1;
            loop {
                if pos >= n {
                    finish(&mut cur, &mut fields, false, 0);
                    return (fields, n, nl);
                }
                if bytes[pos] == b'"' {
                    if pos + 1 < n && bytes[pos + 1] == b'"' {
                        cur.push(b'"');
                        pos += 2;
                        continue;
                    }
                    pos += 1;
                    break;
                }
                nl += (bytes[pos] == b'\n') as u64;
                cur.push(bytes[pos]);
                pos += 1;
            }
        }
        let kept = cur.len();
        while pos < n && bytes[pos] != delim && bytes[pos] != b'\n' {
            cur.push(bytes[pos]);
            pos += 1;
        }
        finish(&mut cur, &mut fields, pos >= n || bytes[pos] == b'\n', kept);
        if pos >= n {
            return (fields, n, nl);
        }
        if bytes[pos] == b'\n' {
            return (fields, pos + 1, nl + 1);
        }
        pos += 1;
    }
}

fn text_of(alphabet: Vec<u8>, len: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(alphabet), 0..len)
}

proptest::proptest! {
    #[test]
    fn index_reads_as_byte_at_a_time(
        text in text_of(b"a1,;\"\n\r ".to_vec(), 400),
        every in 1usize..200,
        start in 0usize..400,
    ) {
        let s = scan_block(&text, every);
        proptest::prop_assert_eq!(
            (s.cut, s.splits, s.newlines_before_cut),
            reference_scan(&text, every)
        );
        let start = start.min(text.len());
        let mut f = Fields::default();
        let (end, nl) = split_record(&text, start, b',', &mut f);
        let got = f.row(&text).to_vecs();
        proptest::prop_assert_eq!((got, end, nl), reference_split(&text, start, b','));
    }

    #[test]
    fn records_in_turn_read_as_each_alone(text in text_of(b"ax;,\"\n".to_vec(), 600)) {
        // One index over a whole text, records in turn, equals a fresh split of each.
        let mut index = Structure::new(&text, b';');
        let (mut pos, mut f, mut g) = (0, Fields::default(), Fields::default());
        while pos < text.len() {
            let (end, nl) = index.split_record(pos, &mut f);
            let (end2, nl2) = split_record(&text, pos, b';', &mut g);
            proptest::prop_assert_eq!(
                (end, nl, f.row(&text).to_vecs()),
                (end2, nl2, g.row(&text).to_vecs())
            );
            pos = end;
        }
    }
}
