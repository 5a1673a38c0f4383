//! A plain CSV file read a byte range at a time (a Dask partition each), by the one engine.
//!
//! A range `[start, end)` holds the records that *start* in it: from the first record start at
//! or after `start` up to the first at or after `end`, so a record cut by a boundary belongs to
//! the range it starts in. A record starts after a line feed outside quotes, "outside" being
//! the parity of the quotes since the header: the rule the engine cuts its own blocks by
//! ([`super::fields::scan_block`]). That parity, and the line feeds before the range (so lines
//! are numbered in the whole file), come from [`count_range`] over the earlier ranges: a cheap
//! first pass, after which each range is parsed once, on its own.

use std::fs::File;
use std::io::{Chain, Cursor, Read, Seek, SeekFrom, Take};
use std::path::Path;

use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::io::read::open_file;

/// What a range holds that later ranges need: whether an odd number of quotes (after the
/// header) and how many line feeds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RangeCounts {
    pub odd_quotes: bool,
    pub newlines: u64,
}

/// A range to read, with what the ranges before it hold.
#[derive(Debug, Clone, Copy)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
    /// Whether `start` lies inside quotes.
    pub inside_quotes: bool,
    /// Line feeds before `start`, the header's included.
    pub newlines_before: u64,
}

impl ByteRange {
    /// The range `[start, end)` after ranges whose counts are `before` (all of them, in order).
    pub fn after(start: u64, end: u64, before: &[RangeCounts]) -> Self {
        ByteRange {
            start,
            end,
            inside_quotes: before.iter().filter(|c| c.odd_quotes).count() % 2 == 1,
            newlines_before: before.iter().map(|c| c.newlines).sum(),
        }
    }
}

/// What the engine reads for one range: the file's header line, then the range's whole
/// records, streamed from the file (no copy of the range in memory); and the line the first of
/// them is on.
pub struct RangeInput {
    pub reader: Chain<Cursor<Vec<u8>>, Take<File>>,
    pub first_line: u64,
}

fn io_error(path: &Path, e: std::io::Error) -> FloError {
    FloError::io(path.display().to_string(), &e)
}

/// Bytes `[from, to)` of the file (fewer at its end).
fn read_at(file: &mut File, path: &Path, from: u64, to: u64) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
    file.seek(SeekFrom::Start(from))
        .map_err(|e| io_error(path, e))?;
    file.by_ref()
        .take(to.saturating_sub(from))
        .read_to_end(&mut out)
        .map_err(|e| io_error(path, e))?;
    Ok(out)
}

const STEP: u64 = 64 << 10;

/// The header line, line feed included (the engine's rule: column names hold no line breaks).
fn header_line(file: &mut File, path: &Path) -> Result<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        let seen = head.len();
        let more = read_at(file, path, seen as u64, seen as u64 + STEP)?;
        head.extend_from_slice(&more);
        if let Some(p) = memchr::memchr(b'\n', &head[seen..]) {
            head.truncate(seen + p + 1);
            return Ok(head);
        }
        if (more.len() as u64) < STEP {
            return Ok(head);
        }
    }
}

/// Whether the file can be read in byte ranges: CSV stored as plain UTF-8 (not Parquet, not
/// compressed, not in another encoding), so that a byte offset is a text offset.
pub fn splittable(path: &Path, encoding: Option<&str>) -> Result<bool> {
    if super::parquet::is_parquet_file(path)? {
        return Ok(false);
    }
    let mut file = open_file(path)?;
    let head = read_at(&mut file, path, 0, 8)?;
    Ok(super::is_plain_utf8(&head, encoding))
}

/// The quotes and line feeds of `[start, end)`, quotes counted after the header only (the
/// engine starts outside quotes after it). Read a step at a time (no copy of the range in
/// memory).
pub fn count_range(path: &Path, start: u64, end: u64) -> Result<RangeCounts> {
    counted_by(path, start, end, COUNT_STEP)
}

fn counted_by(path: &Path, start: u64, end: u64, step: u64) -> Result<RangeCounts> {
    let header_end = header_line(&mut open_file(path)?, path)?.len() as u64;
    // Steps counted side by side, each through its own handle: parity and line feeds add up.
    let steps: Vec<u64> = (start..end).step_by(step.max(1) as usize).collect();
    steps
        .into_par_iter()
        .map_init(
            || None,
            |file: &mut Option<File>, at| {
                if file.is_none() {
                    *file = Some(open_file(path)?);
                }
                let file = file.as_mut().expect("opened above");
                let bytes = read_at(file, path, at, (at + step).min(end))?;
                let quoted_from = header_end.saturating_sub(at).min(bytes.len() as u64) as usize;
                Ok(RangeCounts {
                    odd_quotes: memchr::memchr_iter(b'"', &bytes[quoted_from..]).count() % 2 == 1,
                    newlines: memchr::memchr_iter(b'\n', &bytes).count() as u64,
                })
            },
        )
        .try_reduce(RangeCounts::default, |a, b| {
            Ok(RangeCounts {
                odd_quotes: a.odd_quotes ^ b.odd_quotes,
                newlines: a.newlines + b.newlines,
            })
        })
}

/// Bytes a counting pass reads at a time (they stay in the cache between its two scans).
const COUNT_STEP: u64 = 1 << 20;

