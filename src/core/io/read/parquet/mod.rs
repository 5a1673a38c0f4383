//! Parquet inputs: the customer file and order logs read straight from a Parquet file's Arrow
//! columns, with the values, lines, row rules and errors of the CSV the same table writes
//! (pandas' `to_csv(index=False)`), so nothing downstream can tell the two apart.
//!
//! - Data row `i` (0-based, in file order) is line `i + 2` and position `i`, as in that CSV.
//! - A null is what the CSV's empty field gives: `""` for text, `NULL_DATE`, NaN.
//! - Dates may be Date32/Date64, timestamps of any unit (the date of the local wall-clock time;
//!   a zoned timestamp in its own zone, as pandas prints it) or text (`parse_date`). Counts and
//!   money may be any integer, float or decimal type, or text (`parse_count` / `parse_money`).
//! - Any other value is read as the text pandas prints for it (`1`, `2.5` as Python's `repr`,
//!   `True`, ISO dates), and parsed from there as the CSV reader parses it.
//! - The pandas index columns `__index_level_N__` that `DataFrame.to_parquet` adds for an unnamed
//!   non-default index are not data (`to_csv(index=False)` drops them) and are skipped.
//!
//! Row groups, and ranges of rows inside large ones, are decoded and parsed on all cores and
//! joined in file order, so the first bad row in the file is the one reported.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type,
    Decimal64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::{Offset, TimeZone};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;
use rayon::prelude::*;

use crate::core::error::{FloError, Location, Result};
use crate::core::io::parse::{parse_count, parse_date, parse_money};
use crate::core::io::read::open_file;
use crate::core::io::read::sniff::{find_columns, numbered_names};
use crate::core::io::schema::customers::ReadOptions;
use crate::core::io::schema::orders::OrderOptions;
use crate::core::io::write::{push_date, push_float};
use crate::core::table::customers::{
    BadRows, CustomerFrame, Record, COUNT_COLUMNS, DATE_COLUMNS, MONEY_COLUMNS, NULL_DATE,
    REQUIRED_COLUMNS,
};
use crate::core::table::orders::{OrderColumns, OrderLog, OrderLogBuilder};

/// Whether a file's first bytes are a Parquet file's (magic `PAR1`).
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// Whether the file at `path` is a Parquet file (by its first bytes, whatever its name).
pub fn is_parquet_file(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4);
    let file = open_file(path)?;
    file.take(4)
        .read_to_end(&mut head)
        .map_err(|e| FloError::io(path.display(), &e))?;
    Ok(is_parquet(&head))
}

/// The customer file (the 12 `REQUIRED_COLUMNS`, any extra columns) from a Parquet file, read
/// as the CSV reader reads the same table written by pandas' `to_csv(index=False)`: the same
/// values, lines, row rules, `opts.bad_rows` and `opts.duplicates`.
pub fn read_customers(path: &Path, opts: &ReadOptions) -> Result<CustomerFrame> {
    read_customers_in(path, opts, None)
}

/// An order log from a Parquet file, read as the CSV engine reads the same table written as
/// CSV; `opts.columns` names the caller's columns (`opts.csv` does not apply).
pub fn read_orders(path: &Path, opts: &OrderOptions) -> Result<OrderLog> {
    read_orders_in(
        path,
        &opts.columns,
        &opts.online,
        &opts.offline,
        opts.bad_rows,
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// The file, and the pieces it is read in.

/// Rows parsed together by one task: at most this many, at least `MIN_UNIT` where the file has
/// them, about four tasks per core.
const MIN_UNIT: usize = 16_384;
const MAX_UNIT: usize = 131_072;

/// An open Parquet file: its name (for errors), path (each task opens its own handle: handles
/// cloned from one share a file offset) and footer.
struct ParquetFile<'p> {
    path: &'p Path,
    name: String,
    meta: ArrowReaderMetadata,
}

fn unreadable(name: &str, e: impl std::fmt::Display) -> FloError {
    FloError::Format {
        source_name: name.to_string(),
        line: 0,
        message: format!("is not a readable Parquet file: {e}"),
    }
}

impl<'p> ParquetFile<'p> {
    fn open(path: &'p Path) -> Result<Self> {
        let name = path.display().to_string();
        let file = open_file(path)?;
        let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| unreadable(&name, e))?;
        Ok(ParquetFile { path, name, meta })
    }

    fn fields(&self) -> Vec<(String, DataType)> {
        self.meta
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect()
    }

    fn mask(&self, roots: &[usize]) -> ProjectionMask {
        ProjectionMask::roots(self.meta.parquet_schema(), roots.iter().copied())
    }

    /// The rows of `unit`, columns `mask`, as one batch (or none if the unit is empty).
    fn read(&self, mask: &ProjectionMask, unit: &Unit) -> Result<Vec<RecordBatch>> {
        let file = File::open(self.path).map_err(|e| FloError::io(&self.name, &e))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![unit.group])
                .with_batch_size(unit.len.max(1));
        if unit.len < unit.group_rows {
            let mut selectors = vec![RowSelector::skip(unit.start), RowSelector::select(unit.len)];
            let rest = unit.group_rows - unit.start - unit.len;
            if rest > 0 {
                selectors.push(RowSelector::skip(rest));
            }
            builder = builder.with_row_selection(RowSelection::from(selectors));
        }
        let reader = builder.build().map_err(|e| unreadable(&self.name, e))?;
        let batches = reader
            .map(|b| b.map_err(|e| unreadable(&self.name, e)))
            .collect::<Result<Vec<_>>>()?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if rows != unit.len {
            return Err(unreadable(
                &self.name,
                format!(
                    "row group {} gave {rows} rows where {} were expected",
                    unit.group, unit.len
                ),
            ));
        }
        Ok(batches)
    }

    fn units(&self, unit_rows: Option<usize>) -> Vec<Unit> {
        let meta: &ParquetMetaData = self.meta.metadata();
        let total = meta.file_metadata().num_rows().max(0) as usize;
        let threads = rayon::current_num_threads().max(1);
        let target = unit_rows
            .unwrap_or_else(|| (total / (4 * threads)).clamp(MIN_UNIT, MAX_UNIT))
            .max(1);
        let mut units = Vec::new();
        let mut first_row = 0u64;
        for (group, rg) in meta.row_groups().iter().enumerate() {
            let rows = rg.num_rows().max(0) as usize;
            let mut start = 0;
            while start < rows {
                let len = target.min(rows - start);
                units.push(Unit {
                    group,
                    start,
                    len,
                    group_rows: rows,
                    first_row: first_row + start as u64,
                });
                start += len;
            }
            first_row += rows as u64;
        }
        units
    }
}

/// Rows `start..start + len` of row group `group`; `first_row` is the file's index of the first.
#[derive(Debug, Clone, Copy)]
struct Unit {
    group: usize,
    start: usize,
    len: usize,
    group_rows: usize,
    first_row: u64,
}

/// Work units read at a time: enough to keep every core busy, few enough to bound memory.
fn window() -> usize {
    2 * rayon::current_num_threads().max(1)
}

/// `DataFrame.to_parquet`'s column for an unnamed index (`to_csv(index=False)` drops it).
fn is_pandas_index(name: &str) -> bool {
    name.strip_prefix("__index_level_")
        .and_then(|r| r.strip_suffix("__"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// Column types.

/// What a column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Text,
    Date,
    Number,
}

impl Role {
    fn what(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Date => "dates",
            Role::Number => "numbers",
        }
    }
}

fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Types whose values print as text (as pandas' `to_csv` prints them).
fn printable(dt: &DataType) -> bool {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _) => true,
        DataType::Dictionary(k, v) => {
            k.is_dictionary_key_type() && !matches!(**v, DataType::Dictionary(..)) && printable(v)
        }
        DataType::List(f) | DataType::LargeList(f) => printable(f.data_type()),
        _ => dt.is_integer() || dt.is_decimal() || is_string(dt),
    }
}

fn accepts(role: Role, dt: &DataType) -> bool {
    if !printable(dt) {
        return false;
    }
    let base = match dt {
        DataType::Dictionary(_, v) => v.as_ref(),
        _ => dt,
    };
    match role {
        Role::Text => true,
        Role::Date => {
            is_string(base)
                || matches!(
                    base,
                    DataType::Null | DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
                )
        }
        Role::Number => {
            is_string(base)
                || base.is_integer()
                || base.is_floating()
                || base.is_decimal()
                || matches!(base, DataType::Null)
        }
    }
}

fn time_zones(dt: &DataType, out: &mut Vec<String>) {
    match dt {
        DataType::Timestamp(_, Some(tz)) => out.push(tz.to_string()),
        DataType::Dictionary(_, v) => time_zones(v, out),
        DataType::List(f) | DataType::LargeList(f) => time_zones(f.data_type(), out),
        _ => {}
    }
}

