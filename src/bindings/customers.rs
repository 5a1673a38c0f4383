//! The customer table as a Python object: readers in, typed columns out.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::arrow::{reduce, Reduced};
use super::cltv::{Cltv, CltvFrame};
use super::errors::{choice, run, to_py};
use super::progress::Progress;
use super::rfm::{naming, Rfm};
use crate::core::clv::prepare::{cltv_frame, FrequencyDefinition};
use crate::core::clv::study::{cltv_study, CltvOptions};
use crate::core::io::write::{write_ids, Format};
use crate::core::numeric::quantile::{Cut, DuplicateEdges};
use crate::core::rfm::scheme::Scheme;
use crate::core::rfm::scores::{metrics, ScoreOptions, Scores};
use crate::core::rfm::study::prepared_columns;
use crate::core::rfm::summary::channel_summary;
use crate::core::rfm::table::{rfm_table, rfm_table_from, RfmConfig};
use crate::core::table::customers::CustomerFrame;

#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Frame {
    pub inner: Arc<CustomerFrame>,
}

type F64Array<'py> = Bound<'py, PyArray1<f64>>;
type I64Array<'py> = Bound<'py, PyArray1<i64>>;

fn codes_array<'py>(py: Python<'py>, codes: &[u32]) -> I64Array<'py> {
    PyArray1::from_iter(
        py,
        codes
            .iter()
            .map(|&c| if c == u32::MAX { -1 } else { c as i64 }),
    )
}

#[pymethods]
impl Frame {
    /// Pickles as the core's own bytes: unpickling does not parse the input again.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        reduce(py, "frame_from_bytes", || self.inner.to_bytes())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    #[getter]
    fn source(&self) -> &str {
        &self.inner.source
    }

