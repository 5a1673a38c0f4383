//! Reads the FLO customer-summary CSV and its variants into a `CustomerFrame`.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use rayon::prelude::*;

use super::csvscan::{scan_block, split_record};
use super::error::{Cancelled, FloError, Location, Result};
use super::frame::{
    BadRows, CustomerFrame, Duplicates, Record, SkippedRow, DATE_COLUMNS, NULL_DATE,
    REQUIRED_COLUMNS,
};
use super::io::read::{is_plain_utf8, open_file, text_input};
use super::parse::{parse_count, parse_date, parse_money};

#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub bad_rows: BadRows,
    pub duplicates: Duplicates,
    /// `None` detects `,` or `;` from the header line.
    pub delimiter: Option<u8>,
    /// Bytes read so far are counted here (for a progress bar in another thread), and another
    /// thread can stop the read here.
    pub progress: Option<Arc<ReadWatch>>,
    /// The file's text encoding; `None`: UTF-8 (or UTF-16 with a byte-order mark).
    pub encoding: Option<String>,
}

/// Long work watched from another thread: the bytes read so far (a read), the steps done (e.g.
/// bootstrap replicates), and a request to stop.
#[derive(Debug, Default)]
pub struct ReadWatch {
    bytes: AtomicU64,
    steps: AtomicU64,
    cancelled: AtomicBool,
}

impl ReadWatch {
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn steps_done(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }

    /// One more step done.
    pub fn step(&self) {
        self.steps.fetch_add(1, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Asks the read to stop: it ends with [`FloError::Cancelled`] at its next block.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Counts the bytes that pass through into `progress`, and stops when it is cancelled.
struct Counting<R> {
    inner: R,
    progress: Option<Arc<ReadWatch>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(p) = &self.progress {
            if p.cancelled.load(Ordering::Relaxed) {
                return Err(std::io::Error::other(Cancelled));
            }
        }
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.bytes.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            bad_rows: BadRows::Raise,
            duplicates: Duplicates::Error,
            delimiter: None,
            progress: None,
            encoding: None,
        }
    }
}

/// Reads a customer file from disk: plain, gzip, bzip2, xz or zstd, in `opts.encoding`.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<CustomerFrame> {
    let name = path.display().to_string();
    let mut file = open_file(path)?;
    let head = peek(&mut file).map_err(|e| FloError::io(&name, &e))?;
    if is_plain_utf8(&head, opts.encoding.as_deref()) {
        return read_from(file, &name, opts);
    }
    // Progress counts the file's own bytes (compressed or not), so it ends at its size.
    let file = Counting {
        inner: file,
        progress: opts.progress.clone(),
    };
    let text = text_input(file, &name, opts.encoding.as_deref())?;
    let inner = ReadOptions {
        progress: None,
        ..opts.clone()
    };
    read_from(text, &name, &inner)
}

/// The file's first bytes (enough to tell compression and byte-order marks), the file then
/// rewound.
fn peek(file: &mut std::fs::File) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut head = Vec::with_capacity(8);
    file.by_ref().take(8).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// Bytes read and scanned at a time; each block is parsed in parallel in pieces of `PIECE`.
const BLOCK: usize = 16 << 20;
const PIECE: usize = 512 << 10;

