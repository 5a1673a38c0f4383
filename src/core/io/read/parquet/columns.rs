//! The columns of a Parquet file as the readers see them: pandas' index columns (not data),
//! what each column is read as (`Role`) and whether its Arrow type allows it, and how each
//! column's values print as text, decided over the whole column as pandas decides it.

use arrow_array::timezone::Tz;
use arrow_array::Array;
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::print::Print;
use super::stamps::{fraction_digits, stamp_values, Clock, Stamp};
use super::{unreadable, ParquetFile};
use crate::core::error::{FloError, Result};
use crate::core::io::read::open_file;

/// `DataFrame.to_parquet`'s column for an unnamed index (`to_csv(index=False)` drops it).
pub(super) fn is_pandas_index(name: &str) -> bool {
    name.strip_prefix("__index_level_")
        .and_then(|r| r.strip_suffix("__"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What a column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
pub(super) fn check_column(source: &str, name: &str, dt: &DataType, role: Role) -> Result<()> {
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

/// How each of the columns `roots` (fields of the file) prints as text, deciding over the whole
/// column as pandas does: an integer column with a null anywhere prints as floats; a timestamp
/// column as dates alone when all its values are at midnight (naive ones only), else with the
/// finest fraction any value needs. Null counts come from the row groups' statistics when every
/// group has them; the other columns that need it are read once ahead.
pub(super) fn prints(file: &ParquetFile<'_>, roots: &[usize]) -> Result<Vec<Print>> {
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
