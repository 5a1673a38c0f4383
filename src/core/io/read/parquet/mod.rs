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
//!
//! Here: the entry points, the open file and the units of rows it is read in. `columns`: what
//! each column is read as and how it prints; `print` and `stamps`: values as pandas' text;
//! `parsed`: date, count and money columns; `customers` and `orders`: the two readers.

mod columns;
mod customers;
mod orders;
mod parsed;
mod print;
mod stamps;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;

use crate::core::error::{FloError, Result};
use crate::core::io::read::open_file;
use crate::core::io::schema::customers::ReadOptions;
use crate::core::io::schema::orders::OrderOptions;
use crate::core::table::customers::CustomerFrame;
use crate::core::table::orders::OrderLog;

use customers::read_customers_in;
use orders::read_orders_in;

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