/// Reads a customer file from any byte stream; `source` names it in errors.
///
/// The input is read in blocks; each block is cut at record boundaries outside quotes and its
/// pieces are parsed on all cores, then appended in file order, so memory stays near one block
/// beyond the table itself and errors are reported for the first bad row in file order.
pub fn read_from<R: Read + Send>(
    input: R,
    source: &str,
    opts: &ReadOptions,
) -> Result<CustomerFrame> {
    let mut input = Counting {
        inner: input,
        progress: opts.progress.clone(),
    };
    let io_err = |e: std::io::Error| FloError::io(source, &e);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + PIECE);
    let mut eof = fill(&mut input, &mut buf, BLOCK).map_err(io_err)?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    // The header: the first line (column names hold no line breaks).
    let header_end = loop {
        if let Some(p) = memchr::memchr(b'\n', &buf) {
            break p + 1;
        }
        if eof {
            break buf.len();
        }
        let target = buf.len() + BLOCK;
        eof = fill(&mut input, &mut buf, target).map_err(io_err)?;
    };
    if buf[..header_end].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FloError::Format {
            source_name: source.to_string(),
            line: 1,
            message: "empty file: no header line".to_string(),
        });
    }
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&buf[..header_end]));
    let mut fields = Vec::new();
    let (_, header_lines) = split_record(&buf[..header_end], 0, delimiter, &mut fields);
    let header: Vec<String> = fields
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    drop(fields);
    let layout = Layout::new(&header, source)?;
    let mut frame = CustomerFrame::new(source, layout.extra_names(&header));
    buf.drain(..header_end);
    let first_line = 1 + header_lines.max(1);
    let ctx = PieceContext {
        layout: &layout,
        header: &header,
        source,
        delimiter,
        extra_names: &frame.extra_names.clone(),
        bad_rows: opts.bad_rows,
    };

    // Three stages overlap: one thread reads and cuts blocks, all cores parse a block's pieces,
    // one thread appends parsed pieces in file order. Bounded channels keep one block in each.
    std::thread::scope(|scope| {
        let (block_tx, block_rx) = sync_channel::<Result<Block>>(1);
        let (spent_tx, spent_rx) = channel::<Vec<u8>>();
        scope.spawn(move || {
            let blocks = Blocks {
                input,
                buf,
                eof,
                next_line: first_line,
                spent: spent_rx,
            };
            blocks.send_all(&block_tx, &io_err);
        });
        let (parts_tx, parts_rx) = sync_channel::<Vec<CustomerFrame>>(1);
        let appender = scope.spawn(move || -> Result<CustomerFrame> {
            for parts in parts_rx {
                for part in parts {
                    frame.append(part)?;
                }
            }
            Ok(frame)
        });
        let mut read_error = None;
        for block in block_rx {
            let block = match block {
                Ok(b) => b,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            let parts: Vec<CustomerFrame> = block
                .pieces
                .par_iter()
                .map(|&(start, end, line)| ctx.parse(&block.bytes[start..end], line))
                .collect();
            let _ = spent_tx.send(block.bytes);
            if parts_tx.send(parts).is_err() {
                break; // the appender stopped at a bad row
            }
        }
        drop(parts_tx);
        let appended = appender
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A bad row comes before a later read error in the file, so it is the one to report.
        let mut frame = match (appended, read_error) {
            (Err(e), _) | (Ok(_), Some(e)) => return Err(e),
            (Ok(frame), None) => frame,
        };
        frame.resolve_duplicates(opts.duplicates, opts.bad_rows)?;
        Ok(frame)
    })
}

/// Whole records read from the input, and the pieces to parse them in.
struct Block {
    bytes: Vec<u8>,
    /// `(start, end, first line)` of each piece.
    pieces: Vec<(usize, usize, u64)>,
}

/// The reading stage: fills a buffer, cuts it after the last whole record, hands that on.
struct Blocks<R> {
    input: R,
    buf: Vec<u8>,
    eof: bool,
    next_line: u64,
    /// Buffers the parsers are done with, reused to spare fresh pages.
    spent: Receiver<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    fn send_all(
        mut self,
        tx: &SyncSender<Result<Block>>,
        io_err: &dyn Fn(std::io::Error) -> FloError,
    ) {
        loop {
            let (block, last) = match self.next_block() {
                Ok((block, last)) => (Ok(block), last),
                Err(e) => (Err(io_err(e)), true),
            };
            if tx.send(block).is_err() || last {
                return;
            }
        }
    }

