//! Free functions: the exact numerics on plain arrays, the sample generator, the segment map.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::errors::{choice, run, to_py};
use crate::core::clv::prepare::thresholds_of;
use crate::core::error::FloError;
use crate::core::io::write::{push_float, write_atomically, write_ids, Format};
use crate::core::numeric::quantile::{
    self, cut_codes, cut_probabilities, edges, order_positions, qcut, rank_edges, rank_first,
    unique_edges, DuplicateEdges,
};
use crate::core::numeric::select;
use crate::core::numeric::stats::{describe, resume_group_sums, GroupState};
use crate::core::numeric::versions;
use crate::core::rfm::scores::{self, analysis_date_after};
use crate::core::rfm::segments::SegmentMap;
use crate::core::rfm::summary::top_n;
use crate::core::synth::{sample_bytes, write_sample};
use crate::core::table::columns::StrColumn;

type F64Array<'py> = Bound<'py, PyArray1<f64>>;
/// A sparse histogram: its codes and their counts.
type KeysUnder<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<i64>>,
    Vec<bool>,
);

/// `pd.qcut(values, probabilities, labels=False)`: (codes with -1 for null, edges).
#[pyfunction]
#[pyo3(signature = (values, q=None, probabilities=None, duplicates="raise"))]
fn qcut_codes<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    q: Option<usize>,
    probabilities: Option<Vec<f64>>,
    duplicates: &str,
) -> PyResult<(Bound<'py, PyArray1<i64>>, F64Array<'py>)> {
    let duplicates = choice::<DuplicateEdges>(duplicates)?;
    let probabilities = cut_probabilities(q, probabilities).map_err(to_py)?;
    let values = values.as_slice()?;
    let cut = run(py, || qcut(values, &probabilities, duplicates, "values"))?;
    Ok((
        PyArray1::from_iter(py, cut.codes.iter().map(|&c| c as i64)),
        PyArray1::from_vec(py, cut.edges),
    ))
}

/// The probabilities of a cut (`q` bins or given) and the order statistics (0-based) the
/// quantiles of `n` values read: what a distributed run must select exactly.
#[pyfunction]
#[pyo3(signature = (n, q=None, probabilities=None))]
fn quantile_plan(
    n: usize,
    q: Option<usize>,
    probabilities: Option<Vec<f64>>,
) -> PyResult<(Vec<f64>, Vec<usize>)> {
    let probabilities = cut_probabilities(q, probabilities).map_err(to_py)?;
    let positions = order_positions(n, &probabilities);
    Ok((probabilities, positions))
}

/// The quantiles of `n` values from their order statistics at `positions` (as
/// `quantile_plan` lists them): identical to `quantiles` on all the values.
#[pyfunction]
fn quantiles_from_order_stats(
    n: usize,
    probabilities: Vec<f64>,
    positions: Vec<usize>,
    values: Vec<f64>,
) -> PyResult<Vec<f64>> {
    quantile::quantiles_from_order_stats(n, &probabilities, &positions, &values).map_err(to_py)
}

/// Bin edges made unique by pandas' rule (`duplicates`), or `BinEdgesError` naming `what`.
#[pyfunction]
#[pyo3(signature = (edges, duplicates="raise", what="values"))]
fn unique_bin_edges(edges: Vec<f64>, duplicates: &str, what: &str) -> PyResult<Vec<f64>> {
    unique_edges(edges, choice::<DuplicateEdges>(duplicates)?, what).map_err(to_py)
}

/// The edges `qcut` of the ranks 1..=m uses (before `unique_bin_edges`).
#[pyfunction]
fn rank_bin_edges(m: usize, probabilities: Vec<f64>) -> PyResult<Vec<f64>> {
    Ok(rank_edges(m, &probabilities))
}

/// pandas' right-closed bin of each value by `edges` (-1 outside or null).
#[pyfunction]
fn cut_by_edges<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    edges: Vec<f64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let values = values.as_slice()?;
    let codes = py.detach(|| cut_codes(values, &edges));
    Ok(PyArray1::from_iter(py, codes.into_iter().map(i64::from)))
}

/// The CLTV study's outlier thresholds `(low, up)` from the 0.01 and 0.99 quantiles.
#[pyfunction]
fn outlier_thresholds_of(q1: f64, q3: f64) -> (f64, f64) {
    thresholds_of(q1, q3)
}

