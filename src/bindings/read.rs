//! Reading customer tables: files (CSV in any compression or encoding, Parquet), bytes, and
//! columns already in memory (a pandas DataFrame's), and back from pickled bytes.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::customers::Frame;
use super::errors::{choice, run};
use super::progress::Progress;
use crate::core::io::read::engine::delimiter_of;
use crate::core::io::read::range::{count_range, splittable, ByteRange, RangeCounts};
use crate::core::io::schema::customers::{read_from, read_path, read_range, ReadOptions};
use crate::core::io::schema::dataframe::{frame_from_columns, Columns, DateInput, NumberInput};
use crate::core::table::columns::hash_text;
use crate::core::table::customers::{BadRows, CustomerFrame, Duplicates};

fn options(on_bad_rows: &str, duplicates: &str, delimiter: Option<&str>) -> PyResult<ReadOptions> {
    let bad_rows = choice::<BadRows>(on_bad_rows)?;
    let duplicates = choice::<Duplicates>(duplicates)?;
    let delimiter = delimiter_of(delimiter).map_err(super::errors::to_py)?;
    Ok(ReadOptions {
        bad_rows,
        duplicates,
        delimiter,
        progress: None,
        encoding: None,
    })
}

#[pyfunction]
#[pyo3(signature = (path, on_bad_rows="raise", duplicates="raise", delimiter=None, progress=None, encoding=None))]
#[allow(clippy::too_many_arguments)]
fn read_csv(
    py: Python<'_>,
    path: PathBuf,
    on_bad_rows: &str,
    duplicates: &str,
    delimiter: Option<&str>,
    progress: Option<&Progress>,
    encoding: Option<String>,
) -> PyResult<Frame> {
    let mut opts = options(on_bad_rows, duplicates, delimiter)?;
    opts.progress = progress.map(|p| Arc::clone(&p.watch));
    opts.encoding = encoding;
    let frame = run(py, || read_path(&path, &opts))?;
    Ok(Frame {
        inner: Arc::new(frame),
    })
}

#[pyfunction]
#[pyo3(signature = (data, source="<bytes>", on_bad_rows="raise", duplicates="raise", delimiter=None))]
fn read_bytes(
    py: Python<'_>,
    data: Vec<u8>,
    source: &str,
    on_bad_rows: &str,
    duplicates: &str,
    delimiter: Option<&str>,
) -> PyResult<Frame> {
    let opts = options(on_bad_rows, duplicates, delimiter)?;
    let frame = run(py, || read_from(&data[..], source, &opts))?;
    Ok(Frame {
        inner: Arc::new(frame),
    })
}

#[derive(FromPyObject)]
enum DateArg<'py> {
    Days(PyReadonlyArray1<'py, i64>),
    Text(Vec<Option<String>>),
}

#[derive(FromPyObject)]
enum NumberArg<'py> {
    Values(PyReadonlyArray1<'py, f64>),
    Text(Vec<Option<String>>),
}

impl DateArg<'_> {
    fn into_core(self) -> PyResult<DateInput> {
        Ok(match self {
            DateArg::Days(a) => DateInput::Days(
                a.as_slice()?
                    .iter()
                    .map(|&d| d.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
                    .collect(),
            ),
            DateArg::Text(t) => DateInput::Text(t),
        })
    }
}

impl NumberArg<'_> {
    fn into_core(self) -> PyResult<NumberInput> {
        Ok(match self {
            NumberArg::Values(a) => NumberInput::Values(a.as_slice()?.to_vec()),
            NumberArg::Text(t) => NumberInput::Text(t),
        })
    }
}