    /// The next block, and whether it is the last.
    fn next_block(&mut self) -> std::io::Result<(Block, bool)> {
        loop {
            let scan = scan_block(&self.buf, PIECE);
            let cut = match scan.cut {
                Some(c) if !self.eof => c,
                _ if self.eof => self.buf.len(),
                _ => {
                    // No complete record yet (a very long one): read on.
                    let target = self.buf.len() + BLOCK;
                    self.eof = fill(&mut self.input, &mut self.buf, target)?;
                    continue;
                }
            };
            let pieces: Vec<(usize, usize, u64)> = scan
                .splits
                .iter()
                .enumerate()
                .filter(|(_, (start, _))| *start < cut)
                .map(|(k, &(start, nl))| {
                    let end = scan.splits.get(k + 1).map_or(cut, |s| s.0.min(cut));
                    (start, end, self.next_line + nl)
                })
                .collect();
            self.next_line += scan.newlines_before_cut;
            let mut rest = self
                .spent
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BLOCK + PIECE));
            rest.clear();
            rest.extend_from_slice(&self.buf[cut..]);
            let mut bytes = std::mem::replace(&mut self.buf, rest);
            bytes.truncate(cut);
            let last = self.eof;
            if !last {
                self.eof = fill(&mut self.input, &mut self.buf, BLOCK)?;
            }
            return Ok((Block { bytes, pieces }, last));
        }
    }
}

/// Reads until `buf` holds `target` bytes or the input ends; returns whether it ended.
fn fill<R: Read>(input: &mut R, buf: &mut Vec<u8>, target: usize) -> std::io::Result<bool> {
    let want = target.saturating_sub(buf.len());
    let got = input.by_ref().take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// What every piece's parser needs to know.
struct PieceContext<'a> {
    layout: &'a Layout,
    header: &'a [String],
    source: &'a str,
    delimiter: u8,
    extra_names: &'a [String],
    bad_rows: BadRows,
}

impl PieceContext<'_> {
    /// Parses the records of one piece, whose first record starts on `line`. Under
    /// `BadRows::Raise` the first error stops the piece and is kept as `first_error`.
    fn parse(&self, bytes: &[u8], mut line: u64) -> CustomerFrame {
        let mut part = CustomerFrame::new(self.source, self.extra_names.to_vec());
        let mut fields = Vec::with_capacity(self.layout.width);
        // Checking UTF-8 once per piece is far cheaper than once per field; only a piece that
        // fails is checked field by field, to name the bad field.
        let utf8 = std::str::from_utf8(bytes).is_ok();
        let mut pos = 0;
        while pos < bytes.len() {
            let (end, newlines) = split_record(bytes, pos, self.delimiter, &mut fields);
            let record_line = line;
            line += newlines;
            pos = end;
            if fields.len() == 1 && fields[0].iter().all(|b| *b == b'\r') {
                continue; // blank line
            }
            let position = part.report.rows_read;
            part.report.rows_read += 1;
            let outcome = self
                .layout
                .row(&fields, record_line, self.source, self.header, utf8)
                .and_then(|(rec, extra)| {
                    part.push(&rec, record_line, position)?;
                    for (col, text) in part.extra.iter_mut().zip(extra) {
                        col.push(text);
                    }
                    Ok(())
                });
            if let Err(e) = outcome {
                match self.bad_rows {
                    BadRows::Raise => {
                        part.first_error = Some(Box::new(e));
                        return part;
                    }
                    BadRows::Skip => part.report.skipped.push(SkippedRow {
                        line: record_line,
                        message: e.to_string(),
                    }),
                }
            }
        }
        part
    }
}

/// `,` or `;`, whichever the header line uses more (outside quotes).
/// The delimiter of a header line.
pub(crate) fn detect_delimiter(line: &[u8]) -> u8 {
    // The most frequent of `,` `;` tab `|` outside quotes; `,` on a tie.
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = CANDIDATES.iter().position(|&c| c == b) {
                counts[k] += 1;
            }
        }
    }
    let best = (0..4).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    CANDIDATES[best]
}

/// Where each required column sits in the file's rows.
struct Layout {
    index: [usize; 12],
    extra: Vec<usize>,
    width: usize,
}

