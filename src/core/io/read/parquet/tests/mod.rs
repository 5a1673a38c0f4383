//! Tests of the Parquet readers: each file is written from a CSV's table and read back, and
//! must give what the CSV reader gives for that CSV (values, lines, row rules, errors).
//! Helpers shared by the test files are here; the tests are by topic.

mod customers;
mod file;
mod orders;
mod print;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::core::error::Result;
use crate::core::io::parse::{parse_date, parse_money};
use crate::core::io::schema::customers::{read_from, ReadOptions};
use crate::core::table::customers::{CustomerFrame, COUNT_COLUMNS, DATE_COLUMNS, MONEY_COLUMNS};

/// A fresh file path in this process's temporary folder.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flo_rfm_parquet_in_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write_with(path: &Path, columns: Vec<(&str, ArrayRef)>, group_rows: usize, c: Compression) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_size(group_rows)
        .set_compression(c)
        .build();
    let file = File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// The CSV's fields, column by column (`None` for an empty field), split as RFC 4180 reads the
/// CSV pandas writes: a field that starts with a quote runs to its closing quote and may hold
/// commas, line feeds and `""` for a quote. Written here, apart from the reader under test.
fn csv_columns(bytes: &[u8]) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = std::str::from_utf8(bytes).unwrap().chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is not closed");
    if !record.is_empty() || !field.is_empty() {
        record.push(field);
        records.push(record);
    }
    let mut records = records.into_iter();
    let header = records.next().unwrap();
    let mut cols = vec![Vec::new(); header.len()];
    for rec in records {
        assert_eq!(
            rec.len(),
            header.len(),
            "a record of another width: {rec:?}"
        );
        for (k, f) in rec.into_iter().enumerate() {
            cols[k].push((!f.is_empty()).then_some(f));
        }
    }
    (header, cols)
}

#[derive(Clone, Copy)]
enum DateAs {
    Date32,
    Text,
    Stamp,
}

#[derive(Clone, Copy)]
enum CountAs {
    Int64,
    Float64,
}

/// The CSV's table as Arrow columns: text as text, dates, counts and money typed.
fn typed(bytes: &[u8], dates: DateAs, counts: CountAs) -> Vec<(String, ArrayRef)> {
    let (header, cols) = csv_columns(bytes);
    header
        .into_iter()
        .zip(cols)
        .map(|(name, col)| {
            let refs: Vec<Option<&str>> = col.iter().map(|v| v.as_deref()).collect();
            let array: ArrayRef = if DATE_COLUMNS.contains(&name.as_str()) {
                let days = refs.iter().map(|v| v.map(|s| parse_date(s).unwrap()));
                match dates {
                    DateAs::Date32 => Arc::new(Date32Array::from_iter(days)),
                    DateAs::Text => text(&refs),
                    DateAs::Stamp => Arc::new(TimestampMillisecondArray::from_iter(
                        days.map(|d| d.map(|d| d as i64 * 86_400_000 + 37_000)),
                    )),
                }
            } else if COUNT_COLUMNS.contains(&name.as_str()) {
                // parse_money: a fractional count is kept, to be refused by the reader.
                let v = refs.iter().map(|v| v.map(|s| parse_money(s).unwrap()));
                match counts {
                    CountAs::Int64 => {
                        Arc::new(Int64Array::from_iter(v.map(|x| x.map(|x| x as i64))))
                    }
                    CountAs::Float64 => Arc::new(Float64Array::from_iter(v)),
                }
            } else if MONEY_COLUMNS.contains(&name.as_str()) {
                Arc::new(Float64Array::from_iter(
                    refs.iter().map(|v| v.map(|s| parse_money(s).unwrap())),
                ))
            } else {
                text(&refs)
            };
            (name, array)
        })
        .collect()
}

fn write_typed(path: &Path, columns: &[(String, ArrayRef)], group_rows: usize) {
    let cols = columns
        .iter()
        .map(|(n, a)| (n.as_str(), a.clone()))
        .collect();
    write_with(path, cols, group_rows, Compression::SNAPPY);
}

fn csv_frame(bytes: &[u8], path: &Path, opts: &ReadOptions) -> Result<CustomerFrame> {
    read_from(bytes, &path.display().to_string(), opts)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Everything the library reads from a frame.
fn assert_same(a: &CustomerFrame, b: &CustomerFrame) {
    assert_eq!(a.source, b.source);
    assert_eq!(a.master_id, b.master_id);
    assert_eq!(a.order_channel.codes, b.order_channel.codes);
    assert_eq!(a.order_channel.levels, b.order_channel.levels);
    assert_eq!(a.last_order_channel.codes, b.last_order_channel.codes);
    assert_eq!(a.last_order_channel.levels, b.last_order_channel.levels);
    assert_eq!(a.dates, b.dates);
    for k in 0..2 {
        assert_eq!(bits(&a.counts[k]), bits(&b.counts[k]));
        assert_eq!(bits(&a.money[k]), bits(&b.money[k]));
    }
    assert_eq!(a.categories.codes, b.categories.codes);
    assert_eq!(a.categories.sets, b.categories.sets);
    assert_eq!(a.categories.vocabulary, b.categories.vocabulary);
    assert_eq!(a.extra_names, b.extra_names);
    assert_eq!(a.extra, b.extra);
    assert_eq!(a.lines, b.lines);
    assert_eq!(a.positions, b.positions);
    assert_eq!(a.report, b.report);
    assert_eq!(a.missing_values(), b.missing_values());
}

const ROWS: &str = "master_id,order_channel,last_order_channel,first_order_date,last_order_date,last_order_date_online,last_order_date_offline,order_num_total_ever_online,order_num_total_ever_offline,customer_value_total_ever_offline,customer_value_total_ever_online,interested_in_categories_12
a,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4.0,1.0,139.99,799.38,\"[KADIN, ERKEK]\"
b,,Offline,,2021-02-26,,2021-02-26,,1.0,,799.38,[]
c,Mobile,,2020-10-30,,2021-02-21,,4.0,,139.99,,
d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2.0,1.0,10.5,20.25,[KADIN]
";