/// Running per-group Kahan sums `(counts, sums, compensations)` with more rows added in order
/// (`groups[i]` = -1 leaves row i out): pandas' `groupby().mean()` of a table split in parts.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn continue_group_sums(
    groups: PyReadonlyArray1<'_, i64>,
    values: PyReadonlyArray1<'_, f64>,
    state: (Vec<u64>, Vec<f64>, Vec<f64>),
) -> PyResult<(Vec<u64>, Vec<f64>, Vec<f64>)> {
    let (counts, sums, compensations) = state;
    let state = GroupState {
        counts,
        sums,
        compensations,
    };
    let s = resume_group_sums(state, groups.as_slice()?, values.as_slice()?).map_err(to_py)?;
    Ok((s.counts, s.sums, s.compensations))
}

/// One partition's keys under `prefixes` in a selection round (`select::keys_under`; `cap = 0`
/// in the first): the next digit's counts of the prefixes not settled, then the rows, keys and
/// counts of those settled, and which were.
#[pyfunction]
fn keys_under<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    prefixes: Vec<u64>,
    known: u32,
    digit: u32,
    cap: usize,
) -> PyResult<KeysUnder<'py>> {
    if known + digit > 64 || digit >= 32 {
        return Err(to_py(FloError::invalid(format!(
            "{known} known bits and a {digit}-bit digit do not fit a 64-bit key"
        ))));
    }
    let values = values.as_slice()?;
    let u = py.detach(|| select::keys_under(values, &prefixes, known, digit, cap));
    Ok((
        PyArray1::from_vec(py, u.codes),
        PyArray1::from_vec(py, u.counts),
        PyArray1::from_vec(py, u.rows),
        PyArray1::from_vec(py, u.keys),
        PyArray1::from_vec(py, u.key_counts),
        u.settled,
    ))
}

/// numpy's linear quantiles of the non-null values.
#[pyfunction]
fn quantiles<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    probabilities: Vec<f64>,
) -> PyResult<F64Array<'py>> {
    let values = values.as_slice()?;
    let out = py.detach(|| edges(values, &probabilities));
    Ok(PyArray1::from_vec(py, out))
}

/// The probabilities the scores cut at: `q` bins or the given ones (pandas' error for `q = 0`).
#[pyfunction]
#[pyo3(signature = (q, probabilities=None))]
fn score_probabilities(q: usize, probabilities: Option<Vec<f64>>) -> PyResult<Vec<f64>> {
    scores::score_probabilities(q, probabilities).map_err(to_py)
}

/// Follow these pandas and numpy versions' rules (`(major, minor)` each) from now on: the
/// package calls it once at import with the installed ones.
#[pyfunction]
fn set_versions(pandas: (u32, u32), numpy: (u32, u32)) -> PyResult<()> {
    versions::set_versions(pandas, numpy).map_err(to_py)
}

/// The pandas and numpy versions whose rules the core follows.
#[pyfunction]
fn rule_versions() -> ((u32, u32), (u32, u32)) {
    versions::versions()
}

/// The default analysis date (days since 1970-01-01) after the latest `last_order_date` of
/// all the parts of a table.
#[pyfunction]
fn default_analysis_date(latest: Option<i32>) -> PyResult<i32> {
    analysis_date_after(latest).map_err(to_py)
}

/// `Series.rank(method="first")`.
#[pyfunction]
fn rank_first_array<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
) -> PyResult<F64Array<'py>> {
    let values = values.as_slice()?;
    let out = py.detach(|| rank_first(values));
    Ok(PyArray1::from_vec(py, out))
}

/// pandas `describe()` numbers of one column: count, mean, std, min, 25%, 50%, 75%, max.
#[pyfunction]
fn describe_array(py: Python<'_>, values: PyReadonlyArray1<'_, f64>) -> PyResult<[f64; 8]> {
    let values = values.as_slice()?;
    Ok(py.detach(|| describe(values)))
}

/// Row numbers of the n largest values, largest first, ties in input order.
#[pyfunction]
fn top_n_rows<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    n: usize,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let values = values.as_slice()?;
    let rows = py.detach(|| top_n(values, n));
    Ok(PyArray1::from_iter(py, rows.into_iter().map(|r| r as u64)))
}

/// `Series.replace(dict(rules), regex=True)` on each text.
#[pyfunction]
fn apply_segment_map(
    py: Python<'_>,
    rules: Vec<(String, String)>,
    texts: Vec<String>,
) -> PyResult<Vec<String>> {
    let map = SegmentMap::new(&rules).map_err(to_py)?;
    Ok(py.detach(|| texts.iter().map(|t| map.apply(t)).collect()))
}

#[pyfunction]
fn sample_csv_bytes(py: Python<'_>, customers: usize, seed: u64) -> PyResult<Vec<u8>> {
    Ok(py.detach(|| sample_bytes(customers, seed)))
}