    /// The prepared table (dates parsed, with the two totals) as an Arrow C stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        super::arrow::stream(py, &prepared_columns(&self.inner))
    }

    fn master_id(&self) -> Vec<&str> {
        self.inner.master_id.iter().collect()
    }

    /// The ids of the given rows.
    fn ids_at(&self, rows: PyReadonlyArray1<'_, u64>) -> PyResult<Vec<&str>> {
        let rows = self.inner.rows(rows.as_slice()?).map_err(to_py)?;
        Ok(rows.iter().map(|&r| self.inner.master_id.get(r)).collect())
    }

    /// Writes the ids of the given rows under a `master_id` header to `path`, atomically.
    fn write_ids(
        &self,
        py: Python<'_>,
        rows: PyReadonlyArray1<'_, u64>,
        path: PathBuf,
    ) -> PyResult<()> {
        let rows = self.inner.rows(rows.as_slice()?).map_err(to_py)?;
        let ids = &self.inner.master_id;
        let input = std::path::PathBuf::from(&self.inner.source);
        run(py, || {
            write_ids(&path, &[&input], "master_id", ids, &rows, Format::Csv)
        })
    }

    /// (codes with -1 for null, levels) of `order_channel` or `last_order_channel`.
    fn channel<'py>(&self, py: Python<'py>, name: &str) -> PyResult<(I64Array<'py>, Vec<String>)> {
        let col = self.inner.channel(name).map_err(to_py)?;
        Ok((codes_array(py, &col.codes), col.levels.clone()))
    }

    /// The four date columns as days since 1970-01-01 (i32::MIN for missing).
    fn dates<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<i32>>> {
        self.inner
            .dates
            .iter()
            .map(|d| PyArray1::from_slice(py, d))
            .collect()
    }

    fn counts<'py>(&self, py: Python<'py>) -> Vec<F64Array<'py>> {
        self.inner
            .counts
            .iter()
            .map(|d| PyArray1::from_slice(py, d))
            .collect()
    }

    fn money<'py>(&self, py: Python<'py>) -> Vec<F64Array<'py>> {
        self.inner
            .money
            .iter()
            .map(|d| PyArray1::from_slice(py, d))
            .collect()
    }

    /// (codes, raw texts of each distinct list, tokens of each distinct list).
    fn categories<'py>(&self, py: Python<'py>) -> (I64Array<'py>, Vec<String>, Vec<Vec<String>>) {
        let c = &self.inner.categories;
        let raw = c.sets.iter().map(|s| s.raw.clone()).collect();
        let tokens = c
            .sets
            .iter()
            .map(|s| {
                s.tokens
                    .iter()
                    .map(|&t| c.vocabulary[t as usize].clone())
                    .collect()
            })
            .collect();
        (codes_array(py, &c.codes), raw, tokens)
    }

    /// The names of the columns beyond the required ones.
    fn extra_names(&self) -> Vec<String> {
        self.inner.extra_names.clone()
    }

    fn extra(&self) -> Vec<(String, Vec<&str>)> {
        self.inner
            .extra_names
            .iter()
            .zip(&self.inner.extra)
            .map(|(n, c)| (n.clone(), c.iter().collect()))
            .collect()
    }

    fn lines<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_slice(py, &self.inner.lines)
    }

    fn positions<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_slice(py, &self.inner.positions)
    }

    /// (rows read, [(line, message) of skipped rows], duplicates merged).
    fn report(&self) -> (u64, Vec<(u64, String)>, u64) {
        let r = &self.inner.report;
        (r.rows_read, super::errors::skipped_rows(r), r.merged)
    }

    /// The missing values of the columns the studies read: ([(column, lines)], customers).
    #[allow(clippy::type_complexity)]
    fn missing<'py>(
        &self,
        py: Python<'py>,
    ) -> (Vec<(&'static str, Bound<'py, PyArray1<u64>>)>, u64) {
        let m = py.detach(|| self.inner.missing_values());
        let lines = m
            .lines
            .iter()
            .map(|(c, l)| (*c, PyArray1::from_slice(py, l)))
            .collect();
        (lines, m.customers)
    }

    /// Raises `MissingValuesError` naming the first missing value (`on_missing="raise"`).
    fn check_no_missing(&self, py: Python<'_>) -> PyResult<()> {
        super::errors::run(py, || self.inner.check_no_missing())
    }

    /// Customers, orders and spend per `order_channel`, channels sorted by name.
    fn channel_breakdown(&self, py: Python<'_>) -> ChannelSummary {
        let s = py.detach(|| channel_summary(&self.inner));
        ChannelSummary {
            orders_mean: s.orders.mean(),
            spend_mean: s.spend.mean(),
            names: s.names,
            customers: s.customers,
            orders_sum: s.orders.sum,
            spend_sum: s.spend.sum,
        }
    }

    /// Metrics, scores and segments in one pass; see `flo_rfm.rfm` for the arguments.
    #[pyo3(signature = (analysis_date=None, q=5, probabilities=None, duplicates="raise", labels=None, segment_map=None, segment_on="RF_SCORE"))]
    #[allow(clippy::too_many_arguments)]
    fn rfm(
        &self,
        py: Python<'_>,
        analysis_date: Option<i32>,
        q: usize,
        probabilities: Option<Vec<f64>>,
        duplicates: &str,
        labels: Option<[Vec<String>; 3]>,
        segment_map: Option<Vec<(String, String)>>,
        segment_on: &str,
    ) -> PyResult<Rfm> {
        let config = RfmConfig {
            analysis_date,
            scores: ScoreOptions::new(q, probabilities, choice::<DuplicateEdges>(duplicates)?)
                .map_err(to_py)?,
            ..naming(labels, segment_map, segment_on)?
        };
        let frame = Arc::clone(&self.inner);
        let table = run(py, || rfm_table(&frame, &config))?;
        Ok(Rfm {
            frame: Arc::clone(&self.inner),
            inner: table,
        })
    }

    /// The latest `last_order_date` (days since 1970-01-01), if any.
    fn max_last_order_date(&self) -> Option<i32> {
        self.inner.max_last_order_date()
    }

    /// (recency, frequency, monetary) to `analysis_date`, without scores.
    #[allow(clippy::type_complexity)]
    fn rfm_metrics<'py>(
        &self,
        py: Python<'py>,
        analysis_date: i32,
    ) -> PyResult<(F64Array<'py>, F64Array<'py>, F64Array<'py>)> {
        let frame = Arc::clone(&self.inner);
        let m = run(py, || metrics(&frame, Some(analysis_date)))?;
        Ok((
            PyArray1::from_vec(py, m.recency),
            PyArray1::from_vec(py, m.frequency),
            PyArray1::from_vec(py, m.monetary),
        ))
    }

    /// As `rfm`, with the three cuts given (found over more than this frame, as Dask does).
    #[pyo3(signature = (analysis_date, cuts, labels=None, segment_map=None, segment_on="RF_SCORE"))]
    fn rfm_with_cuts(
        &self,
        py: Python<'_>,
        analysis_date: i32,
        cuts: [(PyReadonlyArray1<'_, i64>, Vec<f64>); 3],
        labels: Option<[Vec<String>; 3]>,
        segment_map: Option<Vec<(String, String)>>,
        segment_on: &str,
    ) -> PyResult<Rfm> {
        let n = self.inner.len();
        let given = |(codes, edges): (PyReadonlyArray1<'_, i64>, Vec<f64>)| -> PyResult<Cut> {
            Cut::given(codes.as_slice()?, edges, n).map_err(to_py)
        };
        let [r, f, m] = cuts;
        let (recency, frequency, monetary) = (given(r)?, given(f)?, given(m)?);
        let scores = Scores {
            recency,
            frequency,
            monetary,
        };
        let config = RfmConfig {
            analysis_date: Some(analysis_date),
            ..naming(labels, segment_map, segment_on)?
        };
        let frame = Arc::clone(&self.inner);
        let table = run(py, || {
            rfm_table_from(metrics(&frame, Some(analysis_date))?, scores, &config)
        })?;
        Ok(Rfm {
            frame: Arc::clone(&self.inner),
            inner: table,
        })
    }

    /// As `rfm`, scored by a kept scheme (per metric: thresholds as (value, ties below)).
    #[pyo3(signature = (analysis_date, thresholds, labels=None, segment_map=None, segment_on="RF_SCORE"))]
    fn rfm_with_scheme(
        &self,
        py: Python<'_>,
        analysis_date: Option<i32>,
        thresholds: [Vec<(f64, Option<u64>)>; 3],
        labels: Option<[Vec<String>; 3]>,
        segment_map: Option<Vec<(String, String)>>,
        segment_on: &str,
    ) -> PyResult<Rfm> {
        let scheme = Scheme::from_parts(&thresholds).map_err(to_py)?;
        let config = RfmConfig {
            analysis_date,
            ..naming(labels, segment_map, segment_on)?
        };
        let frame = Arc::clone(&self.inner);
        let table = run(py, || {
            let metrics = metrics(&frame, analysis_date)?;
            let scores = scheme.scores(&metrics);
            rfm_table_from(metrics, scores, &config)
        })?;
        Ok(Rfm {
            frame: Arc::clone(&self.inner),
            inner: table,
        })
    }

    /// The whole CLTV study; see `flo_rfm.cltv` for the arguments.
    #[pyo3(signature = (analysis_date=None, repeat_orders=false, bg_penalizer=0.001, gg_penalizer=0.01, months=6, discount_rate=0.01, segments=4, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn cltv_study(
        &self,
        py: Python<'_>,
        analysis_date: Option<i32>,
        repeat_orders: bool,
        bg_penalizer: f64,
        gg_penalizer: f64,
        months: usize,
        discount_rate: f64,
        segments: usize,
        progress: Option<&Progress>,
    ) -> PyResult<Cltv> {
        let options = CltvOptions {
            analysis_date,
            frequency: if repeat_orders {
                FrequencyDefinition::RepeatOrders
            } else {
                FrequencyDefinition::Orders
            },
            bg_penalizer,
            gg_penalizer,
            months,
            discount_rate,
            segments,
            watch: progress.map(|p| Arc::clone(&p.watch)),
        };
        let frame = Arc::clone(&self.inner);
        let study = run(py, || cltv_study(&frame, &options))?;
        Ok(Cltv {
            frame,
            inner: study,
        })
    }

    /// The CLTV study's frame: the customers kept, their weekly times, frequency and average
    /// order value, and the capping thresholds used.
    #[pyo3(signature = (analysis_date=None, repeat_orders=false, thresholds=None))]
    fn cltv_frame(
        &self,
        py: Python<'_>,
        analysis_date: Option<i32>,
        repeat_orders: bool,
        thresholds: Option<Vec<(f64, f64)>>,
    ) -> PyResult<CltvFrame> {
        let definition = if repeat_orders {
            FrequencyDefinition::RepeatOrders
        } else {
            FrequencyDefinition::Orders
        };
        let frame = Arc::clone(&self.inner);
        let c = run(py, || {
            cltv_frame(&frame, analysis_date, definition, thresholds.as_deref())
        })?;
        Ok(CltvFrame {
            analysis_date: c.analysis_date,
            rows: PyArray1::from_iter(py, c.rows.iter().map(|&r| r as u64)).unbind(),
            recency_weekly: PyArray1::from_vec(py, c.recency_weekly).unbind(),
            t_weekly: PyArray1::from_vec(py, c.t_weekly).unbind(),
            frequency: PyArray1::from_vec(py, c.frequency).unbind(),
            monetary_avg: PyArray1::from_vec(py, c.monetary_avg).unbind(),
            thresholds: c.thresholds,
        })
    }
}

/// Customers, orders and spend per `order_channel` (channels sorted by name).
#[pyclass(frozen, get_all, module = "flo_rfm._flo_rfm")]
pub struct ChannelSummary {
    names: Vec<String>,
    customers: Vec<u64>,
    orders_sum: Vec<f64>,
    orders_mean: Vec<f64>,
    spend_sum: Vec<f64>,
    spend_mean: Vec<f64>,
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ChannelSummary>()?;
    Ok(())
}