/// Builds a frame from the columns of a DataFrame, in the order of `REQUIRED_COLUMNS`.
#[pyfunction]
#[pyo3(signature = (source, master_id, order_channel, last_order_channel, dates, counts, money, categories, on_bad_rows="raise", duplicates="raise"))]
#[allow(clippy::too_many_arguments)]
fn from_columns(
    py: Python<'_>,
    source: &str,
    master_id: Vec<Option<String>>,
    order_channel: Vec<Option<String>>,
    last_order_channel: Vec<Option<String>>,
    dates: [DateArg<'_>; 4],
    counts: [NumberArg<'_>; 2],
    money: [NumberArg<'_>; 2],
    categories: Vec<Option<String>>,
    on_bad_rows: &str,
    duplicates: &str,
) -> PyResult<Frame> {
    let opts = options(on_bad_rows, duplicates, None)?;
    let [d0, d1, d2, d3] = dates;
    let [c0, c1] = counts;
    let [m0, m1] = money;
    let cols = Columns {
        master_id,
        order_channel,
        last_order_channel,
        dates: [
            d0.into_core()?,
            d1.into_core()?,
            d2.into_core()?,
            d3.into_core()?,
        ],
        counts: [c0.into_core()?, c1.into_core()?],
        money: [m0.into_core()?, m1.into_core()?],
        categories,
    };
    let frame = run(py, || {
        frame_from_columns(source, &cols, opts.bad_rows, opts.duplicates)
    })?;
    Ok(Frame {
        inner: Arc::new(frame),
    })
}

/// A byte range after ranges whose `count_csv_range` counts are `before`.
pub(super) fn byte_range(start: u64, end: u64, before: &[(bool, u64)]) -> ByteRange {
    let counts: Vec<RangeCounts> = before
        .iter()
        .map(|&(odd_quotes, newlines)| RangeCounts {
            odd_quotes,
            newlines,
        })
        .collect();
    ByteRange::after(start, end, &counts)
}

/// Whether `path` can be read in byte ranges (plain UTF-8 CSV).
#[pyfunction]
fn csv_splittable(py: Python<'_>, path: PathBuf) -> PyResult<bool> {
    run(py, || splittable(&path, None))
}

/// What bytes `[start, end)` of a CSV file hold that later ranges need: `(odd quotes, line feeds)`.
#[pyfunction]
fn count_csv_range(py: Python<'_>, path: PathBuf, start: u64, end: u64) -> PyResult<(bool, u64)> {
    let c = run(py, || count_range(&path, start, end))?;
    Ok((c.odd_quotes, c.newlines))
}

/// The customer rows that start in bytes `[start, end)` of a plain CSV file (a Dask
/// partition), after ranges whose `count_csv_range` counts are `before`; lines numbered in the
/// whole file.
#[pyfunction]
#[pyo3(signature = (path, start, end, before, on_bad_rows="raise", delimiter=None))]
fn read_csv_range(
    py: Python<'_>,
    path: PathBuf,
    start: u64,
    end: u64,
    before: Vec<(bool, u64)>,
    on_bad_rows: &str,
    delimiter: Option<&str>,
) -> PyResult<Frame> {
    let opts = options(on_bad_rows, "raise", delimiter)?;
    let range = byte_range(start, end, &before);
    let frame = run(py, || read_range(&path, &range, &opts))?;
    Ok(Frame {
        inner: Arc::new(frame),
    })
}

/// A 64-bit hash of each id of `frame` (FxHash: the same in every process), to find ids
/// repeated across partitions by moving 8 bytes a customer instead of the ids.
#[pyfunction]
fn frame_id_hashes<'py>(py: Python<'py>, frame: &Frame) -> Bound<'py, PyArray1<u64>> {
    let hashes: Vec<u64> = py.detach(|| frame.inner.master_id.iter().map(hash_text).collect());
    PyArray1::from_vec(py, hashes)
}

/// A customer table from `Frame.__reduce__`'s bytes (unpickling).
#[pyfunction]
fn frame_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Frame> {
    let inner = run(py, || CustomerFrame::from_bytes(data))?;
    Ok(Frame {
        inner: Arc::new(inner),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_csv, m)?)?;
    m.add_function(wrap_pyfunction!(read_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(frame_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(csv_splittable, m)?)?;
    m.add_function(wrap_pyfunction!(count_csv_range, m)?)?;
    m.add_function(wrap_pyfunction!(read_csv_range, m)?)?;
    m.add_function(wrap_pyfunction!(frame_id_hashes, m)?)?;
    Ok(())
}