/// A column error: its type cannot be read as `role`, or its time zone is unknown.
fn check_column(source: &str, name: &str, dt: &DataType, role: Role) -> Result<()> {
    let fail = |message: String| FloError::Format {
        source_name: source.to_string(),
        line: 1,
        message,
    };
    if !accepts(role, dt) {
        return Err(fail(format!(
            "column {name:?} has Arrow type {dt}, which cannot be read as {}",
            role.what()
        )));
    }
    let mut zones = Vec::new();
    time_zones(dt, &mut zones);
    for tz in zones {
        if tz.parse::<Tz>().is_err() {
            return Err(fail(format!(
                "column {name:?} has Arrow type {dt}, whose time zone {tz:?} is not known"
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Values as text.

/// How timestamps are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// `YYYY-MM-DD HH:MM:SS` of the local wall clock, no zone: what `parse_date` and
    /// `parse_datetime` read.
    WallClock,
    /// As pandas' `to_csv` prints the column: a naive column as dates alone when every value is
    /// at midnight, else with the column's finest fraction (`digits`: 0, 3, 6 or 9); a zoned
    /// column the same way but never as dates alone, each value followed by its offset
    /// (`2021-05-30 10:00:00+03:00`).
    Pandas { dates_only: bool, digits: u8 },
}

/// How a column's values print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Print {
    stamp: Stamp,
    /// An integer column with a null anywhere in the file: pandas reads it as float64, so its
    /// values print as floats (`1.0`).
    float_ints: bool,
}

/// The printing of the columns that are only parsed (dates, numbers).
const PARSED: Print = Print {
    stamp: Stamp::WallClock,
    float_ints: false,
};

/// A timestamp column's unit and zone: values to local wall-clock seconds and nanoseconds.
#[derive(Debug, Clone, Copy)]
struct Clock {
    per_second: i64,
    tz: Option<Tz>,
}

impl Clock {
    fn new(unit: &TimeUnit, tz: Option<&str>) -> Clock {
        let per_second = match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        };
        // Zones were checked with the column types (`check_column`).
        Clock {
            per_second,
            tz: tz.and_then(|t| t.parse().ok()),
        }
    }

    /// UTC seconds and nanoseconds.
    fn split(&self, v: i64) -> (i64, u32) {
        let secs = v.div_euclid(self.per_second);
        let sub = v.rem_euclid(self.per_second);
        (secs, (sub * (1_000_000_000 / self.per_second)) as u32)
    }

    /// The zone's offset from UTC (seconds) at UTC second `secs`.
    fn offset(&self, secs: i64) -> i32 {
        match &self.tz {
            None => 0,
            Some(tz) => chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| {
                    tz.offset_from_utc_datetime(&d.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0),
        }
    }

    /// Local wall-clock seconds and nanoseconds, and the offset, of value `v`.
    fn local(&self, v: i64) -> (i64, u32, i32) {
        let (secs, nanos) = self.split(v);
        let off = self.offset(secs);
        (secs + off as i64, nanos, off)
    }

    /// The local date of value `v`.
    fn day(&self, v: i64) -> i32 {
        let (secs, _, _) = self.local(v);
        secs.div_euclid(86_400)
            .clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32
    }
}

fn stamp_values(array: &dyn Array) -> &[i64] {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            array.as_primitive::<TimestampSecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array.as_primitive::<TimestampMillisecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            array.as_primitive::<TimestampNanosecondType>().values()
        }
        _ => &[],
    }
}

fn push_2(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
}

fn push_time(secs_of_day: i64, out: &mut Vec<u8>) {
    push_2(secs_of_day / 3600, out);
    out.push(b':');
    push_2(secs_of_day / 60 % 60, out);
    out.push(b':');
    push_2(secs_of_day % 60, out);
}

fn push_fraction(nanos: u32, digits: u8, out: &mut Vec<u8>) {
    if digits == 0 {
        return;
    }
    let text = format!("{nanos:09}");
    out.push(b'.');
    out.extend_from_slice(&text.as_bytes()[..digits as usize]);
}

/// The digits pandas shows for a fraction of a second (its resolution of the value).
fn fraction_digits(nanos: u32) -> u8 {
    if nanos % 1_000 != 0 {
        9
    } else if nanos % 1_000_000 != 0 {
        6
    } else if nanos != 0 {
        3
    } else {
        0
    }
}

fn push_stamp(clock: &Clock, v: i64, stamp: Stamp, out: &mut Vec<u8>) {
    let (secs, nanos, off) = clock.local(v);
    let day = secs.div_euclid(86_400);
    push_date(day.clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32, out);
    let time = secs.rem_euclid(86_400);
    match stamp {
        Stamp::WallClock => {
            out.push(b' ');
            push_time(time, out);
        }
        Stamp::Pandas { digits, .. } if clock.tz.is_some() => {
            out.push(b' ');
            push_time(time, out);
            push_fraction(nanos, digits, out);
            out.push(if off < 0 { b'-' } else { b'+' });
            let a = off.unsigned_abs() as i64;
            push_2(a / 3600, out);
            out.push(b':');
            push_2(a / 60 % 60, out);
            if a % 60 != 0 {
                out.push(b':');
                push_2(a % 60, out);
            }
        }
        Stamp::Pandas {
            dates_only: true, ..
        } => {}
        Stamp::Pandas { digits, .. } => {
            out.push(b' ');
            push_time(time, out);
            push_fraction(nanos, digits, out);
        }
    }
}

fn push_int(v: impl itoa::Integer, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

type F16 = <Float16Type as ArrowPrimitiveType>::Native;

/// The shortest decimal that reads back to a float16, as a double.
fn shortest_f16(v: F16) -> f64 {
    let x = v.to_f64();
    if !x.is_finite() {
        return x;
    }
    for p in 0..6 {
        if let Ok(y) = format!("{x:.p$e}").parse::<f64>() {
            if F16::from_f64(y) == v {
                return y;
            }
        }
    }
    x
}

/// The shortest decimal that reads back to a float32, as a double.
fn shortest_f32(v: f32) -> f64 {
    if !v.is_finite() {
        return v as f64;
    }
    ryu::Buffer::new()
        .format_finite(v)
        .parse::<f64>()
        .unwrap_or(v as f64)
}

/// A float32 or float16 as numpy's `str` (which pandas' `to_csv` uses) prints it: the shortest
/// decimal that reads back to the value (`shortest`, a double with those digits), positional
/// when `1e-4 <= |value| < max_positional` (1e6 for float32, 1e3 for float16), else
/// `d.ddde+XX`.
fn push_numpy_float(value: f64, shortest: f64, max_positional: f64, out: &mut Vec<u8>) {
    let a = value.abs();
    if !value.is_finite() || a == 0.0 || (1e-4..max_positional).contains(&a) {
        // Positional: Python's repr of the same digits (NaN: nothing).
        push_float(shortest, out);
        return;
    }
    // Rust's `{:e}` writes the shortest digits of the double (`1.2345679e8`), which are the
    // float's shortest digits.
    let sci = format!("{shortest:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    out.extend_from_slice(mantissa.as_bytes());
    out.extend_from_slice(if exp < 0 { b"e-" } else { b"e+" });
    if exp.abs() < 10 {
        out.push(b'0');
    }
    push_int(exp.unsigned_abs(), out);
}

/// Writes value `i` of `array` (a [`printable`] type, not a string, dictionary or list) as
/// pandas prints it; a null writes nothing.
fn push_value(array: &dyn Array, i: usize, clock: &Clock, print: Print, out: &mut Vec<u8>) {
    if array.is_null(i) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let v = array.as_primitive::<$t>().value(i);
            if print.float_ints {
                push_float(v as f64, out)
            } else {
                push_int(v, out)
            }
        }};
    }
    match array.data_type() {
        DataType::Boolean => out.extend_from_slice(if array.as_boolean().value(i) {
            b"True"
        } else {
            b"False"
        }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float16 => {
            let v = array.as_primitive::<Float16Type>().value(i);
            push_numpy_float(v.to_f64(), shortest_f16(v), 1e3, out)
        }
        DataType::Float32 => {
            let v = array.as_primitive::<Float32Type>().value(i);
            push_numpy_float(v as f64, shortest_f32(v), 1e6, out)
        }
        DataType::Float64 => push_float(array.as_primitive::<Float64Type>().value(i), out),
        DataType::Decimal32(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal32Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal64(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal64Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal128(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal128Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal256(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal256Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Date32 => push_date(array.as_primitive::<Date32Type>().value(i), out),
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(i);
            push_date(ms.div_euclid(86_400_000) as i32, out)
        }
        DataType::Timestamp(..) => push_stamp(clock, stamp_values(array)[i], print.stamp, out),
        _ => {}
    }
}

/// One column of a batch, cell by cell as the text pandas' `to_csv` writes (a null: `""`).
enum Cells<'a> {
    Null,
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Dict {
        keys: &'a dyn Array,
        index: Vec<usize>,
        values: Box<Cells<'a>>,
    },
    /// A list as `[a, b]` (the FLO file's way of writing category lists).
    List {
        list: &'a dyn Array,
        bounds: Vec<usize>,
        values: Box<Cells<'a>>,
    },
    Value {
        array: &'a dyn Array,
        clock: Clock,
        print: Print,
    },
}

impl<'a> Cells<'a> {
    fn new(array: &'a dyn Array, print: Print) -> Cells<'a> {
        match array.data_type() {
            DataType::Null => Cells::Null,
            DataType::Utf8 => Cells::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Cells::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Cells::Utf8View(array.as_string_view()),
            DataType::Dictionary(..) => match array.as_any_dictionary_opt() {
                Some(d) if !d.values().is_empty() => Cells::Dict {
                    keys: d.keys(),
                    index: d.normalized_keys(),
                    values: Box::new(Cells::new(d.values().as_ref(), print)),
                },
                _ => Cells::Null,
            },
            DataType::List(_) => {
                let l = array.as_list::<i32>();
                Cells::List {
                    list: array,
                    bounds: l.value_offsets().iter().map(|&o| o as usize).collect(),
                    values: Box::new(Cells::new(l.values().as_ref(), print)),
                }
            }
            DataType::LargeList(_) => {
                let l = array.as_list::<i64>();
                Cells::List {
                    list: array,
                    bounds: l.value_offsets().iter().map(|&o| o as usize).collect(),
                    values: Box::new(Cells::new(l.values().as_ref(), print)),
                }
            }
            DataType::Timestamp(unit, tz) => Cells::Value {
                array,
                clock: Clock::new(unit, tz.as_deref()),
                print,
            },
            _ => Cells::Value {
                array,
                clock: Clock::new(&TimeUnit::Second, None),
                print,
            },
        }
    }

    /// Cell `i`; `buf` holds it when it has to be written out.
    fn text<'s>(&'s self, i: usize, buf: &'s mut Vec<u8>) -> &'s str {
        match self {
            Cells::Null => "",
            Cells::Utf8(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            Cells::LargeUtf8(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            Cells::Utf8View(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            _ => {
                buf.clear();
                self.write(i, buf);
                // Every cell is written from UTF-8 text and ASCII.
                std::str::from_utf8(buf).unwrap_or_default()
            }
        }
    }

    fn write(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Null => {}
            Cells::Utf8(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::LargeUtf8(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::Utf8View(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::Utf8(_) | Cells::LargeUtf8(_) | Cells::Utf8View(_) => {}
            Cells::Dict {
                keys,
                index,
                values,
            } => {
                if !keys.is_null(i) {
                    values.write(index[i], out);
                }
            }
            Cells::List {
                list,
                bounds,
                values,
            } => {
                if !list.is_null(i) {
                    out.push(b'[');
                    for (k, j) in (bounds[i]..bounds[i + 1]).enumerate() {
                        if k > 0 {
                            out.extend_from_slice(b", ");
                        }
                        values.write(j, out);
                    }
                    out.push(b']');
                }
            }
            Cells::Value {
                array,
                clock,
                print,
            } => push_value(*array, i, clock, *print, out),
        }
    }
}

/// A date column of a batch: days, or text to parse.
enum Dates<'a> {
    Days(Vec<i32>),
    Text(Cells<'a>),
}

impl<'a> Dates<'a> {
    fn new(array: &'a dyn Array) -> Dates<'a> {
        let with_nulls = |days: Vec<i32>| -> Vec<i32> {
            match array.nulls() {
                None => days,
                Some(n) => days
                    .into_iter()
                    .zip(n.iter())
                    .map(|(d, valid)| if valid { d } else { NULL_DATE })
                    .collect(),
            }
        };
        match array.data_type() {
            DataType::Date32 => Dates::Days(with_nulls(
                array.as_primitive::<Date32Type>().values().to_vec(),
            )),
            DataType::Date64 => Dates::Days(with_nulls(
                array
                    .as_primitive::<Date64Type>()
                    .values()
                    .iter()
                    .map(|&ms| ms.div_euclid(86_400_000) as i32)
                    .collect(),
            )),
            DataType::Timestamp(unit, tz) => {
                let clock = Clock::new(unit, tz.as_deref());
                Dates::Days(with_nulls(
                    stamp_values(array).iter().map(|&v| clock.day(v)).collect(),
                ))
            }
            _ => Dates::Text(Cells::new(array, PARSED)),
        }
    }

    /// Day `i`, or the text that does not parse and what was expected.
    fn get(&self, i: usize, buf: &mut Vec<u8>) -> std::result::Result<i32, (String, String)> {
        match self {
            Dates::Days(d) => Ok(d[i]),
            Dates::Text(c) => {
                let s = c.text(i, buf);
                parse_date(s).map_err(|e| (s.to_string(), e))
            }
        }
    }
}

/// A count or money column of a batch: numbers (`floats`: from a float column, whose counts
/// must be whole as their printed text must), or text to parse.
enum Numbers<'a> {
    Values { values: Vec<f64>, floats: bool },
    Text(Cells<'a>),
}

impl<'a> Numbers<'a> {
    fn new(array: &'a dyn Array) -> Numbers<'a> {
        macro_rules! values {
            ($t:ty, $floats:expr) => {{
                let a = array.as_primitive::<$t>();
                let values = match a.nulls() {
                    None => a.values().iter().map(|&v| v as f64).collect(),
                    Some(n) => a
                        .values()
                        .iter()
                        .zip(n.iter())
                        .map(|(&v, valid)| if valid { v as f64 } else { f64::NAN })
                        .collect(),
                };
                Numbers::Values {
                    values,
                    floats: $floats,
                }
            }};
        }
        match array.data_type() {
            DataType::Float64 => values!(Float64Type, true),
            DataType::Int8 => values!(Int8Type, false),
            DataType::Int16 => values!(Int16Type, false),
            DataType::Int32 => values!(Int32Type, false),
            DataType::Int64 => values!(Int64Type, false),
            DataType::UInt8 => values!(UInt8Type, false),
            DataType::UInt16 => values!(UInt16Type, false),
            DataType::UInt32 => values!(UInt32Type, false),
            DataType::UInt64 => values!(UInt64Type, false),
            // float32, float16 and decimals print as their shortest decimal, which is read back.
            _ => Numbers::Text(Cells::new(array, PARSED)),
        }
    }

    fn count(&self, i: usize, buf: &mut Vec<u8>) -> std::result::Result<f64, (String, String)> {
        match self {
            Numbers::Values { values, floats } => {
                let v = values[i];
                if *floats && !(v.is_nan() || (v.is_finite() && v.fract() == 0.0)) {
                    // Not a whole count: the CSV's error for the printed value.
                    buf.clear();
                    push_float(v, buf);
                    let s = std::str::from_utf8(buf).unwrap_or_default();
                    return parse_count(s).map_err(|e| (s.to_string(), e));
                }
                Ok(v)
            }
            Numbers::Text(c) => {
                let s = c.text(i, buf);
                parse_count(s).map_err(|e| (s.to_string(), e))
            }
        }
    }

    /// A double printed as Python's `repr` reads back to itself, so values pass as they are.
    fn money(&self, i: usize, buf: &mut Vec<u8>) -> std::result::Result<f64, (String, String)> {
        match self {
            Numbers::Values { values, .. } => Ok(values[i]),
            Numbers::Text(c) => {
                let s = c.text(i, buf);
                parse_money(s).map_err(|e| (s.to_string(), e))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The customer file.

/// Where the required and extra columns sit in the projected batches.
struct CustomerPlan {
    /// Field index (in the file's schema) of each column read, in file order.
    roots: Vec<usize>,
    /// Batch column of each required column.
    index: [usize; 12],
    /// How the text columns print: `REQUIRED_COLUMNS` 0, 1, 2 and 11, in that order.
    text: [Print; 4],
    /// Batch column of each extra column, and how it prints.
    extra: Vec<(usize, Print)>,
    extra_names: Vec<String>,
}

impl CustomerPlan {
    fn new(file: &ParquetFile<'_>) -> Result<CustomerPlan> {
        let source = file.name.as_str();
        let fields = file.fields();
        let roots: Vec<usize> = (0..fields.len())
            .filter(|&i| !is_pandas_index(&fields[i].0))
            .collect();
        let header: Vec<String> = roots.iter().map(|&i| fields[i].0.clone()).collect();
        let found = find_columns(source, &header, &REQUIRED_COLUMNS.map(Some))?;
        let index: [usize; 12] =
            std::array::from_fn(|k| found[k].expect("find_columns found every column"));
        for (k, name) in REQUIRED_COLUMNS.iter().enumerate() {
            let role = match k {
                3..=6 => Role::Date,
                7..=10 => Role::Number,
                _ => Role::Text,
            };
            check_column(source, name, &fields[roots[index[k]]].1, role)?;
        }
        let extra: Vec<usize> = (0..header.len()).filter(|i| !index.contains(i)).collect();
        for &i in &extra {
            check_column(source, &header[i], &fields[roots[i]].1, Role::Text)?;
        }
        let extra_names = numbered_names(&header, &extra, &REQUIRED_COLUMNS);
        let text_columns = [0, 1, 2, 11].map(|k| index[k]);
        let printed: Vec<usize> = text_columns
            .iter()
            .chain(&extra)
            .map(|&i| roots[i])
            .collect();
        let print = prints(file, &printed)?;
        Ok(CustomerPlan {
            roots,
            index,
            text: [print[0], print[1], print[2], print[3]],
            extra: extra.into_iter().zip(print[4..].iter().copied()).collect(),
            extra_names,
        })
    }
}

/// How each of the columns `roots` (fields of the file) prints as text, deciding over the whole
/// column as pandas does: an integer column with a null anywhere prints as floats; a timestamp
/// column as dates alone when all its values are at midnight (naive ones only), else with the
/// finest fraction any value needs. Null counts come from the row groups' statistics when every
/// group has them; the other columns that need it are read once ahead.
fn prints(file: &ParquetFile<'_>, roots: &[usize]) -> Result<Vec<Print>> {
    let fields = file.fields();
    let meta = file.meta.metadata();
    let schema = file.meta.parquet_schema();
    let mut prints: Vec<Print> = roots
        .iter()
        .map(|_| Print {
            stamp: Stamp::Pandas {
                dates_only: false,
                digits: 0,
            },
            float_ints: false,
        })
        .collect();
    // Whether the column has a null, from the statistics (`None`: not known from them).
    let stated_nulls = |root: usize| -> Option<bool> {
        let leaves: Vec<usize> = (0..schema.num_columns())
            .filter(|&l| schema.get_column_root_idx(l) == root)
            .collect();
        let mut any = false;
        for rg in meta.row_groups() {
            for &l in &leaves {
                any |= rg.column(l).statistics()?.null_count_opt()? > 0;
            }
        }
        Some(any)
    };
    let mut scan: Vec<usize> = Vec::new();
    for (k, &root) in roots.iter().enumerate() {
        match &fields[root].1 {
            DataType::Timestamp(..) => scan.push(k),
            dt if dt.is_integer() => match stated_nulls(root) {
                Some(nulls) => prints[k].float_ints = nulls,
                None => scan.push(k),
            },
            _ => {}
        }
    }
    if scan.is_empty() {
        return Ok(prints);
    }
    // Read in file order, so batch column `j` is the `j`-th of `scan` by field index.
    scan.sort_by_key(|&k| roots[k]);
    scan.dedup_by_key(|k| roots[*k]);
    let scan_roots: Vec<usize> = scan.iter().map(|&k| roots[k]).collect();
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
        open_file(file.path)?,
        file.meta.clone(),
    )
    .with_projection(file.mask(&scan_roots))
    .with_batch_size(1 << 16)
    .build()
    .map_err(|e| unreadable(&file.name, e))?;
    let mut midnight = vec![true; scan.len()];
    let mut digits = vec![0u8; scan.len()];
    let mut nulls = vec![false; scan.len()];
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(&file.name, e))?;
        for (j, column) in batch.columns().iter().enumerate().take(scan.len()) {
            nulls[j] |= column.null_count() > 0;
            let DataType::Timestamp(unit, _) = column.data_type() else {
                continue;
            };
            let clock = Clock::new(unit, None);
            for (i, &v) in stamp_values(column.as_ref()).iter().enumerate() {
                if column.is_null(i) {
                    continue;
                }
                let (secs, nanos) = clock.split(v);
                if nanos != 0 || secs.rem_euclid(86_400) != 0 {
                    midnight[j] = false;
                }
                digits[j] = digits[j].max(fraction_digits(nanos));
            }
        }
    }
    for (k, &root) in roots.iter().enumerate() {
        let Some(j) = scan_roots.iter().position(|&r| r == root) else {
            continue;
        };
        match &fields[root].1 {
            DataType::Timestamp(_, tz) => {
                prints[k].stamp = Stamp::Pandas {
                    dates_only: tz.is_none() && midnight[j],
                    digits: digits[j],
                }
            }
            _ => prints[k].float_ints = nulls[j],
        }
    }
    Ok(prints)
}

/// What every unit's parser needs.
struct CustomerContext<'a> {
    source: &'a str,
    plan: &'a CustomerPlan,
    bad_rows: BadRows,
}

impl CustomerContext<'_> {
    /// The rows of one unit as a part frame (positions from 0, lines from the file's row
    /// numbers). Under `BadRows::Raise` the first error stops the part and is kept as
    /// `first_error`, as `reader::PieceContext::parse` does.
    fn part(&self, batches: Result<Vec<RecordBatch>>, first_row: u64) -> CustomerFrame {
        let mut part = CustomerFrame::new(self.source, self.plan.extra_names.clone());
        let batches = match batches {
            Ok(b) => b,
            Err(e) => {
                part.first_error = Some(Box::new(e));
                return part;
            }
        };
        let mut row = first_row;
        for batch in &batches {
            if !self.batch(batch, &mut row, &mut part) {
                break;
            }
        }
        part
    }

    /// Parses one batch into `part`; false if it stopped at a bad row.
    fn batch(&self, batch: &RecordBatch, row: &mut u64, part: &mut CustomerFrame) -> bool {
        let p = self.plan;
        let col = |k: usize| batch.column(p.index[k]).as_ref();
        let ids = Cells::new(col(0), p.text[0]);
        let channels = Cells::new(col(1), p.text[1]);
        let last_channels = Cells::new(col(2), p.text[2]);
        let dates: [Dates; 4] = std::array::from_fn(|d| Dates::new(col(3 + d)));
        let counts: [Numbers; 2] = std::array::from_fn(|k| Numbers::new(col(7 + k)));
        let money: [Numbers; 2] = std::array::from_fn(|k| Numbers::new(col(9 + k)));
        let categories = Cells::new(col(11), p.text[3]);
        let extra: Vec<Cells> = p
            .extra
            .iter()
            .map(|&(c, print)| Cells::new(batch.column(c).as_ref(), print))
            .collect();
        let (mut b_id, mut b_ch, mut b_last, mut b_cat, mut scratch) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..batch.num_rows() {
            let line = *row + 2;
            *row += 1;
            let position = part.report.rows_read;
            part.report.rows_read += 1;
            let parse_error = |k: usize, (text, expected): (String, String)| FloError::Parse {
                location: Location {
                    source: self.source.to_string(),
                    line,
                    column: REQUIRED_COLUMNS[k].to_string(),
                },
                text,
                expected,
            };
            // The CSV reader's order: dates, counts, money are parsed, then the row rules run.
            let outcome = (|| -> Result<()> {
                let mut days = [NULL_DATE; 4];
                for (d, slot) in days.iter_mut().enumerate() {
                    debug_assert_eq!(REQUIRED_COLUMNS[3 + d], DATE_COLUMNS[d]);
                    *slot = dates[d]
                        .get(i, &mut scratch)
                        .map_err(|e| parse_error(3 + d, e))?;
                }
                debug_assert_eq!(REQUIRED_COLUMNS[7..9], COUNT_COLUMNS);
                debug_assert_eq!(REQUIRED_COLUMNS[9..11], MONEY_COLUMNS);
                let c0 = counts[0]
                    .count(i, &mut scratch)
                    .map_err(|e| parse_error(7, e))?;
                let c1 = counts[1]
                    .count(i, &mut scratch)
                    .map_err(|e| parse_error(8, e))?;
                let m0 = money[0]
                    .money(i, &mut scratch)
                    .map_err(|e| parse_error(9, e))?;
                let m1 = money[1]
                    .money(i, &mut scratch)
                    .map_err(|e| parse_error(10, e))?;
                let rec = Record {
                    master_id: ids.text(i, &mut b_id),
                    order_channel: channels.text(i, &mut b_ch),
                    last_order_channel: last_channels.text(i, &mut b_last),
                    dates: days,
                    counts: [c0, c1],
                    money: [m0, m1],
                    categories: categories.text(i, &mut b_cat),
                };
                part.push(&rec, line, position)?;
                for (column, cells) in part.extra.iter_mut().zip(&extra) {
                    column.push(cells.text(i, &mut scratch));
                }
                Ok(())
            })();
            if let Err(e) = outcome {
                if !part.reject(line, e, self.bad_rows) {
                    return false;
                }
            }
        }
        true
    }
}

fn cancelled(opts: &ReadOptions) -> bool {
    opts.progress.as_ref().is_some_and(|p| p.is_cancelled())
}

fn read_customers_in(
    path: &Path,
    opts: &ReadOptions,
    unit_rows: Option<usize>,
) -> Result<CustomerFrame> {
    let file = ParquetFile::open(path)?;
    let plan = CustomerPlan::new(&file)?;
    let mask = file.mask(&plan.roots);
    let ctx = CustomerContext {
        source: &file.name,
        plan: &plan,
        bad_rows: opts.bad_rows,
    };
    let mut frame = CustomerFrame::new(&file.name, plan.extra_names.clone());
    for units in file.units(unit_rows).chunks(window()) {
        if cancelled(opts) {
            return Err(FloError::Cancelled {
                path: file.name.clone(),
            });
        }
        let parts: Vec<CustomerFrame> = units
            .par_iter()
            .map(|u| ctx.part(file.read(&mask, u), u.first_row))
            .collect();
        for part in parts {
            frame.append(part)?;
        }
    }
    frame.resolve_duplicates(opts.duplicates, opts.bad_rows)?;
    Ok(frame)
}

// ---------------------------------------------------------------------------------------------
// Order logs.

fn read_orders_in(
    path: &Path,
    columns: &OrderColumns,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
    unit_rows: Option<usize>,
) -> Result<OrderLog> {
    let file = ParquetFile::open(path)?;
    let source = file.name.as_str();
    let fields = file.fields();
    let wanted = [
        (Some(&columns.customer), Role::Text),
        (Some(&columns.datetime), Role::Date),
        (columns.amount.as_ref(), Role::Number),
        (columns.channel.as_ref(), Role::Text),
        (columns.order.as_ref(), Role::Text),
    ];
    let names: Vec<String> = fields.iter().map(|f| f.0.clone()).collect();
    let found = find_columns(source, &names, &wanted.map(|(n, _)| n.map(String::as_str)))?;
    let field_of: [Option<usize>; 5] = std::array::from_fn(|k| found[k]);
    for (k, (_, role)) in wanted.iter().enumerate() {
        if let Some(f) = field_of[k] {
            check_column(source, &fields[f].0, &fields[f].1, *role)?;
        }
    }
    let mut roots: Vec<usize> = field_of.iter().flatten().copied().collect();
    roots.sort_unstable();
    roots.dedup();
    let batch_column: [Option<usize>; 5] =
        field_of.map(|f| f.and_then(|f| roots.iter().position(|&r| r == f)));
    // The datetime and amount are parsed; the others are text as pandas prints it.
    let printed: Vec<usize> = [0, 3, 4].iter().filter_map(|&k| field_of[k]).collect();
    let mut printed_as = prints(&file, &printed)?.into_iter();
    let print: [Print; 5] = std::array::from_fn(|k| match (k, field_of[k]) {
        (0 | 3 | 4, Some(_)) => printed_as.next().unwrap_or(PARSED),
        _ => PARSED,
    });
    let mask = file.mask(&roots);
    let units = file.units(unit_rows);

    // Units are decoded on all cores, a window at a time, while one thread adds their lines in
    // file order (`OrderLogBuilder` numbers customers and orders by first appearance).
    let mut builder = OrderLogBuilder::new(source, columns, online, offline, bad_rows);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Vec<(u64, Result<Vec<RecordBatch>>)>>(1);
        let adder = scope.spawn(move || -> Result<OrderLogBuilder> {
            for window in rx {
                for (first_row, batches) in window {
                    let mut row = first_row;
                    for batch in batches? {
                        add_lines(&mut builder, &batch, &batch_column, &print, &mut row)?;
                    }
                }
            }
            Ok(builder)
        });
        for chunk in units.chunks(window()) {
            let decoded: Vec<(u64, Result<Vec<RecordBatch>>)> = chunk
                .par_iter()
                .map(|u| (u.first_row, file.read(&mask, u)))
                .collect();
            if tx.send(decoded).is_err() {
                break; // the adder stopped at a bad line
            }
        }
        drop(tx);
        adder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .map(OrderLogBuilder::finish)
    })
}

/// Days since 1970-01-01 of 0000-01-01 and 9999-12-31: the dates whose text (four-digit years)
/// `parse_date` reads.
const FIRST_DAY: i64 = -719_528;
const LAST_DAY: i64 = 2_932_896;

/// Marks a line whose datetime goes through its text.
const AS_TEXT: i64 = i64::MIN;

/// The datetime column's wall-clock seconds when it holds dates or timestamps, as
/// `parse_datetime` reads them from the text pandas prints (`None`: a text column); a null, or a
/// year that text would not hold, is `AS_TEXT`.
fn wall_seconds(array: &dyn Array) -> Option<Vec<i64>> {
    let seconds: Vec<i64> = match array.data_type() {
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .map(|&d| d as i64 * 86_400)
            .collect(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .values()
            .iter()
            .map(|&ms| ms.div_euclid(86_400_000) * 86_400)
            .collect(),
        DataType::Timestamp(unit, tz) => {
            let clock = Clock::new(unit, tz.as_deref());
            stamp_values(array)
                .iter()
                .map(|&v| clock.local(v).0)
                .collect()
        }
        _ => return None,
    };
    Some(
        seconds
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let day = s.div_euclid(86_400);
                if array.is_null(i) || !(FIRST_DAY..=LAST_DAY).contains(&day) {
                    AS_TEXT
                } else {
                    s
                }
            })
            .collect(),
    )
}

/// The lines of one batch, the first of which is the file's row `*row`.
fn add_lines(
    b: &mut OrderLogBuilder<'_>,
    batch: &RecordBatch,
    batch_column: &[Option<usize>; 5],
    print: &[Print; 5],
    row: &mut u64,
) -> Result<()> {
    let cells: [Option<Cells>; 5] = std::array::from_fn(|k| {
        batch_column[k].map(|c| Cells::new(batch.column(c).as_ref(), print[k]))
    });
    let [id, when, amount, channel, order] = &cells;
    // Datetimes and amounts taken as values where the column's type allows.
    let seconds = batch_column[1].and_then(|c| wall_seconds(batch.column(c).as_ref()));
    let amounts = batch_column[2].map(|c| Numbers::new(batch.column(c).as_ref()));
    let (mut b_id, mut b_when, mut b_amount, mut b_channel, mut b_order) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..batch.num_rows() {
        let line = *row + 2;
        *row += 1;
        // A column the log names is always present; a missing optional one is `None`.
        let id = id.as_ref().map_or("", |c| c.text(i, &mut b_id));
        let channel = channel.as_ref().map_or("", |c| c.text(i, &mut b_channel));
        let order = order.as_ref().map(|c| c.text(i, &mut b_order));
        let t = seconds.as_ref().map_or(AS_TEXT, |s| s[i]);
        // `Some(None)`: the log has no amount; `None`: the amount goes through its text.
        let value = match &amounts {
            None => Some(None),
            Some(Numbers::Values { values, .. }) if values[i].is_finite() => Some(Some(values[i])),
            Some(_) => None,
        };
        match value {
            Some(value) if t != AS_TEXT => {
                b.push_values(line, id, t, value.unwrap_or(f64::NAN), channel, order)?
            }
            _ => {
                // A null, an amount that is not finite, a text column: the CSV's text, and its
                // errors.
                let when = when.as_ref().map_or("", |c| c.text(i, &mut b_when));
                let amount = amount.as_ref().map(|c| c.text(i, &mut b_amount));
                b.push(line, id, when, amount, channel, order)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float32Array, Float64Array,
        Int64Array, TimestampMillisecondArray, TimestampSecondArray,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, GzipLevel, ZstdLevel};
    use parquet::file::properties::{EnabledStatistics, WriterProperties};

    use super::*;
    use crate::core::io::read::engine::CsvOptions;
    use crate::core::io::schema::customers::read_from;
    use crate::core::io::schema::orders;
    use crate::core::table::customers::Duplicates;

    fn read_orders(
        path: &Path,
        columns: &OrderColumns,
        online: &[String],
        offline: &[String],
        bad_rows: BadRows,
    ) -> Result<OrderLog> {
        read_orders_in(path, columns, online, offline, bad_rows, None)
    }

    /// The same log read from CSV bytes, by the CSV engine.
    fn read_log_bytes(
        bytes: &[u8],
        source: &str,
        columns: &OrderColumns,
        delimiter: Option<u8>,
        online: &[String],
        offline: &[String],
        bad_rows: BadRows,
    ) -> Result<OrderLog> {
        let opts = OrderOptions {
            columns: columns.clone(),
            online: online.to_vec(),
            offline: offline.to_vec(),
            bad_rows,
            csv: CsvOptions {
                delimiter,
                ..CsvOptions::default()
            },
        };
        orders::read_from(bytes, source, &opts)
    }

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

    /// The CSV's fields, column by column (`None` for an empty field).
    fn csv_columns(bytes: &[u8]) -> (Vec<String>, Vec<Vec<Option<String>>>) {
        let mut r = csv::Reader::from_reader(bytes);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut cols = vec![Vec::new(); header.len()];
        for rec in r.records() {
            let rec = rec.unwrap();
            for (k, f) in rec.iter().enumerate() {
                cols[k].push((!f.is_empty()).then(|| f.to_string()));
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

    #[test]
    fn magic_bytes() {
        assert!(is_parquet(b"PAR1\x15\x04"));
        assert!(!is_parquet(b"master_id,"));
        assert!(!is_parquet(b"PAR"));
    }

    #[test]
    fn sample_reads_as_its_csv_whatever_the_types() {
        let bytes = crate::core::synth::sample_bytes(20_000, 11);
        for (n, (dates, counts)) in [
            (DateAs::Date32, CountAs::Int64),
            (DateAs::Date32, CountAs::Float64),
            (DateAs::Text, CountAs::Int64),
            (DateAs::Text, CountAs::Float64),
            (DateAs::Stamp, CountAs::Float64),
        ]
        .into_iter()
        .enumerate()
        {
            let path = temp(&format!("sample_{n}.parquet"));
            write_typed(&path, &typed(&bytes, dates, counts), 1 << 20);
            let opts = ReadOptions::default();
            let want = csv_frame(&bytes, &path, &opts).unwrap();
            let got = read_customers(&path, &opts).unwrap();
            assert_eq!(got.len(), 20_000);
            assert_same(&got, &want);
        }
    }

    #[test]
    fn row_groups_and_ranges_keep_file_order() {
        let bytes = crate::core::synth::sample_bytes(10_000, 5);
        let path = temp("groups.parquet");
        write_typed(&path, &typed(&bytes, DateAs::Date32, CountAs::Int64), 3_000);
        let opts = ReadOptions::default();
        let want = csv_frame(&bytes, &path, &opts).unwrap();
        // Units of 777 rows: ranges that start and end inside the row groups.
        for unit in [None, Some(777), Some(3_000), Some(1)] {
            let got = read_customers_in(&path, &opts, unit).unwrap();
            assert_same(&got, &want);
            assert_eq!(got.positions, (0..10_000).collect::<Vec<u64>>());
            assert_eq!(got.lines, (2..10_002).collect::<Vec<u64>>());
        }
        let meta = ParquetFile::open(&path).unwrap();
        assert_eq!(meta.meta.metadata().num_row_groups(), 4);
    }

    const ROWS: &str = "master_id,order_channel,last_order_channel,first_order_date,last_order_date,last_order_date_online,last_order_date_offline,order_num_total_ever_online,order_num_total_ever_offline,customer_value_total_ever_offline,customer_value_total_ever_online,interested_in_categories_12
a,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4.0,1.0,139.99,799.38,\"[KADIN, ERKEK]\"
b,,Offline,,2021-02-26,,2021-02-26,,1.0,,799.38,[]
c,Mobile,,2020-10-30,,2021-02-21,,4.0,,139.99,,
d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2.0,1.0,10.5,20.25,[KADIN]
";

    #[test]
    fn nulls_are_the_csv_missing_values() {
        let path = temp("nulls.parquet");
        let columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Float64);
        assert_eq!(columns[3].1.null_count(), 1);
        write_typed(&path, &columns, 2);
        let opts = ReadOptions::default();
        let want = csv_frame(ROWS.as_bytes(), &path, &opts).unwrap();
        let got = read_customers(&path, &opts).unwrap();
        assert_same(&got, &want);
        let m = got.missing_values();
        assert_eq!(m.customers, 2);
        assert_eq!(m.lines[0], ("first_order_date", vec![3]));
        assert_eq!(m.lines[1], ("last_order_date", vec![4]));
        assert_eq!(got.order_channel.get(1), None);
        assert_eq!(got.categories.raw(2), "");
        // A null id is an empty id, as the CSV's empty field is.
        let mut cols = columns.clone();
        cols[0].1 = text(&[Some("a"), None, Some("c"), Some("d")]);
        write_typed(&path, &cols, 2);
        let e = read_customers(&path, &opts).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}:3: column master_id: \"\" is an empty id",
                path.display()
            )
        );
    }

    #[test]
    fn missing_columns_named_together_and_bad_types_named() {
        let path = temp("missing.parquet");
        let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
        columns.retain(|(n, _)| n != "master_id" && n != "interested_in_categories_12");
        write_typed(&path, &columns, 10);
        let e = read_customers(&path, &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, FloError::MissingColumns { .. }));
        assert_eq!(
            e.to_string(),
            format!(
                "{}: missing required column(s): master_id, interested_in_categories_12",
                path.display()
            )
        );
        // A list of numbers for a date.
        let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
        let mut b = ListBuilder::new(StringBuilder::new());
        for _ in 0..4 {
            b.values().append_value("2021-01-01");
            b.append(true);
        }
        columns[4].1 = Arc::new(b.finish());
        write_typed(&path, &columns, 10);
        let e = read_customers(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!(
                "{}:1: column \"last_order_date\" has Arrow type List(",
                path.display()
            )),
            "{e}"
        );
        assert!(e.ends_with("which cannot be read as dates"), "{e}");
        // Booleans for a count.
        let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
        columns[7].1 = Arc::new(BooleanArray::from(vec![true; 4]));
        write_typed(&path, &columns, 10);
        let e = read_customers(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("column \"order_num_total_ever_online\" has Arrow type Boolean, which cannot be read as numbers"), "{e}");
    }

    #[test]
    fn bad_values_raise_or_skip_as_in_the_csv() {
        let bad = ROWS
            .replace(
                "d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2.0",
                "d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,-2.0",
            )
            .replace(
                "c,Mobile,,2020-10-30,,2021-02-21,,4.0",
                "c,Mobile,,2020-10-30,,2021-02-21,,4.5",
            );
        let path = temp("bad.parquet");
        for counts in [CountAs::Float64, CountAs::Int64] {
            let columns = match counts {
                CountAs::Float64 => typed(bad.as_bytes(), DateAs::Date32, counts),
                // Whole counts only: the negative one stays.
                CountAs::Int64 => typed(
                    bad.replace(",4.5,", ",4.0,").as_bytes(),
                    DateAs::Date32,
                    counts,
                ),
            };
            let csv = match counts {
                CountAs::Float64 => bad.clone(),
                CountAs::Int64 => bad.replace(",4.5,", ",4.0,"),
            };
            write_typed(&path, &columns, 3);
            for bad_rows in [BadRows::Raise, BadRows::Skip] {
                let opts = ReadOptions {
                    bad_rows,
                    ..Default::default()
                };
                let want = csv_frame(csv.as_bytes(), &path, &opts);
                let got = read_customers(&path, &opts);
                match (got, want) {
                    (Ok(g), Ok(w)) => assert_same(&g, &w),
                    (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
                    (g, w) => panic!("{:?} vs {:?}", g.map(|f| f.len()), w.map(|f| f.len())),
                }
            }
        }
        // The messages themselves.
        let columns = typed(bad.as_bytes(), DateAs::Date32, CountAs::Float64);
        write_typed(&path, &columns, 3);
        let e = read_customers(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!("{}:4: column order_num_total_ever_online: cannot parse \"4.5\" as a whole-number count", path.display())
        );
        let skip = ReadOptions {
            bad_rows: BadRows::Skip,
            ..Default::default()
        };
        let f = read_customers(&path, &skip).unwrap();
        assert_eq!(f.report.rows_read, 4);
        assert_eq!(f.report.skipped.len(), 2);
        assert_eq!(f.report.skipped[1].line, 5);
        assert!(f.report.skipped[1]
            .message
            .ends_with("\"-2\" is a negative count"));
        assert_eq!(f.lines, vec![2, 3]);
        assert_eq!(f.positions, vec![0, 1]);
    }

    #[test]
    fn duplicated_ids_as_in_the_csv() {
        let dup = ROWS.replace("\nd,", "\na,");
        let path = temp("dup.parquet");
        write_typed(
            &path,
            &typed(dup.as_bytes(), DateAs::Text, CountAs::Int64),
            2,
        );
        for (bad_rows, duplicates) in [
            (BadRows::Raise, Duplicates::Error),
            (BadRows::Skip, Duplicates::Error),
            (BadRows::Raise, Duplicates::Merge),
        ] {
            let opts = ReadOptions {
                bad_rows,
                duplicates,
                ..Default::default()
            };
            let want = csv_frame(dup.as_bytes(), &path, &opts);
            let got = read_customers(&path, &opts);
            match (got, want) {
                (Ok(g), Ok(w)) => assert_same(&g, &w),
                (Err(g), Err(w)) => {
                    assert_eq!(g.to_string(), w.to_string());
                    assert!(g
                        .to_string()
                        .contains("is a duplicated id (first seen on line 2)"));
                }
                (g, w) => panic!("{:?} vs {:?}", g.map(|f| f.len()), w.map(|f| f.len())),
            }
        }
    }

    #[test]
    fn other_types_read_as_pandas_prints_them() {
        // Dictionary text, float32 money, zoned timestamps, extra columns of many types. The
        // extra columns' text is what pandas 3.1 / pyarrow 26 print for the same Arrow table
        // (`pd.read_parquet(p).to_csv(index=False)`); an int column with a null is float64 there.
        let path = temp("types.parquet");
        let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
        let channels: DictionaryArray<Int32Type> =
            vec![Some("Mobile"), None, Some("Mobile"), Some("Mobile")]
                .into_iter()
                .collect();
        columns[1].1 = Arc::new(channels);
        columns[9].1 = Arc::new(Float32Array::from(vec![
            Some(139.99f32),
            None,
            Some(139.99),
            Some(10.5),
        ]));
        // 2021-02-25 22:30 UTC is 2021-02-26 01:30 in Istanbul: pandas prints the local time.
        let utc = 1_614_292_200i64;
        assert_eq!(
            utc.div_euclid(86_400),
            parse_date("2021-02-25").unwrap() as i64
        );
        let stamps = TimestampSecondArray::from(vec![Some(utc), Some(utc), None, Some(utc)])
            .with_timezone("Europe/Istanbul");
        columns[4].1 = Arc::new(stamps);
        let fixed = TimestampSecondArray::from(vec![Some(utc), Some(utc), None, Some(utc)])
            .with_timezone("+03:00");
        columns[6].1 = Arc::new(fixed);
        let mut cats = ListBuilder::new(StringBuilder::new());
        for list in [&["KADIN", "ERKEK"][..], &[], &[], &["KADIN"]] {
            for t in list {
                cats.values().append_value(t);
            }
            cats.append(true);
        }
        columns[11].1 = Arc::new(cats.finish());
        let extras: Vec<(&str, ArrayRef)> = vec![
            (
                "n",
                Arc::new(Int64Array::from(vec![Some(1), None, Some(-3), Some(40)])),
            ),
            (
                "x",
                Arc::new(Float64Array::from(vec![
                    Some(2.5),
                    None,
                    Some(1e-5),
                    Some(f64::NAN),
                ])),
            ),
            (
                "flag",
                Arc::new(BooleanArray::from(vec![
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                ])),
            ),
            (
                "day",
                Arc::new(TimestampSecondArray::from(vec![
                    Some(0),
                    Some(86_400),
                    None,
                    Some(172_800),
                ])),
            ),
            (
                "at",
                Arc::new(TimestampMillisecondArray::from(vec![
                    Some(1_500),
                    Some(86_400_000),
                    None,
                    Some(0),
                ])),
            ),
            (
                "zoned",
                Arc::new(
                    TimestampSecondArray::from(vec![Some(utc), None, Some(utc + 1), Some(0)])
                        .with_timezone("Europe/Istanbul"),
                ),
            ),
            (
                "x",
                Arc::new(Float32Array::from(vec![
                    Some(0.1f32),
                    Some(1e20),
                    None,
                    Some(3.0),
                ])),
            ),
            (
                "__index_level_0__",
                Arc::new(Int64Array::from(vec![7, 8, 9, 10])),
            ),
        ];
        let mut cols: Vec<(&str, ArrayRef)> = columns
            .iter()
            .map(|(n, a)| (n.as_str(), a.clone()))
            .collect();
        cols.extend(extras);
        write_with(&path, cols, 3, Compression::SNAPPY);
        let csv = format!(
            "{},n,x,flag,day,at,zoned,x
a,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4,1,139.99,799.38,\"[KADIN, ERKEK]\",1.0,2.5,True,1970-01-01,1970-01-01 00:00:01.500,2021-02-26 01:30:00+03:00,0.1
b,,Offline,,2021-02-26,,2021-02-26,,1,,799.38,[],,,False,1970-01-02,1970-01-02 00:00:00.000,,1e+20
c,Mobile,,2020-10-30,,2021-02-21,,4,,139.99,,[],-3.0,1e-05,,,,2021-02-26 01:30:01+03:00,
d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2,1,10.5,20.25,[KADIN],40.0,,True,1970-01-03,1970-01-01 00:00:00.000,1970-01-01 02:00:00+02:00,3.0
",
            ROWS.lines().next().unwrap()
        );
        let opts = ReadOptions::default();
        let want = csv_frame(csv.as_bytes(), &path, &opts).unwrap();
        let got = read_customers(&path, &opts).unwrap();
        assert_same(&got, &want);
        assert_eq!(
            got.extra_names,
            vec!["n", "x", "flag", "day", "at", "zoned", "x.1"]
        );
        assert_eq!(got.money[0][0], 139.99);
        assert_eq!(got.dates[1][0], parse_date("2021-02-26").unwrap());
    }

    #[test]
    fn small_floats_print_as_numpy_prints_them() {
        // numpy 2 / pandas 3.1's `str` of each value.
        let f32s: [(f32, &str); 10] = [
            (123_456_789.0, "1.2345679e+08"),
            (1e8, "1e+08"),
            (12_345_678.0, "1.2345678e+07"),
            (999_999.0, "999999.0"),
            (1e6, "1e+06"),
            (123_456.7, "123456.7"),
            (1e-4, "1e-04"),
            (1.0001e-4, "0.00010001"),
            (1e-5, "1e-05"),
            (139.99, "139.99"),
        ];
        for (v, want) in f32s {
            let mut out = Vec::new();
            push_numpy_float(v as f64, shortest_f32(v), 1e6, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{v}");
        }
        let f16s: [(f32, &str); 8] = [
            (999.0, "999.0"),
            (1000.0, "1e+03"),
            (2048.0, "2.048e+03"),
            (65504.0, "6.55e+04"),
            (1e-4, "0.0001"),
            (0.1, "0.1"),
            (2.7, "2.7"),
            (999.9, "1e+03"),
        ];
        for (v, want) in f16s {
            let h = F16::from_f32(v);
            let mut out = Vec::new();
            push_numpy_float(h.to_f64(), shortest_f16(h), 1e3, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn integer_columns_print_as_floats_when_they_hold_a_null() {
        let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
        columns[0].1 = Arc::new(Int64Array::from(vec![11, 12, 13, 14]));
        columns.push((
            "k".into(),
            Arc::new(Int64Array::from(vec![Some(5), Some(6), Some(7), None])),
        ));
        columns.push(("m".into(), Arc::new(Int64Array::from(vec![5, 6, 7, 8]))));
        let path = temp("ints.parquet");
        for stats in [EnabledStatistics::Page, EnabledStatistics::None] {
            // Two row groups: the null is in the second, the first prints as floats all the same.
            let batch = RecordBatch::try_from_iter(columns.clone()).unwrap();
            let props = WriterProperties::builder()
                .set_max_row_group_size(2)
                .set_statistics_enabled(stats)
                .build();
            let mut w =
                ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(props))
                    .unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
            let f = read_customers(&path, &ReadOptions::default()).unwrap();
            assert_eq!(
                f.master_id.iter().collect::<Vec<_>>(),
                ["11", "12", "13", "14"]
            );
            assert_eq!(
                f.extra[0].iter().collect::<Vec<_>>(),
                ["5.0", "6.0", "7.0", ""]
            );
            assert_eq!(f.extra[1].iter().collect::<Vec<_>>(), ["5", "6", "7", "8"]);
        }
    }

    #[test]
    fn a_cancelled_read_stops() {
        let bytes = crate::core::synth::sample_bytes(1_000, 4);
        let path = temp("cancel.parquet");
        write_typed(
            &path,
            &typed(&bytes, DateAs::Date32, CountAs::Int64),
            1 << 20,
        );
        let watch = Arc::new(crate::core::watch::Watch::default());
        watch.cancel();
        let opts = ReadOptions {
            progress: Some(watch),
            ..Default::default()
        };
        let e = read_customers(&path, &opts).unwrap_err();
        assert!(matches!(e, FloError::Cancelled { .. }), "{e}");
    }

    #[test]
    fn compressed_files_read() {
        let bytes = crate::core::synth::sample_bytes(2_000, 2);
        let columns = typed(&bytes, DateAs::Date32, CountAs::Int64);
        let opts = ReadOptions::default();
        for (n, c) in [
            Compression::UNCOMPRESSED,
            Compression::GZIP(GzipLevel::default()),
            Compression::ZSTD(ZstdLevel::default()),
        ]
        .into_iter()
        .enumerate()
        {
            let path = temp(&format!("codec_{n}.parquet"));
            let cols = columns
                .iter()
                .map(|(n, a)| (n.as_str(), a.clone()))
                .collect();
            write_with(&path, cols, 700, c);
            let want = csv_frame(&bytes, &path, &opts).unwrap();
            assert_same(&read_customers(&path, &opts).unwrap(), &want);
        }
    }

    #[test]
    fn unreadable_files_say_so() {
        let bytes = crate::core::synth::sample_bytes(2_000, 3);
        let path = temp("whole.parquet");
        write_typed(&path, &typed(&bytes, DateAs::Date32, CountAs::Int64), 500);
        let whole = std::fs::read(&path).unwrap();
        let opts = ReadOptions::default();
        for (n, broken) in [
            whole[..whole.len() / 2].to_vec(),
            b"PAR1 not really".to_vec(),
            // The footer kept, the data pages overwritten.
            {
                let mut b = whole.clone();
                for x in &mut b[4..whole.len() / 2] {
                    *x = 0x55;
                }
                b
            },
        ]
        .into_iter()
        .enumerate()
        {
            let bad = temp(&format!("broken_{n}.parquet"));
            std::fs::write(&bad, broken).unwrap();
            let e = read_customers(&bad, &opts).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "{}:0: is not a readable Parquet file",
                    bad.display()
                )),
                "{e}"
            );
        }
        let gone = temp("no_such_file.parquet");
        let e = read_customers(&gone, &opts).unwrap_err();
        let csv = crate::core::io::schema::customers::read_path(&gone, &opts).unwrap_err();
        assert_eq!(e.to_string(), csv.to_string());
        let folder = std::env::temp_dir();
        let e = read_customers(&folder, &opts).unwrap_err();
        let csv = crate::core::io::schema::customers::read_path(&folder, &opts).unwrap_err();
        assert_eq!(e.to_string(), csv.to_string());
    }

    fn log_columns(order: bool) -> OrderColumns {
        OrderColumns {
            customer: "customer_id".into(),
            datetime: "date".into(),
            amount: Some("amount".into()),
            channel: Some("channel".into()),
            order: order.then(|| "order".into()),
        }
    }

    fn assert_same_log(a: &OrderLog, b: &OrderLog) {
        assert_eq!(a.source, b.source);
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.customer, b.customer);
        assert_eq!(a.time, b.time);
        assert_eq!(bits(&a.amount), bits(&b.amount));
        assert_eq!(a.side, b.side);
        assert_eq!(a.channel.codes, b.channel.codes);
        assert_eq!(a.channel.levels, b.channel.levels);
        assert_eq!(a.order, b.order);
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.report, b.report);
        assert_eq!(a.has_amount, b.has_amount);
    }

    #[test]
    fn logs_read_as_their_csv() {
        let mut bytes = Vec::new();
        crate::core::synth::write_transactions(&mut bytes, 30_000, 9).unwrap();
        let (_, cols) = csv_columns(&bytes);
        let refs = |k: usize| cols[k].iter().map(|v| v.as_deref()).collect::<Vec<_>>();
        let n = cols[0].len();
        // Times of day, so the seconds count; an order id shared by neighbouring lines.
        let seconds: Vec<i64> = refs(1)
            .iter()
            .enumerate()
            .map(|(i, d)| {
                parse_date(d.unwrap()).unwrap() as i64 * 86_400 + (i as i64 * 7_919) % 86_400
            })
            .collect();
        let orders: Vec<i64> = (0..n as i64).map(|i| i / 2).collect();
        let mut csv = String::from("customer_id,date,amount,channel,order\n");
        let fields = |k: usize, i: usize| cols[k][i].clone().unwrap_or_default();
        for i in 0..n {
            let (s, t) = (seconds[i].div_euclid(86_400), seconds[i].rem_euclid(86_400));
            let mut day = Vec::new();
            push_date(s as i32, &mut day);
            csv.push_str(&format!(
                "{},{} {:02}:{:02}:{:02},{},{},{}\n",
                fields(0, i),
                String::from_utf8(day).unwrap(),
                t / 3600,
                t / 60 % 60,
                t % 60,
                fields(2, i),
                fields(3, i),
                orders[i]
            ));
        }
        let channel: DictionaryArray<Int32Type> = refs(3).into_iter().collect();
        let amounts: Vec<Option<f64>> = refs(2)
            .iter()
            .map(|v| v.map(|s| s.parse().unwrap()))
            .collect();
        let path = temp("log.parquet");
        write_with(
            &path,
            vec![
                ("customer_id", text(&refs(0))),
                (
                    "date",
                    Arc::new(TimestampSecondArray::from(seconds.clone())),
                ),
                ("amount", Arc::new(Float64Array::from(amounts))),
                ("channel", Arc::new(channel)),
                ("order", Arc::new(Int64Array::from(orders))),
            ],
            7_000,
            Compression::SNAPPY,
        );
        let source = path.display().to_string();
        let online = vec!["Mobile".to_string(), "Android App".to_string()];
        let offline = vec!["Offline".to_string()];
        for order in [false, true] {
            let cols = log_columns(order);
            let want = read_log_bytes(
                csv.as_bytes(),
                &source,
                &cols,
                None,
                &online,
                &offline,
                BadRows::Raise,
            )
            .unwrap();
            for unit in [None, Some(1_000), Some(4_321)] {
                let got =
                    read_orders_in(&path, &cols, &online, &offline, BadRows::Raise, unit).unwrap();
                assert_same_log(&got, &want);
            }
            assert_eq!(want.report.rows_read, n as u64);
        }
        // Dates alone, as Date32 and as text.
        let mut day_csv = String::from("customer_id,date,amount,channel\n");
        for i in 0..n {
            day_csv.push_str(&format!(
                "{},{},{},{}\n",
                fields(0, i),
                fields(1, i),
                fields(2, i),
                fields(3, i)
            ));
        }
        let want = read_log_bytes(
            day_csv.as_bytes(),
            &source,
            &log_columns(false),
            None,
            &online,
            &offline,
            BadRows::Raise,
        )
        .unwrap();
        let days: Date32Array = refs(1)
            .iter()
            .map(|v| v.map(|s| parse_date(s).unwrap()))
            .collect();
        for date in [Arc::new(days) as ArrayRef, text(&refs(1))] {
            write_with(
                &path,
                vec![
                    ("channel", text(&refs(3))),
                    ("customer_id", text(&refs(0))),
                    ("date", date),
                    ("amount", text(&refs(2))),
                ],
                10_000,
                Compression::SNAPPY,
            );
            let got = read_orders(
                &path,
                &log_columns(false),
                &online,
                &offline,
                BadRows::Raise,
            )
            .unwrap();
            assert_same_log(&got, &want);
        }
    }

    #[test]
    fn log_bad_lines_and_missing_columns_as_in_the_csv() {
        let csv = "customer_id,date,amount,channel\nc1,2021-01-01,10.5,Web\n,2021-01-02,1,Web\nc2,,2,Web\nc1,2021-01-03,,Web\nc3,2021-01-04,3,\nc4,10000-01-01,1,Web\nc5,2021-01-05,inf,Web\n";
        let (_, cols) = csv_columns(csv.as_bytes());
        let refs = |k: usize| cols[k].iter().map(|v| v.as_deref()).collect::<Vec<_>>();
        // 10000-01-01 is day 2_932_897, one past the last four-digit year.
        let days: Date32Array = refs(1)
            .iter()
            .map(|v| v.map(|s| parse_date(s).unwrap_or(2_932_897)))
            .collect();
        let amounts: Float64Array = refs(2)
            .iter()
            .map(|v| v.map(|s| s.parse::<f64>().unwrap()))
            .collect();
        let path = temp("badlog.parquet");
        write_with(
            &path,
            vec![
                ("customer_id", text(&refs(0))),
                ("date", Arc::new(days)),
                ("amount", Arc::new(amounts)),
                ("channel", text(&refs(3))),
            ],
            2,
            Compression::SNAPPY,
        );
        let source = path.display().to_string();
        let cols = log_columns(false);
        for bad_rows in [BadRows::Raise, BadRows::Skip] {
            let want = read_log_bytes(csv.as_bytes(), &source, &cols, None, &[], &[], bad_rows);
            let got = read_orders(&path, &cols, &[], &[], bad_rows);
            match (got, want) {
                (Ok(g), Ok(w)) => {
                    assert_same_log(&g, &w);
                    assert_eq!(g.report.skipped.len(), 5);
                }
                (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
                (g, w) => panic!("{:?} vs {:?}", g.map(|t| t.lines), w.map(|t| t.lines)),
            }
        }
        let e = read_orders(&path, &log_columns(true), &[], &[], BadRows::Raise).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{source}: missing required column(s): order")
        );
    }
}
