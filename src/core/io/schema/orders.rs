//! The order log's row schema over the one CSV engine: one line per purchase, the caller naming
//! the customer, date-time and (optional) amount, channel and order columns.

use std::io::Read;
use std::path::Path;

use crate::core::error::Result;
use crate::core::io::read::engine::{self, CsvOptions, Piece, Schema};
use crate::core::io::read::parquet;
use crate::core::io::read::range::{range_input, ByteRange};
use crate::core::io::read::sniff::Header;
use crate::core::table::customers::BadRows;
use crate::core::table::orders::{OrderColumns, OrderLog, OrderLogBuilder};

/// How to read an order log.
#[derive(Debug, Clone)]
pub struct OrderOptions {
    pub columns: OrderColumns,
    /// Channel names that count as online / offline purchases.
    pub online: Vec<String>,
    pub offline: Vec<String>,
    pub bad_rows: BadRows,
    pub csv: CsvOptions,
}

/// Reads an order log from disk: CSV (plain, gzip, bzip2, xz or zstd, in `opts.csv.encoding`)
/// or Parquet, told apart by their first bytes.
pub fn read_path(path: &Path, opts: &OrderOptions) -> Result<OrderLog> {
    if parquet::is_parquet_file(path)? {
        return parquet::read_orders(path, opts);
    }
    let log = engine::read_file(path, &opts.csv, |h| start(h, opts))?;
    Ok(log.finish())
}

/// Reads an order log from any byte stream; `source` names it in errors.
pub fn read_from<R: Read + Send>(input: R, source: &str, opts: &OrderOptions) -> Result<OrderLog> {
    let log = engine::read(input, source, &opts.csv, |h| start(h, opts))?;
    Ok(log.finish())
}

/// Reads the order lines that start in one byte range of a plain CSV file (a Dask partition),
/// lines numbered in the whole file.
pub fn read_range(path: &Path, range: &ByteRange, opts: &OrderOptions) -> Result<OrderLog> {
    let part = range_input(path, range)?;
    let csv = CsvOptions {
        first_line: Some(part.first_line),
        ..opts.csv.clone()
    };
    let source = path.display().to_string();
    let log = engine::read(part.reader, &source, &csv, |h| start(h, opts))?;
    Ok(log.finish())
}

fn start<'a>(header: &Header, opts: &'a OrderOptions) -> Result<(Orders<'a>, OrderLogBuilder<'a>)> {
    let c = &opts.columns;
    let index = header.find(&[
        Some(c.customer.as_str()),
        Some(c.datetime.as_str()),
        c.amount.as_deref(),
        c.channel.as_deref(),
        c.order.as_deref(),
    ])?;
    let schema = Orders { index, opts };
    let table = schema.builder(&header.source);
    Ok((schema, table))
}

/// The order lines of a file with this header.
struct Orders<'a> {
    /// Field index of customer, datetime, amount, channel and order (the optional ones `None`).
    index: Vec<Option<usize>>,
    opts: &'a OrderOptions,
}

impl<'a> Orders<'a> {
    fn builder(&self, source: &str) -> OrderLogBuilder<'a> {
        let o = self.opts;
        OrderLogBuilder::new(source, &o.columns, &o.online, &o.offline, o.bad_rows)
    }
}

impl<'a> Schema for Orders<'a> {
    /// A piece's lines, numbered on their own; the first bad line under `BadRows::Raise`.
    type Part = Result<OrderLogBuilder<'a>>;
    type Table = OrderLogBuilder<'a>;