/// Each float as the CSV writer writes it (Python's `repr`; NaN as an empty cell): for tests.
#[pyfunction]
fn float_cells(values: PyReadonlyArray1<'_, f64>) -> PyResult<Vec<String>> {
    let mut buf = Vec::new();
    values
        .as_slice()?
        .iter()
        .map(|&v| {
            buf.clear();
            push_float(v, &mut buf);
            Ok(String::from_utf8_lossy(&buf).into_owned())
        })
        .collect()
}

/// Writes `data` to `path` atomically (the core's one writer), refusing any of `inputs`.
#[pyfunction]
#[pyo3(signature = (path, data, inputs=vec![]))]
fn write_file(
    py: Python<'_>,
    path: std::path::PathBuf,
    data: &[u8],
    inputs: Vec<std::path::PathBuf>,
) -> PyResult<()> {
    let inputs: Vec<&std::path::Path> = inputs.iter().map(|p| p.as_path()).collect();
    run(py, || {
        write_atomically(&path, &inputs, |w| std::io::Write::write_all(w, data))
    })
}

/// Writes the sample to `path` through a temporary file and a rename.
#[pyfunction]
fn write_sample_csv(
    py: Python<'_>,
    path: std::path::PathBuf,
    customers: usize,
    seed: u64,
) -> PyResult<()> {
    run(py, || {
        write_atomically(&path, &[], |w| write_sample(w, customers, seed))
    })
}

/// Writes `ids` under `header` to `path`, one per line, atomically.
#[pyfunction]
fn write_id_list(
    py: Python<'_>,
    ids: Vec<String>,
    path: std::path::PathBuf,
    header: &str,
) -> PyResult<()> {
    let mut column = StrColumn::with_capacity(ids.len(), ids.iter().map(String::len).sum());
    for id in &ids {
        column.push(id);
    }
    let rows: Vec<usize> = (0..ids.len()).collect();
    run(py, || {
        write_ids(&path, &[], header, &column, &rows, Format::Csv)
    })
}

/// Writes a synthetic order log of `lines` lines to `path` (temporary file, then rename).
#[pyfunction]
fn write_order_log_csv(
    py: Python<'_>,
    path: std::path::PathBuf,
    lines: usize,
    seed: u64,
) -> PyResult<()> {
    run(py, || {
        write_atomically(&path, &[], |w| {
            crate::core::synth::write_order_log(w, lines, seed)
        })
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "OUTLIER_QUANTILES",
        crate::core::clv::prepare::OUTLIER_QUANTILES.to_vec(),
    )?;
    m.add_function(wrap_pyfunction!(default_analysis_date, m)?)?;
    m.add_function(wrap_pyfunction!(score_probabilities, m)?)?;
    m.add_function(wrap_pyfunction!(set_versions, m)?)?;
    m.add_function(wrap_pyfunction!(rule_versions, m)?)?;
    m.add_function(wrap_pyfunction!(float_cells, m)?)?;
    m.add_function(wrap_pyfunction!(write_file, m)?)?;
    m.add_function(wrap_pyfunction!(quantile_plan, m)?)?;
    m.add_function(wrap_pyfunction!(continue_group_sums, m)?)?;
    m.add_function(wrap_pyfunction!(keys_under, m)?)?;
    m.add_function(wrap_pyfunction!(quantiles_from_order_stats, m)?)?;
    m.add_function(wrap_pyfunction!(unique_bin_edges, m)?)?;
    m.add_function(wrap_pyfunction!(rank_bin_edges, m)?)?;
    m.add_function(wrap_pyfunction!(cut_by_edges, m)?)?;
    m.add_function(wrap_pyfunction!(outlier_thresholds_of, m)?)?;
    m.add_function(wrap_pyfunction!(qcut_codes, m)?)?;
    m.add_function(wrap_pyfunction!(quantiles, m)?)?;
    m.add_function(wrap_pyfunction!(rank_first_array, m)?)?;
    m.add_function(wrap_pyfunction!(describe_array, m)?)?;
    m.add_function(wrap_pyfunction!(top_n_rows, m)?)?;
    m.add_function(wrap_pyfunction!(apply_segment_map, m)?)?;
    m.add_function(wrap_pyfunction!(sample_csv_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(write_sample_csv, m)?)?;
    m.add_function(wrap_pyfunction!(write_id_list, m)?)?;
    m.add_function(wrap_pyfunction!(write_order_log_csv, m)?)?;
    Ok(())
}