/// Reads on from `from` (whose quote state is `inside`) to the first line feed outside quotes;
/// returns the offset just past it (a record start), or the file's length.
fn next_record_start(file: &mut File, path: &Path, from: u64, mut inside: bool) -> Result<u64> {
    let mut at = from;
    loop {
        let chunk = read_at(file, path, at, at + STEP)?;
        for i in memchr::memchr2_iter(b'"', b'\n', &chunk) {
            if chunk[i] == b'"' {
                inside = !inside;
            } else if !inside {
                return Ok(at + i as u64 + 1);
            }
        }
        at += chunk.len() as u64;
        if (chunk.len() as u64) < STEP {
            return Ok(at);
        }
    }
}

/// Whether bytes `[from, to)` hold an odd number of quotes, read a step at a time.
fn odd_quotes_in(file: &mut File, path: &Path, from: u64, to: u64) -> Result<bool> {
    let (mut odd, mut at) = (false, from);
    while at < to {
        let chunk = read_at(file, path, at, (at + STEP).min(to))?;
        if chunk.is_empty() {
            break;
        }
        odd ^= memchr::memchr_iter(b'"', &chunk).count() % 2 == 1;
        at += chunk.len() as u64;
    }
    Ok(odd)
}

/// The header and the whole records that start in `range`, with the line of the first.
pub fn range_input(path: &Path, range: &ByteRange) -> Result<RangeInput> {
    let mut file = open_file(path)?;
    let header = header_line(&mut file, path)?;
    let header_end = header.len() as u64;
    // The first record start at or after `start` (never inside the header).
    let first = if range.start <= header_end {
        header_end
    } else {
        // A line feed outside quotes at byte `start - 1` starts a record at `start`.
        let prev = read_at(&mut file, path, range.start - 1, range.start)?;
        let inside = range.inside_quotes ^ (prev == b"\"");
        next_record_start(&mut file, path, range.start - 1, inside)?
    };
    // No record starts here when a quoted field spans the whole range.
    let (last, first_line) = if first >= range.end.max(header_end) {
        (first, 0)
    } else {
        let inside = odd_quotes_in(&mut file, path, first, range.end - 1)?;
        let last = next_record_start(&mut file, path, range.end - 1, inside)?;
        let lead = read_at(&mut file, path, range.start, first)?;
        let lines = memchr::memchr_iter(b'\n', &lead).count() as u64;
        (last, range.newlines_before + lines + 1)
    };
    file.seek(SeekFrom::Start(first))
        .map_err(|e| io_error(path, e))?;
    Ok(RangeInput {
        reader: Cursor::new(header).chain(file.take(last - first)),
        first_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `csv` read through ranges of `size` bytes: (first line, records) per range.
    fn records_by_ranges(csv: &[u8], size: u64) -> Vec<(u64, Vec<u8>)> {
        let path = std::env::temp_dir().join(format!("flo_range_{}_{size}", std::process::id()));
        std::fs::write(&path, csv).unwrap();
        let len = csv.len() as u64;
        let bounds: Vec<(u64, u64)> = (0..len.div_ceil(size))
            .map(|k| (k * size, ((k + 1) * size).min(len)))
            .collect();
        let counts: Vec<RangeCounts> = bounds
            .iter()
            .map(|&(a, b)| count_range(&path, a, b).unwrap())
            .collect();
        let header = csv.iter().position(|&c| c == b'\n').unwrap() + 1;
        let mut out = vec![];
        for (k, &(a, b)) in bounds.iter().enumerate() {
            let mut t = range_input(&path, &ByteRange::after(a, b, &counts[..k])).unwrap();
            let mut text = vec![];
            t.reader.read_to_end(&mut text).unwrap();
            assert_eq!(&text[..header], &csv[..header]);
            if text.len() > header {
                out.push((t.first_line, text[header..].to_vec()));
            }
        }
        std::fs::remove_file(&path).unwrap();
        out
    }

    #[test]
    fn every_cut_gives_the_records_once_with_their_lines() {
        let csv = b"a,b\n1,\"x\ny\"\n2,z\n\n3,\"q\"\"\n\"\n4,w";
        for size in 1..csv.len() as u64 + 2 {
            let got = records_by_ranges(csv, size);
            let joined: Vec<u8> = got.iter().flat_map(|(_, t)| t.clone()).collect();
            assert_eq!(joined, csv[4..].to_vec(), "size {size}");
            let mut at = 4;
            for (line, text) in &got {
                let expect = csv[..at].iter().filter(|&&c| c == b'\n').count() as u64 + 1;
                assert_eq!(*line, expect, "size {size}");
                at += text.len();
            }
        }
    }

    #[test]
    fn counts_read_a_step_at_a_time_are_the_ranges_counts() {
        let csv = b"a,\"b\"\n1,\"x\ny\"\n2,z\n\n3,\"q\"\"\n\"\n4,w";
        let path = std::env::temp_dir().join(format!("flo_count_{}", std::process::id()));
        std::fs::write(&path, csv).unwrap();
        let header = csv.iter().position(|&c| c == b'\n').unwrap() + 1;
        let len = csv.len();
        for a in 0..=len {
            for b in a..=len + 2 {
                let bytes = &csv[a..b.min(len)];
                let quoted = &csv[a.max(header).min(b.min(len))..b.min(len)];
                let expect = RangeCounts {
                    odd_quotes: quoted.iter().filter(|&&c| c == b'"').count() % 2 == 1,
                    newlines: bytes.iter().filter(|&&c| c == b'\n').count() as u64,
                };
                for step in [1, 2, 3, 7, 64] {
                    let got = counted_by(&path, a as u64, b as u64, step).unwrap();
                    assert_eq!(got, expect, "[{a}, {b}) step {step}");
                }
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
}
