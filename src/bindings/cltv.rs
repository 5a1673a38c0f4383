//! The CLTV study as a Python object: its columns, fits and table file.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::errors::{run, to_py};
use super::models::Fit;
use crate::core::clv::study::{cltv_table, CltvStudy};
use crate::core::io::write::Format;
use crate::core::table::customers::CustomerFrame;

type F64Out<'py> = Bound<'py, PyArray1<f64>>;

#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Cltv {
    pub frame: Arc<CustomerFrame>,
    pub inner: CltvStudy,
}

#[pymethods]
impl Cltv {
    /// The seconds each stage of the study took: `[(stage, seconds)]` in order.
    fn stages(&self) -> Vec<(&'static str, f64)> {
        self.inner.stages.clone()
    }

    #[getter]
    fn analysis_date(&self) -> i32 {
        self.inner.frame.analysis_date
    }

    fn __len__(&self) -> usize {
        self.inner.frame.rows.len()
    }

    /// Row of each customer of the study in the customer table.
    fn rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_iter(py, self.inner.frame.rows.iter().map(|&r| r as u64))
    }

    /// The table's eight float columns, in the order of the study's table (`cltv.csv`).
    fn columns<'py>(&self, py: Python<'py>) -> Vec<F64Out<'py>> {
        self.inner
            .number_columns()
            .into_iter()
            .map(|c| PyArray1::from_slice(py, c))
            .collect()
    }

    /// Per number column, per CLV segment in bin order: (counts, sums), pandas' groupby's.
    fn segment_summary(&self, py: Python<'_>) -> Vec<(Vec<u64>, Vec<f64>)> {
        py.detach(|| {
            self.inner
                .segment_summary()
                .into_iter()
                .map(|g| (g.count, g.sum))
                .collect()
        })
    }

    /// (bin codes, edges, labels in bin order) of the CLV segments.
    #[allow(clippy::type_complexity)]
    fn segment<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<i64>>, F64Out<'py>, Vec<String>) {
        let c = &self.inner.segment;
        (
            PyArray1::from_iter(py, c.codes.iter().map(|&c| c as i64)),
            PyArray1::from_slice(py, &c.edges),
            self.inner.labels.clone(),
        )
    }

    /// The CLV segment labels in bin order (worst first).
    fn segment_labels(&self) -> Vec<String> {
        self.inner.labels.clone()
    }

    /// The BG/NBD fit: (r, alpha, a, b), diagnostics and covariance.
    fn purchases(&self) -> Fit {
        let f = &self.inner.purchases;
        let p = f.model.params();
        Fit::new(&p, f.scale, &f.info)
    }

    /// The Gamma-Gamma fit: (p, q, v), diagnostics and covariance.
    fn spend(&self) -> Fit {
        let f = &self.inner.spend;
        let p = [f.params.p, f.params.q, f.params.v];
        Fit::new(&p, 1.0, &f.info)
    }

    /// (low, up) of the four capped columns, in file order.
    fn thresholds(&self) -> Vec<(f64, f64)> {
        self.inner.frame.thresholds.clone()
    }

    /// The study's table (with `master_id`) as an Arrow C stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        super::arrow::stream(py, &cltv_table(&self.frame, &self.inner))
    }

    /// Writes the study's table (`cltv.csv`) to `path`, atomically, never over the input.
    #[pyo3(signature = (path, format="csv"))]
    fn write_table(&self, py: Python<'_>, path: PathBuf, format: &str) -> PyResult<()> {
        let format = Format::parse(format).map_err(to_py)?;
        run(py, || self.inner.write_table(&self.frame, &path, format))
    }
}

/// The CLTV study's frame: one row per customer kept (`rows` into the customer table).
#[pyclass(frozen, get_all, module = "flo_rfm._flo_rfm")]
pub struct CltvFrame {
    /// Days since 1970-01-01.
    pub(super) analysis_date: i32,
    pub(super) rows: Py<PyArray1<u64>>,
    pub(super) recency_weekly: Py<PyArray1<f64>>,
    pub(super) t_weekly: Py<PyArray1<f64>>,
    pub(super) frequency: Py<PyArray1<f64>>,
    pub(super) monetary_avg: Py<PyArray1<f64>>,
    /// `(low, up)` of the four capped columns, in file order.
    pub(super) thresholds: Vec<(f64, f64)>,
}