    fn parse(&self, piece: Piece<'_>) -> Result<OrderLogBuilder<'a>> {
        let mut b = self.builder(&piece.header.source);
        let mut records = piece.records();
        while let Some((line, fields)) = records.next() {
            if let Err(e) = piece.check_width(fields, line) {
                b.reject(line, e)?;
                continue;
            }
            let mut texts: [Option<&str>; 5] = [None; 5];
            let read = self
                .index
                .iter()
                .zip(&mut texts)
                .try_for_each(|(at, slot)| {
                    *slot = at.map(|i| piece.text(fields, i, line)).transpose()?;
                    Ok(())
                });
            match read.map(|()| texts) {
                Err(e) => b.reject(line, e)?,
                Ok(t) => b.push(
                    line,
                    t[0].unwrap_or(""),
                    t[1].unwrap_or(""),
                    t[2],
                    t[3].unwrap_or(""),
                    t[4],
                )?,
            }
        }
        Ok(b)
    }

    fn append(
        &self,
        table: &mut OrderLogBuilder<'a>,
        part: Result<OrderLogBuilder<'a>>,
    ) -> Result<()> {
        table.absorb(part?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::read::sniff::Header;

    fn options(online: &[&str], bad_rows: BadRows) -> OrderOptions {
        OrderOptions {
            columns: OrderColumns {
                customer: "id".into(),
                datetime: "when".into(),
                amount: Some("amount".into()),
                channel: Some("channel".into()),
                order: Some("order".into()),
            },
            online: online.iter().map(|s| s.to_string()).collect(),
            offline: vec![],
            bad_rows,
            csv: CsvOptions::default(),
        }
    }

    /// A log of several pieces: customers recur across pieces, orders span lines, one line is
    /// quoted with a line break inside.
    fn big_log() -> String {
        let mut s = String::from("id,when,amount,channel,order\n");
        for i in 0..120_000u64 {
            let c = (i * 7919) % 5003;
            let day = 1 + i % 28;
            let note = if i == 40_000 {
                "\"Mobile\nApp\""
            } else {
                "Web"
            };
            s.push_str(&format!(
                "c{c},2021-03-{day:02},{}.5,{note},o{}\n",
                i % 97,
                i / 3
            ));
        }
        s
    }

    #[test]
    fn pieces_join_to_what_one_pass_reads() {
        let text = big_log();
        assert!(text.len() > 3 << 20, "the log must span several pieces");
        let opts = options(&["Web"], BadRows::Raise);
        let whole = read_from(text.as_bytes(), "log.csv", &opts).unwrap();
        // One piece over the whole body, as a single-threaded reader would read it.
        let header_end = text.find('\n').unwrap() + 1;
        let (header, _) = Header::parse(&text.as_bytes()[..header_end], "log.csv", None);
        let (schema, _) = start(&header, &opts).unwrap();
        let piece = Piece::new(&text.as_bytes()[header_end..], 2, &header);
        let one = schema.parse(piece).unwrap().finish();
        assert_eq!(whole.ids, one.ids);
        assert_eq!(whole.customer, one.customer);
        assert_eq!(whole.order, one.order);
        assert_eq!(whole.time, one.time);
        assert_eq!(whole.amount, one.amount);
        assert_eq!(whole.side, one.side);
        assert_eq!(whole.lines, one.lines);
        assert_eq!(whole.channel.len(), one.channel.len());
        for i in 0..whole.channel.len() {
            assert_eq!(whole.channel.get(i), one.channel.get(i));
        }
        assert_eq!(whole.report.rows_read, 120_000);
    }

    #[test]
    fn a_bad_line_late_in_the_file_is_named_by_its_line() {
        let mut text = big_log();
        text.push_str("c1,2021-13-01,1.0,Web,o1\n");
        let lines = text.matches('\n').count() as u64;
        let e = read_from(text.as_bytes(), "log.csv", &options(&[], BadRows::Raise))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("log.csv:{lines}:")), "{e}");
        let skipped = read_from(text.as_bytes(), "log.csv", &options(&[], BadRows::Skip)).unwrap();
        assert_eq!(skipped.report.rows_read, 120_001);
        assert_eq!(skipped.report.skipped.len(), 1);
        assert_eq!(skipped.report.skipped[0].line, lines);
    }

    #[test]
    fn a_quoted_header_field_holding_other_delimiters_is_one_column() {
        let text = "\"a;b;c;d\",id,when\nx,c1,2021-01-04\ny,c2,2021-02-01\n";
        let mut opts = options(&[], BadRows::Raise);
        opts.columns.amount = None;
        opts.columns.channel = None;
        opts.columns.order = None;
        let log = read_from(text.as_bytes(), "log.csv", &opts).unwrap();
        assert_eq!(log.ids.iter().collect::<Vec<_>>(), vec!["c1", "c2"]);
        assert_eq!(log.lines, vec![2, 3]);
    }

    #[test]
    fn a_repeated_column_and_bad_text_are_named() {
        let text = "id,when,amount,channel,order,id\n";
        let e = read_from(text.as_bytes(), "log.csv", &options(&[], BadRows::Raise))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "log.csv:1: column \"id\" appears 2 times in the header (columns 1, 6): keep one"
        );
        let text =
            b"id,when,amount,channel,order\nc\xdd1,2021-01-04,1,Web,o1\nc2,2021-01-04,1,Web,o2\n";
        let e = read_from(&text[..], "log.csv", &options(&[], BadRows::Raise))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("log.csv:2: column id: cannot parse"), "{e}");
        assert!(e.contains("encoding="), "{e}");
        let log = read_from(&text[..], "log.csv", &options(&[], BadRows::Skip)).unwrap();
        assert_eq!(log.report.rows_read, 2);
        assert_eq!(log.report.skipped[0].line, 2);
        assert_eq!(log.lines, vec![3]);
    }
}
