//! The customer file's row schema over the one CSV engine: twelve required columns (any
//! order, any extra columns kept as text), each row checked by the table's rules.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::core::error::{FloError, Result};
use crate::core::io::parse::{parse_count, parse_date, parse_money};
use crate::core::io::read::engine::{self, CsvOptions, Piece, Schema};
use crate::core::io::read::fields::Row;
use crate::core::io::read::parquet;
use crate::core::io::read::range::{range_input, ByteRange};
use crate::core::io::read::sniff::{numbered_names, Header};
use crate::core::table::customers::{
    BadRows, CustomerFrame, Duplicates, Record, DATE_COLUMNS, NULL_DATE, REQUIRED_COLUMNS,
};
use crate::core::watch::Watch;

#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub bad_rows: BadRows,
    pub duplicates: Duplicates,
    /// `None` detects `,` `;` tab or `|` from the header line.
    pub delimiter: Option<u8>,
    /// Bytes read so far are counted here (for a progress bar in another thread), and another
    /// thread can stop the read here.
    pub progress: Option<Arc<Watch>>,
    /// The file's text encoding; `None`: UTF-8 (or UTF-16 with a byte-order mark).
    pub encoding: Option<String>,
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

impl ReadOptions {
    fn csv(&self) -> CsvOptions {
        CsvOptions {
            delimiter: self.delimiter,
            encoding: self.encoding.clone(),
            progress: self.progress.clone(),
            first_line: None,
        }
    }
}

/// Reads a customer file from disk: CSV (plain, gzip, bzip2, xz or zstd, in `opts.encoding`) or
/// Parquet, told apart by their first bytes.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<CustomerFrame> {
    if parquet::is_parquet_file(path)? {
        return parquet::read_customers(path, opts);
    }
    let frame = engine::read_file(path, &opts.csv(), |h| start(h, opts))?;
    finish(frame, opts)
}

/// Reads a customer file from any byte stream; `source` names it in errors.
pub fn read_from<R: Read + Send>(
    input: R,
    source: &str,
    opts: &ReadOptions,
) -> Result<CustomerFrame> {
    let frame = engine::read(input, source, &opts.csv(), |h| start(h, opts))?;
    finish(frame, opts)
}

/// Reads the customer rows that start in one byte range of a plain CSV file (a Dask
/// partition), lines numbered in the whole file.
pub fn read_range(path: &Path, range: &ByteRange, opts: &ReadOptions) -> Result<CustomerFrame> {
    let part = range_input(path, range)?;
    let csv = CsvOptions {
        first_line: Some(part.first_line),
        ..opts.csv()
    };
    let source = path.display().to_string();
    let frame = engine::read(part.reader, &source, &csv, |h| start(h, opts))?;
    finish(frame, opts)
}

fn start(header: &Header, opts: &ReadOptions) -> Result<(Customers, CustomerFrame)> {
    let layout = Layout::new(header)?;
    let frame = CustomerFrame::new(&header.source, layout.extra_names(&header.names));
    let schema = Customers {
        extra_names: frame.extra_names.clone(),
        layout,
        bad_rows: opts.bad_rows,
    };
    Ok((schema, frame))
}

fn finish(mut frame: CustomerFrame, opts: &ReadOptions) -> Result<CustomerFrame> {
    frame.resolve_duplicates(opts.duplicates, opts.bad_rows)?;
    Ok(frame)
}

/// The customer rows of a file with this header.
struct Customers {
    layout: Layout,
    extra_names: Vec<String>,
    bad_rows: BadRows,
}

impl Schema for Customers {
    type Part = CustomerFrame;
    type Table = CustomerFrame;

    /// Under `BadRows::Raise` the first error stops the piece and is kept as `first_error`.
    fn parse(&self, piece: Piece<'_>) -> CustomerFrame {
        // Ids are a fraction of a row's bytes; a sixth is room enough for FLO's 36-byte ids.
        let mut part = CustomerFrame::with_capacity(
            &piece.header.source,
            self.extra_names.clone(),
            piece.rows,
            piece.bytes.len() / 6,
        );
        let mut records = piece.records();
        while let Some((line, fields)) = records.next() {
            let position = part.report.rows_read;
            part.report.rows_read += 1;
            let outcome = self.layout.row(&piece, fields, line).and_then(|rec| {
                part.push(&rec, line, position)?;
                for (col, &i) in part.extra.iter_mut().zip(&self.layout.extra) {
                    col.push(piece.text(fields, i, line)?);
                }
                Ok(())
            });
            if let Err(e) = outcome {
                if !part.reject(line, e, self.bad_rows) {
                    return part;
                }
            }
        }
        part
    }

    fn append(&self, table: &mut CustomerFrame, part: CustomerFrame) -> Result<()> {
        table.append(part)
    }
}

/// Where each required column sits in the file's rows.
struct Layout {
    index: [usize; 12],
    extra: Vec<usize>,
}

impl Layout {
    fn new(header: &Header) -> Result<Layout> {
        let wanted = REQUIRED_COLUMNS.map(Some);
        let found = header.find(&wanted)?;
        let mut index = [0usize; 12];
        for (slot, at) in index.iter_mut().zip(found) {
            *slot = at.expect("found every required column");
        }
        let extra = (0..header.names.len())
            .filter(|i| !index.contains(i))
            .collect();
        Ok(Layout { index, extra })
    }

    fn extra_names(&self, header: &[String]) -> Vec<String> {
        numbered_names(header, &self.extra, &REQUIRED_COLUMNS)
    }

    fn row<'r>(&self, piece: &Piece<'_>, record: Row<'r>, line: u64) -> Result<Record<'r>> {
        piece.check_width(record, line)?;
        if !piece.utf8 {
            // Checked before the row is pushed, so a bad extra field leaves no half row.
            for &i in &self.extra {
                piece.text(record, i, line)?;
            }
        }
        let field = |k: usize| piece.text(record, self.index[k], line);
        let parse_err = |k: usize, s: &str, expected: String| FloError::Parse {
            location: piece.location(line, self.index[k]),
            text: s.to_string(),
            expected,
        };
        let mut dates = [NULL_DATE; 4];
        for (d, slot) in dates.iter_mut().enumerate() {
            // The date columns are required columns 3..7.
            let k = 3 + d;
            debug_assert_eq!(REQUIRED_COLUMNS[k], DATE_COLUMNS[d]);
            let s = field(k)?;
            *slot = parse_date(s).map_err(|expected| parse_err(k, s, expected))?;
        }
        let number = |k: usize, parse: fn(&str) -> std::result::Result<f64, String>| {
            let s = field(k)?;
            parse(s).map_err(|expected| parse_err(k, s, expected))
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
        Ok(rec)
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
        assert!(
            bytes.len() > 2 * (16 << 20),
            "the file must span several blocks"
        );
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
