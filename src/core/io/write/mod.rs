//! The one writer of output files: pandas-exact CSV formatting, formula-safe cells, parallel
//! formatting, atomic replacement, and never over an input.

mod arrow;
mod atomic;
mod csv;
mod text;

pub use atomic::{check_not_input, write_atomically};
pub use csv::{write_csv, Codes, Column, Table};
pub use text::{is_formula_like, push_date, push_float, push_text_cell};

use std::path::Path;

use super::super::columns::StrColumn;
use super::super::error::Result;

/// Writes `ids` one per line under `header`, as pandas' `Series.to_csv(index=False)`.
pub fn write_ids(
    path: &Path,
    inputs: &[&Path],
    header: &str,
    ids: &StrColumn,
    rows: &[usize],
) -> Result<()> {
    let table = Table::new(vec![(header.to_string(), Column::text_at(ids, rows))]);
    write_csv(path, inputs, &table)
}