impl Layout {
    fn new(header: &[String], source: &str) -> Result<Layout> {
        for name in REQUIRED_COLUMNS {
            let at: Vec<String> = (0..header.len())
                .filter(|&i| header[i] == name)
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
        let mut index = [0usize; 12];
        let mut missing = Vec::new();
        for (k, name) in REQUIRED_COLUMNS.iter().enumerate() {
            match header.iter().position(|h| h == name) {
                Some(i) => index[k] = i,
                None => missing.push(name.to_string()),
            }
        }
        if !missing.is_empty() {
            return Err(FloError::MissingColumns {
                source_name: source.to_string(),
                columns: missing,
            });
        }
        let extra = (0..header.len()).filter(|i| !index.contains(i)).collect();
        Ok(Layout {
            index,
            extra,
            width: header.len(),
        })
    }

    /// The extra columns' names, a repeated name numbered as pandas' `read_csv` numbers it
    /// (`x`, `x.1`, `x.2`).
    fn extra_names(&self, header: &[String]) -> Vec<String> {
        let mut seen: Vec<String> = REQUIRED_COLUMNS.iter().map(|s| s.to_string()).collect();
        self.extra
            .iter()
            .map(|&i| {
                let base = &header[i];
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

    fn row<'r>(
        &self,
        record: &'r [Cow<'_, [u8]>],
        line: u64,
        source: &str,
        header: &[String],
        utf8_checked: bool,
    ) -> Result<(Record<'r>, Vec<&'r str>)> {
        if record.len() != self.width {
            return Err(FloError::Format {
                source_name: source.to_string(),
                line,
                message: format!("expected {} fields, found {}", self.width, record.len()),
            });
        }
        let loc = |col: usize| Location {
            source: source.to_string(),
            line,
            column: header[col].clone(),
        };
        let text = |col: usize| -> Result<&'r str> {
            let raw: &'r [u8] = &record[col];
            if utf8_checked {
                // SAFETY: the whole piece is valid UTF-8 and fields are cut at ASCII delimiters,
                // quotes and line breaks (or have ASCII quotes removed), which keeps it valid.
                return Ok(unsafe { std::str::from_utf8_unchecked(raw) });
            }
            std::str::from_utf8(raw).map_err(|_| FloError::Parse {
                location: loc(col),
                text: String::from_utf8_lossy(raw).into_owned(),
                expected: "UTF-8 text (if the file is in another encoding, name it: encoding=\"windows-1254\", \"latin-1\", ...)".to_string(),
            })
        };
        let field = |k: usize| text(self.index[k]);
        let mut dates = [NULL_DATE; 4];
        for (d, slot) in dates.iter_mut().enumerate() {
            // The date columns are required columns 3..7.
            let k = 3 + d;
            debug_assert_eq!(REQUIRED_COLUMNS[k], DATE_COLUMNS[d]);
            let s = field(k)?;
            *slot = parse_date(s).map_err(|expected| FloError::Parse {
                location: loc(self.index[k]),
                text: s.to_string(),
                expected,
            })?;
        }
        let number = |k: usize, parse: fn(&str) -> std::result::Result<f64, String>| {
            let s = field(k)?;
            parse(s).map_err(|expected| FloError::Parse {
                location: loc(self.index[k]),
                text: s.to_string(),
                expected,
            })
        };
        let rec = Record {
            master_id: field(0)?,
            order_channel: field(1)?,
            last_order_channel: field(2)?,
            dates,
            counts: [number(7, parse_count)?, number(8, parse_count)?],
            money: [number(9, parse_money)?, number(10, parse_money)?],
            categories: field(11)?,
        };
        let extra = self
            .extra
            .iter()
            .map(|&i| text(i))
            .collect::<Result<Vec<_>>>()?;
        Ok((rec, extra))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "master_id,order_channel,last_order_channel,first_order_date,last_order_date,last_order_date_online,last_order_date_offline,order_num_total_ever_online,order_num_total_ever_offline,customer_value_total_ever_offline,customer_value_total_ever_online,interested_in_categories_12";

    fn read(text: &str, opts: &ReadOptions) -> Result<CustomerFrame> {
        read_from(text.as_bytes(), "t.csv", opts)
    }

    #[test]
    fn reads_both_formats_to_the_same_values() {
        let a = format!("{HEADER}\nid1,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4.0,1.0,139.99,799.38,\"[KADIN, ERKEK]\"\n");
        let b = format!(
            "\u{feff}{};store_type\r\nid1;Mobile;Offline;30.10.2020;26.02.2021;2021-02-21 10:11:12;26.02.2021;4;1;139.99;799.38;[KADIN, ERKEK];A\r\n",
            HEADER.replace(',', ";")
        );
        let fa = read(&a, &ReadOptions::default()).unwrap();
        let fb = read(&b, &ReadOptions::default()).unwrap();
        assert_eq!(fa.dates, fb.dates);
        assert_eq!(fa.counts, fb.counts);
        assert_eq!(fa.money, fb.money);
        assert_eq!(fa.categories.raw(0), fb.categories.raw(0));
        assert_eq!(fb.extra_names, vec!["store_type"]);
        assert_eq!(fb.extra[0].get(0), "A");
    }

    #[test]
    fn missing_columns_named_together() {
        let text = HEADER
            .replace("master_id,", "")
            .replace(",interested_in_categories_12", "");
        let e = read(&text, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv: missing required column(s): master_id, interested_in_categories_12"
        );
    }

    #[test]
    fn bad_date_names_line_column_text_and_skip_counts_it() {
        let text = format!("{HEADER}\nid1,Mobile,Offline,2020-10-30,2021-13-45,2021-02-21,2021-02-26,4.0,1.0,1,2,[]\nid2,Mobile,Offline,2020-10-30,2021-01-01,2021-02-21,2021-02-26,4.0,1.0,1,2,[]\n");
        let e = read(&text, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv:2: column last_order_date: cannot parse \"2021-13-45\" as a date"
        );
        let opts = ReadOptions {
            bad_rows: BadRows::Skip,
            ..Default::default()
        };
        let f = read(&text, &opts).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f.report.rows_read, 2);
        assert_eq!(f.report.skipped[0].line, 2);
        assert_eq!(f.lines, vec![3]);
    }

    /// Hands out at most 7,777 bytes a read, so blocks fill over many reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7_777);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn many_blocks_read_like_one_and_late_errors_keep_their_line() {
        let bytes = crate::core::synth::sample_bytes(300_000, 3);
        assert!(bytes.len() > 2 * BLOCK, "the file must span several blocks");
        let opts = ReadOptions::default();
        let whole = read_from(&bytes[..], "s.csv", &opts).unwrap();
        let trickled = read_from(Trickle(&bytes), "s.csv", &opts).unwrap();
        assert_eq!(whole.len(), 300_000);
        assert_eq!(whole.master_id, trickled.master_id);
        assert_eq!(whole.dates, trickled.dates);
        assert_eq!(
            (&whole.counts, &whole.money),
            (&trickled.counts, &trickled.money)
        );
        assert_eq!(whole.categories, trickled.categories);
        assert_eq!(whole.positions, (0..300_000).collect::<Vec<u64>>());
        assert_eq!(whole.lines, (2..300_002).collect::<Vec<u64>>());
        // A bad row near the end, after many blocks.
        let mut bad = bytes.clone();
        bad.extend_from_slice(
            b"x,Mobile,Offline,2020-10-30,2021-13-45,2021-02-21,2021-02-26,4.0,1.0,1,2,[]\n",
        );
        let e = read_from(&bad[..], "s.csv", &opts).unwrap_err().to_string();
        assert!(e.starts_with("s.csv:300002: column last_order_date"), "{e}");
    }

    #[test]
    fn fractional_count_and_wrong_field_count() {
        let text = format!("{HEADER}\nid1,Mobile,Offline,2020-10-30,2021-01-01,2021-02-21,2021-02-26,4.5,1.0,1,2,[]\n");
        let e = read(&text, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.csv:2: column order_num_total_ever_online: cannot parse \"4.5\" as a whole-number count");
        let text = format!("{HEADER}\nid1,Mobile\n");
        let e = read(&text, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.csv:2: expected 12 fields, found 2");
    }

    #[test]
    fn empty_file_is_an_error() {
        let e = read("", &ReadOptions::default()).unwrap_err().to_string();
        assert_eq!(e, "t.csv:1: empty file: no header line");
    }
}
