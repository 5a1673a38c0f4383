//! The one writer of output files: pandas-exact CSV formatting, formula-safe cells, parallel
//! formatting, atomic replacement, and never over an input.

mod arrow;
mod atomic;
mod csv;
mod parquet;
mod text;

pub use atomic::{check_not_input, write_atomically};
pub use csv::{write_csv, Codes, Column, Table};
pub use parquet::write_parquet;
pub use text::{push_date, push_float};

use std::path::Path;

use crate::core::error::{FloError, Result};
use crate::core::table::columns::StrColumn;

/// The file formats tables are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// pandas' `to_csv` bytes, formula cells neutralised.
    Csv,
    /// Parquet with Snappy compression, raw values.
    Parquet,
}

impl Format {
    /// `"csv"` or `"parquet"`.
    pub fn parse(name: &str) -> Result<Format> {
        match name {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            _ => Err(FloError::invalid(format!(
                "format must be \"csv\" or \"parquet\", got {name:?}"
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// Writes `table` to `path` in this format, atomically, never over any of `inputs`.
    pub fn write(self, path: &Path, inputs: &[&Path], table: &Table<'_>) -> Result<()> {
        match self {
            Format::Csv => write_csv(path, inputs, table),
            Format::Parquet => write_parquet(path, inputs, table),
        }
    }
}

/// The ids of `rows` under `header`; as CSV one per line, as pandas'
/// `Series.to_csv(index=False)` writes them.
pub fn write_ids(
    path: &Path,
    inputs: &[&Path],
    header: &str,
    ids: &StrColumn,
    rows: &[usize],
    format: Format,
) -> Result<()> {
    let table = Table::new(vec![(header.to_string(), Column::text_at(ids, rows))]);
    format.write(path, inputs, &table)
}
